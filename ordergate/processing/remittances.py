"""What an EDI document tells us besides orders, applied in the intake's store stage: payments
an 820 or REMADV announces, and what a partner's 997 or CONTRL says of what we sent."""

from __future__ import annotations

import logging

from ordergate.billing.receivables import REFUSED, apply_payments
from ordergate.outbox.acks import ReceivedAck, record_ack
from ordergate.printable import printable
from ordergate.processing.context import DocumentContext

log = logging.getLogger(__name__)


def apply_remitted(ctx: DocumentContext, payments: tuple) -> None:
    """Payments applied like a payments file's: once per reference, a refused one (an unknown
    invoice, another currency) named in the document's problems."""
    with ctx.transaction() as conn:
        results = apply_payments(conn, list(payments), actor=ctx.actor, now=ctx.now)
    ctx.report.problems.extend(f"payment {r.payment.reference} not applied: {r.reason}"
                               for r in results if r.status == REFUSED)


def record_received_ack(ctx: DocumentContext, partner_id: str, ack: ReceivedAck) -> None:
    """Mark what ``ack`` answers. One naming nothing we sent (an answer to what another system
    sent before us, or a partner's mistake) is logged, not held against the document: an
    acknowledgement never fails, as it is never answered."""
    with ctx.transaction() as conn:
        matched = record_ack(conn, partner_id, ack, now=ctx.now)
    if not matched:
        what = (f"a 997 for group {ack.group_control}" if ack.standard == "x12"
                else f"a CONTRL for interchange {ack.interchange_control}")
        log.info("document %s: %s of %s answers nothing we sent", ctx.document_id,
                 printable(what), printable(partner_id))
