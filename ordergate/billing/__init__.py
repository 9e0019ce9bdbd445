"""Billing: invoices from shipments, credit notes from returns, payments and what customers
owe. ``model`` holds what the invoice renderers (810, INVOIC, Factur-X PDF, CSV) read."""
