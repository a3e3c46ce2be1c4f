"""lamella-connect-to: connect to another address than the URL names, as curl --connect-to does."""

from ._connector import ConnectToConnector

__all__ = ["ConnectToConnector"]
