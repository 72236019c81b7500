"""The example GitHub workflows are valid, and their shell steps work against the emulator:
each `run:` script is executed with bash, as Actions would, with `pip` and `gh` stubbed."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

from stream_emulator import Emulator, EmulatorOptions, serve_in_thread

ROOT = Path(__file__).resolve().parents[2]
WORKFLOWS = sorted((ROOT / "examples" / "ci").glob("*.yml"))
BIN = Path(sys.executable).parent
KEY, SECRET = "ci-key", "ci-secret-0123456789"


def load(path: Path) -> dict[Any, Any]:
    doc: dict[Any, Any] = yaml.safe_load(path.read_text())
    return doc


@pytest.mark.parametrize("path", WORKFLOWS, ids=lambda p: p.name)
def test_workflow_is_valid(path: Path) -> None:
    doc = load(path)
    assert doc["name"] and doc["jobs"]
    assert True in doc or "on" in doc  # YAML 1.1 reads the key `on` as True
    for job in doc["jobs"].values():
        assert job["runs-on"] and job["steps"]
        for step in job["steps"]:
            assert "run" in step or "uses" in step


def run_step(script: str, cwd: Path, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["bash", "-eo", "pipefail", "-c", script], cwd=cwd, env=env, capture_output=True,
                          text=True, timeout=120)


@pytest.fixture
def workspace(tmp_path: Path) -> Any:
    stack = tmp_path / "stacks" / "production"
    stack.mkdir(parents=True)
    (stack / "stack.yaml").write_text(yaml.safe_dump({
        "roles": ["support_agent"],
        "commands": {"ticket": {"description": "Open a ticket"}},
        "push_providers": {"apn": {"type": "apn", "apn_topic": "com.example", "apn_auth_key": "${env:PROD_APN_P8}"}},
        "app": {"push_config": {"version": "v3"}},
    }))
    stubs = tmp_path / "stubs"
    stubs.mkdir()
    for name in ("pip", "gh"):
        (stubs / name).write_text(f'#!/bin/sh\necho "{name} $*" >> "{tmp_path}/stub-calls.log"\n')
        (stubs / name).chmod(0o755)
    emulator = Emulator(EmulatorOptions(apps=[(KEY, SECRET)], rate_limits=False))
    handle = serve_in_thread(emulator, host="127.0.0.1", port=0)
    env = {
        "PATH": f"{stubs}:{BIN}:{os.environ['PATH']}", "HOME": str(tmp_path),
        "STREAM_BASE_URL": handle.url, "STREAM_API_KEY": KEY, "STREAM_API_SECRET": SECRET,
        "PROD_APN_P8": "apn-key-material-ci", "PROD_SQS_SECRET": "sqs-ci", "STACK": "stacks/production",
        "GITHUB_OUTPUT": str(tmp_path / "output"), "GITHUB_STEP_SUMMARY": str(tmp_path / "summary.md"),
        "PR": "7", "GH_TOKEN": "x",
    }
    try:
        yield tmp_path, env, emulator
    finally:
        handle.stop()


def steps(name: str, job: str) -> list[dict[str, Any]]:
    doc = load(ROOT / "examples" / "ci" / name)
    return [s for s in doc["jobs"][job]["steps"] if "run" in s]


def test_pull_request_plan_and_merge_apply_and_drift(workspace: Any) -> None:
    tmp, env, emulator = workspace
    for step in steps("stream-iac-plan-apply.yml", "plan"):
        result = run_step(step["run"], tmp, env)
        assert result.returncode == 0, (step, result.stdout, result.stderr)
    assert "exitcode=2" in (tmp / "output").read_text()
    comment = (tmp / "plan.md").read_text()
    assert comment.startswith("## stream-iac plan") and "create commands.ticket" in comment
    assert "gh pr comment 7 --body-file plan.md --edit-last" in (tmp / "stub-calls.log").read_text()

    drift = steps("stream-iac-drift.yml", "drift")[-1]
    assert run_step(drift["run"], tmp, env).returncode == 2, "drift before apply"

    for step in steps("stream-iac-plan-apply.yml", "apply"):
        result = run_step(step["run"], tmp, env)
        assert result.returncode == 0, (step, result.stdout, result.stderr)
    assert "ticket" in {c["name"] for c in emulator.snapshot(KEY)["commands"]}
    assert run_step(drift["run"], tmp, env).returncode == 0, "in sync after apply"
    summary = (tmp / "summary.md").read_text()
    assert "## stream-iac drift" in summary
    assert "apn-key-material-ci" not in summary + comment
