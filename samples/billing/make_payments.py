"""The demo's bank payment file, made from the invoices the demo issued (their numbers carry
the year they are made in): the first invoice paid in full, the second in part.

    ordergate invoices list --json | python samples/billing/make_payments.py > payments.csv
"""

import csv
import json
import sys
from datetime import date
from decimal import Decimal

invoices = sorted(json.load(sys.stdin)["invoices"], key=lambda invoice: invoice["invoice_id"])
writer = csv.writer(sys.stdout, lineterminator="\n")
writer.writerow(["customer_id", "invoice_number", "amount", "currency", "paid_on", "reference"])
for invoice, share, reference in zip(invoices, (Decimal(1), Decimal("0.5")),
                                     ("BANK-2026-0001", "BANK-2026-0002")):
    amount = (Decimal(invoice["total"]) * share).quantize(Decimal("0.01"))
    writer.writerow([invoice["customer_id"], invoice["invoice_number"], amount,
                     invoice["currency"], date.today().isoformat(), reference])
