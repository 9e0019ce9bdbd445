"""A large document is stored in parts and read back whole, from bytes or from a mapped file,
on SQLite and PostgreSQL; what is stored is hashed window by window to the same digest."""

from __future__ import annotations

import hashlib

import pytest
from sqlalchemy import func, select

from ordergate import buffers
from ordergate.documents import RawDocument
from ordergate.orders.store import document_content, store_document
from ordergate.sources.files import read_document
from ordergate.store import tables as t

X12_HEAD = (b"ISA*00*          *00*          *ZZ*ACME           *ZZ*ORDERGATE      *240301*0930*U*"
            b"00401*000000001*0*P*>~")


@pytest.mark.parametrize("as_map", [False, True], ids=["bytes", "mapped"])
def test_a_large_document_is_stored_in_parts_and_read_back_whole(engine, tmp_path, monkeypatch,
                                                                 as_map):
    monkeypatch.setattr(buffers, "WINDOW", 4096)
    monkeypatch.setattr(buffers, "MAP_FROM_BYTES", 4096)
    import ordergate.sources.files as files
    monkeypatch.setattr(files, "MAP_FROM_BYTES", 4096)
    data = X12_HEAD + bytes(range(256)) * 100  # 25,700 bytes: 7 parts of 4,096
    path = tmp_path / "big.edi"
    path.write_bytes(data)
    content = read_document(path) if as_map else data
    assert buffers.is_mapped(content) == as_map
    raw = RawDocument(content=content, channel="test", source_ref=str(path))
    assert raw.content_hash == hashlib.sha256(data).hexdigest()
    stored = store_document(engine, raw)
    with engine.connect() as conn:
        assert document_content(conn, stored.id) == data
        parts = conn.execute(select(func.count()).select_from(t.document_content_parts)
                             .where(t.document_content_parts.c.document_id == stored.id)).scalar_one()
    assert parts == 6
    # the same bytes again are the same document, however they arrive
    assert store_document(engine, RawDocument(content=data, channel="test", source_ref="again")).id == stored.id


def test_small_and_other_files_are_read_as_bytes(tmp_path, monkeypatch):
    import ordergate.sources.files as files

    monkeypatch.setattr(files, "MAP_FROM_BYTES", 10)
    csv = tmp_path / "orders.csv"
    csv.write_bytes(b"po_number,sku,quantity\n" * 10)
    small = tmp_path / "small.edi"
    small.write_bytes(X12_HEAD[:8])
    assert read_document(csv) == csv.read_bytes() and isinstance(read_document(csv), bytes)
    assert isinstance(read_document(small), bytes)
