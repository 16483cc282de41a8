"""UploadReader adapters: stream one version of an uploaded object from S3, or read it from memory."""

from __future__ import annotations

import io
from typing import TYPE_CHECKING, Any

from botocore.exceptions import ClientError

from eis_core.errors import NotFoundError, StorageError
from eis_core.storage.ports import ArtifactStore, ByteStream

if TYPE_CHECKING:
    from mypy_boto3_s3 import S3Client

_MISSING = {"NoSuchKey", "NoSuchVersion", "404", "NotFound"}


class S3UploadReader:
    def __init__(self, client: S3Client, bucket: str) -> None:
        self._s3 = client
        self.bucket = bucket

    def open(self, key: str, *, version_id: str | None = None) -> ByteStream:
        # Reading the version named by the event means a later overwrite cannot change what is ingested.
        request: dict[str, Any] = {"Bucket": self.bucket, "Key": key}
        if version_id:
            request["VersionId"] = version_id
        try:
            return self._s3.get_object(**request)["Body"]
        except ClientError as error:
            code = str(error.response.get("Error", {}).get("Code", ""))
            if code in _MISSING:
                raise NotFoundError(f"s3://{self.bucket}/{key} not found") from error
            raise StorageError(f"S3 {code or 'error'} reading s3://{self.bucket}/{key}: {error}") from error


class ArtifactUploadReader:
    """Reads uploads kept in an ArtifactStore (the in-memory adapters); there, objects have no versions."""

    def __init__(self, store: ArtifactStore) -> None:
        self._store = store

    def open(self, key: str, *, version_id: str | None = None) -> ByteStream:
        return io.BytesIO(self._store.get_bytes(key))
