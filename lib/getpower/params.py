"""Access to the ``params/`` folder: targets, tiers, thresholds and reference data as YAML.

The folder is ``GETPOWER_PARAMS``, else the workspace's ``params/`` (``getpower init``), else the
defaults shipped in the package (:func:`getpower.workspace.params_dir`).
Nothing here holds a number of its own: every value comes from a YAML file with its source.
"""
from __future__ import annotations

import hashlib
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml


# libyaml's loader when PyYAML has it (ten times faster on the ledger), else the pure-Python one
_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def params_dir() -> Path:
    from getpower.workspace import params_dir as find

    return find()


@lru_cache(maxsize=None)
def _load(path: str) -> Any:
    with open(path, encoding="utf-8") as fh:
        return yaml.load(fh, Loader=_LOADER)


def load(name: str) -> Any:
    """Load ``params/<name>`` (a YAML file), cached for the process."""
    path = params_dir() / name
    try:
        return _load(str(path))
    except FileNotFoundError:
        raise FileNotFoundError(f"参数文件不存在: {path}") from None


def cities() -> tuple[str, ...]:
    return tuple(c["name"] for c in load("cities.yaml")["cities"])


def city_tiers() -> dict[str, str]:
    return {c["name"]: c["tier"] for c in load("cities.yaml")["cities"]}


def province() -> str:
    return load("cities.yaml")["province"]


_DERIVED: list = []  # caches of values read from params/, cleared when the params change
_seen: list[str] = []  # the version last computed by this process


def derived(cached):
    """Mark a cached function (``functools.lru_cache``) whose values come from ``params/``: its
    cache is cleared, with the files' own, when :func:`version` finds the params changed."""
    _DERIVED.append(cached)
    return cached


def version() -> str:
    """A short fingerprint of every file under ``params/`` (the params version on reports and in
    every cache key of the store).

    A process that lives long (the dashboard server, a preheated kernel) reads the params once and
    keeps them; when the files change, this is the first to know: every value read from them is
    then forgotten (:func:`derived`) before the new version names anything computed after it —
    a table cached under the new version must never hold the old targets."""
    h = hashlib.sha256()
    root = params_dir()
    for p in sorted(root.rglob("*.yaml")):
        h.update(str(p.relative_to(root)).encode())
        h.update(p.read_bytes())
    v = h.hexdigest()[:12]
    if _seen and _seen[0] != v:
        _load.cache_clear()
        for cached in _DERIVED:
            cached.cache_clear()
    _seen[:] = [v]
    return v
