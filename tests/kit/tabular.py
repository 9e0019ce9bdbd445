"""Tabular orders as the expectation files hold them, and a workbook that makes xlrd print."""

from __future__ import annotations

import struct

from ordergate.orders.model import SalesOrder


def summarise(order: SalesOrder) -> dict:
    """The order as JSON, without defaults, so an expectation lists only what the file says."""
    return order.model_dump(mode="json", exclude_defaults=True)


def chatty_xls() -> bytes:
    """An OLE2 header whose 2-byte short sector size makes xlrd print
    ``@@@@ sec_size=512 short_sec_size=1`` before it gives up on the file."""
    head = (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 16 + struct.pack("<HH", 0x3E, 3)
            + b"\xfe\xff" + struct.pack("<HH", 9, 0))
    return head + b"\x00" * (1536 - len(head))
