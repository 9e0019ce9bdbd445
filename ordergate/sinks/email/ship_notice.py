"""The ship-notice mail: a reply in the thread of the customer's PO mail saying what shipped.

Threaded, addressed and marked like every order reply (``reply.start_reply``: In-Reply-To and
References from the PO mail, to its reply address, ``Auto-Submitted: auto-replied``, never to
a robot or to ourselves). Its Message-ID is derived from the shipment, so rendering the same
notice again (a resend, a rerun after a crash) gives the same id and mail clients show it once.

The body says what this shipment carried, what is still open on those lines (or that the order
is complete), the carrier, tracking number, ship date and the packages' SSCCs. PO numbers,
descriptions, parts, carrier and tracking number come from the customer or the warehouse: each
is escaped on its own with ``printable`` (a line break in one shows as ``\\n`` and cannot
forge a line of the mail), and the subject is escaped as order replies escape theirs.
"""

from __future__ import annotations

import hashlib
from datetime import datetime
from decimal import Decimal

from ordergate.clock import utcnow
from ordergate.fulfilment.model import ShipmentNotice, ShippedLine
from ordergate.orders.numbers import quantity_text
from ordergate.printable import printable, printable_lines
from ordergate.sinks.email.reply import OriginalMail, start_reply

_AUTOMATIC = "This is an automatic message; a person reads replies to it."


def ship_notice_mail(notice: ShipmentNotice, original: OriginalMail, *, our_address: str,
                     our_name: str | None = None, now: datetime | None = None) -> bytes:
    """The ship notice as mail bytes (CRLF line ends), threaded under ``original``.

    ``now`` is the Date header (the clock when None). Raises ``ReplyNotAllowed`` when
    ``original`` must not be answered (``should_reply``).
    """
    # Collapsed and escaped like an order reply's subject: nothing a sender wrote starts a
    # header line of its own.
    subject = printable(" ".join(f"Shipped: PO {notice.po_number}".split()))
    message = start_reply(original, subject, our_address=our_address, our_name=our_name or "",
                          now=now or utcnow(),
                          message_id=shipment_message_id(notice, our_address))
    body = printable_lines(f"{_greeting(original)}\n\n{_notice_text(notice)}\n\n"
                           f"{_signature(our_name)}\n")
    # Quoted-printable keeps the message 7-bit, so no server needs 8BITMIME for a Polish name.
    message.set_content(body, subtype="plain", charset="utf-8", cte="quoted-printable")
    return message.as_bytes()


def shipment_message_id(notice: ShipmentNotice, our_address: str) -> str:
    """``<ship-notice.<shipment>.<digest>@<our domain>>``, the same for every rendering of one
    notice. The digest of what identifies the shipment keeps a shipment id that comes again
    (a restored database, a second installation sending from the same domain) from taking the
    id of an earlier, different notice, which mail clients would then hide as a duplicate."""
    domain = our_address.rpartition("@")[2].strip()
    facts = (notice.shipment_id, notice.order_id, notice.customer_id, notice.po_number,
             notice.ship_date.isoformat(), notice.carrier, notice.tracking_number)
    digest = hashlib.sha256("\x1f".join(map(str, facts)).encode("utf-8", "surrogatepass"))
    return f"<ship-notice.{notice.shipment_id}.{digest.hexdigest()[:16]}@{domain}>"


def _greeting(original: OriginalMail) -> str:
    name = printable(" ".join((original.from_name or "").split()))
    return f"Hello {name}," if name else "Hello,"


def _signature(our_name: str | None) -> str:
    name = printable(" ".join((our_name or "").split()))
    return f"-- \n{name}\n{_AUTOMATIC}" if name else f"-- \n{_AUTOMATIC}"


def _notice_text(notice: ShipmentNotice) -> str:
    by_line = _by_line(notice.lines)
    facts = [f"Shipment: {notice.shipment_id}",
             f"Ship date: {notice.ship_date.isoformat()}",
             f"Carrier: {printable(notice.carrier)}",
             f"Tracking number: {printable(notice.tracking_number)}"]
    if notice.packages:
        facts.append(f"Packages (SSCC): {', '.join(map(printable, notice.packages))}")
    blocks = [f"we have shipped the following for your purchase order "
              f"{printable(notice.po_number)} (our order {notice.order_id}).",
              "\n".join(facts),
              "Shipped in this shipment:\n" + "\n".join(_shipped(rows) for rows in by_line)]
    blocks.append(_still_open(notice, by_line))
    return "\n\n".join(blocks)


def _by_line(lines: tuple[ShippedLine, ...]) -> list[list[ShippedLine]]:
    """The shipment's rows grouped by order line (one row per package), in the order they come."""
    groups: dict[int, list[ShippedLine]] = {}
    for line in lines:
        groups.setdefault(line.line_number, []).append(line)
    return list(groups.values())


def _line_label(line: ShippedLine) -> str:
    label = f"Line {line.line_number}"
    if line.buyer_line_id and line.buyer_line_id != str(line.line_number):
        label += f" (your line {printable(line.buyer_line_id)})"
    sku = printable(line.sku)
    item = (f"{sku} (your part {printable(line.buyer_part)})"
            if line.buyer_part and line.buyer_part != line.sku else sku)
    return f"{label}: {item}"


def _amount(quantity: Decimal, uom: str | None) -> str:
    return f"{quantity_text(quantity)} {printable(uom)}" if uom else quantity_text(quantity)


def _shipped(rows: list[ShippedLine]) -> str:
    first = rows[0]
    head = _line_label(first)
    if first.description:
        head += f" - {printable(first.description)}"
    total = _amount(sum((row.quantity for row in rows), Decimal(0)), first.uom)
    in_packages = [f"{_amount(row.quantity, row.uom)} in package {printable(row.package_id)}"
                   for row in rows if row.package_id]
    if len(rows) == 1 and in_packages:
        return f"{head}\n    {in_packages[0]}"
    if in_packages:
        return f"{head}\n    {total}: {', '.join(in_packages)}"
    return f"{head}\n    {total}"


def _still_open(notice: ShipmentNotice, by_line: list[list[ShippedLine]]) -> str:
    if notice.complete:
        return "Your order is complete."
    # A line's running totals are the same on each of its package rows; the last one is taken.
    open_lines = [rows[-1] for rows in by_line if rows[-1].open_quantity > 0]
    open_lines += list(notice.other_open_lines)
    if not open_lines:
        return ("Still open:\nNothing on the lines above; other lines of your order are still "
                "to ship.")
    return "Still open:\n" + "\n".join(
        f"{_line_label(line)}: {_amount(line.open_quantity, line.uom)} of "
        f"{_amount(line.ordered, line.uom)} ordered "
        f"({_amount(line.shipped_total, line.uom)} shipped so far)"
        for line in open_lines)
