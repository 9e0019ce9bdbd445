"""The order domain: the canonical sales order (``model``), the checks (``checks``), stock and
credit allocation (``allocation``), the prepared rows the store and the answers share
(``prepared``), saving and reading orders (``store``, ``reload``, ``queries``).

Beside it: ``masterdata`` (customers, products, prices, partner profiles), ``outbox`` (what is
sent, and how), ``store`` (the database every domain shares)."""
