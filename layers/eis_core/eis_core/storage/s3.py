"""ArtifactStore on one S3 bucket (reports, quarantine files, score runs, models)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from botocore.exceptions import ClientError

from eis_core.errors import NotFoundError, StorageError

if TYPE_CHECKING:
    from mypy_boto3_s3 import S3Client

_MISSING = {"NoSuchKey", "404", "NotFound"}


class S3ArtifactStore:
    def __init__(self, client: S3Client, bucket: str) -> None:
        self._s3 = client
        self.bucket = bucket

    def put_bytes(self, key: str, body: bytes, *, content_type: str = "application/octet-stream") -> None:
        try:
            # Encryption is the bucket's default (the agency's KMS key); the adapter never weakens it.
            self._s3.put_object(Bucket=self.bucket, Key=key, Body=body, ContentType=content_type)
        except ClientError as error:
            raise _storage_error(error, self.bucket, key) from error

    def get_bytes(self, key: str) -> bytes:
        try:
            response = self._s3.get_object(Bucket=self.bucket, Key=key)
            return response["Body"].read()
        except ClientError as error:
            if _code(error) in _MISSING:
                raise NotFoundError(f"s3://{self.bucket}/{key} not found") from error
            raise _storage_error(error, self.bucket, key) from error

    def put_json(self, key: str, document: Any) -> None:
        body = json.dumps(document, ensure_ascii=False, default=str).encode()
        self.put_bytes(key, body, content_type="application/json; charset=utf-8")

    def get_json(self, key: str) -> Any:
        return json.loads(self.get_bytes(key))

    def put_new(self, key: str, body: bytes, *, content_type: str = "application/octet-stream") -> bool:
        """Create ``key`` only if absent (S3 conditional write): never a second version of it."""
        try:
            # botocore adds a CRC checksum by default, which Object Lock buckets require on PUT.
            self._s3.put_object(Bucket=self.bucket, Key=key, Body=body, ContentType=content_type, IfNoneMatch="*")
        except ClientError as error:
            if _code(error) == "PreconditionFailed":
                return False
            raise _storage_error(error, self.bucket, key) from error
        return True

    def keys(self, prefix: str = "") -> Iterator[str]:
        paginator = self._s3.get_paginator("list_objects_v2")
        try:
            for page in paginator.paginate(Bucket=self.bucket, Prefix=prefix):
                for entry in page.get("Contents", []):
                    yield entry["Key"]
        except ClientError as error:
            raise _storage_error(error, self.bucket, prefix) from error


def _code(error: ClientError) -> str:
    return str(error.response.get("Error", {}).get("Code", ""))


def _storage_error(error: ClientError, bucket: str, key: str) -> StorageError:
    return StorageError(f"S3 {_code(error) or 'error'} on s3://{bucket}/{key}: {error}")
