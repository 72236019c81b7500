"""`make bench`: stream-iac at Stream's own limits, against the emulator on loopback.

Prints one row per target with the measurement, the target and PASS/FAIL. `--small` runs the
same steps on a small stack (used by the test that keeps this script working); its numbers
mean nothing.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import platform
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bigstack import ENV, FULL, SMALL, Size, write_stack  # noqa: E402

from stream_iac.api.client import StreamClient  # noqa: E402
from stream_iac.api.read import list_raw, normalise_all, read_live  # noqa: E402
from stream_iac.api.settings import ConnectionSettings  # noqa: E402
from stream_iac.api.throttle import DOCUMENTED_LIMITS, fetch_app_limits  # noqa: E402
from stream_iac.cli.run import Session, plan_stacks, run, write_operations  # noqa: E402
from stream_iac.executor import Executor  # noqa: E402
from stream_iac.kinds import KINDS  # noqa: E402
from stream_iac.plan import PlanOptions, build_plan  # noqa: E402
from stream_iac.stack.validate import load_and_validate  # noqa: E402

BIN = Path(sys.executable).parent / "stream-iac"
LATENCY_MS = 50
REPEATS = {"plan": 5, "startup": 10, "validate": 5, "many": 7}
KEY, SECRET = "bench-key", "bench-secret-0123456789abcdef"


@dataclass
class Row:
    target: str
    measured: str
    limit: str
    ok: bool
    note: str = ""
    informational: bool = False  # shown for context; no target


# ---------------------------------------------------------------- emulator processes


@contextmanager
def emulator(*extra: str, apps: list[tuple[str, str]] | None = None) -> Iterator[str]:
    args = [str(BIN), "emulator", "--port", "0"]
    for key, secret in apps or [(KEY, SECRET)]:
        args += ["--app", f"{key}:{secret}"]
    proc = subprocess.Popen([*args, *extra], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        assert proc.stdout is not None
        line = proc.stdout.readline()
        if "listening on" not in line:
            raise RuntimeError(f"emulator did not start: {line}{proc.stderr.read() if proc.stderr else ''}")
        yield line.rsplit(" ", 1)[1].strip()
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def client(url: str, key: str = KEY, secret: str = SECRET) -> StreamClient:
    return StreamClient(ConnectionSettings(key, secret, url, timeout=120))


async def apply_stack(url: str, stack: Path, parallelism: int = 8) -> dict[str, Any]:
    desired = load_and_validate(stack, env={**os.environ, **ENV})
    api = client(url)
    try:
        started = time.perf_counter()
        live = await read_live(api)
        plan = build_plan(desired, live, PlanOptions())
        pacing = await fetch_app_limits(api, api.throttle, write_operations(plan)) if plan.changes else None
        report = await Executor(api, parallelism=parallelism).apply(plan)
        return {"seconds": time.perf_counter() - started, "report": report, "plan": plan,
                "requests": dict(api.stats.requests_by_op), "rate_limited": api.stats.rate_limited,
                "waited": api.stats.throttle_wait_seconds, "pacing": pacing}
    finally:
        await api.aclose()


async def plan_once(url: str, stack: Path) -> dict[str, Any]:
    desired = load_and_validate(stack, env={**os.environ, **ENV})
    api = client(url)
    try:
        cpu0, t0 = time.process_time(), time.perf_counter()
        live = await read_live(api)
        plan = build_plan(desired, live, PlanOptions())
        return {"seconds": time.perf_counter() - t0, "cpu": time.process_time() - cpu0, "plan": plan,
                "requests": dict(api.stats.requests_by_op)}
    finally:
        await api.aclose()


# ---------------------------------------------------------------- targets


def target_plan_round_trips(stack: Path, state: Path) -> list[Row]:
    with emulator("--state", str(state), "--latency-ms", str(LATENCY_MS), "--no-rate-limits") as url:
        runs = [asyncio.run(plan_once(url, stack)) for _ in range(REPEATS["plan"])]
    best = min(runs, key=lambda r: r["seconds"])
    calls = best["requests"]
    only_lists = all(op.startswith(("List", "Get")) for op in calls)
    in_sync = all(r["plan"].empty for r in runs)
    budget = 2 * LATENCY_MS / 1000 + best["cpu"]
    return [
        Row("1. plan: only list calls, one round", f"{sum(calls.values())} calls: "
            + ", ".join(f"{op} {n}" for op, n in sorted(calls.items())),
            f"list/get only, {len(KINDS)} + blocklist pages", only_lists and in_sync and sum(calls.values()) <= 9,
            "" if in_sync else "plan of the applied stack was not empty"),
        Row("1. plan: first request → plan ready", f"{best['seconds'] * 1000:.0f} ms (CPU {best['cpu'] * 1000:.0f} ms)",
            f"≤ 2×{LATENCY_MS} ms + CPU = {budget * 1000:.0f} ms", best["seconds"] <= budget),
    ]


def target_diff_cpu(stack: Path, state: Path) -> list[Row]:
    with emulator("--state", str(state), "--no-rate-limits") as url:
        async def raw_live() -> dict[str, Any]:
            api = client(url)
            try:
                out: dict[str, Any] = {}
                for kind in KINDS:
                    out[kind.name] = await list_raw(api, kind)
                return out
            finally:
                await api.aclose()

        raw = asyncio.run(raw_live())
    samples = []
    for _ in range(REPEATS["plan"]):
        cpu0 = time.process_time()
        desired = load_and_validate(stack, env={**os.environ, **ENV})
        live = {kind.name: normalise_all(kind, raw[kind.name]) for kind in KINDS}
        plan = build_plan(desired, live, PlanOptions())
        samples.append(time.process_time() - cpu0)
        assert plan.empty
    cpu = statistics.median(samples)
    return [Row("2. load + normalise + diff CPU", f"{cpu:.3f} s", "≤ 0.3 s", cpu <= 0.3)]


def call_floor(calls: int, per_minute: int) -> float:
    """Earliest time of the last of `calls` requests under per-second (= per-minute/30) and per-minute windows."""
    if calls <= 0:
        return 0.0
    per_second = max(1, per_minute // 30)
    last = calls - 1
    return max(last / per_second, 60.0 * (last // per_minute))


def target_pacing(stack: Path) -> tuple[list[Row], Path]:
    # No --state here: the emulator rewrites its whole state file on every write, which is
    # the emulator's cost, not stream-iac's. The state for the other targets is made apart.
    with emulator() as url:
        result = asyncio.run(apply_stack(url, stack))
    state = Path(tempfile.mkdtemp()) / "applied.json"
    with emulator("--state", str(state), "--no-rate-limits") as url:
        assert asyncio.run(apply_stack(url, stack))["report"].ok
    report = result["report"]
    limited = {op: n for op, n in result["requests"].items() if op in DOCUMENTED_LIMITS and not op.startswith("Get")}
    floor = max((call_floor(n, DOCUMENTED_LIMITS[op]) for op, n in limited.items()), default=0.0)
    ratio = result["seconds"] / floor if floor else 0.0
    rows = [
        Row("3. paced create of the whole stack", f"{result['seconds']:.1f} s (floor {floor:.1f} s from "
            + ", ".join(f"{op} {n}" for op, n in sorted(limited.items())) + f"; ×{ratio:.2f})",
            "≤ 1.15 × floor", report.ok and (floor == 0 or ratio <= 1.15),
            "" if report.ok else f"{report.count('failed')} changes failed"),
        Row("3. 429 responses during the paced apply", str(result["rate_limited"]), "0", result["rate_limited"] == 0,
            f"{result['waited']:.1f} worker-seconds waiting for rate limits"),
    ]
    return rows, state


def paced_floor(calls: int, per_minute: int, per_second: int | None = None) -> float:
    """The earliest start of the last of `calls` requests of one operation under a per-second and a
    per-minute sliding window (greedy: each request as early as both windows allow), unpadded."""
    per_second = per_second or max(1, per_minute // 30)
    starts: list[float] = []
    for i in range(calls):
        t = 0.0
        if i >= per_second:
            t = max(t, starts[i - per_second] + 1.0)
        if i >= per_minute:
            t = max(t, starts[i - per_minute] + 60.0)
        starts.append(t)
    return starts[-1] if starts else 0.0


DEFAULT_PER_MINUTE = 10_000
"""The emulator's limit of an operation Stream documents none for (REFERENCE §3)."""


def scaled_limits(factor: float, ops: list[str]) -> dict[str, tuple[int, int]]:
    """`factor` × the defaults (documented, else 10,000/min) for `ops`: (per minute, per second)."""
    out = {}
    for op in ops:
        minute = max(1, int(DOCUMENTED_LIMITS.get(op, DEFAULT_PER_MINUTE) * factor))
        out[op] = (minute, max(1, minute // 30))
    return out


WRITE_OPS = sorted({endpoint.op for kind in KINDS for endpoint in (kind.api.create, kind.api.update, kind.api.delete)
                    if endpoint is not None})


def target_own_limits(stack: Path, number: int, factor: float, label: str) -> list[Row]:
    """Create the big stack on an app whose limits are `factor` × the defaults: the apply must
    start from the app's own limits (GetRateLimits), so it is neither held to the documented ones
    (factor > 1) nor refused with 429 from its first request (factor < 1)."""
    limits = scaled_limits(factor, WRITE_OPS)
    flags = [arg for op, (minute, second) in limits.items() for arg in ("--limit", f"{op}={minute}/{second}")]
    with emulator(*flags) as url:
        result = asyncio.run(apply_stack(url, stack))
    report = result["report"]
    written = {op: n for op, n in result["requests"].items() if op in limits}
    floors = {op: paced_floor(n, *limits[op]) for op, n in written.items()}
    binding = max(floors, key=lambda op: floors[op]) if floors else ""
    floor = floors.get(binding, 0.0)
    ratio = result["seconds"] / floor if floor else 0.0
    pacing = result["pacing"]
    paced_at_app = pacing is not None and pacing.source == "app"
    shown = ""
    if binding:
        shown = f"{binding} {written[binding]} at {limits[binding][0]}/min, {limits[binding][1]}/s"
    return [
        Row(f"{number}. create on an app at {label} the default limits",
            f"{result['seconds']:.1f} s (floor {floor:.1f} s from {shown}; ×{ratio:.2f})",
            "≤ 1.15 × floor", report.ok and paced_at_app and (floor == 0 or ratio <= 1.15),
            "" if report.ok and paced_at_app else
            f"{report.count('failed')} changes failed; pacing: {pacing.describe() if pacing else 'none'}"),
        Row(f"{number}. 429 responses (from the first request)", str(result["rate_limited"]), "0",
            result["rate_limited"] == 0, f"{result['waited']:.1f} worker-seconds waiting for rate limits"),
    ]


class CountingTransport:
    """httpx's own transport (as the client makes it), counting the connections its pool opens and
    the most requests it had in flight at once (a request is in flight until its body is read)."""

    def __init__(self, base_url: str) -> None:
        from stream_iac.api.client import _default_transport

        self.inner: Any = _default_transport(base_url)
        self.opened = self.in_flight = self.peak = self.requests = 0
        pool = self.inner._pool
        backend = pool._network_backend
        outer = self

        class CountingBackend:
            async def connect_tcp(self, *args: Any, **kwargs: Any) -> Any:
                outer.opened += 1
                return await backend.connect_tcp(*args, **kwargs)

            def __getattr__(self, name: str) -> Any:
                return getattr(backend, name)

        pool._network_backend = CountingBackend()

    async def handle_async_request(self, request: Any) -> Any:
        self.requests += 1
        self.in_flight += 1
        self.peak = max(self.peak, self.in_flight)
        try:
            response = await self.inner.handle_async_request(request)
            await response.aread()
            return response
        finally:
            self.in_flight -= 1

    async def aclose(self) -> None:
        await self.inner.aclose()


def _tls_files(folder: Path) -> tuple[Path, Path, Path]:
    """A CA made now, and a certificate it issued for 127.0.0.1 and localhost (trustme)."""
    import trustme

    ca = trustme.CA()
    cert = ca.issue_cert("127.0.0.1", "localhost")
    ca_file, cert_file, key_file = folder / "ca.pem", folder / "cert.pem", folder / "key.pem"
    ca.cert_pem.write_to_path(str(ca_file))
    cert.private_key_and_cert_chain_pem.write_to_path(str(cert_file))
    cert.private_key_pem.write_to_path(str(key_file))
    return ca_file, cert_file, key_file


async def _tls_plan(url: str, stack: Path) -> dict[str, Any]:
    desired = load_and_validate(stack, env={**os.environ, **ENV})
    transport = CountingTransport(url)
    api = StreamClient(ConnectionSettings(KEY, SECRET, url, timeout=120), transport=transport)  # type: ignore[arg-type]
    try:
        cpu0, t0 = time.process_time(), time.perf_counter()
        live = await read_live(api)
        plan = build_plan(desired, live, PlanOptions())
        return {"seconds": time.perf_counter() - t0, "cpu": time.process_time() - cpu0, "plan": plan,
                "opened": transport.opened, "peak": transport.peak, "requests": transport.requests}
    finally:
        await api.aclose()


def target_tls_plan(stack: Path, state: Path) -> list[Row]:
    """Plan of the big stack over TLS 1.3 with 50 ms latency, from a client with no connection
    yet: TCP, the TLS handshake and one round of concurrent list calls."""
    folder = Path(tempfile.mkdtemp(prefix="stream-iac-tls-"))
    ca_file, cert_file, key_file = _tls_files(folder)
    previous = os.environ.get("SSL_CERT_FILE")
    os.environ["SSL_CERT_FILE"] = str(ca_file)
    try:
        with emulator("--state", str(state), "--no-rate-limits", "--latency-ms", str(LATENCY_MS),
                      "--tls-cert", str(cert_file), "--tls-key", str(key_file)) as url:
            assert url.startswith("https://"), url
            runs = [asyncio.run(_tls_plan(url, stack)) for _ in range(REPEATS["plan"])]
    finally:
        if previous is None:
            os.environ.pop("SSL_CERT_FILE", None)
        else:
            os.environ["SSL_CERT_FILE"] = previous
    median = sorted(runs, key=lambda r: r["seconds"])[len(runs) // 2]
    budget = 3 * LATENCY_MS / 1000 + median["cpu"]
    in_sync = all(r["plan"].empty for r in runs)
    reused = all(r["opened"] <= r["peak"] for r in runs)
    return [
        Row(f"10. TLS plan: first connection → plan ready (median of {len(runs)})",
            f"{median['seconds'] * 1000:.0f} ms (CPU {median['cpu'] * 1000:.0f} ms)",
            f"≤ 3×{LATENCY_MS} ms + CPU = {budget * 1000:.0f} ms", in_sync and median["seconds"] <= budget,
            "" if in_sync else "plan of the applied stack was not empty"),
        Row("10. TLS connections opened / most requests in flight",
            f"{median['opened']} / {median['peak']} ({median['requests']} requests, one origin)",
            "opened ≤ in flight", reused),
    ]


def target_minimal_writes(stack: Path, state: Path) -> list[Row]:
    changed = Path(tempfile.mkdtemp()) / "changed"
    subprocess.run(["cp", "-r", str(stack), str(changed)], check=True)
    text = (changed / "channel_types.yaml").read_text()
    marker = "max_message_length: 4001"
    assert marker in text
    (changed / "channel_types.yaml").write_text(text.replace(marker, "max_message_length: 4242", 1))
    with emulator("--state", str(state)) as url:
        one = asyncio.run(apply_stack(url, changed))
        none = asyncio.run(apply_stack(url, changed))
    writes_one = {op: n for op, n in one["requests"].items() if not op.startswith(("List", "Get"))}
    writes_none = {op: n for op, n in none["requests"].items() if not op.startswith(("List", "Get"))}
    return [
        Row("4. one changed field → writes", ", ".join(f"{op} {n}" for op, n in writes_one.items()) or "none",
            "exactly 1", sum(writes_one.values()) == 1),
        Row("4. in-sync apply → writes", str(sum(writes_none.values())), "0", not writes_none),
    ]


def _median_seconds(args: list[str], runs: int, env: dict[str, str] | None = None) -> float:
    times = []
    for _ in range(runs):
        t0 = time.perf_counter()
        subprocess.run(args, check=False, capture_output=True, env=env)
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


def target_startup(stack: Path) -> list[Row]:
    version = _median_seconds([str(BIN), "--version"], REPEATS["startup"])
    help_ = _median_seconds([str(BIN), "--help"], REPEATS["startup"])
    validate = _median_seconds([str(BIN), "validate", str(stack)], REPEATS["validate"], env={**os.environ, **ENV})
    return [
        Row("5. stream-iac --version (median of 10)", f"{version * 1000:.0f} ms", "≤ 80 ms", version <= 0.08),
        Row("5. stream-iac --help (median of 10)", f"{help_ * 1000:.0f} ms", "≤ 80 ms", help_ <= 0.08),
        Row("5. validate of the big stack (median of 5)", f"{validate:.2f} s", "≤ 0.6 s", validate <= 0.6),
    ]


def target_memory(stack: Path, state: Path) -> list[Row]:
    with emulator("--state", str(state), "--no-rate-limits") as url:
        env = {**os.environ, **ENV, "STREAM_BASE_URL": url, "STREAM_API_KEY": KEY, "STREAM_API_SECRET": SECRET}
        probe = ("import resource, subprocess, sys; r = subprocess.run(sys.argv[1:], capture_output=True); "
                 "print(r.returncode, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)")
        out = subprocess.run([sys.executable, "-c", probe, str(BIN), "plan", str(stack)], env=env,
                             capture_output=True, text=True, check=True).stdout.split()
    code, rss_kb = int(out[0]), int(out[1])
    mb = rss_kb / 1024
    return [Row("6. peak RSS of plan", f"{mb:.0f} MB", "≤ 150 MB", mb <= 150 and code == 0,
                "" if code == 0 else f"plan exited {code}")]


def target_many_apps(size: Size) -> list[Row]:
    """`stream-iac plan` of 20 stacks (one app each) against the same command for one stack,
    both as whole commands (what a user or a CI job waits for), and, for information, the
    same two plans in-process with start-up left out."""
    apps = [(f"region{i:02d}-key", f"region{i:02d}-secret-0123456789") for i in range(20)]
    root = Path(tempfile.mkdtemp())
    env = dict(os.environ) | ENV
    stacks = []
    for i, (key, secret) in enumerate(apps):
        creds = {"api_key_env": f"R{i}_KEY", "api_secret_env": f"R{i}_SECRET"}
        stacks.append(str(write_stack(root / f"region{i:02d}", size, name=f"region{i:02d}", credentials=creds)))
        env[f"R{i}_KEY"], env[f"R{i}_SECRET"] = key, secret
    state = root / "state.json"
    with emulator("--state", str(state), "--no-rate-limits", apps=apps) as url:
        session = Session(env={**env, "STREAM_BASE_URL": url})
        asyncio.run(_apply_all(session, stacks))
    with emulator("--state", str(state), "--no-rate-limits", "--latency-ms", str(LATENCY_MS), apps=apps) as url:
        command_env = {**env, "STREAM_BASE_URL": url}
        one, many = _median_plan_commands([stacks[:1], stacks], command_env, REPEATS["many"])
        session = Session(env=command_env)
        lib_runs = [(_timed_plan(session, stacks[:1]), _timed_plan(session, stacks)) for _ in range(REPEATS["many"])]
        lib_one, lib_many = (statistics.median(times) for times in zip(*lib_runs, strict=True))
    return [
        Row(f"7. `plan` of 20 stacks / of 1 (median of {REPEATS['many']})",
            f"{many * 1000:.0f} ms / {one * 1000:.0f} ms (×{many / one:.2f})", "≤ 2 × one", many <= 2 * one,
            f"each region: {size.objects} objects"),
        Row("7. the same in-process, start-up excluded (median)", f"{lib_many * 1000:.0f} ms / {lib_one * 1000:.0f} ms "
            f"(×{lib_many / lib_one:.2f})", "none", True, informational=True),
    ]


def _median_plan_commands(stack_sets: list[list[str]], env: dict[str, str], runs: int) -> list[float]:
    """Median wall time of `plan` over each set of stacks. The sets take turns, so a machine
    that slows down for a while (shared CPUs do) slows each of them alike."""
    times: list[list[float]] = [[] for _ in stack_sets]
    for _ in range(runs):
        for stacks, seen in zip(stack_sets, times, strict=True):
            t0 = time.perf_counter()
            done = subprocess.run([str(BIN), "plan", "--detailed-exitcode", *stacks], env=env,
                                  capture_output=True, text=True)
            seen.append(time.perf_counter() - t0)
            if done.returncode != 0:
                raise RuntimeError(f"plan of {len(stacks)} stacks exited {done.returncode}: {done.stderr[-500:]}")
    return [statistics.median(seen) for seen in times]


async def _apply_all(session: Session, stacks: list[str]) -> None:
    from stream_iac.cli.run import apply_plan

    results = await plan_stacks(session, stacks, PlanOptions())
    for result in results:
        report = await apply_plan(session, result.settings, result.plan, parallelism=8)
        assert report.ok, [r for r in report.results if r.status != "applied"]


def _timed_plan(session: Session, stacks: list[str]) -> float:
    t0 = time.perf_counter()
    results = run(plan_stacks(session, stacks, PlanOptions()))
    elapsed = time.perf_counter() - t0
    assert all(r.plan.empty for r in results)
    return elapsed


# ---------------------------------------------------------------- main


def render(rows: list[Row]) -> str:
    titles = {"target": "target", "measured": "measured", "limit": "target value"}
    widths = [max(len(titles[f]), *(len(getattr(r, f)) for r in rows)) for f in titles]
    head = f"| {'target':<{widths[0]}} | {'measured':<{widths[1]}} | {'target value':<{widths[2]}} | result |"
    lines = [head, "|" + "|".join("-" * (w + 2) for w in widths) + "|--------|"]
    for r in rows:
        result = "info" if r.informational else "PASS" if r.ok else "FAIL"
        note = f" {r.note}" if r.note else ""
        cells = f"| {r.target:<{widths[0]}} | {r.measured:<{widths[1]}} | {r.limit:<{widths[2]}} |"
        lines.append(f"{cells} {result} |{note}")
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--small", action="store_true", help="a small stack, to check that the script works")
    parser.add_argument("--many-apps-only", action="store_true", help="only target 7 (many apps), for quick checks")
    parser.add_argument("--new-only", action="store_true", help="only targets 8-10 (own limits, TLS), for quick checks")
    args = parser.parse_args()
    size = SMALL if args.small else FULL
    if args.small:
        REPEATS.update(plan=2, startup=2, validate=1, many=1)
    regional = SMALL if args.small else Size(channel_types=10, commands=20, blocklists=2, words=200, roles=5,
                                             push_providers=2, permissions=3)
    work = Path(tempfile.mkdtemp(prefix="stream-iac-bench-"))
    stack = write_stack(work / "stack", size)
    print(f"stream-iac benchmark: {size.objects} objects, {size.blocklists}×{size.words} blocklist words; "
          f"{platform.node()} {platform.machine()}, {os.cpu_count()} CPUs, Python {platform.python_version()}, "
          f"{time.strftime('%Y-%m-%d')}", flush=True)
    rows: list[Row] = []
    if args.many_apps_only:
        rows += target_many_apps(regional)
        print(render(rows))
        return 0 if all(r.ok for r in rows) else 1
    if args.new_only:
        state = Path(tempfile.mkdtemp()) / "applied.json"
        with emulator("--state", str(state), "--no-rate-limits") as url:
            assert asyncio.run(apply_stack(url, stack))["report"].ok
        rows += target_tls_plan(stack, state)
        rows += target_own_limits(stack, 8, 10, "10×")
        rows += target_own_limits(stack, 9, 0.5, "½×")
        print(render(rows))
        return 0 if all(r.ok for r in rows) else 1
    pacing, state = target_pacing(stack)
    rows += pacing
    rows += target_plan_round_trips(stack, state)
    tls = target_tls_plan(stack, state)  # before target 4 changes the applied state
    rows += target_diff_cpu(stack, state)
    rows += target_minimal_writes(stack, state)
    rows += target_startup(stack)
    rows += target_memory(stack, state)
    rows += target_many_apps(regional)
    rows += target_own_limits(stack, 8, 10, "10×")
    rows += target_own_limits(stack, 9, 0.5, "½×")
    rows += tls
    print(render(rows))
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"(benchmark process peak RSS {peak:.0f} MB)")
    return 0 if all(r.ok for r in rows) else 1


if __name__ == "__main__":
    sys.exit(main())
