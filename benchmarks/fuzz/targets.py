"""One harness per reader: how an input is generated, fed to the reader at the level the
pipeline calls it, and what the result must satisfy.

A harness returns a short outcome label ("orders", "failed", ...) or raises ``Violation``
when the result breaks the contract: every input ends as orders or as a failure with a
reason a person can act on, numbers in orders are finite, JSON is valid, text is storable as
UTF-8. Anything else a reader raises, other than ``DocumentError`` with a message, is an
unhandled exception: the engine records it.
"""

from __future__ import annotations

import json
import random
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from functools import cache
from pathlib import Path

from ordergate.errors import DocumentError

from . import gen_edi, gen_mail, gen_pdf, gen_tabular, mutate, seeds


class Violation(Exception):
    """The reader returned, but its result breaks the contract."""


@dataclass(frozen=True)
class Target:
    name: str
    generate: Callable[[random.Random], object]  # one input
    run: Callable[[object], str]  # outcome label, or raises
    as_bytes: Callable[[object], bytes]  # the input as a file, for the reproducer


# ---------------------------------------------------------------- shared checks
def _reject_constant(name: str):
    raise Violation(f"JSON holds {name}, which is not JSON")


def check_json(text: str, what: str) -> None:
    try:
        json.loads(text, parse_constant=_reject_constant)
    except ValueError as exc:
        raise Violation(f"{what} is not valid JSON: {exc}") from exc


def check_storable(text: str | None, what: str) -> None:
    if text is None:
        return
    try:
        text.encode("utf-8")
    except UnicodeEncodeError as exc:
        raise Violation(f"{what} cannot be stored as UTF-8: {exc}") from exc
    # A NUL is storable: the PostgreSQL engine writes it as the escape \x00 (store/db.py).


def check_amounts(values: list[Decimal | None], what: str) -> None:
    for value in values:
        if value is not None and not value.is_finite():
            raise Violation(f"{what}: an order carries the non-finite number {value}")


def check_sales_order(order) -> None:
    check_json(order.model_dump_json(), "the order")
    check_amounts([line.quantity for line in order.lines], "quantity")
    check_amounts([line.unit_price for line in order.lines], "unit price")


def check_reason(reason: str | None, what: str) -> None:
    if not (reason or "").strip():
        raise Violation(f"{what} without a reason")
    check_storable(reason, what)


def seeded_home(prefix: str):
    """(engine, settings) of a throwaway SQLite home seeded with samples/masterdata and our
    own ids: what the prepare stages and the pipeline need."""
    from ordergate.masterdata.seed import seed_masterdata
    from ordergate.settings import Settings
    from ordergate.store.db import make_engine, upgrade

    home = Path(tempfile.mkdtemp(prefix=prefix))
    settings = Settings(home=home, database_url=None, x12_id="ZZ:ORDERGATE",
                        edifact_id="ORDERGATE", store_batch_size=2000, parallel_from_bytes=0)
    engine = make_engine(f"sqlite:///{home / 'fuzz.db'}")
    upgrade(engine)
    seed_masterdata(engine, seeds.SAMPLES / "masterdata")
    return engine, settings


@cache
def _catalog_and_settings():
    from ordergate.masterdata.catalog import Catalog

    engine, settings = seeded_home("ordergate-fuzz-")
    with engine.connect() as conn:
        catalog = Catalog.load(conn)
    return catalog, settings


def _mixed(rng: random.Random, kind: str, structured: Callable[[random.Random], bytes],
           tokens: tuple[bytes, ...]) -> bytes:
    """Half mutations of the seed files, half generated (and some of those mutated)."""
    pool = seeds.seeds(kind)
    roll = rng.random()
    if pool and roll < 0.45:
        return mutate.mutate(rng.choice(pool), rng, tokens, pool)
    generated = structured(rng)
    if roll < 0.6:
        return mutate.mutate(generated, rng, tokens, pool)
    return generated


def _identity(data: object) -> bytes:
    return data  # type: ignore[return-value]


# ---------------------------------------------------------------- X12
X12_TOKENS = (b"ISA", b"GS", b"ST*850", b"SE", b"GE", b"IEA", b"~", b"*", b">", b"^", b"\n",
              b"PO1", b"BEG", b"CTT", b"~ISA*", b"GS*PO*", b"ST*997*0001~", b"SE*1*0001~")


def run_x12(content: bytes) -> str:
    from ordergate.processing.x12.prepare import (
        OpenedInterchange,
        PreparedSet,
        prepare_x12,
    )
    from ordergate.sinks.x12.ack997 import ACKNOWLEDGEMENT_SETS

    catalog, settings = _catalog_and_settings()
    try:
        items = list(prepare_x12(content, settings, catalog, channel="fuzz", document_id=None))
    except DocumentError as exc:
        check_reason(str(exc), "a failed X12 document")
        return "failed"
    def silent(item: PreparedSet) -> None:
        if item.ack.set_id not in ACKNOWLEDGEMENT_SETS:
            raise Violation(f"transaction set {item.ack.set_id!r} made neither an order nor a reason")

    return _tally(items, OpenedInterchange, PreparedSet, "transaction set", silent)


def _tally(items, opened_type: type, prepared_type: type, unit: str, silent=None) -> str:
    """"orders", "failed" or "nothing" for a prepare stage's items, checking that every
    rejection carries a reason and every order a valid detail and total; ``silent`` is called
    for a prepared unit that made neither an order nor a reason."""
    orders = reasons = 0
    for item in items:
        if isinstance(item, opened_type) and item.rejection is not None:
            check_reason(item.rejection[1], "a rejected interchange")
            reasons += 1
        elif isinstance(item, prepared_type):
            if item.order is not None:
                check_json(item.order.detail, "a prepared order's detail")
                check_amounts([item.order.total], "order total")
                orders += 1
            elif item.report is not None:
                for reason in item.report.hold_reasons or [None]:
                    check_reason(reason, f"a rejected {unit}")
                reasons += 1
            elif item.problem is not None:
                check_reason(item.problem, f"an unsupported {unit}")
                reasons += 1
            elif silent is not None:
                silent(item)
        elif getattr(item, "problems", None):
            reasons += 1
    return "orders" if orders else ("failed" if reasons else "nothing")


# ---------------------------------------------------------------- EDIFACT
EDIFACT_TOKENS = (b"UNA:+.? '", b"UNB", b"UNH", b"UNT", b"UNZ", b"UNG", b"UNE", b"'", b"+", b":",
                  b"?", b"\n", b"QTY+21:", b"PRI+AAA:", b"LIN+", b"UNS+S'", b"UNH+9+ORDERS:D:96A:UN'")


class _HandOver:
    """A pace that always hands messages over as text, as when the store is waiting: the
    text must read back to the same order the reader read."""

    backlog = 0

    def store_will_wait(self) -> bool:
        return True

    def store_is_behind(self) -> bool:
        return False


def run_edifact(content: bytes) -> str:
    from ordergate.processing.edifact.prepare import (
        OpenedEdifactInterchange,
        PreparedMessage,
        prepare_edifact,
        read_handed_over,
    )

    catalog, settings = _catalog_and_settings()
    try:
        items = list(prepare_edifact(content, settings, catalog, channel="fuzz", document_id=None))
    except DocumentError as exc:
        check_reason(str(exc), "a failed EDIFACT document")
        return "failed"
    handed = [i for i in prepare_edifact(content, settings, catalog, channel="fuzz",
                                         document_id=None, pace=_HandOver())
              if isinstance(i, PreparedMessage)]
    direct = [i for i in items if isinstance(i, PreparedMessage)]
    if len(handed) != len(direct):
        raise Violation("handing messages over changed how many there are")
    for here, there in zip(direct, handed):
        if there.unread is not None:
            there = read_handed_over(there, catalog)
        if _order_key(here) != _order_key(there):
            raise Violation(f"a message handed over as text reads differently: "
                            f"{_order_key(here)} here, {_order_key(there)} after the hand-over")
    return _tally(items, OpenedEdifactInterchange, PreparedMessage, "message")


def _order_key(prepared) -> tuple:
    if prepared.order is not None:
        return ("order", prepared.order.po_number, prepared.order.lines)
    if prepared.report is not None:
        return ("rejected", tuple(prepared.report.hold_reasons))
    return ("other", prepared.problem)


# ---------------------------------------------------------------- CSV / XLSX / XLS
TABULAR_TOKENS = (b",", b";", b"\t", b"\n", b'"', b"PK\x03\x04", b"\xef\xbb\xbf", b"quantity",
                  b"po_number", b"sku", b"1E999999", b"\xd0\xcf\x11\xe0")


def run_tabular(content: bytes) -> str:
    from ordergate.mappings.tabular_orders import orders_from_table

    try:
        result = orders_from_table(content, channel="fuzz", source_name="fuzz.csv",
                                   customer_id="ACME")
    except DocumentError as exc:
        check_reason(str(exc), "a failed table")
        return "failed"
    for order in result.orders:
        check_sales_order(order)
    for problem in result.problems:
        check_reason(problem, "a table problem")
    if result.orders:
        return "orders"
    if result.problems:
        return "failed"
    raise Violation("a table made neither orders nor problems")


# ---------------------------------------------------------------- e-mail
def _mail_input(rng: random.Random) -> bytes:
    attachments = [gen_tabular.table(rng) if rng.random() < 0.5 else gen_edi.x12_interchange(rng)
                   for _ in range(rng.randrange(3))]
    if rng.random() < 0.3:
        attachments.append(gen_edi.edifact_interchange(rng))
    return gen_mail.mail(rng, attachments)


MAIL_TOKENS = (b"\r\n", b"\r\n\r\n", b"--", b"boundary=", b"Content-Type: multipart/mixed; ",
               b"filename*0*=utf-8''", b"=?utf-8?b?", b"=?iso-8859-1?q?", b"; ", b"\r\n ",
               b"Content-Transfer-Encoding: base64\r\n", b"message/rfc822")


def run_email(content: bytes) -> str:
    from ordergate.parsers.email.message import read_mail

    mail = read_mail(content)
    for text in (mail.message_id, mail.subject, mail.from_address, mail.from_name, mail.reply_to,
                 mail.body_text, *mail.references, *(a.name for a in mail.attachments)):
        check_storable(text, "a mail field")
    if not mail.message_id:
        raise Violation("a mail without a message id to store it under")
    for reason in mail.quarantine:
        check_reason(reason, "a quarantine reason")
    if mail.quarantine:
        return "quarantined"
    if mail.order_attachments:
        return "attachments"
    if not mail.notes:
        raise Violation("a mail with nothing to read orders from, and no note saying so")
    return "no-orders"


# ---------------------------------------------------------------- PDF text layer
def run_pdf_pages(pages) -> str:
    """Everything after the text layer: template matching, header fields, line table,
    confidences, the mapping to a SalesOrder."""
    from ordergate.mappings.pdf_order import sales_order_from_pdf
    from ordergate.parsers.pdf import extract as pdf_extract

    if not pages:
        return "empty"
    original = pdf_extract.read_pdf_pages
    # The page reader is replaced by the generated pages: a full pdfminer parse per input
    # would make 100,000 inputs take hours, and the layers after it see only these rows.
    pdf_extract.read_pdf_pages = lambda content, limits: pages
    try:
        extraction = pdf_extract.extract_pdf_order(b"", templates=_templates())
    except DocumentError as exc:
        check_reason(str(exc), "a failed PDF")
        return "failed"
    finally:
        pdf_extract.read_pdf_pages = original
    extraction.hold_reason(0.8)
    order = sales_order_from_pdf(extraction, source_key="fuzz", channel="fuzz",
                                 partner_id="pdf:fuzz", customer_id="ACME")
    check_sales_order(order)
    return "orders"


@cache
def _templates():
    from ordergate.parsers.pdf.template import load_templates

    return tuple(load_templates())


def _pages_as_text(pages) -> bytes:
    lines = []
    for page in pages:
        lines.append(f"--- page {page.number}")
        for row in page.rows:
            lines.append(" | ".join(f"{w.text!r}@{w.x0:g},{w.x1:g},{w.top:g},{w.bottom:g}"
                                    for w in row.words))
    return "\n".join(lines).encode("utf-8", "backslashreplace")


# ---------------------------------------------------------------- whole PDF files
PDF_TOKENS = (b"obj", b"endobj", b"stream", b"endstream", b"/Length 99999999", b"xref",
              b"trailer", b"<<", b">>", b"/Filter /FlateDecode", b"BT", b"ET", b"Tj", b"%%EOF")


def run_pdf_file(content: bytes) -> str:
    from ordergate.mappings.pdf_order import sales_order_from_pdf
    from ordergate.parsers.pdf.extract import extract_pdf_order

    try:
        extraction = extract_pdf_order(content, templates=_templates())
    except DocumentError as exc:
        check_reason(str(exc), "a failed PDF")
        return "failed"
    order = sales_order_from_pdf(extraction, source_key="fuzz", channel="fuzz",
                                 partner_id="pdf:fuzz", customer_id="ACME")
    check_sales_order(order)
    return "orders"


TARGETS: dict[str, Target] = {
    "x12": Target("x12", lambda rng: _mixed(rng, "x12", gen_edi.x12_interchange, X12_TOKENS),
                  run_x12, _identity),
    "edifact": Target("edifact", lambda rng: _mixed(rng, "edifact", gen_edi.edifact_interchange,
                                                    EDIFACT_TOKENS), run_edifact, _identity),
    "tabular": Target("tabular", lambda rng: _mixed(rng, "tabular", gen_tabular.table,
                                                    TABULAR_TOKENS), run_tabular, _identity),
    "email": Target("email", lambda rng: _mixed(rng, "email", _mail_input, MAIL_TOKENS),
                    run_email, _identity),
    "pdf-text": Target("pdf-text", gen_pdf.pages, run_pdf_pages, _pages_as_text),
    "pdf-file": Target("pdf-file", lambda rng: _mixed(rng, "pdf", gen_pdf.pdf_file, PDF_TOKENS),
                       run_pdf_file, _identity),
}
