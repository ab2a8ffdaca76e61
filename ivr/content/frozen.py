"""Read-only mappings for the pack's immutable values (a module of its own so that the
opening-hours model and the pack's model can both use it without importing each other)."""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType


def frozen_map(data: Mapping | None = None) -> Mapping:
    return MappingProxyType(dict(data or {}))
