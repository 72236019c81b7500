"""The benchmark script keeps working (on a small stack). Its numbers are not checked here:
timing belongs in `make bench` and BENCHMARKS.md, not in tests."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_benchmark_runs_every_target_on_a_small_stack() -> None:
    result = subprocess.run([sys.executable, str(ROOT / "benchmarks" / "run.py"), "--small"], capture_output=True,
                            text=True, timeout=300, cwd=ROOT)
    assert result.returncode in (0, 1), result.stderr
    rows = [line for line in result.stdout.splitlines() if line.startswith("| ") and not line.startswith("| target")]
    targets = {row.split("|")[1].strip().split(".")[0] for row in rows}
    assert targets == {"1", "2", "3", "4", "5", "6", "7", "8", "9", "10"}, result.stdout
    assert all(row.rstrip().split("|")[4].strip() in ("PASS", "FAIL", "info") for row in rows)
    writes = next(row for row in rows if "one changed field" in row)
    assert "| exactly 1 " in writes and "PASS" in writes, "minimal writes holds at any size"
    in_sync = next(row for row in rows if "in-sync apply" in row)
    assert "PASS" in in_sync
