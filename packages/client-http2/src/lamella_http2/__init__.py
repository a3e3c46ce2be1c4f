"""lamella-http2: HTTP/2 connections for lamella's connectors.

Installing the distribution lets ``TCPConnector(http2=True)`` speak HTTP/2
to servers that choose it in ALPN (and ``http2="prior-knowledge"`` speak
h2c to plain-http ones), through the ``lamella_http2_connection`` hook
(see ``_plugin``). Sessions use it through the usual ``ClientSession`` API.
"""

from ._connection import H2Connection
from ._version import __version__ as __version__

__all__ = ["H2Connection"]
