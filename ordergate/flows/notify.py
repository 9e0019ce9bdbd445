"""``ordergate notify setup``: tell ops at once, through a Prefect notification block and one
automation per kind of event, when an order goes on hold, a document fails, a message cannot
be delivered or a partner rejects what we sent.

The block is a custom webhook (``ORDERGATE_NOTIFY_WEBHOOK``: a JSON POST of subject and body,
which chat tools and incident systems take) or mail (``ORDERGATE_NOTIFY_EMAIL``, sent through
the same SMTP settings as the replies, ``notify_mail.py``). Running it again replaces the
automations it made and updates the block, so it never makes duplicates.

The subjects and bodies are Prefect templates over the event; every value in them was escaped
when the event was emitted (``flows.events``), so a sender's text arrives as text.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from ordergate.errors import ConfigError
from ordergate.flows.events import (
    ACK_EVENTS,
    FAILED_DELIVERY_EVENT,
    FAILED_DOCUMENT_EVENT,
    HELD_EVENT,
)
from ordergate.settings import Settings

WEBHOOK_BLOCK = "ordergate-ops-webhook"
MAIL_BLOCK = "ordergate-ops-mail"
PREFIX = "ordergate-notify-"


@dataclass(frozen=True)
class Rule:
    name: str
    event: str
    resource: str  # the resource ids it matches
    subject: str
    body: str


RULES = (
    Rule("held", HELD_EVENT, "ordergate.order.*",
         "Order on hold: PO {{ event.payload.po_number }} ({{ event.payload.customer_id }})",
         "Order {{ event.payload.order_id }} (PO {{ event.payload.po_number }}, customer "
         "{{ event.payload.customer_id }}) is on hold:\n"
         "{% for reason in event.payload.reasons %}- {{ reason }}\n{% endfor %}"
         "Release: ordergate holds release {{ event.payload.order_id }}\n"
         "Reject:  ordergate holds reject {{ event.payload.order_id }} --reason \"...\""),
    Rule("failed-document", FAILED_DOCUMENT_EVENT, "ordergate.document.*",
         "Document failed: {{ event.payload.file }}",
         "Document {{ event.payload.document_id }} ({{ event.payload.file }}, "
         "{{ event.payload.format }}) could not be processed:\n{{ event.payload.reason }}\n"
         "After fixing the cause: ordergate replay {{ event.payload.document_id }}"),
    Rule("failed-delivery", FAILED_DELIVERY_EVENT, "ordergate.outbox.*",
         "Not delivered: {{ event.payload.kind }} {{ event.payload.filename }}",
         "Message {{ event.payload.outbox_id }} ({{ event.payload.kind }} "
         "{{ event.payload.filename }} to {{ event.payload.destination }}) failed for good after "
         "{{ event.payload.attempts }} tries:\n{{ event.payload.error }}"),
    Rule("ack-rejected", ACK_EVENTS["rejected"], "ordergate.outbox.*",
         "Rejected by the partner: {{ event.payload.kind }} {{ event.payload.filename }}",
         "The partner's acknowledgement rejected message {{ event.payload.outbox_id }} "
         "({{ event.payload.kind }} {{ event.payload.filename }}):\n{{ event.payload.detail }}"),
)


@dataclass
class NotifySetup:
    channel: str  # webhook | email
    block: str
    automations: list[str] = field(default_factory=list)


def setup_notifications(settings: Settings) -> NotifySetup:
    """Make (or update) the block and the automations on the Prefect server of the moment."""
    block_id, channel, block_name = _block(settings)
    from prefect.client.orchestration import get_client
    from prefect.events.actions import SendNotification
    from prefect.events.schemas.automations import AutomationCore, EventTrigger, Posture

    made = NotifySetup(channel=channel, block=block_name)
    with get_client(sync_client=True) as client:
        for rule in RULES:
            name = PREFIX + rule.name
            for old in client.read_automations_by_name(name):
                client.delete_automation(old.id)
            client.create_automation(AutomationCore(
                name=name, description=f"ordergate: {rule.event} reaches ops by {channel}",
                trigger=EventTrigger(expect={rule.event},
                                     match={"prefect.resource.id": rule.resource},
                                     posture=Posture.Reactive, threshold=1),
                actions=[SendNotification(block_document_id=block_id, subject=rule.subject,
                                          body=rule.body)]))
            made.automations.append(name)
    return made


def _block(settings: Settings):
    if settings.notify_webhook:
        from prefect.blocks.notifications import CustomWebhookNotificationBlock

        block = CustomWebhookNotificationBlock(
            name="ordergate", url=settings.notify_webhook, method="POST",
            json_data={"subject": "{{subject}}", "body": "{{body}}", "source": "{{name}}"})
        return block.save(WEBHOOK_BLOCK, overwrite=True), "webhook", WEBHOOK_BLOCK
    if settings.notify_email:
        from ordergate.flows.notify_mail import OrdergateMailNotification

        if settings.smtp is None:
            raise ConfigError("ORDERGATE_NOTIFY_EMAIL needs the SMTP settings the replies use "
                              "(ORDERGATE_SMTP_HOST and the rest)")
        block = OrdergateMailNotification.from_settings(settings)
        OrdergateMailNotification.register_type_and_schema()
        return block.save(MAIL_BLOCK, overwrite=True), "email", MAIL_BLOCK
    raise ConfigError("nothing to notify: set ORDERGATE_NOTIFY_WEBHOOK (a URL that takes a JSON "
                      "POST) or ORDERGATE_NOTIFY_EMAIL (an address, sent through the SMTP "
                      "settings)")
