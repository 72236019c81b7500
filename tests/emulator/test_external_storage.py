"""External storage: list/create/update/delete and the check; credentials are stored, never returned."""

from __future__ import annotations

from typing import Any

import pytest

from stream_emulator import Emulator, ManualClock

from .helpers import KEY, START_TIME, Api, assert_error, assert_ok

S3 = {"name": "exports", "storage_type": "s3", "bucket": "chat-exports", "path": "daily/",
      "aws_s3": {"s3_region": "eu-west-1", "s3_api_key": "AKIA", "s3_secret": "s3-secret"}}
GCS = {"name": "archive", "storage_type": "gcs", "bucket": "chat-archive",
       "gcs_credentials": '{"client_email": "e@p.iam.gserviceaccount.com", "private_key": "gcs-secret"}'}
AZURE = {"name": "azure", "storage_type": "abs", "bucket": "container",
         "azure_blob": {"abs_account_name": "chatexports", "abs_tenant_id": "t", "abs_client_id": "c",
                        "abs_client_secret": "abs-secret"}}


def create(api: Api, body: dict[str, Any]) -> None:
    assert set(assert_ok(api.post("/external_storage", body), 201)) == {"duration"}


def test_create_and_list_without_credentials(api: Api, emulator: Emulator) -> None:
    assert assert_ok(api.get("/external_storage"))["external_storages"] == {}
    for body in (S3, GCS, AZURE):
        create(api, body)
    listed = assert_ok(api.get("/external_storage"))["external_storages"]
    assert listed == {
        "exports": {"name": "exports", "type": "s3", "bucket": "chat-exports", "path": "daily/"},
        "archive": {"name": "archive", "type": "gcs", "bucket": "chat-archive", "path": ""},
        "azure": {"name": "azure", "type": "abs", "bucket": "container", "path": ""},
    }
    assert "secret" not in api.get("/external_storage").text
    stored = emulator.snapshot(KEY)["external_storages"]
    assert stored["exports"]["credentials"]["aws_s3"]["s3_secret"] == "s3-secret"


@pytest.mark.parametrize(
    ("body", "detail"),
    [
        ({**S3, "aws_s3": None}, "aws_s3 is required for s3 storage"),
        ({**GCS, "gcs_credentials": None}, "gcs_credentials is required for gcs storage"),
        ({**AZURE, "azure_blob": {"abs_account_name": "a"}}, "azure_blob.abs_tenant_id is a required field"),
        ({**S3, "aws_s3": {"s3_api_key": "k"}}, "aws_s3.s3_region is a required field"),
        ({**S3, "aws_s3": {"s3_region": "eu-west-1", "s3_custom_endpoint_url": "https://minio.local"}},
         "needs s3_api_key and s3_secret"),
        ({**S3, "storage_type": "ftp"}, "storage_type must be one of"),
        ({**S3, "bucket": ""}, "bucket"),
        ({key: value for key, value in S3.items() if key != "name"}, "name is a required field"),
    ],
)
def test_invalid_creates_are_400(api: Api, body: dict[str, Any], detail: str) -> None:
    assert_error(api.post("/external_storage", body), 400, 4, "CreateExternalStorage", detail)


def test_names_are_unique(api: Api) -> None:
    create(api, S3)
    assert_error(api.post("/external_storage", S3), 400, 4, "CreateExternalStorage", "already exists")


def test_update_replaces_everything_and_answers_without_credentials(api: Api, emulator: Emulator) -> None:
    create(api, S3)
    body = {key: value for key, value in GCS.items() if key != "name"}
    updated = assert_ok(api.put("/external_storage/exports", body), 201)
    assert {key: value for key, value in updated.items() if key != "duration"} == {
        "name": "exports", "type": "gcs", "bucket": "chat-archive", "path": ""}
    assert set(emulator.snapshot(KEY)["external_storages"]["exports"]["credentials"]) == {"gcs_credentials"}
    assert_error(api.put("/external_storage/ghost", body), 404, 16, "UpdateExternalStorage")
    assert_error(api.put("/external_storage/exports", {"bucket": "b"}), 400, 4, "UpdateExternalStorage",
                 "storage_type is a required field")


def test_delete(api: Api) -> None:
    create(api, S3)
    assert set(assert_ok(api.delete("/external_storage/exports"))) == {"duration"}
    assert assert_ok(api.get("/external_storage"))["external_storages"] == {}
    assert_error(api.delete("/external_storage/exports"), 404, 16, "DeleteExternalStorage")


@pytest.mark.parametrize(
    ("body", "url"),
    [
        (S3, f"https://chat-exports.s3.eu-west-1.amazonaws.com/daily/stream-check-{int(START_TIME)}.txt"),
        ({**S3, "path": "", "aws_s3": {"s3_region": "us-east-1", "s3_api_key": "k", "s3_secret": "s",
                                       "s3_custom_endpoint_url": "https://minio.example.com/"}},
         f"https://minio.example.com/chat-exports/stream-check-{int(START_TIME)}.txt"),
        ({**S3, "aws_s3": {"s3_region": "eu-central-1"}},  # IAM role: no key, no secret
         f"https://chat-exports.s3.eu-central-1.amazonaws.com/daily/stream-check-{int(START_TIME)}.txt"),
        (GCS, f"https://storage.googleapis.com/chat-archive/stream-check-{int(START_TIME)}.txt"),
        (AZURE, f"https://chatexports.blob.core.windows.net/container/stream-check-{int(START_TIME)}.txt"),
    ],
)
def test_check_returns_the_test_files_url(api: Api, body: dict[str, Any], url: str) -> None:
    create(api, body)
    assert assert_ok(api.get(f"/external_storage/{body['name']}/check"))["file_url"] == url


@pytest.mark.parametrize(
    ("body", "detail"),
    [
        ({**S3, "bucket": "Chat_Exports"}, "not a valid S3 bucket name"),
        ({**S3, "aws_s3": {"s3_region": "europe"}}, "not an AWS region"),
        ({**S3, "aws_s3": {"s3_region": "eu-west-1", "s3_api_key": "k"}}, "must be given together"),
        ({**S3, "aws_s3": {"s3_region": "eu-west-1", "s3_api_key": "k", "s3_secret": "invalid"}},
         "rejected the credentials"),
        ({**GCS, "gcs_credentials": "{not json"}, "not valid JSON"),
        ({**GCS, "gcs_credentials": '{"client_email": "e"}'}, "client_email and private_key"),
        ({**AZURE, "azure_blob": {**AZURE["azure_blob"], "abs_account_name": "Chat-Exports"}},
         "not a valid Azure storage account name"),
        ({**AZURE, "azure_blob": {**AZURE["azure_blob"], "abs_client_secret": "INVALID"}},
         "rejected the credentials"),
    ],
)
def test_check_fails_on_credentials_of_the_wrong_shape(api: Api, body: dict[str, Any], detail: str) -> None:
    create(api, body)
    response = api.get(f"/external_storage/{body['name']}/check")
    assert_error(response, 400, 4, "CheckExternalStorage", detail)


def test_check_of_an_unknown_storage_is_404(api: Api) -> None:
    assert_error(api.get("/external_storage/ghost/check"), 404, 16, "CheckExternalStorage")


def test_each_check_names_a_new_test_file(api: Api, clock: ManualClock) -> None:
    create(api, GCS)
    first = assert_ok(api.get("/external_storage/archive/check"))["file_url"]
    clock.advance(5)
    assert assert_ok(api.get("/external_storage/archive/check"))["file_url"] != first  # not a cached answer
