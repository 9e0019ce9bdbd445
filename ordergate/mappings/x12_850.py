"""X12 850 purchase order → canonical ``SalesOrder``.

Reads BEG, CUR, REF, DTM, N1/N2/N3/N4, PO1 (+ PID), CTT; looks segments up by qualifier.
An element that cannot be read rejects the transaction set with AK3/AK4 detail for the 997
(``TransactionRejected``); a CTT hash-total mismatch is a warning that puts the order on
hold, since the lines themselves are readable and a person should compare them.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from ordergate.errors import DocumentError
from ordergate.formats import OrderFormat
from ordergate.mappings.x12_values import (
    MANDATORY_SEGMENT_MISSING,
    ElementError,
    check_amount,
    check_length,
    date_value,
    decimal_value,
    element,
    normalise_gtin,
    required,
)
from ordergate.orders.model import Purpose, SalesOrder
from ordergate.orders.numbers import MAX_ADJUSTED, MAX_NUMBER_TEXT, MIN_ADJUSTED
from ordergate.parsers.x12 import TransactionSet, X12Problem

PURPOSES = {
    "00": Purpose.ORIGINAL, "01": Purpose.CANCEL, "04": Purpose.CHANGE, "05": Purpose.REPLACE,
    "06": Purpose.CONFIRMATION, "07": Purpose.DUPLICATE,
}
# DTM qualifiers that say when the buyer wants the goods, best first.
REQUESTED_DATE_QUALIFIERS = ("002", "010", "074", "037", "038", "063", "064")
VENDOR_PART = frozenset({"VP", "VN", "VA"})
GTIN = frozenset({"UP", "UI", "UK", "UA", "EN", "EA", "UN", "EO"})
# SK is the buyer's (retailer's) stock keeping unit, CB its catalog number.
BUYER_PART = frozenset({"BP", "IN", "PI", "CB", "SK"})
PARTY_ROLES = {"ST": "ship_to", "BT": "bill_to", "BY": "buyer"}


class TransactionRejected(DocumentError):
    """The 850 cannot become an order; ``problems`` feed the 997's AK3/AK4/AK5."""

    def __init__(self, problems: list[X12Problem], po_number: str | None = None) -> None:
        self.problems = problems
        self.po_number = po_number
        super().__init__("; ".join(str(p) for p in problems))


def map_850(ts: TransactionSet, *, partner_id: str, customer_id: str | None,
            source_key: str, channel: str, document_id: int | None = None) -> SalesOrder:
    try:
        return _map(ts, partner_id, customer_id, source_key, channel, document_id)
    except ElementError as exc:
        problem = exc.to_problem(ts.position)
        _stamp(problem, ts)
        raise TransactionRejected([problem], _po_number(ts)) from exc


def _stamp(problem: X12Problem, ts: TransactionSet) -> None:
    problem.transaction_control = ts.control_number
    problem.group_control = ts.group.control_number
    problem.interchange_control = ts.group.interchange.control_number


def _po_number(ts: TransactionSet) -> str | None:
    for seg in ts.segments:
        if seg[0] == "BEG":
            return element(seg, 3) or None
    return None


def _missing_segment(ts: TransactionSet, segment_id: str, what: str) -> TransactionRejected:
    problem = X12Problem(
        level="transaction", code="5", message=f"mandatory segment {segment_id} ({what}) is missing",
        position=ts.position, segment_id=segment_id, segment_position_in_set=len(ts.segments) or 1,
        segment_code=MANDATORY_SEGMENT_MISSING)
    _stamp(problem, ts)
    return TransactionRejected([problem])


def _map(ts: TransactionSet, partner_id: str, customer_id: str | None, source_key: str,
         channel: str, document_id: int | None) -> SalesOrder:
    po_number = None
    po_date = None
    purpose = Purpose.ORIGINAL
    order_type = None
    currency = None
    dates: dict[str, object] = {}
    references: dict[str, str] = {}
    # Lines and parties are collected as plain dicts and validated once, together with the
    # order, in a single pydantic call: one trip into pydantic-core instead of one per line.
    parties: dict[str, dict] = {}
    notes: list[str] = []
    lines: list[dict] = []
    party: dict | None = None
    line_kwargs: dict | None = None
    ctt: tuple[int, Decimal | None, int] | None = None

    for index, seg in enumerate(ts.segments, start=1):
        tag = seg[0]
        if tag == "PO1":
            line_kwargs = _read_po1(seg, index, len(lines) + 1, ts.position)
            lines.append(line_kwargs)
            party = None
        elif tag == "PID":
            if line_kwargs is not None and "description" not in line_kwargs and len(seg) > 5:
                line_kwargs["description"] = seg[5].strip() or None
        elif tag == "BEG":
            purpose_code = required(seg, 1, index, "353", "transaction set purpose")
            purpose = PURPOSES.get(purpose_code, Purpose.OTHER)
            order_type = element(seg, 2) or None
            po_number = check_length(required(seg, 3, index, "324", "purchase order number"), 64,
                                     seg, 3, index, "324", "purchase order number")
            po_date = date_value(seg, 5, index, "373", "purchase order date")
        elif tag == "CUR":
            currency = check_length(element(seg, 2) or None, 3, seg, 2, index, "100", "currency code")
        elif tag == "REF":
            if element(seg, 1):
                references[seg[1].strip()] = element(seg, 2) or element(seg, 3)
        elif tag == "DTM":
            qualifier = element(seg, 1)
            if line_kwargs is None and qualifier in REQUESTED_DATE_QUALIFIERS:
                dates.setdefault(qualifier, date_value(seg, 2, index, "373", f"date {qualifier}"))
        elif tag == "N1":
            role = PARTY_ROLES.get(element(seg, 1))
            party = None
            if role and line_kwargs is None:
                party = {"name": element(seg, 2) or None, "code_qualifier": element(seg, 3) or None,
                         "code": element(seg, 4) or None, "street": []}
                parties.setdefault(role, party)
        elif tag == "N2" and party is not None:
            extra = " ".join(v for v in seg[1:3] if v.strip())
            party["name"] = f"{party['name']} {extra}".strip() if party["name"] else extra
        elif tag == "N3" and party is not None:
            party["street"].extend(v.strip() for v in seg[1:3] if v.strip())
        elif tag == "N4" and party is not None:
            party.update(city=element(seg, 1) or None, state=element(seg, 2) or None,
                         postal_code=element(seg, 3) or None, country=element(seg, 4) or None)
        elif tag in ("NTE", "MSG"):
            text = element(seg, 2) if tag == "NTE" else element(seg, 1)
            if text:
                notes.append(text)
        elif tag == "CTT":
            count = decimal_value(seg, 1, index, "354", "number of line items", mandatory=True)
            ctt = (int(count), decimal_value(seg, 2, index, "347", "hash total"), index)
    if po_number is None:
        raise _missing_segment(ts, "BEG", "beginning segment for purchase order")
    if not lines:
        raise _missing_segment(ts, "PO1", "baseline item data")

    warnings = _check_ctt(ctt, lines, ts) if ctt else []
    requested = next((dates[q] for q in REQUESTED_DATE_QUALIFIERS if dates.get(q)), None)
    return SalesOrder(
        document_id=document_id, source_key=source_key, channel=channel, format=OrderFormat.X12_850,
        partner_id=partner_id, customer_id=customer_id, po_number=po_number, po_date=po_date,
        purpose=purpose, order_type=order_type, currency=currency, requested_date=requested,
        references=references, ship_to=parties.get("ship_to"), bill_to=parties.get("bill_to"),
        lines=lines, notes=notes, warnings=warnings,
    )


def _read_po1(seg: list[str], index: int, line_number: int, base: int) -> dict:
    # The hot loop of a large interchange: element look-ups are inlined on purpose, and the
    # checks below call their (raising) helpers only for a value that fails them.
    size = len(seg)
    quantity_raw = seg[2].strip() if size > 2 else ""
    price_raw = seg[4].strip() if size > 4 else ""
    if len(quantity_raw) > MAX_NUMBER_TEXT or len(price_raw) > MAX_NUMBER_TEXT:
        quantity = price = None  # never converted: the slow path rejects it with AK4 detail
    else:
        try:
            quantity = Decimal(quantity_raw) if quantity_raw else None
            price = Decimal(price_raw) if price_raw else None
        except InvalidOperation:
            quantity = price = None
    if quantity is None or not quantity.is_finite() or (price_raw and not price.is_finite()):
        # Slow path, only for bad values: the same reads with AK4 detail on failure.
        quantity = decimal_value(seg, 2, index, "330", "quantity ordered", mandatory=True)
        price = decimal_value(seg, 4, index, "212", "unit price")
    # adjusted() only, no arithmetic (abs() of 1E999999999 raises Overflow): below 10^14
    # (NUMERIC(18, 4)), and no exponent like 1E-999999999 that prints as a billion zeros.
    if not MIN_ADJUSTED < quantity.adjusted() < MAX_ADJUSTED:
        check_amount(quantity, seg, 2, index, "330", "quantity ordered")
    if price is not None and not MIN_ADJUSTED < price.adjusted() < MAX_ADJUSTED:
        check_amount(price, seg, 4, index, "212", "unit price")
    buyer_line_id = (seg[1].strip() or None) if size > 1 else None
    if buyer_line_id is not None and len(buyer_line_id) > 20:
        check_length(buyer_line_id, 20, seg, 1, index, "350", "assigned identification")
    uom = (seg[3].strip() or None) if size > 3 else None
    if uom is not None and len(uom) > 8:
        check_length(uom, 8, seg, 3, index, "355", "unit of measure")
    kwargs = {"line_number": line_number, "buyer_line_id": buyer_line_id, "quantity": quantity,
              "uom": uom, "unit_price": price, "source_position": base + index - 1}
    # PO106/PO107 onwards: (qualifier, id) pairs.
    for pos in range(6, size - 1, 2):
        qualifier = seg[pos].strip()
        value = seg[pos + 1].strip()
        if not qualifier or not value:
            continue
        if len(value) > 64:
            check_length(value, 64, seg, pos + 1, index, "234", f"product id ({qualifier})")
        if qualifier in VENDOR_PART:
            kwargs.setdefault("vendor_part", value)
        elif qualifier in GTIN:
            gtin = normalise_gtin(value)
            if gtin:
                kwargs.setdefault("gtin", gtin)
        elif qualifier in BUYER_PART:
            kwargs.setdefault("buyer_part", value)
    return kwargs


def _check_ctt(ctt: tuple[int, Decimal | None, int], lines: list[dict],
               ts: TransactionSet) -> list[str]:
    count, hash_total, index = ctt
    warnings = []
    where = f"CTT at position {ts.position + index - 1}, ST02 {ts.control_number}"
    if count != len(lines):
        warnings.append(f"CTT01 says {count} line items but the order has {len(lines)} ({where})")
    if hash_total is not None:
        actual = sum((line["quantity"] for line in lines), Decimal("0"))
        if hash_total != actual:
            warnings.append(f"CTT02 hash total {hash_total} does not match the quantities' sum "
                            f"{actual} ({where})")
    return warnings
