"""``stream-iac emulator``: serve the emulator on a socket (HTTP, or HTTPS with ``--tls-cert``/``--tls-key``)
until SIGINT/SIGTERM."""

from __future__ import annotations

import signal
import ssl
import sys
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from types import FrameType
from typing import Any

import click

from .adapters.server import DEFAULT_HOST, serve_in_thread
from .appsfile import AppsFileError, load_apps_file, parse_limit
from .emulator import DEFAULT_APP, Emulator, EmulatorOptions
from .store.persistence import StateFileError

DEFAULT_PORT = 8888


def _parse_app(value: str) -> tuple[str, str]:
    key, separator, secret = value.partition(":")
    if not separator or not key or not secret:
        raise click.BadParameter(f"expected KEY:SECRET, got {value!r}", param_hint="--app")
    return key, secret


def _collect_apps(api_key: str | None, api_secret: str | None, app_specs: tuple[str, ...]) -> list[tuple[str, str]]:
    if (api_key is None) != (api_secret is None):
        raise click.UsageError("--api-key and --api-secret must be given together")
    apps = [(api_key, api_secret)] if api_key is not None and api_secret is not None else []
    apps.extend(_parse_app(spec) for spec in app_specs)
    return apps


def _tls_context(cert_file: str | None, key_file: str | None) -> ssl.SSLContext | None:
    """The server-side TLS context for ``--tls-cert``/``--tls-key``, None when neither is given."""
    if cert_file is None and key_file is None:
        return None
    if cert_file is None or key_file is None:
        raise click.ClickException("--tls-cert and --tls-key must be given together")

    def refuse_encrypted_key() -> str:  # else OpenSSL would prompt for a pass phrase on the terminal
        raise click.ClickException(f"the TLS key {key_file} is encrypted; give an unencrypted PEM key")

    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    try:
        context.load_cert_chain(certfile=cert_file, keyfile=key_file, password=refuse_encrypted_key)
    except OSError as exc:  # ssl.SSLError is an OSError
        raise click.ClickException(f"cannot use TLS certificate {cert_file} with key {key_file}: {exc}") from exc
    return context


def _apps_and_limits(
    api_key: str | None, api_secret: str | None, app_specs: tuple[str, ...], apps_file: str | None,
    limit_specs: tuple[str, ...], keep_default_app: bool = False,
) -> tuple[list[tuple[str, str]], dict[str, dict[str, tuple[int, int]]]]:
    """The apps to serve (the default app when no other is named or `keep_default_app` says so,
    then the flags' apps, then the apps file's) and each one's own limits (``--limit`` for all
    apps, then the apps file's per app)."""
    try:
        common = dict(parse_limit(spec) for spec in limit_specs)
    except ValueError as exc:
        raise click.BadParameter(str(exc), param_hint="--limit") from None
    apps = _collect_apps(api_key, api_secret, app_specs)
    own: dict[str, dict[str, tuple[int, int]]] = {}
    if apps_file:
        try:
            listed = load_apps_file(apps_file)
        except AppsFileError as exc:
            raise click.ClickException(str(exc)) from None
        apps += listed.apps
        own = listed.limits
    if keep_default_app or not apps:
        apps.insert(0, DEFAULT_APP)
    keys = [key for key, _ in apps]
    twice = sorted({key for key in keys if keys.count(key) > 1})
    if twice:
        raise click.UsageError(f"app {', '.join(twice)} is given more than once")
    limits = {key: {**common, **own.get(key, {})} for key, _ in apps if common or key in own}
    return apps, limits


STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM)


@contextmanager
def _stop_signals() -> Iterator[threading.Event]:
    """While active, SIGINT/SIGTERM set the yielded event (installed before the listening line is printed)."""
    stop = threading.Event()

    def request_stop(signum: int, frame: FrameType | None) -> None:
        stop.set()

    previous = {number: signal.signal(number, request_stop) for number in STOP_SIGNALS}
    try:
        yield stop
    finally:
        for number, handler in previous.items():
            signal.signal(number, handler)


class _Command(click.Command):
    """A click command whose usage errors exit 1, as every stream-iac command's do (2 means
    "changes" to a pipeline using --detailed-exitcode), and which takes -h for --help."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("context_settings", {})["help_option_names"] = ["-h", "--help"]
        super().__init__(*args, **kwargs)

    def main(self, args: Sequence[str] | None = None, prog_name: str | None = None,
             complete_var: str | None = None, standalone_mode: bool = True, **extra: Any) -> Any:
        """Run the command; in standalone mode every error is shown and exits 1."""
        if not standalone_mode:
            return super().main(args, prog_name, complete_var, standalone_mode=False, **extra)
        try:
            code = super().main(args, prog_name, complete_var, standalone_mode=False, **extra)
        except click.ClickException as exc:
            exc.show()
            sys.exit(1)
        except click.Abort:
            click.echo("Aborted!", err=True)
            sys.exit(1)
        sys.exit(code if isinstance(code, int) else 0)  # --help: click's exit code; a run: 0


def _banner(url: str, apps: list[tuple[str, str]]) -> str:
    """What the emulator prints once it listens: its URL on the first line (scripts read it),
    then the API key of every app it serves. Secrets are not printed: they are the ones given
    on the command line or in the apps file, and the default app's is in --help."""
    lines = [f"stream-iac emulator listening on {url}"]
    for key, _ in apps:
        note = " (the default app; its secret is in --help)" if key == DEFAULT_APP[0] else ""
        lines.append(f"  serving app {key}{note}")
    return "\n".join(lines)


@click.command("emulator", cls=_Command)
@click.option("--host", default=DEFAULT_HOST, show_default=True, help="Address to bind.")
@click.option("--port", default=DEFAULT_PORT, show_default=True, type=click.IntRange(0, 65535), help="0 = a free port.")
@click.option("--api-key", default=None, help=f"Key of the emulated app (default {DEFAULT_APP[0]}).")
@click.option("--api-secret", default=None, help=f"Secret of the emulated app (default {DEFAULT_APP[1]}).")
@click.option("--app", "app_specs", multiple=True, metavar="KEY:SECRET",
              help="An emulated app (repeatable). Naming any app (also with --api-key or --apps-file) serves "
                   "only the apps named, unless --keep-default-app.")
@click.option("--keep-default-app", is_flag=True, default=False,
              help=f"Serve the default app ({DEFAULT_APP[0]}) too, beside the apps named.")
@click.option("--state", "state_file", type=click.Path(dir_okay=False), default=None, help="Persist state in FILE.")
@click.option("--latency-ms", default=0.0, type=click.FloatRange(min=0), show_default=True, help="Added latency.")
@click.option("--fault-rate", default=0.0, type=click.FloatRange(0, 1), show_default=True, help="Fault probability.")
@click.option("--seed", default=0, type=int, show_default=True, help="Seed of fault and stale-read choices.")
@click.option("--stale-read-ms", default=0.0, type=click.FloatRange(min=0), show_default=True,
              help="GETs may see state up to this old.")
@click.option("--no-rate-limits", is_flag=True, default=False, help="Do not enforce rate limits (headers still sent).")
@click.option("--strict", is_flag=True, default=False,
              help="Refuse request fields the API spec does not define (default: ignore them, as Stream does).")
@click.option("--apps-file", "apps_file", type=click.Path(dir_okay=False), default=None, metavar="FILE",
              help="Serve the apps listed in this JSON file, each with its own rate limits (see docs).")
@click.option("--limit", "limit_specs", multiple=True, metavar="OP=PER_MIN[/PER_SEC]",
              help="Rate limit of one operation for every app (repeatable), instead of Stream's documented one.")
@click.option("--tls-cert", "tls_cert", type=click.Path(dir_okay=False), default=None, metavar="FILE",
              help="Serve HTTPS with this PEM certificate (chain). Needs --tls-key.")
@click.option("--tls-key", "tls_key", type=click.Path(dir_okay=False), default=None, metavar="FILE",
              help="The unencrypted PEM private key of --tls-cert.")
def emulator_command(
    host: str,
    port: int,
    api_key: str | None,
    api_secret: str | None,
    app_specs: tuple[str, ...],
    state_file: str | None,
    latency_ms: float,
    fault_rate: float,
    seed: int,
    stale_read_ms: float,
    no_rate_limits: bool,
    strict: bool,
    tls_cert: str | None,
    tls_key: str | None,
    apps_file: str | None = None,
    limit_specs: tuple[str, ...] = (),
    keep_default_app: bool = False,
) -> None:
    """Serve the local Stream Chat API emulator.

    Serves the API on /api/v2/... and on the legacy un-prefixed paths the classic stream-chat SDKs call
    (/app, /channeltypes...). Prints "stream-iac emulator listening on URL" (http://, or https:// with
    --tls-cert and --tls-key), then one line per app it serves ("serving app KEY"), then serves until
    SIGINT or SIGTERM and exits 0. With no app named it serves the default app, demo-key with the
    secret demo-secret. Exits 1 on a usage error or if it cannot start (port taken, bad state file,
    TLS files missing or unusable).
    """
    ssl_context = _tls_context(tls_cert, tls_key)
    apps, limits = _apps_and_limits(api_key, api_secret, app_specs, apps_file, limit_specs, keep_default_app)
    options = EmulatorOptions(
        apps=apps,
        limits=limits,
        state_file=state_file,
        latency_ms=latency_ms,
        fault_rate=fault_rate,
        seed=seed,
        rate_limits=not no_rate_limits,
        stale_read_ms=stale_read_ms,
        strict=strict,
    )
    with _stop_signals() as stop:
        try:
            emulator = Emulator(options)
            handle = serve_in_thread(emulator, host=host, port=port, ssl_context=ssl_context)
        except (StateFileError, OSError, ValueError) as exc:
            raise click.ClickException(str(exc)) from exc
        click.echo(_banner(handle.url, apps))
        sys.stdout.flush()
        try:
            while not stop.wait(0.5):
                pass
        finally:
            handle.stop()
