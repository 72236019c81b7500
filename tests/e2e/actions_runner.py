"""Just enough of GitHub Actions to run the example workflows for real: jobs with their `needs`
outputs, steps with `if:` conditions, `${{ }}` expressions, `env` at every level, GITHUB_OUTPUT,
GITHUB_PATH and GITHUB_STEP_SUMMARY, and the composite action at the repository root run step by
step from its action.yml. Steps that use other actions are played by small stand-ins:
checkout (the workspace is already there), setup-python (the Python on PATH is used), and
upload/download-artifact (a folder per artifact)."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

EXPRESSION = re.compile(r"\$\{\{(.*?)\}\}", re.S)
TOKEN = re.compile(r"\s*(?:(?P<str>'(?:[^']|'')*')|(?P<num>\d+(?:\.\d+)?)|(?P<op>==|!=|&&|\|\||!|\(|\))"
                   r"|(?P<fn>[A-Za-z_]\w*)\(\)|(?P<ref>[A-Za-z_][\w.\-\[\]*]*))")


def load_yaml(path: Path) -> dict[Any, Any]:
    doc: dict[Any, Any] = yaml.safe_load(path.read_text(encoding="utf-8"))
    return doc


@dataclass
class Context:
    """The expression contexts one step sees."""

    values: dict[str, Any]
    status: str = "success"  # of the job so far: success or failure

    def lookup(self, ref: str) -> Any:
        node: Any = self.values
        for part in ref.split("."):
            if not isinstance(node, dict) or part not in node:
                return ""
            node = node[part]
        return "" if node is None else node

    def evaluate(self, expression: str) -> Any:
        """A GitHub expression: context references, 'strings', numbers, ==, !=, &&, ||, !, (),
        and the status functions."""
        python: list[str] = []
        position = 0
        text = expression.strip()
        while position < len(text):
            match = TOKEN.match(text, position)
            if not match or match.end() == position:
                raise ValueError(f"cannot evaluate {expression!r} at {text[position:]!r}")
            position = match.end()
            if match["str"] is not None:
                python.append(repr(match["str"][1:-1].replace("''", "'")))
            elif match["num"] is not None:
                python.append(match["num"])
            elif match["op"] is not None:
                python.append({"&&": " and ", "||": " or ", "!": " not "}.get(match["op"], match["op"]))
            elif match["fn"] is not None:
                python.append({"success": repr(self.status == "success"), "failure": repr(self.status == "failure"),
                               "always": "True", "cancelled": "False"}[match["fn"]])
            else:
                python.append(repr(self.lookup(match["ref"])))
        return eval("".join(python), {"__builtins__": {}})  # noqa: S307 - test code, our own tokens only

    def substitute(self, value: Any) -> str:
        """A string with its `${{ }}` expressions replaced by their values."""
        def one(match: re.Match[str]) -> str:
            result = self.evaluate(match.group(1))
            return str(result).lower() if isinstance(result, bool) else str(result)

        return EXPRESSION.sub(one, str(value))

    def condition(self, raw: Any) -> bool:
        if raw is None:
            return self.status == "success"
        text = str(raw).strip()
        match = EXPRESSION.fullmatch(text)
        return bool(self.evaluate(match.group(1) if match else text))


@dataclass
class StepResult:
    name: str
    outcome: str  # success, failure, skipped
    outputs: dict[str, str]
    log: str = ""


@dataclass
class JobResult:
    name: str
    result: str
    outputs: dict[str, str]
    steps: list[StepResult]
    summary: str

    def step(self, step_id_or_name: str) -> StepResult:
        return next(s for s in self.steps if s.name == step_id_or_name)

    @property
    def log(self) -> str:
        return "\n".join(f"--- {s.name} [{s.outcome}]\n{s.log}" for s in self.steps)


@dataclass
class Runner:
    """Runs jobs of one workflow in `workspace`, with `base_env` as the runner's environment."""

    workspace: Path
    temp: Path  # RUNNER_TEMP (shared by every job here, so the action's install is done once)
    action_path: Path  # the checkout of this repository that `uses: <owner>/stream-iac@<ref>` gets
    base_env: dict[str, str]
    secrets: dict[str, str]
    github: dict[str, Any]
    artifacts: Path

    def run_job(self, workflow: dict[Any, Any], job_name: str,
                needs: dict[str, JobResult] | None = None) -> JobResult:
        job = workflow["jobs"][job_name]
        ctx = Context({"secrets": self.secrets, "github": self.github, "env": {}, "steps": {},
                       "needs": {n: {"outputs": r.outputs, "result": r.result} for n, r in (needs or {}).items()},
                       "runner": {"temp": str(self.temp)}})
        if not ctx.condition(job.get("if")):
            return JobResult(job_name, "skipped", {}, [], "")
        env = self._env_block(ctx, workflow.get("env"), {})
        env = self._env_block(ctx, job.get("env"), env)
        paths: list[str] = []
        summary: list[str] = []
        results: list[StepResult] = []
        for number, step in enumerate(job["steps"]):
            name = step.get("id") or step.get("name") or f"step {number}"
            ctx.values["env"] = env
            if not ctx.condition(step.get("if")):
                results.append(StepResult(name, "skipped", {}))
                continue
            step_env = self._env_block(ctx, step.get("env"), env)
            if "uses" in step:
                result = self._uses(ctx, step, step_env, paths, summary, name)
            else:
                result = self._run(step["run"], step_env, paths, summary, name, shell=step.get("shell"))
            results.append(result)
            ctx.values["steps"][name] = {"outputs": result.outputs, "outcome": result.outcome,
                                         "conclusion": result.outcome}
            if result.outcome == "failure" and not step.get("continue-on-error"):
                ctx.status = "failure"
        outputs = {key: ctx.substitute(value) for key, value in (job.get("outputs") or {}).items()}
        return JobResult(job_name, ctx.status, outputs, results, "".join(summary))

    # ------------------------------------------------------------ steps

    def _env_block(self, ctx: Context, block: dict[str, Any] | None, env: dict[str, str]) -> dict[str, str]:
        merged = dict(env)
        for key, value in (block or {}).items():
            ctx.values["env"] = merged
            merged[key] = ctx.substitute(value)
        return merged

    def _process_env(self, env: dict[str, str], paths: list[str]) -> dict[str, str]:
        full = {**self.base_env, **env}
        full["PATH"] = os.pathsep.join([*reversed(paths), self.base_env["PATH"]])
        full.update({"RUNNER_TEMP": str(self.temp), "GITHUB_WORKSPACE": str(self.workspace), "CI": "true",
                     "GITHUB_ACTIONS": "true", "GITHUB_REPOSITORY": str(self.github.get("repository", "")),
                     "GITHUB_EVENT_NAME": str(self.github.get("event_name", ""))})
        return full

    def _run(self, script: str, env: dict[str, str], paths: list[str], summary: list[str], name: str,
             shell: str | None = None, cwd: Path | None = None) -> StepResult:
        files = {key: self.temp / f"{key.lower()}-{len(summary)}-{abs(hash(name))}" for key in
                 ("GITHUB_OUTPUT", "GITHUB_PATH", "GITHUB_STEP_SUMMARY")}
        for file in files.values():
            file.write_text("")
        full = self._process_env(env, paths)
        full.update({key: str(path) for key, path in files.items()})
        # As the runner does: `bash -e {0}` by default, `bash --noprofile --norc -eo pipefail {0}` for shell: bash.
        command = ["bash", "--noprofile", "--norc", "-eo", "pipefail", "-c", script] if shell == "bash" else \
            ["bash", "-e", "-c", script]
        proc = subprocess.run(command, cwd=cwd or self.workspace, env=full, capture_output=True, text=True,
                              timeout=300)
        paths.extend(line for line in files["GITHUB_PATH"].read_text().splitlines() if line)
        summary.append(files["GITHUB_STEP_SUMMARY"].read_text())
        outputs = parse_outputs(files["GITHUB_OUTPUT"].read_text())
        return StepResult(name, "success" if proc.returncode == 0 else "failure", outputs,
                          f"exit {proc.returncode}\n{proc.stdout}\n{proc.stderr}")

    def _uses(self, ctx: Context, step: dict[str, Any], env: dict[str, str], paths: list[str],
              summary: list[str], name: str) -> StepResult:
        uses = str(step["uses"])
        inputs = {key: ctx.substitute(value) for key, value in (step.get("with") or {}).items()}
        action = uses.split("@", 1)[0]
        if action.endswith("/stream-iac"):
            return self._composite(inputs, env, paths, summary, name)
        if action in ("actions/checkout", "actions/setup-python"):
            return StepResult(name, "success", {}, f"{uses}: stand-in, nothing to do")
        if action == "actions/upload-artifact":
            target = self.artifacts / inputs["name"]
            target.mkdir(parents=True, exist_ok=True)
            source = self.workspace / inputs["path"]
            if not source.exists():
                return StepResult(name, "failure", {}, f"no file {source}")
            shutil.copy2(source, target / source.name)
            return StepResult(name, "success", {}, f"uploaded {source.name}")
        if action == "actions/download-artifact":
            source = self.artifacts / inputs["name"]
            for file in source.iterdir():
                shutil.copy2(file, self.workspace / file.name)
            return StepResult(name, "success", {}, f"downloaded {inputs['name']}")
        raise AssertionError(f"no stand-in for {uses}")

    def _composite(self, given: dict[str, str], env: dict[str, str], paths: list[str], summary: list[str],
                   name: str) -> StepResult:
        action = load_yaml(self.action_path / "action.yml")
        inputs = {key: str(spec.get("default", "")) for key, spec in action["inputs"].items()}
        unknown = set(given) - set(inputs)
        assert not unknown, f"inputs the action does not have: {unknown}"
        inputs.update(given)
        ctx = Context({"inputs": inputs, "github": {**self.github, "action_path": str(self.action_path)},
                       "steps": {}, "env": env, "runner": {"temp": str(self.temp)}})
        logs: list[str] = []
        for number, step in enumerate(action["runs"]["steps"]):
            step_name = step.get("id") or step.get("name") or f"step {number}"
            if not ctx.condition(step.get("if")):
                continue
            if "uses" in step:
                assert str(step["uses"]).startswith("actions/setup-python@"), step
                logs.append(f"{step['uses']}: stand-in, the Python on PATH is used")
                continue
            assert step.get("shell") == "bash", "composite run steps need shell: bash"
            step_env = {**env, "GITHUB_ACTION_PATH": str(self.action_path)}
            for key, value in (step.get("env") or {}).items():
                step_env[key] = ctx.substitute(value)
            result = self._run(step["run"], step_env, paths, summary, f"{name}/{step_name}", shell="bash")
            logs.append(f"- {step_name}: {result.log}")
            ctx.values["steps"][step_name] = {"outputs": result.outputs, "outcome": result.outcome}
            if result.outcome == "failure":
                ctx.status = "failure"
                break
        outputs = {key: ctx.substitute(spec["value"]) for key, spec in action["outputs"].items()}
        return StepResult(name, ctx.status, outputs, "\n".join(logs))


def parse_outputs(text: str) -> dict[str, str]:
    """GITHUB_OUTPUT lines: `key=value`, or `key<<DELIMITER` ... `DELIMITER`."""
    outputs: dict[str, str] = {}
    lines = iter(text.splitlines())
    for line in lines:
        if "<<" in line and ("=" not in line or line.index("<<") < line.index("=")):
            key, delimiter = line.split("<<", 1)
            value: list[str] = []
            for inner in lines:
                if inner == delimiter:
                    break
                value.append(inner)
            outputs[key] = "\n".join(value)
        elif "=" in line:
            key, value_text = line.split("=", 1)
            outputs[key] = value_text
    return outputs
