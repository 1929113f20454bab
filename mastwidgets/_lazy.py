"""A package's names loaded from its submodules on first use (PEP 562): ``import
mastwidgets`` stays quick, and a command loads only what it needs."""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterable, Mapping
from importlib import import_module


def by_module(names_of: Mapping[str, Iterable[str]]) -> dict[str, str]:
    """``{submodule: names}`` as ``{name: submodule}``."""
    return {name: module for module, names in names_of.items() for name in names}


def attach(package: str, where: Mapping[str, str]) -> tuple[Callable, Callable]:
    """The ``__getattr__`` and ``__dir__`` of ``package``, whose names ``where`` maps to
    the (relative) submodule that holds each: that submodule is imported when one of
    its names is first asked for, and the name is kept in the package."""

    def getattr_(name: str):
        if name not in where:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        value = getattr(import_module(where[name], package), name)
        setattr(sys.modules[package], name, value)
        return value

    def dir_() -> list[str]:
        module = sys.modules[package]
        return sorted(set(vars(module)) | set(getattr(module, "__all__", ())))

    return getattr_, dir_
