"""Prefect flows and the ``ordergate`` command line: thin wiring, no business logic."""
