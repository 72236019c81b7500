"""External storage: /api/v2/external_storage (REFERENCE.md §11): an Amazon S3, Google Cloud
Storage or Azure Blob Storage bucket of the app's own, which Stream writes files to (exports).

The list call returns only each storage's name, type, bucket and path: its credentials, and the
settings that sit beside them (the S3 region and custom endpoint, the Azure account, tenant and
client ids), are never returned. The credentials are secrets; those settings are write-only. An
update replaces the whole storage (the spec makes `bucket` and `storage_type` required on it), so
it sends every declared credential and setting again."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field, model_validator

from stream_iac.kinds.base import (
    JSON,
    Api,
    CheckCall,
    Checks,
    Endpoint,
    Export,
    Fields,
    Kind,
    Lister,
    Replaced,
    Shape,
    StackModel,
    StackPart,
    Writes,
)
from stream_iac.kinds.common import spec

# The credentials object each storage type needs (CreateExternalStorageRequest: "Only required if
# you want to create an Amazon S3 storage", and so on).
CREDENTIALS = {"s3": "aws_s3", "gcs": "gcs_credentials", "abs": "azure_blob"}
CREDENTIALS_SOURCE = spec("CreateExternalStorageRequest.aws_s3/gcs_credentials/azure_blob",
                          "Only required if you want to create an Amazon S3 storage / Azure Blob Storage")

SECRETS = frozenset({"aws_s3.s3_api_key", "aws_s3.s3_secret", "gcs_credentials", "azure_blob.abs_client_secret"})
WRITE_ONLY = frozenset({"aws_s3.s3_region", "aws_s3.s3_custom_endpoint_url", "azure_blob.abs_account_name",
                        "azure_blob.abs_tenant_id", "azure_blob.abs_client_id"})


class AwsS3(StackPart):
    """Where and how Stream reaches an Amazon S3 bucket."""

    s3_region: Annotated[str, Field(min_length=1), spec("S3Request.s3_region", "required")]
    """The AWS region the bucket is in, e.g. `eu-west-1`. Required."""

    s3_api_key: str | None = None
    """The AWS access key id Stream signs its requests with. Leave it and `s3_secret` out to have
    Stream use the IAM role configured for the app instead."""

    s3_secret: str | None = None
    """The secret access key that goes with `s3_api_key`."""

    s3_custom_endpoint_url: str | None = None
    """An S3-compatible endpoint to use instead of AWS's (e.g. a MinIO server); needs `s3_api_key`
    and `s3_secret`."""

    @model_validator(mode="after")
    def keys_together(self) -> AwsS3:
        declared = {"s3_api_key", "s3_secret"} & self.model_fields_set
        if len(declared) == 1:  # by what is declared: a secret may be empty under --allow-missing-env
            raise ValueError("s3_api_key and s3_secret go together: give both, or neither to use the app's IAM "
                             "role; " + spec("S3Request.s3_api_key", "If you do not specify the s3_api_key "
                                             "parameter, Stream will use IAM role authentication").text)
        if self.s3_custom_endpoint_url and not declared:
            raise ValueError("s3_custom_endpoint_url needs s3_api_key and s3_secret; " + spec(
                "S3Request.s3_custom_endpoint_url", "you must also provide the s3_api_key and s3_secret "
                "parameters").text)
        return self


class AzureBlob(StackPart):
    """How Stream reaches an Azure Blob Storage container (every field required)."""

    abs_account_name: Annotated[str, Field(min_length=1), spec("AzureRequest.abs_account_name", "required")]
    """The Azure storage account that holds the container."""

    abs_tenant_id: Annotated[str, Field(min_length=1), spec("AzureRequest.abs_tenant_id", "required")]
    """The id of the Microsoft Entra (Azure AD) tenant of the app registration below."""

    abs_client_id: Annotated[str, Field(min_length=1), spec("AzureRequest.abs_client_id", "required")]
    """The client (application) id of the app registration Stream signs in as."""

    abs_client_secret: Annotated[str, Field(min_length=1), spec("AzureRequest.abs_client_secret", "required")]
    """The client secret of that app registration."""


class ExternalStorage(StackModel):
    """A bucket of the app's own that Stream writes files to; key = the storage's name."""

    storage_type: Annotated[Literal["s3", "gcs", "abs"], spec(
        "CreateExternalStorageRequest.storage_type", "enum: s3, gcs, abs")]
    """Which service holds the bucket: `s3` (Amazon S3), `gcs` (Google Cloud Storage) or `abs`
    (Azure Blob Storage). Required; its credentials go in `aws_s3`, `gcs_credentials` or
    `azure_blob` respectively."""

    bucket: Annotated[str, Field(min_length=1), spec("CreateExternalStorageRequest.bucket", "required")]
    """The bucket's (for Azure: the container's) name at the service. Required."""

    path: str | None = None
    """A prefix put before the name of every file Stream writes, e.g. `exports/`; none by default
    (files go at the bucket's top)."""

    aws_s3: AwsS3 | None = None
    """S3 settings and credentials; required when `storage_type` is `s3`, not allowed otherwise."""

    gcs_credentials: str | None = None
    """The Google service-account key (its JSON file's text) Stream writes with; required when
    `storage_type` is `gcs`, not allowed otherwise."""

    azure_blob: AzureBlob | None = None
    """Azure settings and credentials; required when `storage_type` is `abs`, not allowed otherwise."""

    @model_validator(mode="after")
    def credentials_match_type(self) -> ExternalStorage:
        wanted = CREDENTIALS[self.storage_type]
        if getattr(self, wanted) is None:
            raise ValueError(f"a storage of type {self.storage_type} needs {wanted}; {CREDENTIALS_SOURCE.text}")
        foreign = sorted(f for f in CREDENTIALS.values() if f != wanted and getattr(self, f) is not None)
        if foreign:
            raise ValueError(f"{', '.join(foreign)} do not apply to a storage of type {self.storage_type} (it uses "
                             f"{wanted})")
        return self


def normalise(live: JSON) -> JSON:
    body = {"storage_type": live.get("type"), "bucket": live.get("bucket"), "path": live.get("path")}
    return {k: v for k, v in body.items() if v is not None}


def export_secrets(live: JSON) -> tuple[tuple[str, ...], ...]:
    """What export writes as ${env:} references, the API returning none of it: each credential,
    and the write-only settings a storage of the type cannot be written without."""
    by_type: dict[str, tuple[tuple[str, ...], ...]] = {
        "s3": (("aws_s3", "s3_region"), ("aws_s3", "s3_api_key"), ("aws_s3", "s3_secret")),
        "gcs": (("gcs_credentials",),),
        "abs": tuple(("azure_blob", f) for f in ("abs_account_name", "abs_tenant_id", "abs_client_id",
                                                 "abs_client_secret")),
    }
    return by_type.get(str(live.get("storage_type")), ())


def check_calls(name: str, body: JSON) -> list[CheckCall]:
    """CheckExternalStorage writes a test file to the bucket with the stored credentials; Stream
    answers a failure with 400 and its reason."""
    path = "/external_storage/{name}/check"
    return [CheckCall("", "CheckExternalStorage", "GET", Endpoint("", "GET", path).url(name))]


KIND = Kind(
    name="external_storage",
    shape=Shape(model=ExternalStorage, normalise=normalise, noun="external storage"),
    api=Api(
        read=Lister(op="ListExternalStorage", path="/external_storage", key="external_storages"),
        create=Endpoint("CreateExternalStorage", "POST", "/external_storage", name_field="name"),
        update=Endpoint("UpdateExternalStorage", "PUT", "/external_storage/{name}"),
        delete=Endpoint("DeleteExternalStorage", "DELETE", "/external_storage/{name}"),
    ),
    fields=Fields(secrets=SECRETS, write_only=WRITE_ONLY),
    writes=Writes(replaces=(Replaced(),), required_on_update=("storage_type", "bucket")),
    export=Export(defaults=lambda name, live: {"path": ""}, secrets=export_secrets),
    checks=Checks(calls=check_calls),
)
