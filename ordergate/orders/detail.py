"""The two parts of a stored order's detail (its ``SalesOrder`` as JSON) that the work after
an order reads: where it ships (a ship notice's and an invoice's ship-to) and where the
partner's EDI replies go (the 856's and the 810's envelope).

Parsed without building the rest of the order: pydantic-core skips the lines and the other
fields while it reads the text, about a fifth of ``json.loads`` of the whole detail. A batch
reads one order's detail twice (the document, then its envelope), so the last parses are kept;
what is returned is shared and never changed by its readers.
"""

from __future__ import annotations

from functools import lru_cache

from pydantic import BaseModel, ConfigDict

from ordergate.orders.model import Address, ReplyAddress


class OrderHeads(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)

    ship_to: Address | None = None
    reply_to: ReplyAddress | None = None


# A batch of shipments or invoices is 500: all of it stays between its two reads.
@lru_cache(maxsize=1024)
def order_heads(detail: str) -> OrderHeads:
    return OrderHeads.model_validate_json(detail)
