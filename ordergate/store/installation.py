"""This installation's id (``tables.installation``): made once, by whichever worker asks
first; every later reader, on any worker, gets the same one."""

from __future__ import annotations

import uuid

from sqlalchemy import Engine, select

from ordergate.clock import utcnow
from ordergate.store import tables as t
from ordergate.store.db import insert_ignore

_known: dict[str, str] = {}  # per database URL: it never changes once made


def installation_id(engine: Engine) -> str:
    key = engine.url.render_as_string(hide_password=True)
    found = _known.get(key)
    if found is None:
        with engine.begin() as conn:
            conn.execute(insert_ignore(conn, t.installation), {
                "id": 1, "installation_id": uuid.uuid4().hex[:12], "created_at": utcnow()})
            found = _known[key] = conn.execute(
                select(t.installation.c.installation_id).where(t.installation.c.id == 1)
            ).scalar_one()
    return found
