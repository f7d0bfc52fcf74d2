"""Backends by name: each agent keeps a plain dict name -> "module:Class" and imports a backend only when used,
so heavy libraries (torch, diffusers, ...) load only for the backends that need them."""

from __future__ import annotations

import importlib

from .errors import ScriptAgentError


def backend_class(backends: dict[str, str], name: str, setting: str, also_known: tuple[str, ...] = ()):
    """The class registered as `name`; an unknown name is a one-line error listing the known ones."""
    if name not in backends:
        known = ", ".join((*also_known, *backends))
        raise ScriptAgentError(f"{setting}: unknown '{name}' (known: {known})")
    module_name, class_name = backends[name].split(":")
    return getattr(importlib.import_module(module_name), class_name)
