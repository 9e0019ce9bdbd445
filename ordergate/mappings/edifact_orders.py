"""EDIFACT ORDERS purchase order → canonical ``SalesOrder`` (D93A, D96A, D01B, D03B and EANCOM).

Reads BGM, DTM, RFF, NAD, CUX, FTX, LIN (+ PIA, IMD, QTY, PRI, ALC, FTX), UNS and CNT, looking
segments up by qualifier; the directories differ little in these segments, and where they do
(BGM 1004 became composite C106 in D01B, NAD 3229 became C819) the first component is the
same value. A value that cannot be read rejects the message with UCS/UCD detail for the
CONTRL (``MessageRejected``); a CNT control total that does not match is a warning that puts
the order on hold, as a CTT mismatch does for X12, since the lines themselves are readable.

``SalesOrder`` has no buyer or supplier party yet: their ids are kept in ``references`` as
"NAD:BY" / "NAD:SU", and references inside a party's group as "<party>:<qualifier>" (e.g.
"IV:VA", the invoicee's VAT number), so header references keep their own qualifiers.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from pydifact.segments import Segment

from ordergate.errors import DocumentError
from ordergate.formats import OrderFormat
from ordergate.mappings.edifact_values import (
    MAX_AMOUNT,
    EdifactValueError,
    check_amount,
    check_length,
    component,
    components,
    dtm_date,
    is_valid_gtin,
    join_continued,
    normalise_isbn,
    number,
    plain_number,
    required,
    shorten,
)
from ordergate.mappings.x12_values import normalise_gtin
from ordergate.orders.model import Purpose, SalesOrder
from ordergate.orders.numbers import fits_stored_scale
from ordergate.parsers.edifact import INVALID_VALUE, MISSING, EdifactProblem

FORMAT = OrderFormat.EDIFACT_ORDERS

# BGM 1225 message function. A missing 1225 reads as an original, as most senders mean it.
PURPOSES = {
    "9": Purpose.ORIGINAL, "1": Purpose.CANCEL, "5": Purpose.REPLACE,
    # Addition and deletion change the items of an order sent before.
    "2": Purpose.CHANGE, "3": Purpose.CHANGE, "4": Purpose.CHANGE,
    "6": Purpose.CONFIRMATION, "7": Purpose.DUPLICATE,
    # A copy "for information" is, like a duplicate, an order we have (or will) see as such.
    "31": Purpose.DUPLICATE,
}
PO_DATE_QUALIFIERS = ("137", "4")  # document date, order date
# DTM qualifiers that say when the buyer wants the goods, best first:
# delivery date requested, earliest delivery, latest delivery.
REQUESTED_DATE_QUALIFIERS = ("2", "64", "63")
DATE_LABELS = {"137": "document date", "4": "order date", "2": "requested delivery date",
               "64": "earliest delivery date", "63": "latest delivery date"}

# DE 7143 item number types.
GTIN = frozenset({"EN", "UP", "UA", "SRV"})
ISBN = frozenset({"IB"})
VENDOR_PART = frozenset({"SA", "VN", "VP"})  # the supplier's (our) article number: the SKU
BUYER_PART = frozenset({"IN", "BP"})
# PIA 4347: 1 additional identification, 5 product identification. The others (2-4
# substitutes, successors...) name a different product and must not identify this line.
PIA_FUNCTIONS = frozenset({"", "1", "5"})
ORDERED = "21"  # QTY 6063 ordered quantity
DISCRETE = "1"  # QTY 6063 discrete quantity: what some D03B senders put instead of 21
NET_PRICE, GROSS_PRICE = "AAA", "AAB"  # PRI 5125 calculation net / gross
SHIP_TO = ("DP", "ST")  # NAD 3035 delivery party, ship to
BILL_TO = ("IV",)  # invoicee
# Segments of a party's group (SG2/SG3/SG5 in ORDERS); anything else ends the group.
PARTY_GROUP = frozenset({"RFF", "DTM", "LOC", "FII", "CTA", "COM", "DOC"})
DESCRIPTION_LIMIT = 300  # order_lines.description
# Segments that close a line group (LIN opens the next; UNH/UNT are skipped, as everywhere).
_LINE_GROUP_ENDS = frozenset({"LIN", "UNS", "CNT", "UNH", "UNT"})


class MessageRejected(DocumentError):
    """The ORDERS cannot become an order; ``problems`` feed the CONTRL's UCM/UCS/UCD."""

    def __init__(self, problems: list[EdifactProblem], po_number: str | None = None) -> None:
        self.problems = problems
        self.po_number = po_number
        super().__init__("; ".join(str(p) for p in problems))


def map_orders(segments: list[Segment], *, decimal_mark: str, partner_id: str,
               customer_id: str | None, source_key: str, channel: str,
               document_id: int | None = None, message_position: int = 1,
               interchange_reference: str | None = None) -> SalesOrder:
    """One ORDERS message (UNH..UNT inclusive) as a ``SalesOrder``.

    ``decimal_mark`` is UNA3 ("." without UNA); both marks are read regardless (see
    ``edifact_values``). ``message_position`` is UNH's 1-based position in the interchange
    (UNB = 1); ``interchange_reference`` (UNB 0020) only labels the problems of a rejection.
    """
    reference = component(segments[0], 1) if segments and segments[0].tag == "UNH" else None
    try:
        reader = _OrdersReader(segments, decimal_mark)
        reader.read()
        return reader.order(partner_id=partner_id, customer_id=customer_id, source_key=source_key,
                            channel=channel, document_id=document_id,
                            message_position=message_position, reference=reference or "")
    except EdifactValueError as exc:
        problem = exc.to_problem(message_position, reference or None)
        problem.interchange_reference = interchange_reference
        raise MessageRejected([problem], _po_number(segments)) from exc


def _po_number(segments: list[Segment]) -> str | None:
    for seg in segments:
        if seg.tag == "BGM":
            return component(seg, 2) or None
    return None


@dataclass(slots=True)
class _Line:
    """A line group (LIN to the next LIN or UNS) while it is read: the first QTY+21 and QTY+1
    (quantity, unit) and the first net and gross PRI are kept; ``kwargs`` becomes the
    ``OrderLine``."""

    index: int  # LIN's position in the message
    last_index: int
    kwargs: dict
    ordered: tuple[Decimal, str | None] | None = None
    discrete: tuple[Decimal, str | None] | None = None
    net_price: Decimal | None = None
    gross_price: Decimal | None = None
    has_allowances: bool = False


class _OrdersReader:
    """One pass over the message's segments; the state is the group the walk is in."""

    def __init__(self, segments: list[Segment], decimal_mark: str) -> None:
        self.segments = segments
        self.decimal_mark = decimal_mark
        self.po_number: str | None = None
        self.purpose = Purpose.ORIGINAL
        self.order_type: str | None = None
        self.currency: str | None = None
        self.dates: dict[str, date] = {}
        self.references: dict[str, str] = {}
        # Parties and lines are collected as plain dicts and validated once, together with
        # the order, in a single pydantic call (as the X12 mapping does).
        self.parties: dict[str, dict] = {}
        self.notes: list[str] = []
        self.lines: list[_Line] = []
        self.line: _Line | None = None
        self.party_role: str | None = None
        self.summary = False
        self.counts: dict[str, tuple[Decimal, int]] = {}
        self.warnings: list[str] = []

    # ------------------------------------------------------------------ the walk
    def read(self) -> None:
        line: _Line | None = None  # self.line, kept in a local for the hot loop below
        for index, seg in enumerate(self.segments, start=1):
            tag = seg.tag
            if line is not None and tag not in _LINE_GROUP_ENDS:
                line.last_index = index
                if tag == "QTY":
                    self._read_qty(line, seg, index)
                elif tag == "PRI":
                    self._read_pri(line, seg, index)
                elif tag == "PIA":
                    self._read_pia(line, seg, index)
                else:
                    self._read_line_segment(line, seg, index)
                continue
            if tag in ("UNH", "UNT"):
                continue
            if tag == "LIN":
                self._finish_line()
                line = self.line = self._read_lin(seg, index)
                continue
            if tag in ("UNS", "CNT"):
                self._finish_line()
                line = None
                self.summary = True
            if tag == "CNT":
                qualifier = component(seg, 1)
                value = self._number(seg, 1, 2, index, "6066", "control value", mandatory=True)
                self.counts.setdefault(qualifier, (value, index))
            elif not self.summary:
                self._read_header_segment(seg, index)
        self._finish_line()
        if self.po_number is None:
            raise EdifactValueError("mandatory segment BGM (beginning of message) is missing",
                                    tag="BGM", index=min(2, len(self.segments)), code=MISSING)
        if not self.lines:
            where = next((i for i, s in enumerate(self.segments, start=1)
                          if s.tag in ("UNS", "CNT", "UNT")), len(self.segments))
            raise EdifactValueError("the order has no line items (mandatory segment LIN is "
                                    "missing)", tag="LIN", index=where, code=MISSING)

    def _read_header_segment(self, seg: Segment, index: int) -> None:
        tag = seg.tag
        if self.party_role is not None and tag not in PARTY_GROUP:
            self.party_role = None
        if tag == "BGM":
            self._read_bgm(seg, index)
        elif tag == "DTM":
            qualifier = component(seg, 1)
            # A DTM in a party's group dates that party's reference, not the order.
            if (qualifier in DATE_LABELS and qualifier not in self.dates
                    and self.party_role is None):
                value = dtm_date(seg, index, DATE_LABELS[qualifier])
                if value is not None:
                    self.dates[qualifier] = value
        elif tag == "RFF":
            qualifier, value = component(seg, 1), component(seg, 1, 2)
            if qualifier and value:
                key = f"{self.party_role}:{qualifier}" if self.party_role else qualifier
                self.references.setdefault(key, value)
        elif tag == "NAD":
            self._read_nad(seg, index)
        elif tag == "CUX":
            if self.currency is None:
                self._read_cux(seg, index)
        elif tag == "FTX":
            text = _ftx_text(seg)
            if text:
                self.notes.append(text)

    def _read_bgm(self, seg: Segment, index: int) -> None:
        self.order_type = component(seg, 1) or None
        self.po_number = check_length(required(seg, 2, 1, index, "1004", "document number"), 64,
                                      seg, 2, 1, index, "1004", "document number")
        function = component(seg, 3)
        self.purpose = PURPOSES.get(function, Purpose.OTHER) if function else Purpose.ORIGINAL

    def _read_nad(self, seg: Segment, index: int) -> None:
        role = component(seg, 1)
        self.party_role = role or None
        party_id = check_length(component(seg, 2) or None, 64, seg, 2, 1, index, "3039",
                                "party identifier")
        if role in SHIP_TO:
            if not any(r in self.parties for r in SHIP_TO):
                self.parties[role] = _address(seg, party_id)
        elif role in BILL_TO:
            self.parties.setdefault(role, _address(seg, party_id))
        elif role and party_id:
            self.references.setdefault(f"NAD:{role}", party_id)

    def _read_cux(self, seg: Segment, index: int) -> None:
        # C504 usage 2 is the reference currency (the one prices are in), type 9 the order
        # currency; a CUX with only a target currency (usage 3) still names the order's.
        details = [(e, components(seg, e)) for e in (1, 2) if components(seg, e)]
        best = next((d for d in details if len(d[1]) > 2 and d[1][2] == "9"), None) \
            or next((d for d in details if d[1][0] == "2"), None) \
            or (details[0] if details else None)
        if best is not None and len(best[1]) > 1 and best[1][1]:
            self.currency = check_length(best[1][1], 3, seg, best[0], 2, index, "6345",
                                         "currency")

    # ------------------------------------------------------------------ lines
    # A line group's segments are most of every message (LIN, PIA, IMD, QTY, PRI ten times
    # over in a typical order), so their elements are read here by index, and the helpers of
    # ``edifact_values`` (which build the UCS/UCD detail) run only when a value is missing,
    # too long or not a plain number: the same checks in the same order, with fewer calls.
    def _read_lin(self, seg: Segment, index: int) -> _Line:
        elements = seg.elements
        line_id = _first(elements[0]) if elements else ""
        if len(line_id) > 20:
            check_length(line_id, 20, seg, 1, 1, index, "1082", "line item number")
        line = _Line(index, index, {"buyer_line_id": line_id or None})
        if len(elements) > 2:
            self._identify(line, seg, 3, elements[2], index)
        return line

    def _read_pia(self, line: _Line, seg: Segment, index: int) -> None:
        elements = seg.elements
        if (_first(elements[0]) if elements else "") in PIA_FUNCTIONS:
            for element, value in enumerate(elements[1:6], start=2):
                self._identify(line, seg, element, value, index)

    def _read_line_segment(self, line: _Line, seg: Segment, index: int) -> None:
        """The line group's other segments: IMD, ALC, FTX (and any other, which is skipped)."""
        tag = seg.tag
        elements = seg.elements
        if tag == "IMD":
            if "description" not in line.kwargs and len(elements) > 2:
                c273 = elements[2]
                # Only a composite has the free-text components (7008 twice: the 4th and 5th).
                if not isinstance(c273, str):
                    parts = c273[3:5]
                    text = (parts[0].strip() if len(parts) == 1
                            else join_continued([part.strip() for part in parts]))
                    if text:
                        line.kwargs["description"] = shorten(text, DESCRIPTION_LIMIT)
        elif tag == "ALC":
            line.has_allowances = True
        elif tag == "FTX":
            text = _ftx_text(seg)
            if text:
                label = line.kwargs.get("buyer_line_id") or len(self.lines) + 1
                self.notes.append(f"line {label}: {text}")

    def _read_qty(self, line: _Line, seg: Segment, index: int) -> None:
        c186 = _composite(seg.elements)
        qualifier = c186[0].strip() if c186 else ""
        if not ((qualifier == ORDERED and line.ordered is None)
                or (qualifier == DISCRETE and line.discrete is None)):
            return
        quantity = plain_number(c186[1].strip()) if len(c186) > 1 else None
        if quantity is None:
            quantity = self._number(seg, 1, 2, index, "6060", "quantity", mandatory=True)
        if not -MAX_AMOUNT < quantity < MAX_AMOUNT:
            check_amount(quantity, seg, 1, 2, index, "6060", "quantity")
        uom = c186[2].strip() if len(c186) > 2 else ""
        if len(uom) > 8:
            check_length(uom, 8, seg, 1, 3, index, "6411", "measure unit qualifier")
        if qualifier == ORDERED:
            line.ordered = (quantity, uom or None)
        else:
            line.discrete = (quantity, uom or None)

    def _read_pri(self, line: _Line, seg: Segment, index: int) -> None:
        c509 = _composite(seg.elements)
        qualifier = c509[0].strip() if c509 else ""
        if not ((qualifier == NET_PRICE and line.net_price is None)
                or (qualifier == GROSS_PRICE and line.gross_price is None)):
            return
        price = plain_number(c509[1].strip()) if len(c509) > 1 else None
        if price is None:
            price = self._number(seg, 1, 2, index, "5118", "price")
            if price is None:
                return
        if not -MAX_AMOUNT < price < MAX_AMOUNT:
            check_amount(price, seg, 1, 2, index, "5118", "price")
        basis = self._number(seg, 1, 5, index, "5284", "unit price basis") \
            if len(c509) > 4 else None
        if basis is not None and basis != 1:
            if basis <= 0:
                raise EdifactValueError(f"PRI 5284 (unit price basis) {basis} must be positive",
                                        tag="PRI", index=index, code=INVALID_VALUE, element=1,
                                        component=5, ref="5284", bad_value=str(basis))
            # The price is for `basis` units; the order line wants the price of one.
            price = price / basis
            # A tiny basis makes a huge price: checked again before it is rounded or stored.
            check_amount(price, seg, 1, 5, index, "5284", "unit price basis")
            if not fits_stored_scale(price):
                price = price.quantize(Decimal("0.0001"))
        if qualifier == NET_PRICE:
            line.net_price = price
        else:
            line.gross_price = price

    def _identify(self, line: _Line, seg: Segment, element: int, c212: str | list[str],
                  index: int) -> None:
        """Item number + type (C212, data element ``element``) into gtin / vendor_part /
        buyer_part, first one wins."""
        if isinstance(c212, str):
            value, kind = c212.strip(), ""
        else:
            value = c212[0].strip() if c212 else ""
            kind = c212[1].strip() if len(c212) > 1 else ""
        if not value:
            return
        if len(value) > 64:
            check_length(value, 64, seg, element, 1, index, "7140", "item number")
        kwargs = line.kwargs
        if kind in GTIN:
            gtin = normalise_gtin(value)
            if gtin:
                kwargs.setdefault("gtin", gtin)
        elif kind in ISBN:
            gtin = normalise_isbn(value)
            if gtin:
                kwargs.setdefault("gtin", gtin)
        elif kind in VENDOR_PART:
            kwargs.setdefault("vendor_part", value)
        elif kind in BUYER_PART:
            kwargs.setdefault("buyer_part", value)
        elif not kind and is_valid_gtin(value):
            # An untyped number is a GTIN only when its check digit says so.
            kwargs.setdefault("gtin", normalise_gtin(value))

    def _finish_line(self) -> None:
        line, self.line = self.line, None
        if line is None:
            return
        quantity = line.ordered or line.discrete
        if quantity is None:
            raise EdifactValueError(
                f"line item {line.kwargs.get('buyer_line_id') or len(self.lines) + 1} (LIN at "
                f"segment {line.index}) has no ordered quantity (mandatory segment QTY+21 is "
                f"missing)", tag="QTY", index=line.last_index + 1, code=MISSING)
        line.kwargs["quantity"], line.kwargs["uom"] = quantity
        price = line.net_price
        if price is None:
            price = line.gross_price
            if price is not None and line.has_allowances:
                self.warnings.append(
                    f"line {line.kwargs.get('buyer_line_id') or len(self.lines) + 1}: price "
                    f"{price} is a gross price (PRI AAB) and the line carries allowances or "
                    f"charges (ALC) that were not applied")
        line.kwargs["unit_price"] = price
        self.lines.append(line)

    def _number(self, seg: Segment, element: int, position: int, index: int, ref: str,
                label: str, *, mandatory: bool = False) -> Decimal | None:
        return number(seg, element, position, index, ref, label, mandatory=mandatory,
                      decimal_mark=self.decimal_mark)

    # ------------------------------------------------------------------ the result
    def order(self, *, partner_id: str, customer_id: str | None, source_key: str, channel: str,
              document_id: int | None, message_position: int, reference: str) -> SalesOrder:
        lines = []
        for number_, line in enumerate(self.lines, start=1):
            line.kwargs["line_number"] = number_
            line.kwargs["source_position"] = message_position + line.index - 1
            lines.append(line.kwargs)
        warnings = self.warnings + self._check_counts(message_position, reference)
        requested = next((self.dates[q] for q in REQUESTED_DATE_QUALIFIERS if q in self.dates),
                         None)
        po_date = next((self.dates[q] for q in PO_DATE_QUALIFIERS if q in self.dates), None)
        ship_to = next((self.parties[r] for r in SHIP_TO if r in self.parties), None)
        return SalesOrder(
            document_id=document_id, source_key=source_key, channel=channel, format=FORMAT,
            partner_id=partner_id, customer_id=customer_id, po_number=self.po_number,
            po_date=po_date, purpose=self.purpose, order_type=self.order_type,
            currency=self.currency, requested_date=requested, references=self.references,
            ship_to=ship_to, bill_to=self.parties.get("IV"), lines=lines, notes=self.notes,
            warnings=warnings,
        )

    def _check_counts(self, message_position: int, reference: str) -> list[str]:
        warnings = []
        if "2" in self.counts:
            count, index = self.counts["2"]
            if count != len(self.lines):
                warnings.append(f"CNT 2 says {count} line items but the order has "
                                f"{len(self.lines)} ({_where(index, message_position, reference)})")
        if "1" in self.counts:
            total, index = self.counts["1"]
            actual = sum((line.kwargs["quantity"] for line in self.lines), Decimal("0"))
            if total != actual:
                warnings.append(f"CNT 1 quantity total {total} does not match the quantities' "
                                f"sum {actual} ({_where(index, message_position, reference)})")
        return warnings


def _where(index: int, message_position: int, reference: str) -> str:
    return f"CNT at position {message_position + index - 1}, UNH {reference}"


def _address(seg: Segment, party_id: str | None) -> dict:
    """NAD as ``Address`` fields: C080 name (else C058's first line), C059 street, 3164..3207."""
    c082 = components(seg, 2)
    unstructured = [part for part in components(seg, 3) if part]
    name = join_continued(components(seg, 4)[:5]) or None
    street = [part for part in components(seg, 5) if part]
    if name is None and unstructured:
        name, rest = unstructured[0], unstructured[1:]
        street = street or rest
    # C082: 3039 id, 1131 code list, 3055 agency (9 = GS1); the agency says what the id is.
    qualifier = (c082[2] if len(c082) > 2 and c082[2] else "") or (c082[1] if len(c082) > 1 else "")
    # 3229 (D96A) became C819 (D01B) whose 4th component is the name of the sub-entity.
    region = component(seg, 7) or component(seg, 7, 4)
    return {"name": name, "code": party_id, "code_qualifier": qualifier or None, "street": street,
            "city": component(seg, 6) or None, "state": region or None,
            "postal_code": component(seg, 8) or None, "country": component(seg, 9) or None}


def _ftx_text(seg: Segment) -> str:
    """FTX C108 (4440 x5) free text; coded texts (C107 only) have nothing to show a person."""
    return " ".join(part for part in components(seg, 4) if part)


def _first(value: str | list[str]) -> str:
    """The first component of a data element, stripped ("" when there is none)."""
    if isinstance(value, str):
        return value.strip()
    return value[0].strip() if value else ""


def _composite(elements: list) -> list[str] | tuple[str]:
    """The first data element as its components, unstripped (a plain value is one component)."""
    if not elements:
        return ()
    value = elements[0]
    return (value,) if isinstance(value, str) else value
