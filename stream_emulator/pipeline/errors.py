"""API errors and the exact error body Stream returns."""

from __future__ import annotations

from typing import Any

MORE_INFO_URL = "https://getstream.io/chat/docs/api_errors_response"

INPUT_ERROR = 4
ACCESS_KEY_ERROR = 2
AUTHENTICATION_ERROR = 5
RATE_LIMIT_ERROR = 9
DOES_NOT_EXIST = 16
NOT_ALLOWED = 17
TOKEN_EXPIRED = 40
TOKEN_NOT_VALID_YET = 41
TOKEN_USED_BEFORE_ISSUED_AT = 42
TOKEN_SIGNATURE_INVALID = 43
INTERNAL_ERROR = -1


class ApiError(Exception):
    """Raised anywhere in request handling; becomes the standard error body."""

    def __init__(self, status: int, code: int, detail: str, headers: dict[str, str] | None = None) -> None:
        super().__init__(detail)
        self.status = status
        self.code = code
        self.detail = detail
        self.headers = dict(headers or {})


def bad_request(detail: str) -> ApiError:
    return ApiError(400, INPUT_ERROR, detail)


def not_found(detail: str) -> ApiError:
    return ApiError(404, DOES_NOT_EXIST, detail)


def error_body(operation_id: str, error: ApiError, duration: str) -> dict[str, Any]:
    return {
        "code": error.code,
        "message": f'{operation_id} failed with error: "{error.detail}"',
        "StatusCode": error.status,
        "duration": duration,
        "more_info": MORE_INFO_URL,
        "details": [],
    }
