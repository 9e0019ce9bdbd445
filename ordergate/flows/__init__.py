"""Prefect flows: thin wiring, no business logic."""

from ordergate.printable import install_log_escaping

# Flows served or run start here (the command line does the same in ordergate.cli): from now
# on a sender's control or bidi characters in a log message are shown escaped (Prefect sends
# run logs to its UI).
install_log_escaping()
