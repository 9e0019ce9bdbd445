"""Mail in the format registry: a message with its attachments, answered by mail.

The mail intake and its replies import the PDF and spreadsheet stack, so they are imported
when a mail arrives, not by every command that imports the registry.
"""

from __future__ import annotations

from ordergate.formats import DocumentFormat
from ordergate.masterdata.catalog import Catalog
from ordergate.outbox.queue import Queued
from ordergate.parsers import sniff
from ordergate.processing.context import DocumentContext
from ordergate.processing.handlers import FormatHandler, Processed, Resolution


def _process(ctx: DocumentContext, content: bytes) -> Processed:
    from ordergate.processing.email.intake import process_email

    return process_email(ctx, content)


def _answer_resolved(res: Resolution) -> list[Queued]:
    """Whatever was attached, a mail is answered by mail, to the customer's registered
    address; an attachment whose standard has its own answer (an 850's 855, an ORDERS'
    ORDRSP) gets that too, to the partner's EDI system."""
    from ordergate.parsers.email import read_mail
    from ordergate.processing.email.replies import original_of, queue_replies_for
    from ordergate.sinks.email import should_reply

    settings, saved = res.settings, res.saved
    mail = read_mail(res.content, limits=settings.mail_limits, kinds=res.formats)
    customer_id = saved.order.customer_id
    answer_to = Catalog.load(res.conn).reply_address(customer_id, mail.from_address) \
        if customer_id else None
    original = original_of(mail, answer_to)
    answers: list[Queued] = []
    if should_reply(original, settings.mail_address) is None:
        answers += queue_replies_for(res.conn, settings, original, [saved],
                                     document_id=res.document_id, now=res.now,
                                     occasion=res.occasion)
    source = res.formats.for_order_format(saved.order.format)
    if source is None or source.answer_resolved_in_mail is None:
        return answers
    for attachment in mail.attachments:
        if attachment.kind == source.name:
            found = source.answer_resolved_in_mail(
                Resolution(res.conn, settings, res.formats, saved, res.document_id, attachment.name,
                           attachment.content, res.now, res.occasion))
            if found:
                return answers + found
    return answers


EMAIL = FormatHandler(name=DocumentFormat.EMAIL, detect=sniff.looks_like_mail, attachable=False,
                      process=_process, answer_resolved=_answer_resolved)
