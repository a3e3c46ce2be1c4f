"""``Fingerprint``: pin a server certificate by its SHA-256 digest."""

from __future__ import annotations

import hashlib
from typing import TYPE_CHECKING

from lamella_core.exceptions import ServerFingerprintMismatch

if TYPE_CHECKING:
    import asyncio

__all__ = ["Fingerprint"]

_WEAK = {16: "md5", 20: "sha1"}


class Fingerprint:
    """The SHA-256 digest of the DER certificate a server must present.

    Given as ``ssl=Fingerprint(digest)``, it replaces certificate-chain and
    host-name verification: the connection is accepted exactly when the
    server's certificate has this digest.

    Args:
        fingerprint: the 32-byte SHA-256 digest of the certificate.

    Raises:
        ValueError: the digest is an MD5 or SHA-1 one (both are broken and
            refused, as aiohttp refuses them), or has another length.
    """

    __slots__ = ("_fingerprint",)

    def __init__(self, fingerprint: bytes) -> None:
        if len(fingerprint) in _WEAK:
            raise ValueError("md5 and sha1 are insecure and not supported. Use sha256.")
        if len(fingerprint) != 32:
            raise ValueError("fingerprint has invalid length")
        self._fingerprint = fingerprint

    def __repr__(self) -> str:
        return f"Fingerprint({self._fingerprint.hex()})"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Fingerprint) and other._fingerprint == self._fingerprint

    def __hash__(self) -> int:
        return hash(self._fingerprint)

    @property
    def fingerprint(self) -> bytes:
        """The expected digest."""
        return self._fingerprint

    def check(
        self, transport: asyncio.Transport, host: str | None = None, port: int | None = None
    ) -> None:
        """Raise unless the peer certificate of ``transport`` has the expected digest.

        ``host`` and ``port`` name the server in the error; aiohttp's
        one-argument call takes them from the socket's peer address (which,
        through a proxy tunnel, is the proxy's).

        Raises:
            ServerFingerprintMismatch: the digests differ (the transport is aborted:
                there is nothing to say politely to the wrong server).
        """
        ssl_object = transport.get_extra_info("ssl_object")
        if ssl_object is None:
            return
        der = ssl_object.getpeercert(binary_form=True)
        got = hashlib.sha256(der or b"").digest()
        if got != self._fingerprint:
            if host is None or port is None:
                host, port, *_ = transport.get_extra_info("peername") or ("", 0)
            transport.abort()
            raise ServerFingerprintMismatch(self._fingerprint, got, host, port)
