"""How an invoice's values read as text, the same in its XML and on its printed page.

Names, addresses, part numbers and descriptions come from the customer's order or our master
data and reach the invoice unchanged. A control character cannot stand in XML 1.0 at all
(``\\x00`` to ``\\x1f`` but tab and line breaks), a bidi override (U+202E) makes a printed
name or number read backwards, and a line break in a part number breaks a table row: every
such text passes ``one_line``, which turns line breaks and tabs into spaces and shows the other
control and format characters as escapes (``\\x1b``), as ``printable`` does for terminals.
Both renderings escape alike, so the page says what the XML says.

Amounts are written as stored, in cents ("10.80", never "10.8000", which EN 16931's two
decimal places refuse); quantities and rates as plain decimals ("2.5", "19", never "1E+1").
"""

from __future__ import annotations

import re
from decimal import Decimal

from ordergate.billing.model import Invoice
from ordergate.orders.numbers import quantity_text, tidy_money, tidy_quantity
from ordergate.printable import printable

_BREAKS = re.compile(r"[ \t\r\n]*[\t\r\n][ \t\r\n]*")
# Two code points XML 1.0 refuses that ``printable`` leaves alone (they are not controls).
_NONCHARACTERS = re.compile("[\ufffe\uffff]")


def one_line(text: str | None) -> str:
    """``text`` on one line with every control and format character escaped; "" for None."""
    if not text:
        return ""
    text = printable(_BREAKS.sub(" ", text).strip())
    return _NONCHARACTERS.sub(lambda match: f"\\u{ord(match.group()):04x}", text)


def money(value: Decimal) -> str:
    return format(tidy_money(value), "f")


def quantity(value: Decimal) -> str:
    return quantity_text(value)


def percent(value: Decimal) -> str:
    return format(tidy_quantity(value), "f")


def iban_compact(iban: str) -> str:
    """The IBAN without the spaces it is printed with (an IBAN is letters and digits only)."""
    return "".join(iban.split())


def iban_grouped(iban: str) -> str:
    """The IBAN in groups of four, as printed for people to type."""
    compact = iban_compact(iban)
    return " ".join(compact[start:start + 4] for start in range(0, len(compact), 4))


def terms_words(invoice: Invoice) -> str:
    """The payment terms as one sentence: the terms, the early-payment discount when the
    invoice offers one, and the due date."""
    terms = invoice.terms
    parts = []
    if terms.discount_percent and invoice.discount_date:
        amount = (f" ({money(invoice.discount_amount)} {invoice.currency})"
                  if invoice.discount_amount is not None else "")
        parts.append(f"{percent(terms.discount_percent)} % discount{amount} if paid by "
                     f"{invoice.discount_date.isoformat()}")
    parts.append(f"net due by {invoice.due_date.isoformat()}")
    said = one_line(terms.text)
    return f"{said}: {', '.join(parts)}" if said else ", ".join(parts)
