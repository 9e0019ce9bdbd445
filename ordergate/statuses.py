"""Every status a stored row or a report carries, as ``StrEnum``s.

One definition serves the database (a member is stored as its value), the JSON a command
prints (a member serialises as its value) and the command line's ``--status`` choices, so
adding a status here is all it takes for ``ordergate ... list --status`` to accept it.
A member equals its plain string (``OutboxStatus.SENT == "sent"``): the store's fast paths,
which read plain strings from tuple rows, compare against members unchanged.

This module imports nothing heavy: the command line reads its choices from here at start-up.
"""

from __future__ import annotations

from enum import StrEnum


class DocumentStatus(StrEnum):
    """``documents.status``; ``IN_PROGRESS`` only ever appears in a report (another worker
    holds the document), never in the table."""

    RECEIVED = "received"
    PROCESSED = "processed"
    FAILED = "failed"
    DUPLICATE = "duplicate"
    IN_PROGRESS = "in_progress"


# What a document row can hold, hence what ``documents list --status`` can filter on.
STORED_DOCUMENT_STATUSES = (DocumentStatus.RECEIVED, DocumentStatus.PROCESSED,
                            DocumentStatus.FAILED, DocumentStatus.DUPLICATE)


class OrderStatus(StrEnum):
    """accepted → picking → partially_shipped → shipped, or cancelled before anything shipped;
    held and rejected as the checks and ops decide. DUPLICATE appears in reports only."""

    ACCEPTED = "accepted"
    HELD = "held"
    REJECTED = "rejected"
    DUPLICATE = "duplicate"
    PICKING = "picking"  # on a pick list, nothing shipped yet
    PARTIALLY_SHIPPED = "partially_shipped"  # something shipped, something still open
    SHIPPED = "shipped"  # every line shipped in full
    CANCELLED = "cancelled"  # cancelled before anything shipped; stock and credit given back


# Orders the warehouse works on: they may be picked and shipped.
OPEN_FOR_FULFILMENT = (OrderStatus.ACCEPTED, OrderStatus.PICKING, OrderStatus.PARTIALLY_SHIPPED)


class LineStatus(StrEnum):
    ACCEPTED = "accepted"
    CHANGED = "changed"  # accepted with our change (price or quantity), said in the reason
    BACKORDERED = "backordered"  # part ships now (ship_quantity), the rest follows
    UNKNOWN_ITEM = "unknown_item"
    REJECTED = "rejected"


class OutboxStatus(StrEnum):
    PENDING = "pending"
    SENT = "sent"
    FAILED = "failed"  # refused for good (e.g. SMTP 5xx): kept with last_error, not retried


class InvoiceStatus(StrEnum):
    """``invoices.status``; OVERDUE is an open invoice past its due date, computed, never stored."""

    OPEN = "open"
    PAID = "paid"
    OVERDUE = "overdue"
    CREDITED = "credited"  # settled by a credit note

