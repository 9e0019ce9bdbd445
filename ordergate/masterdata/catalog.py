"""Master data as the checks read it: customers, products, cross-references, prices.

Loaded once per batch with a handful of SELECTs into dictionaries, so resolving an order line
costs a few dict look-ups instead of a query per line.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from sqlalchemy import Connection, select

from ordergate.masterdata.profiles import PartnerProfile, load_profiles
from ordergate.store import tables as t


@dataclass(frozen=True, slots=True)
class Customer:
    customer_id: str
    name: str
    email: str | None
    x12_id: str | None
    edifact_id: str | None
    credit_limit: Decimal | None
    currency: str | None
    active: bool
    payment_terms: str | None = None
    tax_rate: Decimal | None = None
    tax_id: str | None = None
    invoice_email: str | None = None


@dataclass(frozen=True, slots=True)
class Product:
    sku: str
    description: str | None
    gtin: str | None
    uom: str | None
    list_price: Decimal | None
    active: bool


@dataclass(slots=True)
class Catalog:
    customers: dict[str, Customer] = field(default_factory=dict)
    by_x12_id: dict[str, Customer] = field(default_factory=dict)
    by_edifact_id: dict[str, Customer] = field(default_factory=dict)
    products: dict[str, Product] = field(default_factory=dict)
    by_gtin: dict[str, str] = field(default_factory=dict)
    xref: dict[tuple[str, str], str] = field(default_factory=dict)
    prices: dict[tuple[str, str], Decimal] = field(default_factory=dict)
    profiles: dict[str, PartnerProfile] = field(default_factory=dict)
    by_email: dict[str, Customer] = field(default_factory=dict)  # address -> customer
    by_email_domain: dict[str, Customer] = field(default_factory=dict)
    # settings.price_tolerance_percent, for customers whose profile does not set their own
    price_tolerance_percent: float = 2.0

    @classmethod
    def load(cls, conn: Connection, *, price_tolerance_percent: float = 2.0) -> "Catalog":
        catalog = cls(price_tolerance_percent=price_tolerance_percent)
        for row in conn.execute(select(t.customers)):
            customer = Customer(**row._mapping)
            catalog.customers[customer.customer_id] = customer
            if customer.x12_id:
                catalog.by_x12_id[customer.x12_id] = customer
            if customer.edifact_id:
                catalog.by_edifact_id[customer.edifact_id.strip()] = customer
        for row in conn.execute(select(t.products)):
            product = Product(**row._mapping)
            catalog.products[product.sku] = product
            if product.gtin:
                catalog.by_gtin[product.gtin] = product.sku
        for row in conn.execute(select(t.item_xref)):
            catalog.xref[(row.customer_id, row.buyer_part)] = row.sku
        for row in conn.execute(select(t.prices)):
            catalog.prices[(row.customer_id, row.sku)] = row.unit_price
        catalog.profiles = load_profiles(conn)
        for customer in catalog.customers.values():
            if customer.email:
                catalog.by_email[customer.email.strip().lower()] = customer
        for customer_id, profile in catalog.profiles.items():
            customer = catalog.customers[customer_id]
            for address in profile.email_addresses:
                catalog.by_email[address] = customer
            for domain in profile.email_domains:
                catalog.by_email_domain[domain] = customer
        return catalog

    def customer_for_email(self, address: str) -> Customer | None:
        """The exact address (customers.csv email or a profile's addresses) wins over a
        profile's domain; a sub-domain does not match its parent (mail.acme.example is not
        acme.example: the profile lists it if it is theirs)."""
        address = address.strip().lower()
        found = self.by_email.get(address)
        if found is None and "@" in address:
            found = self.by_email_domain.get(address.rsplit("@", 1)[1])
        return found

    def reply_address(self, customer_id: str, sender: str | None) -> str | None:
        """Where mail to this customer goes: the sender when it is one of the customer's own
        registered addresses (customers.csv email, the profile's email_addresses), else the
        customers.csv email. Never an address that only the mail names (Reply-To, a sender
        matched by domain): whoever wrote the mail chose those."""
        sender = (sender or "").strip().lower()
        registered = self.by_email.get(sender)
        if registered is not None and registered.customer_id == customer_id:
            return sender
        customer = self.customers.get(customer_id)
        if customer is not None and customer.email:
            return customer.email.strip().lower()
        profile = self.profiles.get(customer_id)
        return profile.email_addresses[0] if profile and profile.email_addresses else None

    def profile(self, customer_id: str | None) -> PartnerProfile | None:
        return self.profiles.get(customer_id) if customer_id else None

    def customer_for_x12(self, qualifier: str, ident: str) -> Customer | None:
        return self.by_x12_id.get(f"{qualifier.strip().upper()}:{ident.strip()}")

    def customer_for_edifact(self, ident: str, qualifier: str | None) -> Customer | None:
        """customers.csv ``edifact_id`` is ``id:qualifier`` or a plain id (any qualifier)."""
        ident = ident.strip()
        if qualifier and (found := self.by_edifact_id.get(f"{ident}:{qualifier.strip()}")):
            return found
        return self.by_edifact_id.get(ident)

    def price_for(self, customer_id: str | None, sku: str) -> Decimal | None:
        price = self.prices.get((customer_id, sku)) if customer_id else None
        if price is None:
            product = self.products.get(sku)
            price = product.list_price if product else None
        return price
