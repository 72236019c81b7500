"""StreamClient against respx mocks: auth, error mapping, scrubbing, retries, logging.
No network and no real sleeping: retry and throttle waits run on a fake clock."""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Mapping
from email.utils import formatdate
from typing import Any

import httpx
import jwt
import pytest
import respx

from stream_iac import __version__
from stream_iac.api import client as client_module
from stream_iac.api.client import RetryPolicy, StreamClient
from stream_iac.api.settings import ConnectionSettings
from stream_iac.api.throttle import Throttle
from stream_iac.errors import ApiError, OutcomeUnknown, TransportError
from stream_iac.secrets import Secret

BASE_URL = "https://chat.example.test"
API = BASE_URL + "/api/v2"
API_KEY = "key-abc123"
API_SECRET = "api-secret-0123456789abcdef0123456789abcdef"
WALL_START = 1_700_000_000.0

APN_KEY = "-----BEGIN PRIVATE KEY-----\nMIGTAgEAMBMGByqGSM49\n-----END PRIVATE KEY-----"
SQS_SECRET = "sqs-very-secret-value"


class FakeClock:
    """Monotonic and wall clocks that only move when someone sleeps."""

    def __init__(self) -> None:
        self.now = 100.0
        self.sleeps: list[float] = []

    def monotonic(self) -> float:
        return self.now

    def wall(self) -> float:
        return WALL_START + self.now

    async def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += max(0.0, seconds)
        await asyncio.sleep(0)


class RecordingThrottle(Throttle):
    def __init__(self, clock: FakeClock) -> None:
        super().__init__(clock=clock.monotonic, wall_clock=clock.wall, sleep=clock.sleep)
        self.penalties: list[tuple[str, float]] = []
        self.observed: list[tuple[str, dict[str, str]]] = []

    def penalize(self, op: str, retry_after: float) -> None:
        self.penalties.append((op, retry_after))
        super().penalize(op, retry_after)

    def observe(self, op: str, headers: Mapping[str, str]) -> None:
        self.observed.append((op, dict(headers)))
        super().observe(op, headers)


@pytest.fixture(autouse=True)
def httpx_own_transport(monkeypatch: pytest.MonkeyPatch) -> None:
    """respx intercepts httpx's own transport; real sockets (and TLS) are tested in
    tests/unit/test_http.py."""
    monkeypatch.setattr(client_module, "_default_transport", lambda base_url, idle: httpx.AsyncHTTPTransport())


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


def make_client(
    clock: FakeClock,
    *,
    max_attempts: int = 5,
    jitter: float = 0.5,
    throttle: Throttle | None = None,
    log: logging.Logger | None = None,
) -> StreamClient:
    settings = ConnectionSettings(api_key=API_KEY, api_secret=API_SECRET, base_url=BASE_URL, timeout=5.0)
    retry = RetryPolicy(max_attempts=max_attempts, sleep=clock.sleep, random=lambda: jitter, wall_clock=clock.wall)
    if throttle is None:
        throttle = Throttle(clock=clock.monotonic, wall_clock=clock.wall, sleep=clock.sleep)
    return StreamClient(settings, throttle=throttle, retry=retry, log=log)


def run_call(client: StreamClient, op: str, method: str, path: str, **kwargs: Any) -> dict[str, Any]:
    async def go() -> dict[str, Any]:
        try:
            return await client.call(op, method, path, **kwargs)
        finally:
            await client.aclose()

    return asyncio.run(go())


def stream_error(status: int, code: int, message: str, **extra: Any) -> httpx.Response:
    body = {
        "code": code,
        "message": message,
        "StatusCode": status,
        "duration": "0.00ms",
        "more_info": "https://getstream.io/chat/docs/api_errors_response",
        "details": [],
        **extra,
    }
    return httpx.Response(status, json=body)


def ok(payload: dict[str, Any] | None = None, status: int = 200) -> httpx.Response:
    return httpx.Response(status, json={"duration": "0.01ms", **(payload or {})})


# --- transport & auth -------------------------------------------------------------------------


def test_every_request_carries_api_key_and_a_server_jwt(clock: FakeClock) -> None:
    with respx.mock(base_url=API) as router:
        route = router.get("/chat/channeltypes/support").mock(return_value=ok({"name": "support"}))
        data = run_call(make_client(clock), "GetChannelType", "GET", "/chat/channeltypes/support")
    assert data["name"] == "support"
    request = route.calls.last.request
    assert request.url.path == "/api/v2/chat/channeltypes/support"
    assert request.url.params["api_key"] == API_KEY
    token = request.headers["Authorization"]
    assert not token.startswith("Bearer")
    assert jwt.get_unverified_header(token)["alg"] == "HS256"
    claims = jwt.decode(token, API_SECRET, algorithms=["HS256"])
    assert claims == {}
    assert "user_id" not in claims
    assert request.headers["Stream-Auth-Type"] == "jwt"
    assert request.headers["X-Stream-Client"] == f"stream-iac-{__version__}"


def test_token_is_signed_with_the_api_secret_and_nothing_else(clock: FakeClock) -> None:
    with respx.mock(base_url=API) as router:
        route = router.get("/app").mock(return_value=ok({"app": {}}))
        run_call(make_client(clock), "GetApp", "GET", "/app")
    token = route.calls.last.request.headers["Authorization"]
    with pytest.raises(jwt.InvalidSignatureError):
        jwt.decode(token, "some-other-secret-0123456789abcdef", algorithms=["HS256"])


def test_token_is_created_once_per_client(clock: FakeClock) -> None:
    client = make_client(clock)

    async def two_calls() -> None:
        await client.call("GetApp", "GET", "/app")
        await client.call("GetApp", "GET", "/app")
        await client.aclose()

    with respx.mock(base_url=API) as router:
        route = router.get("/app").mock(return_value=ok())
        asyncio.run(two_calls())
    first, second = (call.request.headers["Authorization"] for call in route.calls)
    assert first == second


def test_json_body_is_sent_with_secrets_revealed_and_content_type(clock: FakeClock) -> None:
    body = {"sqs_secret": Secret(SQS_SECRET, "env:SQS"), "webhook_url": None}
    with respx.mock(base_url=API) as router:
        route = router.patch("/app").mock(return_value=ok())
        run_call(make_client(clock), "UpdateApp", "PATCH", "/app", body=body)
    request = route.calls.last.request
    assert request.headers["Content-Type"] == "application/json"
    assert json.loads(request.content) == {"sqs_secret": SQS_SECRET, "webhook_url": None}


def test_get_without_body_sends_no_content(clock: FakeClock) -> None:
    with respx.mock(base_url=API) as router:
        route = router.get("/roles").mock(return_value=ok({"roles": []}))
        run_call(make_client(clock), "ListRoles", "GET", "/roles")
    request = route.calls.last.request
    assert request.content == b""
    assert "Content-Type" not in request.headers


def test_query_params_use_stream_encoding(clock: FakeClock) -> None:
    with respx.mock(base_url=API) as router:
        route = router.get("/rate_limits").mock(return_value=ok())
        params = {"server_side": True, "endpoints": ["GetApp", "UpdateApp"], "team": None}
        run_call(make_client(clock), "GetRateLimits", "GET", "/rate_limits", params=params)
    query = route.calls.last.request.url.params
    assert query["server_side"] == "true"
    assert query["endpoints"] == "GetApp,UpdateApp"
    assert "team" not in query
    assert query["api_key"] == API_KEY


def test_stats_count_requests_per_operation(clock: FakeClock) -> None:
    client = make_client(clock)

    async def calls() -> None:
        await client.call("GetApp", "GET", "/app")
        await client.call("ListRoles", "GET", "/roles")
        await client.call("ListRoles", "GET", "/roles")
        await client.aclose()

    with respx.mock(base_url=API) as router:
        router.get("/app").mock(return_value=ok())
        router.get("/roles").mock(return_value=ok())
        asyncio.run(calls())
    assert client.stats.requests_by_op == {"GetApp": 1, "ListRoles": 2}
    assert client.stats.requests == 3
    assert client.stats.retries == 0


# --- responses & error mapping ----------------------------------------------------------------

ERROR_CASES = [
    (400, 4, 'CreateChannelType failed with error: "max_message_length must be a positive number"'),
    (401, 43, 'GetChannelType failed with error: "JWTAuth error: signature is not valid."'),
    (403, 17, 'UpdateChannelType failed with error: "field `type` is reserved and cannot updated"'),
    (404, 16, 'GetChannelType failed with error: "channel type \\"nope\\" does not exist"'),
    (429, 9, 'GetChannelType failed with error: "Too many requests, check response headers for more info."'),
    (500, -1, 'GetChannelType failed with error: "internal system error"'),
]


@pytest.mark.parametrize(("status", "code", "message"), ERROR_CASES)
def test_stream_error_bodies_become_api_errors(clock: FakeClock, status: int, code: int, message: str) -> None:
    with respx.mock(base_url=API) as router:
        router.get("/chat/channeltypes/nope").mock(return_value=stream_error(status, code, message))
        with pytest.raises(ApiError) as caught:
            run_call(make_client(clock, max_attempts=1), "GetChannelType", "GET", "/chat/channeltypes/nope")
    error = caught.value
    assert (error.operation, error.status, error.code) == ("GetChannelType", status, code)
    assert error.api_message == message
    assert str(error) == f"GetChannelType failed (HTTP {status}, Stream error code {code}): " + message.removeprefix(
        "GetChannelType failed with error: ")


def test_api_error_echoing_the_request_body_is_scrubbed(clock: FakeClock) -> None:
    body = {
        "apn_config": {"auth_type": "token", "auth_key": Secret(APN_KEY, "env:APN_P8")},
        "sqs_secret": Secret(SQS_SECRET, "env:SQS"),
    }
    echoed = json.dumps(body, default=lambda s: s.reveal())
    message = f'UpdateApp failed with error: "invalid apn config {echoed}; sqs={SQS_SECRET}; raw={APN_KEY}"'
    with respx.mock(base_url=API) as router:
        route = router.patch("/app").mock(return_value=stream_error(400, 4, message))
        with pytest.raises(ApiError) as caught:
            run_call(make_client(clock), "UpdateApp", "PATCH", "/app", body=body)
    text = str(caught.value)
    assert SQS_SECRET not in text
    assert "MIGTAgEAMBMGByqGSM49" not in text  # neither raw nor JSON-escaped (\\n) form survives
    assert "(sensitive)" in text
    assert "invalid apn config" in text
    assert SQS_SECRET.encode() in route.calls.last.request.content  # it was really sent


def test_api_error_echoing_the_api_secret_or_token_is_scrubbed(clock: FakeClock) -> None:
    def echo_auth(request: httpx.Request) -> httpx.Response:
        token = request.headers["Authorization"]
        return stream_error(401, 5, f'GetApp failed with error: "bad token {token} for secret {API_SECRET}"')

    with respx.mock(base_url=API) as router:
        route = router.get("/app").mock(side_effect=echo_auth)
        with pytest.raises(ApiError) as caught:
            run_call(make_client(clock), "GetApp", "GET", "/app")
    token = route.calls.last.request.headers["Authorization"]
    assert token not in str(caught.value)
    assert API_SECRET not in str(caught.value)
    assert "bad token (sensitive)" in str(caught.value)


def test_unparseable_error_body_gives_code_zero_and_a_short_scrubbed_snippet(clock: FakeClock) -> None:
    html = "<html><body>Bad gateway " + SQS_SECRET + " " + "x" * 20_000 + "</body></html>"
    body = {"sqs_secret": Secret(SQS_SECRET, "env:SQS")}
    with respx.mock(base_url=API) as router:
        router.post("/blocklists").mock(return_value=httpx.Response(413, text=html))
        with pytest.raises(ApiError) as caught:
            run_call(make_client(clock), "CreateBlockList", "POST", "/blocklists", body=body)
    error = caught.value
    assert (error.status, error.code) == (413, 0)
    assert "HTTP 413" in error.api_message
    assert "Bad gateway" in error.api_message
    assert SQS_SECRET not in str(error)
    assert len(str(error)) < 500


def test_raw_error_body_with_json_escaped_secrets_is_scrubbed(clock: FakeClock) -> None:
    secret = "pässwörd\nzweite-zeile-geheim"
    raw = json.dumps({"echo": {"hook_secret": secret}})  # ASCII-escaped: p\u00e4ssw\u00f6rd\n...
    with respx.mock(base_url=API) as router:
        router.post("/chat/commands").mock(return_value=httpx.Response(400, text=raw))
        with pytest.raises(ApiError) as caught:
            run_call(make_client(clock), "CreateCommand", "POST", "/chat/commands", body={"s": Secret(secret, "env:S")})
    assert "zweite-zeile-geheim" not in str(caught.value)
    assert "ssw" not in str(caught.value)
    assert "(sensitive)" in str(caught.value)


def test_api_message_quoting_a_secret_go_style_is_scrubbed(clock: FakeClock) -> None:
    secret = "schlüssel\nmit-zeilenumbruch"
    quoted = json.dumps(secret, ensure_ascii=False)  # like Go's %q: "schlüssel\nmit-..."
    message = f'CreateCommand failed with error: "bad key {quoted}"'
    with respx.mock(base_url=API) as router:
        router.post("/chat/commands").mock(return_value=stream_error(400, 4, message))
        with pytest.raises(ApiError) as caught:
            run_call(make_client(clock), "CreateCommand", "POST", "/chat/commands", body={"s": Secret(secret, "env:S")})
    assert "mit-zeilenumbruch" not in str(caught.value)
    assert 'bad key "(sensitive)"' in str(caught.value)


def test_error_body_without_code_and_message_is_unparseable(clock: FakeClock) -> None:
    with respx.mock(base_url=API) as router:
        router.get("/app").mock(return_value=httpx.Response(400, json={"detail": "nope"}))
        with pytest.raises(ApiError) as caught:
            run_call(make_client(clock), "GetApp", "GET", "/app")
    assert caught.value.code == 0
    assert "unparseable error response (HTTP 400)" in caught.value.api_message


def test_empty_error_body_is_described(clock: FakeClock) -> None:
    with respx.mock(base_url=API) as router:
        router.delete("/roles/vip").mock(return_value=httpx.Response(404))
        with pytest.raises(ApiError) as caught:
            run_call(make_client(clock), "DeleteRole", "DELETE", "/roles/vip")
    assert (caught.value.status, caught.value.code) == (404, 0)
    assert caught.value.api_message == "empty error response (HTTP 404)"


def test_success_with_invalid_json_is_an_api_error(clock: FakeClock) -> None:
    with respx.mock(base_url=API) as router:
        router.get("/app").mock(return_value=httpx.Response(200, text="{not json"))
        with pytest.raises(ApiError) as caught:
            run_call(make_client(clock), "GetApp", "GET", "/app")
    assert (caught.value.status, caught.value.code) == (200, 0)
    assert caught.value.api_message == "invalid JSON in response"


def test_success_that_is_not_an_object_is_an_api_error(clock: FakeClock) -> None:
    with respx.mock(base_url=API) as router:
        router.get("/app").mock(return_value=httpx.Response(200, json=[1, 2]))
        with pytest.raises(ApiError, match="not a JSON object"):
            run_call(make_client(clock), "GetApp", "GET", "/app")


def test_created_status_is_success(clock: FakeClock) -> None:
    with respx.mock(base_url=API) as router:
        router.post("/roles").mock(return_value=ok({"role": {"name": "vip"}}, status=201))
        data = run_call(make_client(clock), "CreateRole", "POST", "/roles", body={"name": "vip"})
    assert data["role"] == {"name": "vip"}


def test_write_rejected_with_4xx_is_an_api_error_not_outcome_unknown(clock: FakeClock) -> None:
    with respx.mock(base_url=API) as router:
        route = router.put("/chat/commands/ticket").mock(
            return_value=stream_error(404, 16, 'UpdateCommand failed with error: "command does not exist"')
        )
        with pytest.raises(ApiError) as caught:
            run_call(make_client(clock), "UpdateCommand", "PUT", "/chat/commands/ticket", body={})
    assert caught.value.status == 404
    assert route.call_count == 1


# --- retries: reads ---------------------------------------------------------------------------


def test_get_is_retried_on_429_honouring_retry_after(clock: FakeClock) -> None:
    throttle = RecordingThrottle(clock)
    client = make_client(clock, throttle=throttle)
    limited = stream_error(429, 9, 'GetApp failed with error: "Too many requests"')
    limited.headers["Retry-After"] = "3"
    with respx.mock(base_url=API) as router:
        route = router.get("/app").mock(side_effect=[limited, ok({"app": {"name": "x"}})])
        data = run_call(client, "GetApp", "GET", "/app")
    assert data["app"] == {"name": "x"}
    assert route.call_count == 2
    assert clock.sleeps == [3.0]
    assert throttle.penalties == [("GetApp", 3.0)]
    assert (client.stats.retries, client.stats.rate_limited) == (1, 1)
    assert client.stats.retry_wait_seconds == 3.0


def test_429_retry_after_may_exceed_max_delay_up_to_a_minute(clock: FakeClock) -> None:
    first = stream_error(429, 9, "slow down")
    first.headers["Retry-After"] = "30"
    second = stream_error(429, 9, "slow down")
    second.headers["Retry-After"] = "600"
    with respx.mock(base_url=API) as router:
        router.get("/app").mock(side_effect=[first, second, ok()])
        run_call(make_client(clock), "GetApp", "GET", "/app")
    assert clock.sleeps == [30.0, 60.0]


def test_429_retry_after_as_http_date(clock: FakeClock) -> None:
    limited = stream_error(429, 9, "slow down")
    limited.headers["Retry-After"] = formatdate(clock.wall() + 7, usegmt=True)
    with respx.mock(base_url=API) as router:
        router.get("/app").mock(side_effect=[limited, ok()])
        run_call(make_client(clock), "GetApp", "GET", "/app")
    assert len(clock.sleeps) == 1
    assert 6.0 <= clock.sleeps[0] <= 7.0


def test_429_without_retry_after_waits_until_rate_limit_reset(clock: FakeClock) -> None:
    limited = stream_error(429, 9, "slow down")
    limited.headers["X-RateLimit-Limit"] = "10000"
    limited.headers["X-RateLimit-Remaining"] = "5"
    limited.headers["X-RateLimit-Reset"] = str(int(clock.wall()) + 12)
    with respx.mock(base_url=API) as router:
        router.get("/app").mock(side_effect=[limited, ok()])
        run_call(make_client(clock), "GetApp", "GET", "/app")
    assert clock.sleeps == [pytest.approx(12.0)]


def test_retry_after_on_5xx_is_capped_at_max_delay(clock: FakeClock) -> None:
    unavailable = stream_error(503, -1, "maintenance")
    unavailable.headers["Retry-After"] = "45"
    with respx.mock(base_url=API) as router:
        router.get("/app").mock(side_effect=[unavailable, ok()])
        run_call(make_client(clock), "GetApp", "GET", "/app")
    assert clock.sleeps == [10.0]


def test_get_is_retried_on_503_with_jittered_backoff(clock: FakeClock) -> None:
    with respx.mock(base_url=API) as router:
        route = router.get("/roles").mock(
            side_effect=[stream_error(503, -1, "unavailable"), stream_error(502, -1, "bad gw"), ok()]
        )
        run_call(make_client(clock, jitter=0.5), "ListRoles", "GET", "/roles")
    assert route.call_count == 3
    assert clock.sleeps == [pytest.approx(0.1), pytest.approx(0.2)]  # 0.5 * 0.2 * 2^(n-1)


def test_backoff_doubles_and_is_capped_at_max_delay(clock: FakeClock) -> None:
    settings = ConnectionSettings(api_key=API_KEY, api_secret=API_SECRET, base_url=BASE_URL)
    retry = RetryPolicy(max_attempts=8, base_delay=1.0, max_delay=10.0, sleep=clock.sleep, random=lambda: 1.0)
    throttle = Throttle(clock=clock.monotonic, sleep=clock.sleep)
    client = StreamClient(settings, retry=retry, throttle=throttle)
    with respx.mock(base_url=API) as router:
        router.get("/roles").mock(return_value=stream_error(500, -1, "boom"))
        with pytest.raises(ApiError):
            run_call(client, "ListRoles", "GET", "/roles")
    assert clock.sleeps == [1.0, 2.0, 4.0, 8.0, 10.0, 10.0, 10.0]


@pytest.mark.parametrize(
    "failure",
    [
        httpx.RemoteProtocolError("Server disconnected without sending a response."),
        httpx.ReadError("connection reset"),
        httpx.ReadTimeout("timed out"),
        httpx.ConnectError("refused"),
    ],
)
def test_get_is_retried_on_transport_errors(clock: FakeClock, failure: Exception) -> None:
    with respx.mock(base_url=API) as router:
        route = router.get("/blocklists").mock(side_effect=[failure, ok({"blocklists": []})])
        data = run_call(make_client(clock), "ListBlockLists", "GET", "/blocklists")
    assert data["blocklists"] == []
    assert route.call_count == 2


def test_unrecoverable_error_is_not_retried(clock: FakeClock) -> None:
    with respx.mock(base_url=API) as router:
        route = router.get("/app").mock(return_value=stream_error(429, 9, "quota gone", unrecoverable=True))
        with pytest.raises(ApiError) as caught:
            run_call(make_client(clock), "GetApp", "GET", "/app")
    assert caught.value.status == 429
    assert route.call_count == 1
    assert clock.sleeps == []


def test_unrecoverable_5xx_on_a_read_is_not_retried(clock: FakeClock) -> None:
    with respx.mock(base_url=API) as router:
        route = router.get("/app").mock(return_value=stream_error(500, -1, "broken", unrecoverable=True))
        with pytest.raises(ApiError):
            run_call(make_client(clock), "GetApp", "GET", "/app")
    assert route.call_count == 1


def test_retries_give_up_after_max_attempts_with_the_last_error(clock: FakeClock) -> None:
    responses = [stream_error(503, -1, f"attempt {n}") for n in range(1, 6)]
    with respx.mock(base_url=API) as router:
        route = router.get("/app").mock(side_effect=responses)
        with pytest.raises(ApiError) as caught:
            run_call(make_client(clock, max_attempts=5), "GetApp", "GET", "/app")
    assert route.call_count == 5
    assert caught.value.api_message == "attempt 5"
    assert len(clock.sleeps) == 4


def test_429_gives_up_after_max_attempts(clock: FakeClock) -> None:
    client = make_client(clock, max_attempts=3)
    with respx.mock(base_url=API) as router:
        route = router.get("/app").mock(return_value=stream_error(429, 9, "slow down"))
        with pytest.raises(ApiError) as caught:
            run_call(client, "GetApp", "GET", "/app")
    assert caught.value.status == 429
    assert route.call_count == 3
    assert client.stats.rate_limited == 3


def test_unreachable_api_gives_a_transport_error_naming_operation_and_host(clock: FakeClock) -> None:
    with respx.mock(base_url=API) as router:
        route = router.get("/app").mock(side_effect=httpx.ConnectError("[Errno 111] Connection refused"))
        with pytest.raises(TransportError) as caught:
            run_call(make_client(clock, max_attempts=3), "GetApp", "GET", "/app")
    message = str(caught.value)
    assert route.call_count == 3
    assert message.startswith("GetApp: connection failed (chat.example.test)")
    assert "Connection refused" in message
    assert "after 3 attempts" in message
    assert API_SECRET not in message
    assert "eyJ" not in message  # no JWT


# --- retries: writes --------------------------------------------------------------------------


def test_post_that_gets_a_500_is_not_repeated(clock: FakeClock) -> None:
    with respx.mock(base_url=API) as router:
        route = router.post("/chat/channeltypes").mock(
            return_value=stream_error(500, -1, 'CreateChannelType failed with error: "internal"')
        )
        with pytest.raises(OutcomeUnknown) as caught:
            run_call(make_client(clock), "CreateChannelType", "POST", "/chat/channeltypes", body={"name": "x"})
    assert route.call_count == 1
    assert caught.value.operation == "CreateChannelType"
    assert "HTTP 500" in str(caught.value)
    assert clock.sleeps == []


@pytest.mark.parametrize(
    "failure",
    [
        httpx.RemoteProtocolError("Server disconnected without sending a response."),
        httpx.ReadError("connection reset by peer"),
        httpx.ReadTimeout("timed out"),
        httpx.WriteError("broken pipe"),
    ],
)
def test_write_with_a_dropped_connection_is_not_repeated(clock: FakeClock, failure: Exception) -> None:
    with respx.mock(base_url=API) as router:
        route = router.post("/chat/commands").mock(side_effect=failure)
        with pytest.raises(OutcomeUnknown) as caught:
            run_call(make_client(clock), "CreateCommand", "POST", "/chat/commands", body={"name": "ticket"})
    assert route.call_count == 1
    assert str(caught.value).startswith("CreateCommand: outcome unknown (")
    assert "chat.example.test" in str(caught.value)


def test_read_timeout_message_names_the_timeout(clock: FakeClock) -> None:
    with respx.mock(base_url=API) as router:
        router.patch("/app").mock(side_effect=httpx.ReadTimeout("timed out"))
        with pytest.raises(OutcomeUnknown, match="no response within 5 s"):
            run_call(make_client(clock), "UpdateApp", "PATCH", "/app", body={})


def test_post_that_gets_a_429_is_retried(clock: FakeClock) -> None:
    with respx.mock(base_url=API) as router:
        route = router.post("/chat/channeltypes").mock(
            side_effect=[stream_error(429, 9, "slow down"), ok({"name": "x"}, status=201)]
        )
        data = run_call(make_client(clock), "CreateChannelType", "POST", "/chat/channeltypes", body={"name": "x"})
    assert data["name"] == "x"
    assert route.call_count == 2


@pytest.mark.parametrize(
    "failure",
    [httpx.ConnectError("refused"), httpx.ConnectTimeout("timed out"), httpx.PoolTimeout("pool")],
)
def test_write_that_never_connected_is_retried(clock: FakeClock, failure: Exception) -> None:
    with respx.mock(base_url=API) as router:
        route = router.delete("/roles/vip").mock(side_effect=[failure, ok()])
        run_call(make_client(clock), "DeleteRole", "DELETE", "/roles/vip")
    assert route.call_count == 2


def test_write_429_penalizes_the_shared_throttle(clock: FakeClock) -> None:
    throttle = RecordingThrottle(clock)
    limited = stream_error(429, 9, "slow down")
    limited.headers["Retry-After"] = "2"
    with respx.mock(base_url=API) as router:
        router.patch("/app").mock(side_effect=[limited, ok()])
        run_call(make_client(clock, throttle=throttle), "UpdateApp", "PATCH", "/app", body={})
    assert throttle.penalties == [("UpdateApp", 2.0)]


def test_rate_limit_headers_of_every_response_reach_the_throttle(clock: FakeClock) -> None:
    throttle = RecordingThrottle(clock)
    response = ok()
    response.headers["X-RateLimit-Limit"] = "120"
    with respx.mock(base_url=API) as router:
        router.get("/chat/commands").mock(return_value=response)
        run_call(make_client(clock, throttle=throttle), "ListCommands", "GET", "/chat/commands")
    assert [op for op, _ in throttle.observed] == ["ListCommands"]
    assert throttle.per_minute_limit("ListCommands") == 120


def test_calls_wait_for_the_throttle_and_count_it(clock: FakeClock) -> None:
    client = make_client(clock)

    async def three_updates() -> None:
        for _ in range(3):
            await client.call("UpdateChannelType", "PUT", "/chat/channeltypes/support", body={})
        await client.aclose()

    with respx.mock(base_url=API) as router:
        router.put("/chat/channeltypes/support").mock(return_value=ok())
        asyncio.run(three_updates())
    assert client.stats.throttle_wait_seconds >= 1.0
    assert client.stats.throttle_wait_seconds == pytest.approx(sum(clock.sleeps))


# --- logging ----------------------------------------------------------------------------------


def test_debug_log_has_one_line_per_attempt_and_no_secrets(clock: FakeClock, caplog: pytest.LogCaptureFixture) -> None:
    log = logging.getLogger("stream_iac.test_client")
    body = {"sqs_secret": Secret(SQS_SECRET, "env:SQS")}
    limited = stream_error(429, 9, f'UpdateApp failed with error: "{SQS_SECRET}"')
    limited.headers["Retry-After"] = "1"
    with caplog.at_level(logging.DEBUG, logger="stream_iac"), respx.mock(base_url=API) as router:
        route = router.patch("/app").mock(side_effect=[limited, ok()])
        run_call(make_client(clock, log=log), "UpdateApp", "PATCH", "/app", body=body)
    token = route.calls.last.request.headers["Authorization"]
    attempt_lines = [r.getMessage() for r in caplog.records if "attempt=" in r.getMessage()]
    assert len(attempt_lines) == 2
    assert "PATCH /app op=UpdateApp status=429" in attempt_lines[0]
    assert "attempt=1/5" in attempt_lines[0]
    assert "status=200" in attempt_lines[1] and "retry_wait_ms=1000" in attempt_lines[1]
    everything = caplog.text
    for forbidden in (API_SECRET, token, SQS_SECRET, "api_key", API_KEY, "Authorization"):
        assert forbidden not in everything


def test_a_short_api_secret_signs_without_a_warning() -> None:
    """PyJWT warns about HMAC keys under 32 bytes; the secret is Stream's to choose (the emulator's
    demo secret is 11 bytes), so nothing may reach the user's stderr."""
    import warnings

    from stream_iac.api.client import create_server_token

    with warnings.catch_warnings():
        warnings.simplefilter("error")
        token = create_server_token("demo-secret")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # decoding with so short a key warns too
        assert jwt.decode(token, "demo-secret", algorithms=["HS256"]) == {}
