"""PDF purchase orders in the format registry: read when attached to a customer's mail and
answered by mail. A PDF on its own (dropped into a folder) is not processed: ingest refuses it
naming the formats it does process.

pdfplumber is imported when a PDF arrives, not by every command that imports the registry.
"""

from __future__ import annotations

from functools import lru_cache

from ordergate.formats import DocumentFormat, OrderFormat
from ordergate.masterdata.profiles import PartnerProfile
from ordergate.parsers import sniff
from ordergate.parsers.email import Attachment
from ordergate.processing.handlers import AttachedTo, AttachmentOrders, FormatHandler


@lru_cache(maxsize=1)
def _templates() -> tuple:
    from ordergate.parsers.pdf import load_templates

    return tuple(load_templates())


def _ordered_templates(profile: PartnerProfile | None) -> list:
    """The customer's own layouts first, so a shared keyword cannot pick another's template."""
    templates = list(_templates())
    if profile and profile.pdf_templates:
        preferred = set(profile.pdf_templates)
        templates.sort(key=lambda template: template.name not in preferred)
    return templates


def _read_attached(attachment: Attachment, to: AttachedTo) -> AttachmentOrders:
    """One order per PDF; fields read less surely than the customer's threshold hold it."""
    from ordergate.mappings.pdf_order import sales_order_from_pdf
    from ordergate.parsers.pdf import extract_pdf_order_guarded

    extraction = extract_pdf_order_guarded(attachment.content,
                                           templates=_ordered_templates(to.profile),
                                           budget=to.budget)
    order = sales_order_from_pdf(
        extraction, source_key=f"{attachment.index}/{extraction.po_number}",
        channel=to.channel, partner_id=f"email:{to.customer_id}", customer_id=to.customer_id)
    threshold = to.profile.min_confidence if to.profile and to.profile.min_confidence is not None \
        else to.min_confidence
    doubt = extraction.hold_reason(threshold)
    if doubt:  # a warning is a hold: a person compares the fields with the PDF
        order.warnings.append(f"{doubt} (in {attachment.name})")
    return AttachmentOrders(orders=[order])


PDF = FormatHandler(name=DocumentFormat.PDF, detect=sniff.is_pdf, read_attached=_read_attached,
                    order_formats=(OrderFormat.PDF_PO,))
