"""External storage (S3, GCS or Azure Blob buckets for exports). Credentials are secrets: stored, never
returned (only ``name``, ``type``, ``bucket`` and ``path`` are)."""

from __future__ import annotations

import json
import re
from typing import Any

from ..pipeline.errors import bad_request, not_found
from ..pipeline.request_schemas import CREATE_EXTERNAL_STORAGE, UPDATE_EXTERNAL_STORAGE
from .checks import rejected
from .common import Context, Result, created, json_copy, ok

# The credentials field of each storage type.
CREDENTIALS_FIELD = {"s3": "aws_s3", "gcs": "gcs_credentials", "abs": "azure_blob"}
AWS_REGION = re.compile(r"^[a-z]{2}(-gov|-iso[a-z]*)?-[a-z]+-\d+$")
S3_BUCKET = re.compile(r"^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$")
AZURE_ACCOUNT = re.compile(r"^[a-z0-9]{3,24}$")


def storage_view(stored: dict[str, Any]) -> dict[str, Any]:
    """ExternalStorageResponse: no credentials."""
    return {"name": stored["name"], "type": stored["type"], "bucket": stored["bucket"], "path": stored["path"]}


def _stored(ctx: Context, name: str, body: dict[str, Any]) -> dict[str, Any]:
    storage_type: str = body["storage_type"]
    credentials_field = CREDENTIALS_FIELD[storage_type]
    if body.get(credentials_field) is None:
        raise bad_request(f"{credentials_field} is required for {storage_type} storage")
    s3 = body.get("aws_s3") or {}
    if storage_type == "s3" and s3.get("s3_custom_endpoint_url") and not (s3.get("s3_api_key") and s3.get("s3_secret")):
        raise bad_request("aws_s3.s3_custom_endpoint_url needs s3_api_key and s3_secret")
    return {
        "name": name,
        "type": storage_type,
        "bucket": body["bucket"],
        "path": body.get("path") or "",
        "credentials": {credentials_field: json_copy(body[credentials_field])},
    }


def _existing(ctx: Context) -> dict[str, Any]:
    stored = ctx.state.external_storages.get(ctx.params["name"])
    if stored is None:
        raise not_found(f'external storage "{ctx.params["name"]}" does not exist')
    return stored


# -- handlers -------------------------------------------------------------------------------------------


def list_external_storage(ctx: Context) -> Result:
    """ListExternalStorage: GET /external_storage -> 200 ``{"external_storages": {name: {name, type, bucket,
    path}}}``, without credentials.
    """
    storages = {name: storage_view(stored) for name, stored in ctx.state.external_storages.items()}
    return ok({"external_storages": storages})


def create_external_storage(ctx: Context) -> Result:
    """CreateExternalStorage: POST /external_storage with ``{name, storage_type, bucket, path?, aws_s3? |
    gcs_credentials? | azure_blob?}`` -> 201 ``{}``. The credentials of the storage type are required
    (``aws_s3`` with ``s3_region``; a custom S3 endpoint also needs ``s3_api_key`` and ``s3_secret``).
    400/4 on a bad field, missing credentials or an existing name.
    """
    body = ctx.validated_body(CREATE_EXTERNAL_STORAGE)
    name: str = body["name"]
    if name in ctx.state.external_storages:
        raise bad_request(f'external storage "{name}" already exists')
    ctx.state.external_storages[name] = _stored(ctx, name, body)
    return created()


def update_external_storage(ctx: Context) -> Result:
    """UpdateExternalStorage: PUT /external_storage/{name} with ``{storage_type, bucket, path?, aws_s3? |
    gcs_credentials? | azure_blob?}`` (replaces it all, credentials included) -> 201 ``{name, type,
    bucket, path}``. 400/4 on a bad field or missing credentials; 404/16 if there is none.
    """
    stored = _existing(ctx)
    body = ctx.validated_body(UPDATE_EXTERNAL_STORAGE)
    replacement = _stored(ctx, stored["name"], body)
    ctx.state.external_storages[stored["name"]] = replacement
    return created(storage_view(replacement))


def delete_external_storage(ctx: Context) -> Result:
    """DeleteExternalStorage: DELETE /external_storage/{name} -> 200 ``{}``; 404/16 if there is none."""
    stored = _existing(ctx)
    del ctx.state.external_storages[stored["name"]]
    return ok()


def check_external_storage(ctx: Context) -> Result:
    """CheckExternalStorage: GET /external_storage/{name}/check -> 200 ``{"file_url"}``, the URL the test
    file would have in the bucket. The emulator reaches no cloud: the check fails (400/4, saying why)
    when the bucket name or the credentials do not have the service's shape (S3: a bucket name of 3-63
    lower-case letters, digits, dots and hyphens, a region like ``eu-west-1``, key and secret both or
    neither; GCS: a service-account JSON with ``client_email`` and ``private_key``; Azure: a 3-24
    character lower-case account name) or a credential contains "invalid". 404/16 if there is none.
    """
    stored = _existing(ctx)
    problem = _storage_problem(stored)
    if problem is not None:
        raise bad_request(f'external storage "{stored["name"]}" check failed: {problem}')
    file_name = f"stream-check-{int(ctx.now)}.txt"
    path = "/".join(part for part in (stored["path"].strip("/"), file_name) if part)
    credentials = stored["credentials"]
    if stored["type"] == "s3":
        s3 = credentials["aws_s3"]
        endpoint = (s3.get("s3_custom_endpoint_url") or "").rstrip("/")
        base = f"{endpoint}/{stored['bucket']}" if endpoint else (
            f"https://{stored['bucket']}.s3.{s3['s3_region']}.amazonaws.com")
    elif stored["type"] == "gcs":
        base = f"https://storage.googleapis.com/{stored['bucket']}"
    else:
        base = f"https://{credentials['azure_blob']['abs_account_name']}.blob.core.windows.net/{stored['bucket']}"
    return ok({"file_url": f"{base}/{path}"})


def _storage_problem(stored: dict[str, Any]) -> str | None:
    credentials = stored["credentials"]
    if stored["type"] == "s3":
        s3 = credentials["aws_s3"]
        if not S3_BUCKET.match(stored["bucket"]):
            return f'"{stored["bucket"]}" is not a valid S3 bucket name'
        if not AWS_REGION.match(s3["s3_region"]):
            return f'"{s3["s3_region"]}" is not an AWS region'
        if bool(s3.get("s3_api_key")) != bool(s3.get("s3_secret")):
            return "s3_api_key and s3_secret must be given together (or neither, for IAM role authentication)"
        values = [s3.get("s3_api_key"), s3.get("s3_secret")]
    elif stored["type"] == "gcs":
        try:
            parsed = json.loads(credentials["gcs_credentials"])
        except ValueError:
            return "gcs_credentials is not valid JSON"
        if not isinstance(parsed, dict) or not (parsed.get("client_email") and parsed.get("private_key")):
            return "gcs_credentials is not a service account JSON with client_email and private_key"
        values = [parsed.get("private_key"), parsed.get("client_email")]
    else:
        azure = credentials["azure_blob"]
        if not AZURE_ACCOUNT.match(azure["abs_account_name"]):
            return f'"{azure["abs_account_name"]}" is not a valid Azure storage account name'
        values = list(azure.values())
    if any(rejected(value) for value in values):
        return "the storage service rejected the credentials"
    return None
