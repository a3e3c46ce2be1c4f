"""The mapping of connecting failures to lamella's public exceptions.

Resolving, connecting, the TLS handshake and the proxy handshake raise
stdlib errors (``OSError``, ``ssl.SSLError``, ``TimeoutError``). The TCP
connectors (core's, lamella-connectors' and its proxy routes, third
parties' built on the public API) open each connection inside
:func:`mapped_connect_errors`, which picks the most specific
``ClientConnector*Error`` for the stage that failed and chains the
original with ``raise ... from``. lamella's own errors pass through
untouched, so a step that knows more raises its class itself: a name that
does not resolve, a Unix socket path, the connector's connect budget.
"""

from __future__ import annotations

import socket
import ssl
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING

from lamella_core.exceptions import (
    ClientConnectorCertificateError,
    ClientConnectorDNSError,
    ClientConnectorError,
    ClientConnectorSSLError,
    ClientError,
    ConnectionTimeoutError,
)

if TYPE_CHECKING:
    from .connector import ConnectionKey

__all__ = ["mapped_connect_errors"]


@contextmanager
def mapped_connect_errors(
    key: ConnectionKey,
    *,
    what: str,
    os_error: type[ClientConnectorError] = ClientConnectorError,
) -> Iterator[None]:
    """Translate connect-stage errors for ``key``.

    Args:
        key: the connection key named in the error (origin or proxy).
        what: how the target is named in a timeout message.
        os_error: the class for plain socket errors; ``ClientProxyConnectionError``
            when the target is a proxy.
    """
    try:
        yield
    except ClientError:
        raise
    except TimeoutError as exc:
        raise ConnectionTimeoutError(f"Connection timeout to {what}") from exc
    except ssl.SSLCertVerificationError as exc:
        raise ClientConnectorCertificateError(key, exc) from exc
    except ssl.SSLError as exc:
        raise ClientConnectorSSLError(key, exc) from exc
    except socket.gaierror as exc:
        raise ClientConnectorDNSError(key, exc) from exc
    except OSError as exc:
        raise os_error(key, exc) from exc
