"""The benchmark script keeps working (on a small stack). Its numbers are not checked here:
timing belongs in `make bench` and BENCHMARKS.md, not in tests."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_benchmark_runs_every_target_on_a_small_stack() -> None:
    result = subprocess.run([sys.executable, str(ROOT / "benchmarks" / "run.py"), "--small"], capture_output=True,
                            text=True, timeout=600, cwd=ROOT)
    assert result.returncode in (0, 1), result.stderr
    rows = [line for line in result.stdout.splitlines() if line.startswith("| ") and not line.startswith("| target")]
    targets = {row.split("|")[1].strip().split(".")[0] for row in rows}
    assert targets == {str(n) for n in range(1, 13)}, result.stdout
    assert all(row.rstrip().split("|")[4].strip() in ("PASS", "FAIL", "info") for row in rows)
    writes = next(row for row in rows if "one changed field" in row)
    assert "| exactly 1 " in writes and "PASS" in writes, "minimal writes holds at any size"
    in_sync = next(row for row in rows if "in-sync apply" in row)
    assert "PASS" in in_sync
    fleet = [row for row in rows if row.startswith("| 12.")]
    assert len(fleet) == 3 and "6 stacks" in fleet[0], "the fleet scenario ran (small: 6 stacks against 2)"
    floor, *startup = [row for row in rows if row.startswith("| 11.")]
    assert "libraries' own start-up" in floor and floor.rstrip().split("|")[4].strip() == "info"
    assert [("`plan`" in row, "`validate`" in row) for row in startup] == [(True, False), (False, True)]


def test_only_runs_the_targets_named() -> None:
    result = subprocess.run([sys.executable, str(ROOT / "benchmarks" / "run.py"), "--small", "--only", "11"],
                            capture_output=True, text=True, timeout=300, cwd=ROOT)
    assert result.returncode in (0, 1), result.stderr
    rows = [line for line in result.stdout.splitlines() if line.startswith("| ") and not line.startswith("| target")]
    assert {row.split("|")[1].strip().split(".")[0] for row in rows} == {"11"}, result.stdout


def test_only_refuses_an_unknown_target() -> None:
    result = subprocess.run([sys.executable, str(ROOT / "benchmarks" / "run.py"), "--only", "13"],
                            capture_output=True, text=True, timeout=60, cwd=ROOT)
    assert result.returncode != 0 and "no target 13" in result.stderr
