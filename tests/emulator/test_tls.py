"""HTTPS: ``serve_in_thread(..., ssl_context=...)`` and the CLI's ``--tls-cert``/``--tls-key``.

Real Stream is HTTPS only. A throwaway CA and a server certificate for 127.0.0.1 and localhost are made
at test time (``trustme``); a client trusts that CA or does not. Loopback only.
"""

from __future__ import annotations

import asyncio
import logging
import socket
import ssl
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import pytest
import trustme
from click.testing import CliRunner
from cryptography.hazmat.primitives import serialization

from stream_emulator import Emulator, ServerHandle, serve_in_thread
from stream_emulator.cli import emulator_command

from .helpers import KEY, SECRET, Api, RunningEmulator, assert_ok, server_token

SOCKET_TIMEOUT_SECONDS = 10.0


@pytest.fixture(scope="module")
def ca() -> trustme.CA:
    return trustme.CA()


@pytest.fixture(scope="module")
def server_cert(ca: trustme.CA) -> trustme.LeafCert:
    return ca.issue_cert("127.0.0.1", "localhost")


@pytest.fixture
def server_context(server_cert: trustme.LeafCert) -> ssl.SSLContext:
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    server_cert.configure_cert(context)
    return context


@pytest.fixture
def trusting_context(ca: trustme.CA) -> ssl.SSLContext:
    """A client context that trusts the test CA (and nothing else)."""
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    ca.configure_trust(context)
    return context


@pytest.fixture
def tls_server(emulator: Emulator, server_context: ssl.SSLContext) -> Iterator[ServerHandle]:
    handle = serve_in_thread(emulator, ssl_context=server_context)
    yield handle
    handle.stop()


@pytest.fixture
def cert_files(tmp_path: Path, server_cert: trustme.LeafCert) -> tuple[str, str]:
    """The server certificate chain and its (unencrypted) key as PEM files, for the CLI."""
    cert_file, key_file = tmp_path / "server.crt", tmp_path / "server.key"
    cert_file.write_bytes(b"".join(blob.bytes() for blob in server_cert.cert_chain_pems))
    server_cert.private_key_pem.write_to_path(str(key_file))
    return str(cert_file), str(key_file)


def wait_until_closed_by_peer(sock: socket.socket) -> None:
    """Read until the peer closes (EOF or reset); ``TimeoutError`` after the socket's timeout if it never does."""
    try:
        while sock.recv(65536):
            pass
    except ConnectionResetError:
        pass


def asyncio_warnings(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [record.getMessage() for record in caplog.records if record.name == "asyncio" and record.levelno >= 30]


# -- serve_in_thread(..., ssl_context=...) -----------------------------------------------------------------


@pytest.mark.socket
def test_serve_in_thread_with_an_ssl_context_serves_https(
    tls_server: ServerHandle, trusting_context: ssl.SSLContext, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING, logger="asyncio")
    assert tls_server.url == f"https://127.0.0.1:{tls_server.port}"
    with httpx.Client(base_url=tls_server.url, verify=trusting_context) as client:
        api = Api(client, KEY, SECRET)
        response = api.get("/app")
        assert assert_ok(response)["app"]["name"] == KEY
        ssl_object = response.extensions["network_stream"].get_extra_info("ssl_object")
        assert ssl_object is not None and ssl_object.version().startswith("TLS")
        assert ("IP Address", "127.0.0.1") in ssl_object.getpeercert()["subjectAltName"]
        # A write, then a read on the same kept-alive TLS connection.
        assert_ok(api.post("/chat/commands", {"name": "ticket", "description": "open a ticket"}), 201)
        assert assert_ok(api.get("/chat/commands/ticket"))["description"] == "open a ticket"
    assert asyncio_warnings(caplog) == []


@pytest.mark.socket
def test_bodies_larger_than_a_tls_record_arrive_whole(
    tls_server: ServerHandle, trusting_context: ssl.SSLContext
) -> None:
    words = [f"word{index:05d}" for index in range(5000)]  # a ~70 kB request body; TLS records hold 16 kB
    with httpx.Client(base_url=tls_server.url, verify=trusting_context) as client:
        api = Api(client, KEY, SECRET)
        assert_ok(api.post("/blocklists", {"name": "big", "words": words}), 201)
        assert assert_ok(api.get("/blocklists/big"))["blocklist"]["words"] == words
        builtin = assert_ok(api.get("/blocklists/profanity_en_2020_v1"))["blocklist"]
        assert len(builtin["words"]) > 1000  # a large response too


@pytest.mark.socket
def test_a_client_that_does_not_trust_the_test_ca_fails_verification(
    tls_server: ServerHandle, trusting_context: ssl.SSLContext
) -> None:
    untrusting = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)  # verifies, but trusts no CA at all
    headers = {"Authorization": server_token(SECRET)}
    for verify in (untrusting, True):  # True: httpx's own CA bundle, which does not hold the test CA
        with httpx.Client(base_url=tls_server.url, verify=verify) as client, pytest.raises(httpx.ConnectError) as error:
            client.get("/api/v2/app", params={"api_key": KEY}, headers=headers)
        assert "CERTIFICATE_VERIFY_FAILED" in str(error.value)
    with httpx.Client(base_url=tls_server.url, verify=trusting_context) as client:  # the server carries on
        assert_ok(Api(client, KEY, SECRET).get("/app"))


@pytest.mark.socket
def test_plain_http_to_the_tls_port_fails_and_the_server_carries_on(
    tls_server: ServerHandle, trusting_context: ssl.SSLContext
) -> None:
    plain_url = tls_server.url.replace("https://", "http://")
    with httpx.Client(base_url=plain_url) as client, pytest.raises(httpx.TransportError):
        client.get("/api/v2/app", params={"api_key": KEY}, headers={"Authorization": server_token(SECRET)})
    with httpx.Client(base_url=tls_server.url, verify=trusting_context) as client:
        assert_ok(Api(client, KEY, SECRET).get("/app"))


@pytest.mark.socket
def test_an_async_client_gets_answers_over_tls(tls_server: ServerHandle, trusting_context: ssl.SSLContext) -> None:
    async def fetch_concurrently() -> list[httpx.Response]:
        headers = {"Authorization": server_token(SECRET)}
        async with httpx.AsyncClient(base_url=tls_server.url, verify=trusting_context) as client:
            paths = ["/app", "/roles", "/permissions", "/chat/channeltypes", "/blocklists"]
            return await asyncio.gather(
                *(client.get(f"/api/v2{path}", params={"api_key": KEY}, headers=headers) for path in paths)
            )

    responses = asyncio.run(fetch_concurrently())
    assert [response.status_code for response in responses] == [200] * 5
    assert responses[0].json()["app"]["name"] == KEY


@pytest.mark.socket
def test_stop_cuts_a_connection_still_in_its_tls_handshake(
    emulator: Emulator, server_context: ssl.SSLContext, trusting_context: ssl.SSLContext
) -> None:
    handle = serve_in_thread(emulator, ssl_context=server_context)
    raw = socket.create_connection((handle.host, handle.port), timeout=SOCKET_TIMEOUT_SECONDS)
    try:
        incoming, outgoing = ssl.MemoryBIO(), ssl.MemoryBIO()
        tls = trusting_context.wrap_bio(incoming, outgoing, server_hostname="127.0.0.1")
        with pytest.raises(ssl.SSLWantReadError):
            tls.do_handshake()
        raw.sendall(outgoing.read())  # the ClientHello
        assert raw.recv(65536)  # the server's first handshake flight: it is now waiting for the client
        handle.stop()
        assert not handle._thread.is_alive()
        wait_until_closed_by_peer(raw)
    finally:
        raw.close()


def test_serve_in_thread_refuses_a_client_side_context(emulator: Emulator) -> None:
    with pytest.raises(ValueError, match="client-side"):
        serve_in_thread(emulator, ssl_context=ssl.create_default_context())


# -- the command line: --tls-cert / --tls-key ---------------------------------------------------------------


@pytest.mark.socket
def test_cli_tls_flags_serve_https(
    start_cli: Callable[..., RunningEmulator], cert_files: tuple[str, str], trusting_context: ssl.SSLContext
) -> None:
    cert_file, key_file = cert_files
    running = start_cli(
        "--api-key", KEY, "--api-secret", SECRET, "--tls-cert", cert_file, "--tls-key", key_file, scheme="https"
    )
    assert running.url.startswith("https://127.0.0.1:")
    assert assert_ok(running.api(verify=trusting_context).get("/app"))["app"]["name"] == KEY
    with pytest.raises(httpx.ConnectError):
        running.api(verify=ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)).get("/app")
    returncode, rest = running.stop()
    assert returncode == 0
    assert rest == ""


@pytest.mark.parametrize("given", ["--tls-cert", "--tls-key"])
def test_cli_tls_cert_and_key_must_be_given_together(given: str, cert_files: tuple[str, str]) -> None:
    file = cert_files[0] if given == "--tls-cert" else cert_files[1]
    result = CliRunner().invoke(emulator_command, [given, file, "--port", "0"])
    assert result.exit_code == 1
    assert "--tls-cert and --tls-key must be given together" in result.output


def test_cli_refuses_unusable_tls_files(tmp_path: Path, cert_files: tuple[str, str]) -> None:
    cert_file, key_file = cert_files
    missing = str(tmp_path / "missing.pem")
    for args in (
        ["--tls-cert", missing, "--tls-key", key_file],
        ["--tls-cert", cert_file, "--tls-key", missing],
        ["--tls-cert", cert_file, "--tls-key", cert_file],  # a certificate is not a key
    ):
        result = CliRunner().invoke(emulator_command, [*args, "--port", "0"])
        assert result.exit_code == 1, result.output
        assert "cannot use TLS certificate" in result.output


def test_cli_refuses_an_encrypted_key_instead_of_prompting(
    tmp_path: Path, cert_files: tuple[str, str], server_cert: trustme.LeafCert
) -> None:
    key = serialization.load_pem_private_key(server_cert.private_key_pem.bytes(), password=None)
    encrypted = tmp_path / "encrypted.key"
    encrypted.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.BestAvailableEncryption(b"pass phrase"),
        )
    )
    result = CliRunner().invoke(emulator_command, ["--tls-cert", cert_files[0], "--tls-key", str(encrypted)])
    assert result.exit_code == 1
    assert "is encrypted" in result.output
