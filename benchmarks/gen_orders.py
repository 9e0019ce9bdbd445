"""Generate EDIFACT ORDERS (D.96A, EANCOM 008) for benchmarks: one interchange of N orders.

    python -m benchmarks.gen_orders N [--lines L] > orders.edi

The output is deterministic for a given seed, ISO 8859-1 (UNOC) bytes with umlauts, and valid:
UNT and UNZ counts and references match. About one order in twenty has a party name that needs
the release character ("O?'Neill", "Bau?+Garten"), as real files do, so the tokenizer's slow
path is part of what a benchmark measures.
"""

from __future__ import annotations

import argparse
import random
import sys
from datetime import date, timedelta

TIMESTAMP = ("240301", "0930")
CITIES = [("München", "80331", "Leopoldstraße"), ("Köln", "50667", "Hohe Straße"),
          ("Düsseldorf", "40213", "Königsallee"), ("Hamburg", "20095", "Mönckebergstraße"),
          ("Nürnberg", "90402", "Karolinenstraße")]
BUYERS = ["Müller Großhandel GmbH", "Schäfer & Söhne KG", "O'Neill Trading Ltd", "Bau+Garten Markt",
          "Weiß Einkauf AG", "Lüdtke Bürobedarf"]
WORDS = ["Schraube", "Dübel", "Mutter", "Scheibe", "Winkel", "Gewindestange", "Kabelbinder", "Stecker"]
SIZES = ["M4", "M6", "M8", "6x40", "8x60", "Ø10", "2,5 mm²", "100 Stk."]


def generate_orders_interchange(n_orders: int, n_lines: int = 10, skus: list[str] | None = None, *,
                                seed: int = 1, sender: tuple[str, str] = ("5412345000013", "14"),
                                recipient: tuple[str, str] = ("4012345000009", "14"),
                                reference: str = "1", po_prefix: str = "PO",
                                line_breaks: bool = True) -> bytes:
    """UNA, UNB (UNOC:3), ``n_orders`` × ORDERS with ``n_lines`` LIN groups each, UNZ; as bytes."""
    rng = random.Random(seed)
    skus = skus or [f"SKU-{i:04d}" for i in range(1, 201)]
    gtins = {sku: _gtin(f"40{rng.randrange(10**9, 10**10)}") for sku in skus}
    end = "'\n" if line_breaks else "'"
    out = ["UNA:+.? '", "\n" if line_breaks else "",
           f"UNB+UNOC:3+{sender[0]}:{sender[1]}+{recipient[0]}:{recipient[1]}+{TIMESTAMP[0]}:"
           f"{TIMESTAMP[1]}+{reference}", end]
    for n in range(1, n_orders + 1):
        segments = _order(rng, n, f"{po_prefix}{n:08d}", n_lines, skus, gtins)
        segments.append(f"UNT+{len(segments) + 1}+{n}")
        out.extend(segment + end for segment in segments)
    out.append(f"UNZ+{n_orders}+{reference}" + end)
    return "".join(out).encode("latin-1")


def _order(rng: random.Random, n: int, po_number: str, lines: int, skus: list[str],
           gtins: dict[str, str]) -> list[str]:
    ordered = date(2024, 3, 1) + timedelta(days=rng.randrange(30))
    wanted = ordered + timedelta(days=rng.randrange(3, 21))
    city, postal, street = rng.choice(CITIES)
    buyer = rng.choice(BUYERS) if rng.randrange(20) == 0 else "Müller Großhandel GmbH"
    store = rng.randrange(1, 999)
    segments = [
        f"UNH+{n}+ORDERS:D:96A:UN:EAN008",
        f"BGM+220+{po_number}+9",
        f"DTM+137:{ordered:%Y%m%d}:102",
        f"DTM+2:{wanted:%Y%m%d}:102",
        f"NAD+BY+4012345000016::9++{_text(buyer)}+{_text(street)} {rng.randrange(1, 200)}+"
        f"{_text(city)}++{postal}+DE",
        "NAD+SU+4012345000009::9",
        f"NAD+DP+{4012345100000 + store}::9++Filiale {store:03d}+{_text(street)} "
        f"{rng.randrange(1, 200)}+{_text(city)}++{postal}+DE",
        "CUX+2:EUR:9",
    ]
    for line in range(1, lines + 1):
        sku = rng.choice(skus)
        description = f"{rng.choice(WORDS)} {rng.choice(SIZES)}"
        price = f"{rng.randrange(5, 50000) / 100:.2f}"
        segments += [
            f"LIN+{line}++{gtins[sku]}:SRV",
            f"PIA+1+{_text(sku)}:SA",
            f"IMD+F++:::{_text(description)}",
            f"QTY+21:{rng.randrange(1, 120)}",
            f"PRI+AAA:{price}",
        ]
    segments += ["UNS+S", f"CNT+2:{lines}"]
    return segments


def _text(value: str) -> str:
    """Escape the UNA:+.? ' service characters with the release character."""
    for char in "?:+'":
        value = value.replace(char, "?" + char)
    return value


def _gtin(body: str) -> str:
    total = sum(int(d) * (3 if i % 2 == 0 else 1) for i, d in enumerate(reversed(body)))
    return body + str((10 - total % 10) % 10)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("orders", type=int)
    parser.add_argument("--lines", type=int, default=10)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    sys.stdout.buffer.write(generate_orders_interchange(args.orders, args.lines, seed=args.seed))


if __name__ == "__main__":
    main()
