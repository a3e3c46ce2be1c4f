"""The version of lamella-core, read by hatch when building."""

__all__ = ["__version__"]

__version__ = "0.1.0"
