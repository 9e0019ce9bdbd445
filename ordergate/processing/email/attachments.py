"""Orders from the files people attach to mail, by the attachment format's handler.

Pure (no database): the attachment and what is known of its mail in, canonical orders and the
reasons nothing came out of it out; the mail intake checks and stores them. A bad file is a
problem that names the attachment, never an exception: the mail's other attachments carry on.
"""

from __future__ import annotations

from ordergate.errors import DocumentError
from ordergate.parsers.email import Attachment
from ordergate.processing.handlers import AttachedTo, AttachmentOrders, FormatHandler


def orders_from_attachment(handler: FormatHandler, attachment: Attachment,
                           to: AttachedTo) -> AttachmentOrders:
    """Orders from one attachment of ``handler``'s format, read within ``to.budget``."""
    label = f"attachment {attachment.index} ({attachment.name})"
    if handler.read_attached is None:
        return AttachmentOrders(problems=[f"{label}: a {attachment.kind} file is not read as an order"])
    try:
        return handler.read_attached(attachment, to)
    except DocumentError as exc:
        return AttachmentOrders(problems=[f"{label}: {exc}"])
