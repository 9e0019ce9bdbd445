"""Shipment lines by package: an SSCC names one package for good (GS1 asks that it is not
used again for at least a year), so recording a shipment looks up whether any of its packages
went out before, which without this index read every shipment line ever recorded.

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-07
"""

from __future__ import annotations

from alembic import op

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_shipment_lines_package_id", "shipment_lines", ["package_id"])


def downgrade() -> None:
    op.drop_index("ix_shipment_lines_package_id", table_name="shipment_lines")
