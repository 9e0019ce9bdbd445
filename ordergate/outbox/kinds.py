"""Every kind of document ordergate sends, registered once: its standard and how it travels.

``outbox.kind`` holds a registered name. Delivery asks the registry whether a kind goes by
mail (through the mailer) or as a file (to the partner's outbox folder); a message of a kind
nobody registered is refused when it is queued, and one found in the table is failed with the
reason, never guessed at. A new writer (an 856, an 810, a DESADV, an INVOIC) registers its kind
here beside the acknowledgements.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from ordergate.errors import InternalError


class Carrier(StrEnum):
    FILE = "file"  # written to outbox/<destination>/<filename>
    MAIL = "mail"  # sent through the mailer (SMTP); written as .eml without one


@dataclass(frozen=True, slots=True)
class OutboundKind:
    name: str  # outbox.kind, at most 16 characters
    standard: str  # "x12", "edifact", "csv", "email"
    carrier: Carrier
    description: str


class UnknownOutboundKind(InternalError):
    """A message of a kind no writer registered."""


class OutboundKinds:
    def __init__(self) -> None:
        self._kinds: dict[str, OutboundKind] = {}

    def register(self, kind: OutboundKind) -> OutboundKind:
        if len(kind.name) > 16:
            raise ValueError(f"outbound kind {kind.name!r} is longer than outbox.kind (16)")
        self._kinds[kind.name] = kind
        return kind

    def __getitem__(self, name: str) -> OutboundKind:
        try:
            return self._kinds[name]
        except KeyError:
            raise UnknownOutboundKind(f"no outbound document kind {name!r} is registered "
                                      f"(known: {', '.join(sorted(self._kinds))})") from None

    def __contains__(self, name: object) -> bool:
        return name in self._kinds

    def names(self) -> list[str]:
        return sorted(self._kinds)


OUTBOUND = OutboundKinds()
X12_TA1 = OUTBOUND.register(OutboundKind("TA1", "x12", Carrier.FILE, "interchange acknowledgement"))
X12_997 = OUTBOUND.register(OutboundKind("997", "x12", Carrier.FILE, "functional acknowledgement"))
X12_855 = OUTBOUND.register(OutboundKind("855", "x12", Carrier.FILE,
                                         "purchase order acknowledgement"))
EDIFACT_CONTRL = OUTBOUND.register(OutboundKind("CONTRL", "edifact", Carrier.FILE,
                                                "syntax and service report"))
EDIFACT_ORDRSP = OUTBOUND.register(OutboundKind("ORDRSP", "edifact", Carrier.FILE,
                                                "purchase order response"))
CSV_ACK = OUTBOUND.register(OutboundKind("csv-ack", "csv", Carrier.FILE,
                                         "order acknowledgement table"))
EMAIL_REPLY = OUTBOUND.register(OutboundKind("email", "email", Carrier.MAIL,
                                             "reply to a mailed order, with a PDF confirmation"))
X12_856 = OUTBOUND.register(OutboundKind("856", "x12", Carrier.FILE, "advance ship notice"))
EDIFACT_DESADV = OUTBOUND.register(OutboundKind("DESADV", "edifact", Carrier.FILE,
                                                "despatch advice"))
EMAIL_SHIP_NOTICE = OUTBOUND.register(OutboundKind("ship-notice", "email", Carrier.MAIL,
                                                   "mail saying what shipped, with tracking"))
CSV_SHIP_NOTICE = OUTBOUND.register(OutboundKind("csv-ship-notice", "csv", Carrier.FILE,
                                                 "table of what shipped, with tracking"))
X12_810 = OUTBOUND.register(OutboundKind("810", "x12", Carrier.FILE, "invoice or credit memo"))
EDIFACT_INVOIC = OUTBOUND.register(OutboundKind("INVOIC", "edifact", Carrier.FILE,
                                                "invoice or credit note"))
EMAIL_INVOICE = OUTBOUND.register(OutboundKind("invoice-mail", "email", Carrier.MAIL,
                                               "invoice PDF (Factur-X) by mail, or a reminder"))
CSV_INVOICE = OUTBOUND.register(OutboundKind("csv-invoice", "csv", Carrier.FILE,
                                             "invoice as a table"))
