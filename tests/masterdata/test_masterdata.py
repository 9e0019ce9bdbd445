"""Master data loading: the demo files, upserts, and every kind of bad row reported with its place."""

from __future__ import annotations

import shutil
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import func, select, update

from ordergate.errors import ConfigError
from ordergate.masterdata.seed import MasterDataError, normalise_gtin, seed_masterdata
from ordergate.store import tables as t

SAMPLES = Path(__file__).resolve().parents[2] / "samples" / "masterdata"

CUSTOMERS = "customer_id,name,email,x12_id,edifact_id,credit_limit,currency\n"
PRODUCTS = "sku,description,gtin,uom,list_price\n"


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    path = tmp_path / "masterdata"
    path.mkdir()
    return path


def _write(folder: Path, name: str, text: str, encoding: str = "utf-8") -> None:
    (folder / name).write_text(text, encoding=encoding, newline="")


def _count(engine, table) -> int:
    with engine.connect() as conn:
        return conn.scalar(select(func.count()).select_from(table))


def _seed_error(engine, folder: Path) -> MasterDataError:
    with pytest.raises(MasterDataError) as info:
        seed_masterdata(engine, folder)
    return info.value


def _base(folder: Path) -> None:
    _write(folder, "customers.csv", CUSTOMERS + "ACME,Acme,,ZZ:ACMEBUY,,,USD\n")
    _write(folder, "products.csv", PRODUCTS + "P1,Widget,4006381333931,EA,1.00\n")


# ---------------------------------------------------------------- the demo data
def test_demo_master_data_loads(engine):
    report = seed_masterdata(engine, SAMPLES)
    assert report.counts == {"customers.csv": 3, "products.csv": 20, "stock.csv": 20,
                             "prices.csv": 7, "item_xref.csv": 6, "partners/": 3,
                             "company.yaml": 1}
    assert report.total == 60
    with engine.connect() as conn:
        ids = dict(conn.execute(select(t.customers.c.customer_id, t.customers.c.x12_id)).all())
        assert ids == {"ACME": "ZZ:ACMEBUY", "GLOBEX": "12:5551234567", "INITECH": None}
        bolt = conn.execute(select(t.products).where(t.products.c.sku == "HW-1001")).one()
        assert (bolt.gtin, bolt.uom, bolt.list_price, bolt.active) == \
            ("00071234000012", "CS", Decimal("18.90"), True)
        assert conn.scalar(select(t.prices.c.unit_price).where(
            t.prices.c.customer_id == "ACME", t.prices.c.sku == "HW-1001")) == Decimal("16.50")
        assert conn.scalar(select(t.item_xref.c.sku).where(
            t.item_xref.c.buyer_part == "ACME-60200")) == "HW-1020"
        assert {len(g) for g in conn.scalars(select(t.products.c.gtin))} == {14}


def test_loading_again_updates_rows_in_place(engine, folder):
    for name in ("customers.csv", "products.csv", "stock.csv", "prices.csv", "item_xref.csv"):
        shutil.copy(SAMPLES / name, folder / name)
    seed_masterdata(engine, folder)
    with engine.begin() as conn:  # a product switched off by hand stays off: active is not in the file
        conn.execute(update(t.products).where(t.products.c.sku == "HW-1002").values(active=False))
    text = (folder / "stock.csv").read_text().replace("HW-1001,240", "HW-1001,12.5")
    _write(folder, "stock.csv", text)

    report = seed_masterdata(engine, folder)

    assert report.counts["stock.csv"] == 20
    assert (_count(engine, t.products), _count(engine, t.stock), _count(engine, t.prices)) == (20, 20, 7)
    with engine.connect() as conn:
        assert conn.scalar(select(t.stock.c.on_hand).where(t.stock.c.sku == "HW-1001")) == Decimal("12.5")
        assert conn.scalar(select(t.products.c.active).where(t.products.c.sku == "HW-1002")) is False


def test_missing_files_are_skipped_and_a_missing_folder_is_an_error(engine, folder):
    assert seed_masterdata(engine, folder).counts == {}
    with pytest.raises(ConfigError, match="does not exist"):
        seed_masterdata(engine, folder / "nope")


def test_byte_order_mark_header_case_and_spaces_are_tolerated(engine, folder):
    _write(folder, "customers.csv",
           "\ufeffCustomer_ID, Name ,email,x12_id,edifact_id,credit_limit,currency\n"
           " ACME , Acme Hardware ,,zz:ACMEBUY ,,1000,usd\n\n")
    assert seed_masterdata(engine, folder).counts == {"customers.csv": 1}
    with engine.connect() as conn:
        row = conn.execute(select(t.customers)).one()
    assert (row.customer_id, row.name, row.x12_id, row.currency, row.email) == \
        ("ACME", "Acme Hardware", "ZZ:ACMEBUY", "USD", None)


# ---------------------------------------------------------------- bad rows
def test_a_bad_number_names_file_line_and_field(engine, folder):
    _write(folder, "products.csv", PRODUCTS + "".join(f"P{n},Item,,EA,1.00\n" for n in range(1, 6))
           + "P6,Item,,EA,abc\n")
    error = _seed_error(engine, folder)
    assert str(error) == "products.csv line 7, field list_price: 'abc' is not a number"
    assert [(p.file, p.line, p.field) for p in error.problems] == [("products.csv", 7, "list_price")]
    assert _count(engine, t.products) == 0  # the five good rows are not loaded either


def test_all_bad_rows_of_a_file_are_reported_together(engine, folder):
    _write(folder, "customers.csv", CUSTOMERS
           + "ACME,,not-an-email,ACMEBUY,,-5,DOLLARS\n"
           + "GLOBEX,Globex,,12:5551234567,,1e999999,USD\n"
           + "INITECH,Initech,,,,100.12345,EUR\n")
    error = _seed_error(engine, folder)
    assert [str(p) for p in error.problems] == [
        "customers.csv line 2, field name: is required",
        "customers.csv line 2, field email: 'not-an-email' is not an e-mail address",
        "customers.csv line 2, field x12_id: X12 id 'ACMEBUY' must be written qualifier:id, "
        "e.g. ZZ:ORDERGATE",
        "customers.csv line 2, field credit_limit: '-5' must not be negative",
        "customers.csv line 2, field currency: 'DOLLARS' is not a 3-letter currency code",
        "customers.csv line 3, field credit_limit: '1e999999' has too many digits",
        "customers.csv line 4, field credit_limit: '100.12345' has more than 4 decimal places",
    ]
    assert _count(engine, t.customers) == 0


def test_stock_must_not_be_negative_and_rows_need_every_field(engine, folder):
    _base(folder)
    _write(folder, "stock.csv", "sku,on_hand\nP1,-1\nP1\nP1,2,3\n,4\n")
    error = _seed_error(engine, folder)
    assert [str(p) for p in error.problems] == [
        "stock.csv line 2, field on_hand: '-1' must not be negative",
        "stock.csv line 3: has 1 fields, expected 2 (sku,on_hand)",
        "stock.csv line 4: has 3 fields, expected 2 (sku,on_hand)",
        "stock.csv line 5, field sku: is required",
    ]


def test_line_numbers_follow_the_file_across_quoted_line_breaks(engine, folder):
    _write(folder, "products.csv", PRODUCTS + 'P1,"two\nlines",,EA,1\n\nP2,ok,,EA,x\n')
    assert str(_seed_error(engine, folder)) == "products.csv line 5, field list_price: 'x' is not a number"


def test_gtins_are_checked_and_padded_to_14_digits(engine, folder):
    _write(folder, "products.csv", PRODUCTS
           + "A,EAN-13,4006381333931,EA,1\n"
           + "B,UPC-A,036000291452,EA,1\n"
           + "C,EAN-8,96385074,EA,1\n"
           + "D,GTIN-14,10012345678902,CS,1\n")
    seed_masterdata(engine, folder)
    with engine.connect() as conn:
        gtins = dict(conn.execute(select(t.products.c.sku, t.products.c.gtin)).all())
    assert gtins == {"A": "04006381333931", "B": "00036000291452", "C": "00000096385074",
                     "D": "10012345678902"}


def test_a_bad_gtin_is_reported_with_the_expected_check_digit(engine, folder):
    _write(folder, "products.csv", PRODUCTS
           + "A,bad check digit,4006381333932,EA,1\n"
           + "B,too short,1234567,EA,1\n"
           + "C,letters,40063813339X1,EA,1\n")
    assert [str(p) for p in _seed_error(engine, folder).problems] == [
        "products.csv line 2, field gtin: '4006381333932' has a bad check digit (expected 1)",
        "products.csv line 3, field gtin: '1234567' is not a GTIN (8, 12, 13 or 14 digits)",
        "products.csv line 4, field gtin: '40063813339X1' is not a GTIN (8, 12, 13 or 14 digits)",
    ]


def test_normalise_gtin_pads_every_length():
    assert normalise_gtin("96385074") == "00000096385074"
    with pytest.raises(ValueError, match="expected 2"):
        normalise_gtin("036000291451")


def test_values_longer_than_their_column_are_reported(engine, folder):
    _write(folder, "products.csv", PRODUCTS + f"{'S' * 65},x,,EACH-BOX-9,1\n")
    assert [str(p) for p in _seed_error(engine, folder).problems] == [
        f"products.csv line 2, field sku: '{'S' * 65}' is longer than 64 characters",
        "products.csv line 2, field uom: 'EACH-BOX-9' is longer than 8 characters",
    ]


def test_duplicate_keys_and_unique_values_in_one_file_are_reported(engine, folder):
    _write(folder, "products.csv", PRODUCTS
           + "P1,first,4006381333931,EA,1\n"
           + "P2,second,036000291452,EA,1\n"
           + "P1,again,,EA,1\n"
           + "P3,same gtin as P1,4006381333931,EA,1\n")
    assert [str(p) for p in _seed_error(engine, folder).problems] == [
        "products.csv line 4, field sku: 'P1' already appears on line 2",
        "products.csv line 5, field gtin: '04006381333931' already appears on line 2",
    ]


def test_a_unique_value_held_by_another_row_in_the_database_is_reported(engine, folder):
    _base(folder)
    seed_masterdata(engine, folder)
    _write(folder, "products.csv", PRODUCTS + "P2,Copy,4006381333931,EA,1.00\n")
    (folder / "customers.csv").unlink()
    assert str(_seed_error(engine, folder)) == \
        "products.csv line 2, field gtin: '04006381333931' already belongs to sku 'P1'"
    assert _count(engine, t.products) == 1  # P2 was not loaded


def test_references_must_exist_in_the_database_or_the_same_load(engine, folder):
    _base(folder)
    _write(folder, "prices.csv", "customer_id,sku,unit_price\nACME,P1,0.90\nNOPE,P1,1\nACME,P9,1\n")
    _write(folder, "item_xref.csv", "customer_id,buyer_part,sku\nACME,B-1,P1\n")
    error = _seed_error(engine, folder)
    assert [str(p) for p in error.problems] == [
        "prices.csv line 3, field customer_id: 'NOPE' is not in customers",
        "prices.csv line 4, field sku: 'P9' is not in products",
    ]
    # Files before the bad one are loaded; the bad one and those after it are not.
    assert (_count(engine, t.customers), _count(engine, t.products)) == (1, 1)
    assert (_count(engine, t.prices), _count(engine, t.item_xref)) == (0, 0)

    _write(folder, "prices.csv", "customer_id,sku,unit_price\nACME,P1,0.90\n")
    (folder / "customers.csv").unlink()  # now only in the database, from the first load
    (folder / "products.csv").unlink()
    assert seed_masterdata(engine, folder).counts == {"prices.csv": 1, "item_xref.csv": 1}


def test_unknown_and_missing_columns_name_the_expected_ones(engine, folder):
    _write(folder, "products.csv", "sku,description,gtin,unit,list price\nP1,x,,EA,1\n")
    assert str(_seed_error(engine, folder)) == (
        "products.csv line 1: unknown column(s) 'unit', 'list price'; "
        "missing column(s) 'uom', 'list_price'; expected columns sku,description,gtin,uom,list_price")


def test_a_repeated_column_and_an_empty_file_are_reported(engine, folder):
    _write(folder, "stock.csv", "sku,on_hand,sku\nP1,1,P1\n")
    assert "repeated column(s) 'sku'; expected columns sku,on_hand (optional: reorder_point,reorder_quantity,location)" in str(_seed_error(engine, folder))
    _write(folder, "stock.csv", "")
    assert str(_seed_error(engine, folder)) == "stock.csv: is empty; expected columns sku,on_hand (optional: reorder_point,reorder_quantity,location)"


def test_a_file_that_is_not_utf8_is_reported(engine, folder):
    _write(folder, "customers.csv", CUSTOMERS + "ACME,Société Générale,,,,,EUR\n", encoding="latin-1")
    assert str(_seed_error(engine, folder)).startswith("customers.csv: is not UTF-8 text")


def test_master_data_error_is_a_config_error():
    assert issubclass(MasterDataError, ConfigError)


# ---------------------------------------------------------------- partner profiles
def _profiles(tmp_path, files: dict[str, str]):
    folder = tmp_path / "md"
    (folder / "partners").mkdir(parents=True)
    (folder / "customers.csv").write_text((SAMPLES / "customers.csv").read_text())
    for name, text in files.items():
        (folder / "partners" / name).write_text(text)
    return folder


def test_partner_profiles_load_and_reach_the_catalog(engine, tmp_path):
    from ordergate.masterdata.catalog import Catalog

    folder = _profiles(tmp_path, {"ACME.yaml": "email_domains: [Acme.Example]\nmin_confidence: 0.9\n"})
    seed_masterdata(engine, folder)
    with engine.connect() as conn:
        catalog = Catalog.load(conn)
    assert catalog.profile("ACME").min_confidence == 0.9
    assert catalog.customer_for_email("Someone@ACME.example").customer_id == "ACME"
    assert catalog.customer_for_email("purchasing@globex.example").customer_id == "GLOBEX"
    assert catalog.customer_for_email("x@mail.acme.example") is None
    assert catalog.customer_for_email("x@evil.example") is None


@pytest.mark.parametrize("name, text, expected", [
    ("ACME.yaml", "email_domain: [acme.example]\n", "partners/ACME.yaml, field email_domain: Extra inputs"),
    ("ACME.yaml", "min_confidence: 2\n", "partners/ACME.yaml, field min_confidence: Input should be less"),
    ("ACME.yaml", "column_map: {columns: {qty: Qty}}\n", "partners/ACME.yaml, field column_map.columns"),
    ("ACME.yaml", "email_domains: [a: b\n", "partners/ACME.yaml line 2: not readable YAML: expected ',' or ']'"),
    ("NOBODY.yaml", "min_confidence: 0.5\n", "partners/NOBODY.yaml, field customer_id: no customer 'NOBODY'"),
])
def test_a_bad_partner_profile_fails_loudly_and_changes_nothing(engine, tmp_path, name, text, expected):
    folder = _profiles(tmp_path, {"GLOBEX.yaml": "email_domains: [globex.example]\n", name: text})
    with pytest.raises(MasterDataError) as failure:
        seed_masterdata(engine, folder)
    assert expected in str(failure.value)
    with engine.connect() as conn:
        assert conn.execute(select(t.partner_profiles)).all() == []


@pytest.mark.parametrize("key, value, message", [
    ("iban", "DE89370400440532013001", "is not a valid IBAN"),
    ("tax_id", "DE136695977", "is not a valid VAT id"),
    ("bic", "NOTABIC", "is not a valid BIC"),
    ("country", "Germany", "is not an ISO 3166 alpha-2 country code"),
    ("invoice_prefix", "inv-", "should match pattern"),
    ("colour", "blue", "Extra inputs are not permitted"),
])
def test_a_bad_company_profile_is_refused_naming_the_file_and_field(engine, tmp_path, key, value,
                                                                    message):
    import yaml

    folder = tmp_path / "md"
    folder.mkdir()
    good = yaml.safe_load((SAMPLES / "company.yaml").read_text())
    (folder / "company.yaml").write_text(yaml.safe_dump({**good, key: value}))
    with pytest.raises(MasterDataError) as refused:
        seed_masterdata(engine, folder)
    [problem] = refused.value.problems
    assert (problem.file, problem.field) == ("company.yaml", key) and message in problem.message
    with engine.connect() as conn:
        assert conn.execute(select(t.company_profile)).all() == []
