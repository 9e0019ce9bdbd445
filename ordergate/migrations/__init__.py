"""Alembic migrations for the ordergate schema (a package so installs ship them)."""
