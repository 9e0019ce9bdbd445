"""Whether the senders an EDI file's envelopes name agree with the customer its channel vouches for.

An ISA or UNB is the sender's own text: anyone can write GLOBEX's id into it. When a document
arrives through a channel that already says whose it is (a mail from a proven customer, a
customer's drop folder ``inbox/<id>/``, ``ordergate ingest --customer``), every interchange in it
must name that customer; otherwise nothing in it is read, answered or booked.
"""

from __future__ import annotations

from collections.abc import Iterator

from ordergate.errors import ParseError
from ordergate.masterdata.catalog import Catalog, Customer
from ordergate.parsers.edi_limits import EdiLimits
from ordergate.parsers.edifact import InterchangeHeader as EdifactHeader
from ordergate.parsers.edifact import iter_edifact
from ordergate.parsers.x12 import InterchangeHeader as X12Header
from ordergate.parsers.x12 import iter_x12


def interchange_senders(catalog: Catalog, kind: str, content: bytes,
                        limits: EdiLimits | None = None) -> Iterator[tuple[str, Customer | None]]:
    """(sender as written, its customer or None) for each interchange envelope in the file.

    Read under ``limits`` (``edi_limits``: time budget, segment and set caps) like the intake
    itself, and only up to one interchange past ``max_interchanges``: a file over that cap is
    refused by the intake whatever its senders say."""
    limits = limits or EdiLimits()
    events = iter_x12 if kind == "x12" else iter_edifact
    opened = 0
    try:
        for event in events(content, limits):
            if isinstance(event, (X12Header, EdifactHeader)):
                opened += 1
                if opened > limits.max_interchanges + 1:
                    return
            if isinstance(event, X12Header):
                sender = f"{event.sender_qualifier}:{event.sender_id}"
                yield sender, catalog.customer_for_x12(event.sender_qualifier, event.sender_id)
            elif isinstance(event, EdifactHeader):
                if event.segment is None:
                    yield "(no UNB)", None
                    continue
                ident, qualifier = event.sender
                yield (f"{ident}:{qualifier}" if qualifier else ident,
                       catalog.customer_for_edifact(ident, qualifier))
    except ParseError:
        return  # no envelope to read: the intake fails the file and has no one to answer


def foreign_senders(catalog: Catalog, content: bytes, customer_id: str, limits: EdiLimits, *,
                    kind: str) -> list[str]:
    """What in the file names another sender than ``customer_id``, in words; empty when all agree."""
    found: list[str] = []
    for sender, customer in interchange_senders(catalog, kind, content, limits):
        if customer is None or customer.customer_id != customer_id:
            named = f"customer {customer.customer_id}" if customer else "no known customer"
            found.append(f"an interchange from {kind.upper()} sender {sender} ({named})")
    return found
