"""The database every domain shares: engine and migrations (``db``), the tables (``tables``),
fast multi-row inserts (``bulk``), and which worker holds which received document (``claims``)."""
