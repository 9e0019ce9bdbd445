"""Prefect flows and the ``ordergate`` command line: thin wiring, no business logic."""

from ordergate.printable import install_log_escaping

# The command line and the Prefect flows both start here: from now on a sender's control or
# bidi characters in a log message are shown escaped (Prefect sends run logs to its UI).
install_log_escaping()
