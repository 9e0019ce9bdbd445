"""``ordergate orders list`` starts quickly: it imports only what it reads with."""

from __future__ import annotations

from pathlib import Path


def test_orders_list_loads_neither_alembic_nor_prefect_when_the_schema_is_current(cli, tmp_path):
    """A listing is quick because it imports only what it reads with: the schema check is one
    query, and the flows' machinery is for the commands that run a flow."""
    import os
    import subprocess
    import sys

    assert cli("db", "upgrade").code == 0
    probe = ("import sys\n"
             "from ordergate.cli import main\n"
             "assert main(['orders', 'list', '--json']) == 0\n"
             "heavy = sorted(m for m in ('alembic', 'prefect', 'pandas', 'pdfplumber', 'openpyxl',\n"
             "                           'sqlalchemy.orm', 'sqlalchemy.dialects.postgresql')\n"
             "               if m in sys.modules)\n"
             "print(heavy, file=sys.stderr)\n")
    env = {k: v for k, v in os.environ.items() if not k.startswith("ORDERGATE_")}
    env.update(PYTHONPATH=str(Path(__file__).resolve().parents[2]), ORDERGATE_HOME=str(tmp_path / "home"))
    done = subprocess.run([sys.executable, "-c", probe], env=env, capture_output=True, text=True,
                          timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stderr.strip() == "[]"
