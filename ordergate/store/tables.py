"""The SQL schema (SQLAlchemy Core), shared by the store, the migrations and the reports.

Idempotency lives here, in unique keys: one document per content hash, one interchange per
sender + control number, one order per customer + PO number and per document + source key,
one outbox message per dedupe key. Code inserts with ON CONFLICT DO NOTHING and reads back
what won, never check-then-insert in Python.

Only portable types and constraints: the same schema runs on SQLite and PostgreSQL.
"""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    Numeric,
    String,
    Table,
    Text,
    UniqueConstraint,
)

# Named constraints so Alembic migrations are deterministic on every backend.
metadata = MetaData(naming_convention={
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
})

# BigInteger ids on PostgreSQL, INTEGER PRIMARY KEY (rowid alias) on SQLite.
Id = BigInteger().with_variant(Integer(), "sqlite")
Money = Numeric(18, 4, asdecimal=True)
Qty = Numeric(18, 4, asdecimal=True)
UtcTime = DateTime(timezone=True)
# An order's status ("partially_shipped" is 17 characters). SQLite does not enforce a VARCHAR's
# length, and widening it there means rebuilding ``orders``, which eight tables refer to; so
# only PostgreSQL's columns were widened (migration 0008), and SQLite's still read 16.
OrderStatusText = String(20).with_variant(String(16), "sqlite")

# ---------------------------------------------------------------- master data
customers = Table(
    "customers", metadata,
    Column("customer_id", String(64), primary_key=True),
    Column("name", String(200), nullable=False),
    Column("email", String(320)),
    Column("x12_id", String(40), unique=True),  # "ZZ:ACMEBUY"
    Column("edifact_id", String(60), unique=True),
    Column("credit_limit", Money),
    Column("currency", String(3)),
    Column("active", Boolean, nullable=False, default=True),
    # Billing: "NET30" (the default when empty), "NET45", "2/10 NET30"; tax in percent;
    # invoices by mail go to invoice_email, else email.
    Column("payment_terms", String(40)),
    Column("tax_rate", Numeric(7, 4, asdecimal=True)),
    Column("tax_id", String(40)),
    Column("invoice_email", String(320)),
)

products = Table(
    "products", metadata,
    Column("sku", String(64), primary_key=True),
    Column("description", String(300)),
    Column("gtin", String(14), unique=True),  # normalised to 14 digits
    Column("uom", String(8)),
    Column("list_price", Money),
    Column("active", Boolean, nullable=False, default=True),
)

stock = Table(
    "stock", metadata,
    Column("sku", String(64), ForeignKey("products.sku"), primary_key=True),
    Column("on_hand", Qty, nullable=False),
    # Set aside for accepted orders; available is on_hand - allocated, never below zero: every
    # allocation is a conditional UPDATE (see orders/allocation.py).
    Column("allocated", Qty, nullable=False, default=0, server_default="0"),
    Column("reorder_point", Qty),  # below this available quantity, suggest a reorder
    Column("reorder_quantity", Qty),
    Column("location", String(40)),  # the bin it is picked from; pick lists sort by it
)

prices = Table(
    "prices", metadata,
    Column("customer_id", String(64), ForeignKey("customers.customer_id"), primary_key=True),
    Column("sku", String(64), ForeignKey("products.sku"), primary_key=True),
    Column("unit_price", Money, nullable=False),
)

item_xref = Table(
    "item_xref", metadata,
    Column("customer_id", String(64), ForeignKey("customers.customer_id"), primary_key=True),
    Column("buyer_part", String(64), primary_key=True),
    Column("sku", String(64), ForeignKey("products.sku"), nullable=False),
)

# ---------------------------------------------------------------- documents in
documents = Table(
    "documents", metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("content_hash", String(64), nullable=False, unique=True),
    Column("channel", String(32), nullable=False),
    Column("source_ref", String(1000), nullable=False),
    Column("sender", String(320)),
    Column("customer_hint", String(64)),
    Column("received_at", UtcTime, nullable=False),
    Column("size", Integer, nullable=False),
    Column("format", String(32)),
    # received -> processed | failed | duplicate
    Column("status", String(16), nullable=False),
    Column("error", Text),
    Column("processed_at", UtcTime),
)

# The bytes as received, apart from the document row: SQLite rewrites a whole row on every
# UPDATE, so marking a 10 MB interchange done rewrote its 10 MB (about 0.1 s of a 2 s run,
# with the commit); the row of a document's status is now small and only this one is large.
document_contents = Table(
    "document_contents", metadata,
    Column("document_id", Id, ForeignKey("documents.id"), primary_key=True, autoincrement=False),
    Column("content", LargeBinary, nullable=False),
)

# The rest of a large document's bytes, in pieces of ``buffers.WINDOW``: a 100 MB statement
# parameter would be 100 MB in memory in the driver and again in the database library. The
# first piece is in ``document_contents``; parts count from 1.
document_content_parts = Table(
    "document_content_parts", metadata,
    Column("document_id", Id, ForeignKey("documents.id"), primary_key=True, autoincrement=False),
    Column("part", Integer, primary_key=True, autoincrement=False),
    Column("content", LargeBinary, nullable=False),
)

# Who is processing a document right now: one row while a worker holds it, gone when the
# document is finished. Two workers that receive the same bytes at once (overlapping polls,
# the same file in two folders) would otherwise both process it; the lease lets another
# worker resume a document whose worker died. A table of its own, so taking and renewing a
# claim never rewrites the document row with its content.
document_claims = Table(
    "document_claims", metadata,
    Column("document_id", Id, ForeignKey("documents.id"), primary_key=True, autoincrement=False),
    Column("holder", String(200), nullable=False),  # host:pid:nonce of the worker
    Column("claimed_at", UtcTime, nullable=False),
    Column("expires_at", UtcTime, nullable=False),
)

interchanges = Table(
    "interchanges", metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("document_id", Id, ForeignKey("documents.id"), nullable=False),
    Column("standard", String(8), nullable=False),  # "x12", "edifact"
    Column("sender_id", String(64), nullable=False),  # "ZZ:ACMEBUY"
    Column("receiver_id", String(64), nullable=False),
    Column("control_number", String(20), nullable=False),
    Column("status", String(16), nullable=False),  # accepted | rejected
    Column("received_at", UtcTime, nullable=False),
    UniqueConstraint("standard", "sender_id", "control_number"),
)

# ---------------------------------------------------------------- orders
orders = Table(
    "orders", metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("document_id", Id, ForeignKey("documents.id"), nullable=False),
    Column("source_key", String(80), nullable=False),
    Column("channel", String(32), nullable=False),
    Column("format", String(32), nullable=False),
    Column("partner_id", String(80), nullable=False),
    Column("customer_id", String(64), ForeignKey("customers.customer_id"), nullable=False),
    Column("po_number", String(64), nullable=False),
    Column("po_date", Date),
    Column("purpose", String(16), nullable=False),
    Column("currency", String(3)),
    Column("requested_date", Date),
    Column("status", OrderStatusText, nullable=False),
    Column("hold_reasons", Text),  # JSON list of strings
    Column("total", Money),
    Column("detail", Text, nullable=False),  # the canonical SalesOrder as JSON
    Column("created_at", UtcTime, nullable=False),
    Column("updated_at", UtcTime, nullable=False),
    UniqueConstraint("customer_id", "po_number"),
    UniqueConstraint("document_id", "source_key"),
)
# Newest first within a status (``orders list --status``): one index gives the rows in order.
Index("ix_orders_status_id", orders.c.status, orders.c.id)

order_lines = Table(
    "order_lines", metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("order_id", Id, ForeignKey("orders.id"), nullable=False),
    Column("line_number", Integer, nullable=False),
    Column("buyer_line_id", String(20)),
    Column("buyer_part", String(64)),
    Column("vendor_part", String(64)),
    Column("gtin", String(14)),
    Column("sku", String(64)),
    Column("description", String(300)),
    Column("quantity", Qty, nullable=False),
    Column("uom", String(8)),
    Column("unit_price", Money),
    Column("status", String(16), nullable=False),
    Column("reason", Text),
    Column("po_unit_price", Money),  # the price on the PO, when it had one
    # Allocated from stock (what ships now); giving an order's stock back sums these. A receipt
    # that fills a backorder raises it; it never exceeds quantity.
    Column("ship_quantity", Qty),
    # On a pick list so far, and shipped so far: shipped <= picked-or-shipped <= ship_quantity,
    # each raised by a conditional UPDATE so two workers never ship a line twice.
    Column("picked_quantity", Qty, nullable=False, default=0, server_default="0"),
    Column("shipped_quantity", Qty, nullable=False, default=0, server_default="0"),
    UniqueConstraint("order_id", "line_number"),
)

# Every state change of an order: who/what, when, from, to.
order_events = Table(
    "order_events", metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("order_id", Id, ForeignKey("orders.id"), nullable=False),
    Column("at", UtcTime, nullable=False),
    Column("actor", String(120), nullable=False),
    Column("from_status", OrderStatusText),
    Column("to_status", OrderStatusText, nullable=False),
    Column("reason", Text),
)
Index("ix_order_events_order_id", order_events.c.order_id)

# A PO that arrived again (same customer + PO number): recorded, acknowledged, not re-ordered.
order_duplicates = Table(
    "order_duplicates", metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("document_id", Id, ForeignKey("documents.id"), nullable=False),
    Column("source_key", String(80), nullable=False),
    Column("order_id", Id, ForeignKey("orders.id"), nullable=False),
    Column("at", UtcTime, nullable=False),
    UniqueConstraint("document_id", "source_key"),
)

# ---------------------------------------------------------------- fulfilment
# One shipment of one order: an order + tracking number is one shipment, whoever records it
# (``ordergate ship``, a warehouse file imported twice, two workers): the unique key makes a
# second recording a no-op.
shipments = Table(
    "shipments", metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("order_id", Id, ForeignKey("orders.id"), nullable=False),
    Column("carrier", String(40), nullable=False),
    Column("tracking_number", String(60), nullable=False),
    Column("ship_date", Date, nullable=False),
    Column("source", String(1000), nullable=False),  # "ordergate ship", or the file and its lines
    Column("actor", String(120), nullable=False),
    Column("created_at", UtcTime, nullable=False),
    UniqueConstraint("order_id", "tracking_number"),
)

shipment_lines = Table(
    "shipment_lines", metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("shipment_id", Id, ForeignKey("shipments.id"), nullable=False),
    Column("line_number", Integer, nullable=False),  # the order line
    Column("sku", String(64), nullable=False),
    Column("quantity", Qty, nullable=False),
    Column("package_id", String(18)),  # SSCC-18, check digit verified
)
Index("ix_shipment_lines_shipment_id", shipment_lines.c.shipment_id)
Index("ix_shipment_lines_package_id", shipment_lines.c.package_id)  # an SSCC ships once

# Goods received into stock; the reference (a delivery note, or the file and row it came
# from) is unique, so the same receipt booked twice is refused.
stock_receipts = Table(
    "stock_receipts", metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("reference", String(200), nullable=False, unique=True),
    Column("sku", String(64), ForeignKey("products.sku"), nullable=False),
    Column("quantity", Qty, nullable=False),
    Column("actor", String(120), nullable=False),
    Column("received_at", UtcTime, nullable=False),
)

pick_lists = Table(
    "pick_lists", metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("actor", String(120), nullable=False),
    Column("created_at", UtcTime, nullable=False),
)

pick_list_lines = Table(
    "pick_list_lines", metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("pick_list_id", Id, ForeignKey("pick_lists.id"), nullable=False),
    Column("order_id", Id, ForeignKey("orders.id"), nullable=False),
    Column("line_number", Integer, nullable=False),
    Column("sku", String(64), nullable=False),
    Column("quantity", Qty, nullable=False),
    Column("location", String(40)),
)
Index("ix_pick_list_lines_pick_list_id", pick_list_lines.c.pick_list_id)

# ---------------------------------------------------------------- billing
# Who we are on an invoice (company.yaml at seed time), validated, as JSON: one row.
company_profile = Table(
    "company_profile", metadata,
    Column("id", Integer, primary_key=True, autoincrement=False),  # always 1
    Column("profile", Text, nullable=False),
    Column("updated_at", UtcTime, nullable=False),
)

# An invoice or credit note. Its number is gapless per prefix and year: taken from
# control_numbers in the invoice's own transaction, so a rollback gives it back.
invoices = Table(
    "invoices", metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("invoice_number", String(40), nullable=False, unique=True),
    Column("kind", String(16), nullable=False),  # invoice | credit_note
    Column("customer_id", String(64), ForeignKey("customers.customer_id"), nullable=False),
    Column("order_id", Id, ForeignKey("orders.id")),
    Column("corrects_invoice_id", Id, ForeignKey("invoices.id")),  # a credit note's invoice
    Column("issue_date", Date, nullable=False),
    Column("due_date", Date, nullable=False),
    Column("discount_date", Date),
    Column("discount_percent", Numeric(7, 4, asdecimal=True)),
    Column("terms", String(40), nullable=False),
    Column("currency", String(3), nullable=False),
    Column("subtotal", Money, nullable=False),
    Column("tax", Money, nullable=False),
    Column("total", Money, nullable=False),
    # What payments (and, for an invoice, credit notes) have settled so far.
    Column("paid", Money, nullable=False, default=0, server_default="0"),
    Column("status", String(16), nullable=False),  # open | paid | credited
    Column("document", Text, nullable=False),  # the Invoice as rendered, JSON, to render again
    Column("actor", String(120), nullable=False),
    Column("created_at", UtcTime, nullable=False),
)
Index("ix_invoices_customer_id_status", invoices.c.customer_id, invoices.c.status)

invoice_lines = Table(
    "invoice_lines", metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("invoice_id", Id, ForeignKey("invoices.id"), nullable=False),
    Column("line_number", Integer, nullable=False),
    Column("sku", String(64), nullable=False),
    Column("quantity", Qty, nullable=False),
    Column("unit_price", Money, nullable=False),
    Column("tax_rate", Numeric(7, 4, asdecimal=True), nullable=False),
    Column("amount", Money, nullable=False),
    Column("tax", Money, nullable=False),
    # The order whose line ``line_number`` is: a daily invoice may bill several orders.
    Column("order_id", Id, ForeignKey("orders.id")),
)
Index("ix_invoice_lines_invoice_id", invoice_lines.c.invoice_id)
Index("ix_invoice_lines_order_id", invoice_lines.c.order_id)

# Which invoice billed which shipment: a shipment is invoiced once (the unique key), whoever
# runs the invoicing and however often.
invoice_shipments = Table(
    "invoice_shipments", metadata,
    Column("shipment_id", Id, ForeignKey("shipments.id"), primary_key=True, autoincrement=False),
    Column("invoice_id", Id, ForeignKey("invoices.id"), nullable=False),
)

# Each reminder mailed for an overdue invoice: at most one per invoice in any 7 days, and the
# day's row is the unique key, so a rerun on the same day sends nothing again.
invoice_reminders = Table(
    "invoice_reminders", metadata,
    Column("invoice_id", Id, ForeignKey("invoices.id"), primary_key=True, autoincrement=False),
    Column("sent_on", Date, primary_key=True),
    Column("actor", String(120), nullable=False),
)

# Goods a customer sent back: the credit note that answers them is an invoice of kind
# credit_note; restocked quantities went back on hand.
returns = Table(
    "returns", metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("order_id", Id, ForeignKey("orders.id"), nullable=False),
    Column("reason", Text, nullable=False),
    Column("restock", Boolean, nullable=False),
    Column("credit_note_id", Id, ForeignKey("invoices.id")),
    Column("actor", String(120), nullable=False),
    Column("created_at", UtcTime, nullable=False),
)

return_lines = Table(
    "return_lines", metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("return_id", Id, ForeignKey("returns.id"), nullable=False),
    Column("line_number", Integer, nullable=False),
    Column("sku", String(64), nullable=False),
    Column("quantity", Qty, nullable=False),
)
Index("ix_return_lines_return_id", return_lines.c.return_id)

# A payment received; its reference (the bank's, or the remittance's) is unique, so the same
# payment file imported twice applies each payment once.
payments = Table(
    "payments", metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("reference", String(200), nullable=False, unique=True),
    Column("customer_id", String(64), ForeignKey("customers.customer_id"), nullable=False),
    Column("invoice_id", Id, ForeignKey("invoices.id")),
    Column("amount", Money, nullable=False),
    Column("currency", String(3), nullable=False),
    Column("paid_on", Date, nullable=False),
    Column("applied", Money, nullable=False),  # to the invoice
    Column("unapplied", Money, nullable=False),  # more than the invoice's balance: the customer's credit
    Column("source", String(1000), nullable=False),
    Column("actor", String(120), nullable=False),
    Column("created_at", UtcTime, nullable=False),
)

# ---------------------------------------------------------------- outbound
outbox = Table(
    "outbox", metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("dedupe_key", String(160), nullable=False, unique=True),
    Column("kind", String(16), nullable=False),  # "997", "855", "TA1", ...
    Column("partner_id", String(80), nullable=False),
    Column("customer_id", String(64)),
    Column("destination", String(120), nullable=False),  # sub-folder of outbox/ (customer id)
    Column("filename", String(200), nullable=False),
    Column("document_id", Id, ForeignKey("documents.id")),
    Column("order_id", Id, ForeignKey("orders.id")),
    Column("payload", LargeBinary, nullable=False),
    Column("status", String(16), nullable=False),  # pending | sent
    Column("attempts", Integer, nullable=False, default=0),
    Column("last_error", Text),
    Column("created_at", UtcTime, nullable=False),
    Column("sent_at", UtcTime),
    # What the partner's 997 or CONTRL said of it: matched by the interchange (ISA13, UNB 0020)
    # and group (GS06) control numbers it went out under. ack_status is pending until then;
    # NULL for what is not acknowledged (acknowledgements themselves, mail, files).
    Column("interchange_control", String(20)),
    Column("group_control", String(20)),
    Column("ack_status", String(16)),
    Column("ack_detail", Text),
    Column("acked_at", UtcTime),
    # The last ack event told to ops ("overdue", "rejected"): each is told once.
    Column("ack_announced", String(16)),
    # A pending message that failed is not tried again before this (growing waits).
    Column("next_attempt_at", UtcTime),
)
Index("ix_outbox_status", outbox.c.status)
Index("ix_outbox_partner_id_interchange_control", outbox.c.partner_id, outbox.c.interchange_control)

# Which outbound message acknowledged which order, and where inside it: acknowledgements are
# batched (one 855 interchange per partner per batch, an ST per order), so the outbox row alone
# cannot name its orders.
order_acknowledgements = Table(
    "order_acknowledgements", metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("order_id", Id, ForeignKey("orders.id"), nullable=False),
    Column("outbox_id", Id, ForeignKey("outbox.id"), nullable=False),
    Column("kind", String(16), nullable=False),  # "855", "ORDRSP", ...
    Column("reference", String(35), nullable=False),  # ST02 / UNH 0062 inside the message
    Column("created_at", UtcTime, nullable=False),
    UniqueConstraint("outbox_id", "reference"),
)
Index("ix_order_acknowledgements_order_id", order_acknowledgements.c.order_id)

# Outbound interchange/group/set numbers per partner and sequence, handed out in blocks by a
# single UPDATE ... RETURNING so two workers never get the same number.
control_numbers = Table(
    "control_numbers", metadata,
    Column("partner_id", String(80), primary_key=True),
    Column("sequence", String(16), primary_key=True),  # "isa", "gs", "st"
    Column("last_value", BigInteger, nullable=False),
)

# ---------------------------------------------------------------- partners and mail
# A customer's partner profile (partners/<customer_id>.yaml at seed time), validated, as JSON:
# what differs per customer beyond customers.csv (extra mail senders, PDF layouts, column maps).
partner_profiles = Table(
    "partner_profiles", metadata,
    Column("customer_id", String(64), ForeignKey("customers.customer_id"), primary_key=True),
    Column("profile", Text, nullable=False),
    Column("updated_at", UtcTime, nullable=False),
)

# Each mailbox message seen, recorded before any work: fetching it again (a crash before the
# move, a second poller) finds the document it became instead of making another.
mailbox_messages = Table(
    "mailbox_messages", metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("mailbox", String(300), nullable=False),  # imap://user@host:port/INBOX, maildir:/path
    Column("uidvalidity", String(40), nullable=False),
    Column("uid", String(200), nullable=False),
    Column("document_id", Id, ForeignKey("documents.id"), nullable=False),
    Column("seen_at", UtcTime, nullable=False),
    UniqueConstraint("mailbox", "uidvalidity", "uid"),
)

# One Message-ID, one document: a re-sent copy of a mail (other Received headers, so other
# bytes) is a duplicate of the first.
mail_claims = Table(
    "mail_claims", metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("message_id", String(400), nullable=False, unique=True),
    Column("document_id", Id, ForeignKey("documents.id"), nullable=False),
    Column("from_address", String(320)),
    Column("customer_id", String(64)),
    Column("received_at", UtcTime, nullable=False),
)

# One open suggestion per SKU, refreshed while available stock stays below the reorder point.
reorder_suggestions = Table(
    "reorder_suggestions", metadata,
    Column("sku", String(64), ForeignKey("products.sku"), primary_key=True),
    Column("available", Qty, nullable=False),
    Column("reorder_point", Qty, nullable=False),
    Column("quantity", Qty, nullable=False),  # suggested order quantity
    Column("updated_at", UtcTime, nullable=False),
)

# What a customer owes or has on order (accepted orders not yet invoiced, open invoices),
# raised by a conditional UPDATE that fails past the credit limit: two workers cannot both
# squeeze an order under it.
customer_exposure = Table(
    "customer_exposure", metadata,
    Column("customer_id", String(64), ForeignKey("customers.customer_id"), primary_key=True),
    Column("open_orders", Money, nullable=False, default=0, server_default="0"),
    Column("open_invoices", Money, nullable=False, default=0, server_default="0"),
    # Paid beyond what an invoice asked: the customer's to use (it lowers what it owes).
    Column("unapplied_credit", Money, nullable=False, default=0, server_default="0"),
)

# This installation's name for itself: one row, made on first use. Prefect resource ids carry
# it, so two installations reporting to one Prefect server never name the same order alike;
# it lives in the database, so every worker of one installation agrees and a restore keeps it.
installation = Table(
    "installation", metadata,
    Column("id", Integer, primary_key=True, autoincrement=False),  # always 1
    Column("installation_id", String(32), nullable=False),
    Column("created_at", UtcTime, nullable=False),
)
