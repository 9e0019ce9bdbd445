"""Parsed documents + partner profile → canonical ``SalesOrder``. One module per document type."""
