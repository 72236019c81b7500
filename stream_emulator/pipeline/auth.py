"""Server-side authentication: ``?api_key=`` plus ``Authorization: <HS256 JWT signed with the secret>``."""

from __future__ import annotations

import warnings
from functools import lru_cache
from typing import Any

import jwt

from .errors import (
    ACCESS_KEY_ERROR,
    AUTHENTICATION_ERROR,
    NOT_ALLOWED,
    TOKEN_EXPIRED,
    TOKEN_NOT_VALID_YET,
    TOKEN_SIGNATURE_INVALID,
    TOKEN_USED_BEFORE_ISSUED_AT,
    ApiError,
)

# Tokens are signed by the client's clock; allow for skew against the (possibly injected) emulator clock.
CLOCK_SKEW_LEEWAY_SECONDS = 60.0
# Clients reuse one token for many requests; verifying its signature again gives the same answer.
VERIFIED_TOKEN_CACHE_SIZE = 1024


def unknown_api_key(api_key: str | None) -> ApiError:
    if not api_key:
        return ApiError(401, ACCESS_KEY_ERROR, "api_key not found")
    return ApiError(401, ACCESS_KEY_ERROR, f'api_key "{api_key}" not found')


def verify_server_token(authorization: str | None, secret: str, now: float) -> dict[str, Any]:
    """Return the claims of a valid server token, or raise the matching 401/403 ``ApiError``."""
    if not authorization:
        raise ApiError(401, AUTHENTICATION_ERROR, "missing authentication token (Authorization header)")
    claims = _verified_claims(authorization, secret)
    _check_time_claims(claims, now)
    if "user_id" in claims:
        raise ApiError(403, NOT_ALLOWED, "this endpoint requires server-side authentication, not a user token")
    return dict(claims)  # a copy: the cached claims are shared by every request carrying this token


@lru_cache(maxsize=VERIFIED_TOKEN_CACHE_SIZE)
def _verified_claims(token: str, secret: str) -> dict[str, Any]:
    """The claims of a token with a valid HS256 signature (time claims are not checked here, so the
    answer does not depend on time and is cached; a rejected token raises and is not cached)."""
    try:
        header = jwt.get_unverified_header(token)
    except jwt.PyJWTError as exc:
        raise ApiError(401, AUTHENTICATION_ERROR, f"token is malformed: {exc}") from exc
    if header.get("alg") != "HS256":
        raise ApiError(401, TOKEN_SIGNATURE_INVALID, "token signature is invalid: algorithm must be HS256")
    options: jwt.types.Options = {"verify_exp": False, "verify_iat": False, "verify_nbf": False, "verify_aud": False}
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # short app secrets are the user's choice, not a request error
            claims: dict[str, Any] = jwt.decode(token, secret, algorithms=["HS256"], options=options)
    except jwt.InvalidSignatureError as exc:
        raise ApiError(401, TOKEN_SIGNATURE_INVALID, "token signature is invalid") from exc
    except jwt.PyJWTError as exc:
        raise ApiError(401, AUTHENTICATION_ERROR, f"token is malformed: {exc}") from exc
    return claims


def _numeric_claim(claims: dict[str, Any], name: str) -> float | None:
    value = claims.get(name)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ApiError(401, AUTHENTICATION_ERROR, f"token claim {name} must be a number")
    return float(value)


def _check_time_claims(claims: dict[str, Any], now: float) -> None:
    expires = _numeric_claim(claims, "exp")
    if expires is not None and expires <= now:
        raise ApiError(401, TOKEN_EXPIRED, "token is expired")
    not_before = _numeric_claim(claims, "nbf")
    if not_before is not None and not_before > now + CLOCK_SKEW_LEEWAY_SECONDS:
        raise ApiError(401, TOKEN_NOT_VALID_YET, "token is not valid yet")
    issued_at = _numeric_claim(claims, "iat")
    if issued_at is not None and issued_at > now + CLOCK_SKEW_LEEWAY_SECONDS:
        raise ApiError(401, TOKEN_USED_BEFORE_ISSUED_AT, "token used before issued at (iat)")
