"""The package's version, in one place (the top level and the exports read it)."""

__version__ = "0.1.0"
