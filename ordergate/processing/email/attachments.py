"""Orders from the documents people attach to mail: PDF purchase orders and CSV/XLSX order files.

Pure (no database): bytes plus the sender's customer and profile in, canonical orders and the
reasons nothing came out of an attachment out. The email intake checks and stores them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache

from ordergate.errors import DocumentError
from ordergate.mappings.pdf_order import sales_order_from_pdf
from ordergate.mappings.tabular_orders import orders_from_table
from ordergate.orders.model import SalesOrder
from ordergate.masterdata.profiles import PartnerProfile
from ordergate.parsers.email.message import Attachment
from ordergate.parsers.guard import ParseBudget
from ordergate.parsers.pdf.guard import extract_pdf_order_guarded
from ordergate.parsers.pdf.template import PdfTemplate, load_templates

TABULAR_KINDS = ("csv", "xlsx", "xls")


@dataclass(slots=True)
class AttachmentOrders:
    orders: list[SalesOrder] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)  # each names the attachment


@lru_cache(maxsize=1)
def _templates() -> tuple[PdfTemplate, ...]:
    return tuple(load_templates())


def _ordered_templates(profile: PartnerProfile | None) -> list[PdfTemplate]:
    """The customer's own layouts first, so a shared keyword cannot pick another's template."""
    templates = list(_templates())
    if profile and profile.pdf_templates:
        preferred = set(profile.pdf_templates)
        templates.sort(key=lambda template: template.name not in preferred)
    return templates


def orders_from_attachment(attachment: Attachment, *, channel: str, customer_id: str,
                           profile: PartnerProfile | None, min_confidence: float,
                           budget: ParseBudget) -> AttachmentOrders:
    """Orders from one PDF or tabular attachment; problems instead of exceptions for bad files.

    Each file is read within ``budget`` (``Settings.parse_budget``).

    Source keys start with the attachment's position in the mail, so two attachments carrying
    the same PO number stay apart until the duplicate check sees them.
    """
    result = AttachmentOrders()
    label = f"attachment {attachment.index} ({attachment.name})"
    partner_id = f"email:{customer_id}"
    try:
        if attachment.kind == "pdf":
            extraction = extract_pdf_order_guarded(attachment.content,
                                                   templates=_ordered_templates(profile),
                                                   budget=budget)
            order = sales_order_from_pdf(
                extraction, source_key=f"{attachment.index}/{extraction.po_number}",
                channel=channel, partner_id=partner_id, customer_id=customer_id)
            threshold = profile.min_confidence if profile and profile.min_confidence is not None \
                else min_confidence
            doubt = extraction.hold_reason(threshold)
            if doubt:  # a warning is a hold: a person compares the fields with the PDF
                order.warnings.append(f"{doubt} (in {attachment.name})")
            result.orders.append(order)
        elif attachment.kind in TABULAR_KINDS:
            table = orders_from_table(attachment.content, channel=channel,
                                      source_name=attachment.name, customer_id=customer_id,
                                      column_map=profile.column_map if profile else None,
                                      budget=budget)
            for order in table.orders:
                order.source_key = f"{attachment.index}/{order.source_key}"
                order.partner_id = partner_id
                result.orders.append(order)
            result.problems.extend(f"{label}: {problem}" for problem in table.problems)
        else:
            result.problems.append(f"{label}: a {attachment.kind} file is not read as an order")
    except DocumentError as exc:
        result.problems.append(f"{label}: {exc}")
    return result
