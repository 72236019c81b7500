"""`make bench`: stream-iac at Stream's own limits, against the emulator on loopback.

Prints one row per target with the measurement, the target and PASS/FAIL. `--only 8,9,11,12`
runs some of the twelve targets (quick checks while working on one). `--small` runs the same
steps on small stacks (used by the test that keeps this script working); its numbers mean
nothing.
"""

from __future__ import annotations

import argparse
import asyncio
import compileall
import json
import os
import platform
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bigstack import ENV, FULL, SMALL, Size, write_stack  # noqa: E402

from stream_iac.api.client import StreamClient  # noqa: E402
from stream_iac.api.read import list_raw, normalise_all, read_live  # noqa: E402
from stream_iac.api.settings import ConnectionSettings  # noqa: E402
from stream_iac.api.throttle import DOCUMENTED_LIMITS, Slot, Throttle, fetch_app_limits  # noqa: E402
from stream_iac.cli.run import Session, apply_operations, plan_stacks, run  # noqa: E402
from stream_iac.executor import Executor  # noqa: E402
from stream_iac.kinds import KINDS  # noqa: E402
from stream_iac.kinds.base import Context  # noqa: E402
from stream_iac.plan import PlanOptions, build_plan  # noqa: E402
from stream_iac.stack.validate import load_and_validate  # noqa: E402

BIN = Path(sys.executable).parent / "stream-iac"
LATENCY_MS = 50
REPEATS = {"plan": 5, "startup": 10, "validate": 5, "many": 7, "turns": 11, "fleet": 3}
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
    """A `stream-iac emulator` process serving `apps` (default: the benchmark's app; [] for only
    those of an `--apps-file` in `extra`); yields its URL."""
    args = [str(BIN), "emulator", "--port", "0"]
    for key, secret in [(KEY, SECRET)] if apps is None else apps:
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


class Recorder:
    """When each request of an apply started (seconds since the apply started), per operation."""

    def __init__(self) -> None:
        self.origin = time.perf_counter()
        self.starts: dict[str, list[float]] = {}

    def record(self, op: str) -> None:
        self.starts.setdefault(op, []).append(time.perf_counter() - self.origin)

    def first(self, op: str) -> float:
        return min(self.starts.get(op) or [0.0])

    def verification_start(self) -> float | None:
        """The first read after the last write: when verification began (None without writes)."""
        reads = {op for op in self.starts if op.startswith(("List", "Get"))}
        writes = [t for op, times in self.starts.items() if op not in reads for t in times]
        if not writes:
            return None
        last_write = max(writes)
        return min((t for op in reads for t in self.starts[op] if t > last_write), default=None)


class RecordingThrottle(Throttle):
    """The client's throttle, recording each request's start; `paced=False` never waits (for the
    apply with no rate limits at all that the own-limits floors are measured against)."""

    def __init__(self, recorder: Recorder, paced: bool = True) -> None:
        super().__init__() if paced else super().__init__({})
        self.recorder, self.paced = recorder, paced

    async def take(self, op: str) -> Slot:
        slot = await super().take(op) if self.paced else Slot(op, time.monotonic(), 0.0)
        self.recorder.record(op)
        return slot

    def release(self, slot: Slot) -> None:
        if self.paced:
            super().release(slot)

    def observe(self, op: str, headers: Any) -> None:
        if self.paced:
            super().observe(op, headers)


async def apply_stack(url: str, stack: Path, parallelism: int = 8, paced: bool = True) -> dict[str, Any]:
    """Plan and apply `stack` (with GetRateLimits first, as `apply` does) and verify it. With
    `paced=False` the client never waits for rate limits (the emulator must not enforce them)."""
    desired = load_and_validate(stack, env={**os.environ, **ENV})
    recorder = Recorder()
    api = StreamClient(ConnectionSettings(KEY, SECRET, url, timeout=120), throttle=RecordingThrottle(recorder, paced))
    try:
        started = recorder.origin = time.perf_counter()
        live = await read_live(api, hint=desired.context())
        plan = build_plan(desired, live, PlanOptions())
        pacing = await fetch_app_limits(api, api.throttle, apply_operations(plan)) if plan.changes else None
        report = await Executor(api, parallelism=parallelism).apply(plan)
        return {"seconds": time.perf_counter() - started, "report": report, "plan": plan,
                "requests": dict(api.stats.requests_by_op), "rate_limited": api.stats.rate_limited,
                "waited": api.stats.throttle_wait_seconds, "pacing": pacing, "recorder": recorder}
    finally:
        await api.aclose()


async def plan_once(url: str, stack: Path) -> dict[str, Any]:
    desired = load_and_validate(stack, env={**os.environ, **ENV})
    api = client(url)
    try:
        cpu0, t0 = time.process_time(), time.perf_counter()
        live = await read_live(api, hint=desired.context())
        plan = build_plan(desired, live, PlanOptions())
        return {"seconds": time.perf_counter() - t0, "cpu": time.process_time() - cpu0, "plan": plan,
                "requests": dict(api.stats.requests_by_op), "expected": expected_reads(desired.context(), live)}
    finally:
        await api.aclose()


def expected_reads(hint: Context, live: dict[str, dict[str, Any]]) -> dict[str, tuple[int, int]]:
    """The list calls one plan makes, per operation, as (fewest, most), derived from the kinds:
    one call per kind; a paged call once per page of what is live (one more when the last page
    is exactly full: the API may then give a cursor to an empty page); a fanned-out call once
    per query its own parameters and the hint's objects give (the stack declares what is live,
    so no second round)."""
    expected: dict[str, tuple[int, int]] = {}
    for kind in KINDS:
        lister, fan_out = kind.api.read, kind.api.read.fan_out
        if fan_out is not None:
            queries = fan_out.queries({}) + fan_out.queries(hint.get(fan_out.over, {}) if fan_out.over else {})
            calls = len({tuple(sorted(query.items())) for query in queries})
            fewest = most = calls
        elif lister.page_size:
            count = len(live.get(kind.name, {}))
            fewest = max(1, -(-count // lister.page_size))
            most = count // lister.page_size + 1
        else:
            fewest = most = 1
        low, high = expected.get(lister.op, (0, 0))
        expected[lister.op] = (low + fewest, high + most)
    return expected


# ---------------------------------------------------------------- targets


def target_plan_round_trips(stack: Path, state: Path) -> list[Row]:
    with emulator("--state", str(state), "--latency-ms", str(LATENCY_MS), "--no-rate-limits") as url:
        runs = [asyncio.run(plan_once(url, stack)) for _ in range(REPEATS["plan"])]
    best = min(runs, key=lambda r: r["seconds"])
    calls, expected = best["requests"], best["expected"]
    only_lists = all(op.startswith(("List", "Get")) for op in calls)
    as_expected = set(calls) == set(expected) and all(
        expected[op][0] <= n <= expected[op][1] for op, n in calls.items())
    in_sync = all(r["plan"].empty for r in runs)
    budget = 2 * LATENCY_MS / 1000 + best["cpu"]
    fewest, most = (sum(bounds[i] for bounds in expected.values()) for i in (0, 1))
    return [
        Row("1. plan: only list calls, one round", f"{sum(calls.values())} calls: "
            + ", ".join(f"{op} {n}" for op, n in sorted(calls.items())),
            f"list/get only, one per kind ({len(KINDS)}) + pages + fan-out = "
            + (f"{fewest}" if fewest == most else f"{fewest}–{most}"),
            only_lists and as_expected and in_sync,
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


APP_OPS = sorted({endpoint.op for kind in KINDS for endpoint in (kind.api.create, kind.api.update, kind.api.delete)
                  if endpoint is not None} | {kind.api.read.op for kind in KINDS})
"""The operations an app at N× the defaults has N× limits for: every write, and the list calls
(a plan reads them, and so does verification after apply)."""


FREE_TURNS = 3
"""Runs of the apply with no rate limits an own-limits floor is measured on (their median)."""


def _unpaced_parts(free: dict[str, Any], binding: str) -> tuple[float, float]:
    """Of an apply with no rate limits: the time until the first call of `binding`, and the time
    from the first read after the last write (verification) to the end."""
    before = free["recorder"].first(binding) if binding else 0.0
    verify_start = free["recorder"].verification_start()
    return before, free["seconds"] - verify_start if verify_start is not None else 0.0


def target_own_limits(stack: Path, number: int, factor: float, label: str, turns: int = 1) -> list[Row]:
    """Create the big stack on an app whose limits are `factor` × the defaults: the apply must
    start from the app's own limits (GetRateLimits), so it is neither held to the documented ones
    (factor > 1) nor refused with 429 from its first request (factor < 1).

    The floor adds to what the app's limits allow the work no limit paces, measured in the same
    run, turn about, on the same apply with no rate limits at all (the emulator enforcing none, the
    client never waiting; the median of FREE_TURNS runs): the time until the first call of the
    binding operation (the one whose limits need longest) could start (reads, GetRateLimits, the
    writes it depends on), then the earliest its last call may start under its limits
    (`paced_floor`), then verification (from the first read after the last write to the end).
    Work that can overlap the paced calls is not counted."""
    limits = scaled_limits(factor, APP_OPS)
    flags = [arg for op, (minute, second) in limits.items() for arg in ("--limit", f"{op}={minute}/{second}")]
    paced_runs, free_runs = [], []
    for turn in range(max(turns, FREE_TURNS)):
        if turn < turns:
            with emulator(*flags) as url:
                paced_runs.append(asyncio.run(apply_stack(url, stack)))
        with emulator("--no-rate-limits") as url:
            free_runs.append(asyncio.run(apply_stack(url, stack, paced=False)))
    result = sorted(paced_runs, key=lambda r: r["seconds"])[len(paced_runs) // 2]
    report = result["report"]
    written = {op: n for op, n in result["requests"].items() if op in limits}
    floors = {op: paced_floor(n, *limits[op]) for op, n in written.items()}
    binding = max(floors, key=lambda op: (floors[op], written[op])) if floors else ""
    paced = floors.get(binding, 0.0)
    parts = [_unpaced_parts(free, binding) for free in free_runs]
    before, after = sorted(parts, key=sum)[len(parts) // 2]  # median, as the paced run's time is
    floor = before + paced + after
    ratio = result["seconds"] / floor if floor else 0.0
    pacing = result["pacing"]
    paced_at_app = pacing is not None and pacing.source == "app"
    ok = all(r["report"].ok for r in paced_runs + free_runs) and paced_at_app
    shown = ""
    if binding:
        shown = (f"{before:.2f} s to the first {binding} + {written[binding]} of them at {limits[binding][0]}/min, "
                 f"{limits[binding][1]}/s {paced:.2f} s + verification {after:.2f} s")
    rate_limited = max(r["rate_limited"] for r in paced_runs)
    turns_note = f" (median of {turns}, turn about)" if turns > 1 else ""
    return [
        Row(f"{number}. create on an app at {label} the default limits{turns_note}",
            f"{result['seconds']:.1f} s (floor {floor:.1f} s: {shown}; ×{ratio:.2f})",
            "≤ 1.15 × floor", ok and (floor == 0 or ratio <= 1.15),
            "" if ok else f"{report.count('failed')} changes failed; "
            f"pacing: {pacing.describe() if pacing else 'none'}"),
        Row(f"{number}. 429 responses (from the first request)", str(rate_limited), "0",
            rate_limited == 0, f"{result['waited']:.1f} worker-seconds waiting for rate limits"),
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
        live = await read_live(api, hint=desired.context())
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


def _app_stacks(root: Path, size: Size, count: int, prefix: str, variable: str
                ) -> tuple[list[tuple[str, str]], list[str], dict[str, str]]:
    """`count` stacks under `root` (PREFIX00, PREFIX01, ...), each naming its own app's credential
    variables (VARIABLE0_KEY, ...): the apps (key, secret), the stack folders, and the environment
    holding those variables."""
    width = len(str(count - 1)) if count > 10 else 2
    apps = [(f"{prefix}{i:0{width}d}-key", f"{prefix}{i:0{width}d}-secret-0123456789") for i in range(count)]
    env = dict(os.environ) | ENV
    stacks = []
    for i, (key, secret) in enumerate(apps):
        creds = {"api_key_env": f"{variable}{i}_KEY", "api_secret_env": f"{variable}{i}_SECRET"}
        name = f"{prefix}{i:0{width}d}"
        stacks.append(str(write_stack(root / name, size, name=name, credentials=creds)))
        env[f"{variable}{i}_KEY"], env[f"{variable}{i}_SECRET"] = key, secret
    return apps, stacks, env


def target_many_apps(size: Size) -> list[Row]:
    """`stream-iac plan` of 20 stacks (one app each) against the same command for one stack,
    both as whole commands (what a user or a CI job waits for), and, for information, the
    same two plans in-process with start-up left out."""
    root = Path(tempfile.mkdtemp())
    apps, stacks, env = _app_stacks(root, size, 20, "region", "R")
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


DEMO = Path(__file__).resolve().parents[1] / "examples" / "stacks" / "demo"
DEMO_ENV = {"DEMO_APN_P8": "-----BEGIN PRIVATE KEY-----demo-bench-----END PRIVATE KEY-----"}
IMPORTS = "import pydantic, httpx, click, yaml, jwt"
LIBRARY_FLOOR = (
    "import asyncio, ssl, anyio, click, httpx, jwt, pydantic, yaml\n"
    "class Model(pydantic.BaseModel):\n    x: int\n"
    "httpx.AsyncHTTPTransport(verify=ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT))\n"
    "asyncio.run(anyio.sleep(0))\n"
)
"""What a `plan` needs its libraries to have done before any code of ours runs: one pydantic model
built (pydantic's schema machinery), httpx's async transport made (httpcore, h11), and an asyncio
loop run through anyio (the backend httpcore runs on). Target 11 is measured against IMPORTS;
this floor (informational) shows how much of `plan`'s time is the libraries' own start-up."""


def _timed_turns(commands: dict[str, list[str]], env: dict[str, str], runs: int) -> dict[str, float]:
    """Median wall time of each command, the commands taking turns (a machine that slows down for a
    while slows each of them alike). Every command must exit 0."""
    times: dict[str, list[float]] = {name: [] for name in commands}
    for _ in range(runs):
        for name, args in commands.items():
            t0 = time.perf_counter()
            done = subprocess.run(args, env=env, capture_output=True, text=True)
            times[name].append(time.perf_counter() - t0)
            if done.returncode != 0:
                raise RuntimeError(f"{name} exited {done.returncode}: {done.stderr[-500:]}")
    return {name: statistics.median(seen) for name, seen in times.items()}


def target_startup_ratio() -> list[Row]:
    """`plan` and `validate` of examples/stacks/demo as whole processes (plan against the emulator
    on loopback, no latency), against a process that only imports our main dependencies: what
    our own start-up and work add to theirs."""
    with emulator("--no-rate-limits") as url:
        env = {**os.environ, **DEMO_ENV, "STREAM_BASE_URL": url, "STREAM_API_KEY": KEY, "STREAM_API_SECRET": SECRET}
        subprocess.run([str(BIN), "apply", "--auto-approve", str(DEMO)], env=env, check=True, capture_output=True)
        medians = _timed_turns({"imports": [sys.executable, "-c", IMPORTS],
                                "floor": [sys.executable, "-c", LIBRARY_FLOOR],
                                "plan": [str(BIN), "plan", "--detailed-exitcode", str(DEMO)],
                                "validate": [str(BIN), "validate", str(DEMO)]},
                               {**env, "PYDANTIC_DISABLE_PLUGINS": "__all__"}, REPEATS["turns"])
    base, floor, plan, validate = medians["imports"], medians["floor"], medians["plan"], medians["validate"]
    runs = REPEATS["turns"]
    return [
        Row(f"11. the libraries' own start-up for a plan / the same imports (median of {runs})",
            f"{floor * 1000:.0f} ms / {base * 1000:.0f} ms (×{floor / base:.2f})", "none", True,
            "one pydantic model, httpx's async transport, an asyncio loop through anyio; no code of ours",
            informational=True),
        Row(f"11. `plan` of the demo stack / `python -c \"{IMPORTS}\"` (median of {runs})",
            f"{plan * 1000:.0f} ms / {base * 1000:.0f} ms (×{plan / base:.2f})", "≤ 1.4 ×", plan <= 1.4 * base),
        Row(f"11. `validate` of the demo stack / the same imports (median of {runs})",
            f"{validate * 1000:.0f} ms / {base * 1000:.0f} ms (×{validate / base:.2f})", "≤ 1.2 ×",
            validate <= 1.2 * base),
    ]


PROBE = ("import resource, subprocess, sys, time; t0 = time.perf_counter(); "
         "r = subprocess.run(sys.argv[1:], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True); "
         "t = time.perf_counter() - t0; u = resource.getrusage(resource.RUSAGE_CHILDREN); "
         "print(r.returncode, t, u.ru_utime + u.ru_stime, u.ru_maxrss, r.stdout.count('\\n')); "
         "sys.stderr.write(r.stderr[-2000:])")
"""Runs a command and prints its exit code, wall seconds, CPU seconds, peak RSS (KiB) and stdout
lines: the rusage of the probe's children is that one command's (not the emulator's, nor ours)."""


def _probe(args: list[str], env: dict[str, str]) -> dict[str, float]:
    done = subprocess.run([sys.executable, "-c", PROBE, *args], env=env, capture_output=True, text=True, check=True)
    code, seconds, cpu, rss_kb, lines = done.stdout.split()
    if int(code) not in (0, 2):
        raise RuntimeError(f"{args[:2]} exited {code}: {done.stderr[-500:]}")
    return {"code": int(code), "seconds": float(seconds), "cpu": float(cpu), "rss_mb": int(rss_kb) / 1024,
            "lines": int(lines)}


def _fleet(size: Size, count: int, root: Path) -> tuple[list[str], dict[str, str], Path, Path]:
    """`count` stacks, each for its own app, all applied: the first stack is applied to the first
    app, and the emulator state file then gives every app that same state (applying hundreds of
    stacks one by one would take minutes and measure nothing). The stacks, the environment naming
    each stack's credentials, the apps file and the state file."""
    apps, stacks, env = _app_stacks(root, size, count, "app", "FLEET")
    apps_file, state = root / "apps.json", root / "state.json"
    apps_file.write_text(json.dumps({"apps": [{"key": key, "secret": secret} for key, secret in apps]}))
    with emulator("--state", str(state), "--no-rate-limits", apps=apps[:1]) as url:
        asyncio.run(_apply_all(Session(env={**env, "STREAM_BASE_URL": url}), stacks[:1]))
    document = json.loads(state.read_text())
    applied = document["apps"][apps[0][0]]
    document["apps"] = {key: applied for key, _ in apps}
    state.write_text(json.dumps(document))
    return stacks, env, apps_file, state


def target_fleet(size: Size, count: int = 500, few: int = 20) -> list[Row]:
    """`plan` of `count` stacks (one app each, 50 ms latency) against `plan` of `few` of them, as
    whole commands taking turns; the client's CPU and peak RSS from its own rusage."""
    root = Path(tempfile.mkdtemp(prefix="stream-iac-fleet-"))
    stacks, env, apps_file, state = _fleet(size, count, root)
    with emulator("--apps-file", str(apps_file), "--state", str(state), "--no-rate-limits",
                  "--latency-ms", str(LATENCY_MS), apps=[]) as url:
        command_env = {**env, "STREAM_BASE_URL": url}
        runs: dict[int, list[dict[str, float]]] = {few: [], count: []}
        for _ in range(REPEATS["fleet"]):
            for n in (few, count):
                runs[n].append(_probe([str(BIN), "plan", "--detailed-exitcode", *stacks[:n]], command_env))
    small, large = ({key: statistics.median(r[key] for r in runs[n]) for key in runs[n][0]} for n in (few, count))
    in_sync = all(r["code"] == 0 for n in runs for r in runs[n])
    ratio = large["seconds"] / small["seconds"]
    per_stack = large["cpu"] / count * 1000
    rss = max(r["rss_mb"] for r in runs[count])
    return [
        Row(f"12. `plan` of {count} stacks / of {few} (median of {REPEATS['fleet']})",
            f"{large['seconds']:.2f} s / {small['seconds']:.2f} s (×{ratio:.1f})", "≤ 25 ×", in_sync and ratio <= 25,
            f"each stack: {size.objects} objects, its own app" + ("" if in_sync else "; a plan was not empty")),
        Row(f"12. client CPU per stack ({count} stacks)", f"{per_stack:.1f} ms", "≤ 20 ms", per_stack <= 20),
        Row(f"12. peak RSS of `plan` of {count} stacks", f"{rss:.0f} MB (of {few}: {small['rss_mb']:.0f} MB)",
            "≤ 400 MB", rss <= 400),
    ]


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


ALL_TARGETS = tuple(range(1, 13))


def _selected(text: str | None) -> list[int]:
    if not text:
        return list(ALL_TARGETS)
    try:
        chosen = sorted({int(part) for part in text.split(",") if part.strip()})
    except ValueError:
        raise SystemExit(f"--only takes target numbers separated by commas (e.g. 8,9,11,12), not {text!r}") from None
    unknown = [n for n in chosen if n not in ALL_TARGETS]
    if unknown:
        raise SystemExit(f"--only: no target {unknown[0]} (targets are 1 to 12)")
    return chosen


def _compile_package() -> None:
    """Byte-compile our packages first, as `pip install` does: with PYTHONDONTWRITEBYTECODE set (as
    in some CI and development shells) an editable install would otherwise compile every module
    of ours on every start, which no installed copy does."""
    root = Path(__file__).resolve().parents[1]
    for package in ("stream_iac", "stream_emulator"):
        compileall.compile_dir(str(root / package), quiet=1)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--small", action="store_true", help="a small stack, to check that the script works")
    parser.add_argument("--only", metavar="N,N,...",
                        help="only these targets, e.g. --only 8,9,11,12 (default: all twelve)")
    args = parser.parse_args()
    chosen = _selected(args.only)
    size = SMALL if args.small else FULL
    if args.small:
        REPEATS.update(plan=2, startup=2, validate=1, many=1, turns=1, fleet=1)
    regional = SMALL if args.small else Size(channel_types=10, commands=20, blocklists=2, words=200, roles=5,
                                             push_providers=2, permissions=3)
    _compile_package()
    work = Path(tempfile.mkdtemp(prefix="stream-iac-bench-"))
    stack = write_stack(work / "stack", size)
    print(f"stream-iac benchmark: {size.objects} objects, {size.blocklists}×{size.words} blocklist words; "
          f"{platform.node()} {platform.machine()}, {os.cpu_count()} CPUs, Python {platform.python_version()}, "
          f"{time.strftime('%Y-%m-%d')}; targets {','.join(map(str, chosen))}", flush=True)
    rows: list[Row] = []
    applied: list[Path] = []

    def state() -> Path:
        """The emulator state holding the applied big stack (from target 3, else applied here)."""
        if not applied:
            path = Path(tempfile.mkdtemp()) / "applied.json"
            with emulator("--state", str(path), "--no-rate-limits") as url:
                assert asyncio.run(apply_stack(url, stack))["report"].ok
            applied.append(path)
        return applied[0]

    if 3 in chosen:
        pacing, applied_state = target_pacing(stack)
        rows += pacing
        applied.append(applied_state)
    steps: list[tuple[int, Callable[[], list[Row]]]] = [
        (1, lambda: target_plan_round_trips(stack, state())),
        (10, lambda: target_tls_plan(stack, state())),  # before target 4 changes the applied state
        (2, lambda: target_diff_cpu(stack, state())),
        (4, lambda: target_minimal_writes(stack, state())),
        (5, lambda: target_startup(stack)),
        (6, lambda: target_memory(stack, state())),
        (7, lambda: target_many_apps(regional)),
        (8, lambda: target_own_limits(stack, 8, 10, "10×", turns=1 if args.small else 3)),
        (9, lambda: target_own_limits(stack, 9, 0.5, "½×")),
        (11, target_startup_ratio),
        (12, lambda: target_fleet(regional, *((6, 2) if args.small else (500, 20)))),
    ]
    for number, step in steps:
        if number in chosen:
            rows += step()
    rows.sort(key=lambda row: int(row.target.split(".")[0]))
    print(render(rows))
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"(benchmark process peak RSS {peak:.0f} MB)")
    return 0 if all(r.ok for r in rows) else 1


if __name__ == "__main__":
    sys.exit(main())
