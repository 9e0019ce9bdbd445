"""The formats ordergate reads: the built-in handlers, in detection order.

Adding a format is one ``FormatHandler`` (``processing.handlers``) in its standard's package and
one line here (``ARCHITECTURE.md``, "Adding a format"); a handler registered at run time
(``FORMATS.register``) is used the same way.
"""

from __future__ import annotations

from ordergate.processing.edifact import EDIFACT
from ordergate.processing.email import EMAIL
from ordergate.processing.handlers import FormatRegistry
from ordergate.processing.pdf import PDF
from ordergate.processing.tabular import CSV, XLS, XLSX, ZIP
from ordergate.processing.x12 import X12

# The signatures first; a workbook before any zip; a mail's header block before the loose test
# for a table, which many text files pass.
FORMATS = FormatRegistry([X12, EDIFACT, PDF, XLSX, ZIP, XLS, EMAIL, CSV])
