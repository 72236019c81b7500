"""Authentication: api_key + server JWT (HS256 with the app secret, no user_id)."""

from __future__ import annotations

from .helpers import KEY, OTHER_SECRET, SECRET, START_TIME, Api, assert_error, assert_ok, server_token


def test_empty_claims_server_token_is_accepted(api: Api) -> None:
    body = assert_ok(api.get("/app", token=server_token(SECRET)))
    assert body["app"]["name"] == KEY


def test_legacy_server_true_claim_is_accepted_but_not_required(api: Api) -> None:
    assert_ok(api.get("/app", token=server_token(SECRET, server=True)))
    assert_ok(api.get("/app", token=server_token(SECRET)))


def test_unknown_api_key_is_401_code_2(api: Api) -> None:
    assert_error(api.get("/app", key="no-such-key"), 401, 2, "GetApp", "no-such-key")


def test_missing_api_key_is_401_code_2(api: Api) -> None:
    assert_error(api.get("/app", key=""), 401, 2, "GetApp")


def test_bad_signature_is_401_code_43(api: Api) -> None:
    assert_error(api.get("/app", token=server_token("wrong-secret-0123456789-0123456789")), 401, 43, "GetApp")


def test_token_of_another_app_is_401_code_43(api: Api) -> None:
    assert_error(api.get("/app", token=server_token(OTHER_SECRET)), 401, 43, "GetApp")


def test_expired_token_is_401_code_40(api: Api) -> None:
    expired = server_token(SECRET, exp=int(START_TIME) - 10)
    assert_error(api.get("/app", token=expired), 401, 40, "GetApp", "expired")


def test_unexpired_token_is_accepted(api: Api) -> None:
    assert_ok(api.get("/app", token=server_token(SECRET, exp=int(START_TIME) + 3600)))


def test_user_token_is_403_code_17(api: Api) -> None:
    user_token = server_token(SECRET, user_id="alice")
    assert_error(api.post("/chat/channeltypes", {"name": "x"}, token=user_token), 403, 17, "CreateChannelType")
    assert_error(api.get("/app", token=user_token), 403, 17, "GetApp")


def test_missing_authorization_is_401(api: Api) -> None:
    assert_error(api.get("/app", token=""), 401, 5, "GetApp")


def test_bearer_prefix_is_not_accepted(api: Api) -> None:
    assert_error(api.get("/app", token="Bearer " + server_token(SECRET)), 401, 5, "GetApp")


def test_token_issued_far_in_the_future_is_401_code_42(api: Api) -> None:
    assert_error(api.get("/app", token=server_token(SECRET, iat=int(START_TIME) + 3600)), 401, 42, "GetApp")


def test_rejected_requests_do_not_change_state(api: Api) -> None:
    user_token = server_token(SECRET, user_id="alice")
    api.post("/chat/commands", {"name": "ticket", "description": "d"}, token=user_token)
    assert assert_ok(api.get("/chat/commands"))["commands"] == []
