"""Parsers: bytes of one format in, typed events out. ``PARSERS`` lists every supported format."""

from __future__ import annotations

from ordergate.parsers.x12 import iter_x12

PARSERS = {"x12": iter_x12}
