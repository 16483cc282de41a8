"""The agency's audit MAC key in KMS (an HMAC_256 key): GenerateMac and VerifyMac, the key never leaves KMS."""

from __future__ import annotations

import base64
from typing import TYPE_CHECKING, Final, Literal

from botocore.exceptions import ClientError

from eis_core.errors import StorageError

if TYPE_CHECKING:
    from mypy_boto3_kms import KMSClient

MAC_ALGORITHM: Final[Literal["HMAC_SHA_256"]] = "HMAC_SHA_256"


class KmsAuditKey:
    def __init__(self, client: KMSClient, key_id: str) -> None:
        self._kms = client
        self._key_id = key_id

    @property
    def key_id(self) -> str:
        return self._key_id

    def mac(self, message: bytes) -> str:
        try:
            response = self._kms.generate_mac(KeyId=self._key_id, Message=message, MacAlgorithm=MAC_ALGORITHM)
        except ClientError as error:
            raise StorageError(f"KMS GenerateMac on {self._key_id} failed: {_code(error)}") from error
        return base64.b64encode(response["Mac"]).decode()

    def verify(self, message: bytes, mac: str) -> bool:
        try:
            raw = base64.b64decode(mac.encode(), validate=True)
        except ValueError:
            return False
        if not raw:
            return False
        try:
            response = self._kms.verify_mac(KeyId=self._key_id, Message=message, Mac=raw, MacAlgorithm=MAC_ALGORITHM)
        except ClientError as error:
            if _code(error) == "KMSInvalidMacException":
                return False
            raise StorageError(f"KMS VerifyMac on {self._key_id} failed: {_code(error)}") from error
        return bool(response.get("MacValid"))


def _code(error: ClientError) -> str:
    return str(error.response.get("Error", {}).get("Code", ""))
