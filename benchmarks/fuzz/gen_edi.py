"""Structure-aware X12 and EDIFACT generators: envelopes (ISA/GS/ST, UNA/UNB/UNH) that are
nearly right, carrying hostile values where the mapping reads numbers, dates and ids."""

from __future__ import annotations

import random

from . import hostile

X12_SEPARATORS = "*|^!~\n\r:>+#\x1d\x1e\x1f "


def x12_interchange(rng: random.Random) -> bytes:
    elem, comp, term = _distinct(rng, X12_SEPARATORS, 3, ("*", ">", "~"))
    rep = rng.choice(("^", "U", "!", elem, comp))
    sender = rng.choice((("ZZ", "ACMEBUY"), ("12", "5551234567"), ("ZZ", hostile.ident(rng))))
    receiver = ("ZZ", "ORDERGATE") if rng.random() < 0.8 else ("ZZ", hostile.ident(rng))
    control = rng.choice(("000000001", "1", "999999999", "0000000001", "-00000001", "ABCDEFGHI",
                          hostile.number(rng)))
    pad = rng.random() < 0.85  # fixed-width ISA fields, as the standard wants

    def fixed(value: str, width: int) -> str:
        return value.ljust(width)[:width] if pad else value

    isa = [
        "ISA", "00", fixed("", 10), "00", fixed("", 10), sender[0], fixed(sender[1], 15),
        receiver[0], fixed(receiver[1], 15), rng.choice(("261120", "991231", "000000", "26112")),
        rng.choice(("0930", "2460", "093")), rep, rng.choice(("00401", "00501", "00200", "9")),
        fixed(control, 9), rng.choice(("0", "1", "2")), rng.choice(("P", "T", "")), comp,
    ]
    segments = [isa]
    for g in range(rng.choice((0, 1, 1, 1, 2, 3))):
        segments += _x12_group(rng, sender, g + 1, comp)
    segments.append(["IEA", str(rng.randrange(0, 4)), control])
    if rng.random() < 0.1:
        segments.pop(rng.randrange(1, len(segments)))  # an envelope segment gone missing
    text = term.join(elem.join(s) for s in segments) + term
    if rng.random() < 0.15:
        text = text.replace(term, term + rng.choice(("\n", "\r\n", "  ", "\x00")))
    encoding = "utf-8" if rng.random() < 0.9 else "latin-1"
    return text.encode(encoding, "replace")


def _x12_group(rng: random.Random, sender: tuple[str, str], control: int, comp: str) -> list[list[str]]:
    gs_control = str(control) if rng.random() < 0.9 else hostile.number(rng)
    functional = rng.choice(("PO", "PO", "PO", "IN", "FA", "", "POX"))
    segs = [["GS", functional, sender[1] if rng.random() < 0.8 else hostile.ident(rng),
             "ORDERGATE" if rng.random() < 0.8 else hostile.ident(rng),
             rng.choice(("20261120", hostile.date(rng))), rng.choice(("0930", "093000", "2599")),
             gs_control, "X", rng.choice(("004010", "005010", "", "00401099999999999"))]]
    count = rng.choice((0, 1, 1, 2, 5))
    for n in range(count):
        segs += _x12_set(rng, n + 1, comp)
    segs.append(["GE", str(count if rng.random() < 0.9 else rng.randrange(9)), gs_control])
    return segs


def _x12_set(rng: random.Random, n: int, comp: str) -> list[list[str]]:
    st_control = f"{n:04d}" if rng.random() < 0.9 else hostile.number(rng)
    body = [["BEG", rng.choice(("00", "01", "05", "")), rng.choice(("SA", "NE", "")),
             hostile.text(rng) if rng.random() < 0.3 else f"PO-{rng.randrange(10**6)}", "",
             rng.choice(("20261120", hostile.date(rng)))]]
    if rng.random() < 0.7:
        body.append(["CUR", "BY", rng.choice(("USD", "EUR", "", "XXXX", hostile.text(rng)))])
    if rng.random() < 0.5:
        body.append(["DTM", rng.choice(("002", "010", "")), hostile.date(rng)])
    if rng.random() < 0.6:
        body.append(["N1", "ST", hostile.text(rng), "92", hostile.text(rng)])
        if rng.random() < 0.5:
            body.append(["N3", hostile.text(rng), hostile.text(rng)])
            body.append(["N4", hostile.text(rng), "IL", hostile.text(rng), "US"])
    lines = rng.choice((0, 1, 2, 3, 20))
    for line in range(lines):
        ids = [rng.choice(("VP", "BP", "UP", "IN", "EN", "")), rng.choice(
            ("HW-1001", "HW-1002", "071234000050", hostile.text(rng)))]
        if rng.random() < 0.3:
            ids += [rng.choice(("BP", "UP")), hostile.ident(rng)]
        uom = rng.choice(("CS", "EA", "", "CARTONS-OF-12", hostile.text(rng)))
        if rng.random() < 0.1:
            uom = uom + comp + hostile.text(rng)
        body.append(["PO1", str(line + 1), hostile.number(rng), uom, hostile.number(rng),
                     rng.choice(("PE", "", "UM")), *ids])
        if rng.random() < 0.2:
            body.append(["PID", "F", "", "", "", hostile.text(rng)])
    if rng.random() < 0.8:
        body.append(["CTT", str(lines) if rng.random() < 0.8 else hostile.number(rng),
                     hostile.number(rng)])
    set_id = rng.choice(("850", "850", "850", "810", "997", "855", "", "85"))
    count = len(body) + 2 if rng.random() < 0.85 else rng.randrange(0, 50)
    return [["ST", set_id, st_control], *body, ["SE", str(count), st_control]]


EDIFACT_SERVICE = ":+.? '\n\r*|^~,"


def edifact_interchange(rng: random.Random) -> bytes:
    comp, elem, dec, rel, rep, term = ":", "+", ".", "?", " ", "'"
    una = rng.random() < 0.6
    if una and rng.random() < 0.4:
        comp, elem, rel, term = _distinct(rng, EDIFACT_SERVICE, 4, (":", "+", "?", "'"))
        dec = rng.choice((".", ",", comp))
        rep = rng.choice((" ", "*", elem))
    syntax = rng.choice(("UNOA", "UNOB", "UNOC", "UNOC", "UNOW", "UNOY", "UNOX", "IATB", ""))

    def esc(value: str) -> str:  # release the service characters, as a writer must
        for ch in {rel, comp, elem, term} - {""}:
            value = value.replace(ch, rel + ch)
        return value

    def seg(tag: str, *elements: str | tuple[str, ...]) -> str:
        parts = [tag] + [comp.join(esc(c) for c in e) if isinstance(e, tuple) else esc(e)
                         for e in elements]
        if rng.random() < 0.01:
            parts.append(rel)  # a dangling release character
        return elem.join(parts) + term

    reference = rng.choice(("IC0001", "1", "X" * 14, "X" * 40, hostile.text(rng)))
    out = [f"UNA{comp}{elem}{dec}{rel}{rep}{term}"] if una else []
    out.append(seg("UNB", (syntax, rng.choice(("3", "4", "1", ""))),
                   (rng.choice(("5412345000013", hostile.ident(rng))), rng.choice(("14", "ZZ", ""))),
                   (rng.choice(("ORDERGATE", "ORDERGATE", hostile.ident(rng))),),
                   (rng.choice(("261120", "20261120", hostile.date(rng))),
                    rng.choice(("0930", "2561"))), reference))
    messages = rng.choice((0, 1, 1, 2, 4))
    for m in range(messages):
        out += _edifact_message(rng, seg, m + 1)
    out.append(seg("UNZ", str(messages if rng.random() < 0.9 else rng.randrange(9)),
                   reference if rng.random() < 0.9 else hostile.text(rng)))
    if rng.random() < 0.1:
        out.pop(rng.randrange(len(out)))
    joiner = rng.choice(("", "", "\n", "\r\n"))
    encoding = rng.choice(("latin-1", "latin-1", "utf-8", "utf-16"))
    return joiner.join(out).encode(encoding, "replace")


def _edifact_message(rng: random.Random, seg, n: int) -> list[str]:
    ref = str(n) if rng.random() < 0.9 else hostile.text(rng)
    kind = rng.choice(("ORDERS", "ORDERS", "ORDERS", "INVOIC", "CONTRL", "ORDCHG", ""))
    body = [seg("BGM", rng.choice(("220", "105", "")), rng.choice((f"EU-{rng.randrange(10**5)}",
                                                                   hostile.text(rng))),
                rng.choice(("9", "1", "")))]
    for qualifier in rng.sample(("137", "2", "64", "999"), rng.randrange(3)):
        body.append(seg("DTM", (qualifier, hostile.date(rng), rng.choice(("102", "203", "718", "")))))
    if rng.random() < 0.7:
        body.append(seg("NAD", "BY", (rng.choice(("5412345000013", hostile.ident(rng))), "", "9")))
    if rng.random() < 0.5:
        body.append(seg("NAD", "DP", ("5412345000099", "", "9"), "", hostile.text(rng),
                        hostile.text(rng), hostile.text(rng), "", hostile.text(rng), "DE"))
    if rng.random() < 0.5:
        body.append(seg("CUX", ("2", rng.choice(("EUR", "USD", "", "EURO")), "9")))
    lines = rng.choice((0, 1, 2, 3, 15))
    for line in range(lines):
        body.append(seg("LIN", str(line + 1), "", (rng.choice(("4012345000016", "4012345000023",
                                                                 hostile.text(rng))),
                                                      rng.choice(("EN", "SA", "IN", "")))))
        if rng.random() < 0.3:
            body.append(seg("PIA", "1", (hostile.text(rng), rng.choice(("IN", "SA", "BP")))))
        if rng.random() < 0.2:
            body.append(seg("IMD", "F", "", ("", "", "", hostile.text(rng))))
        body.append(seg("QTY", ("21", hostile.number(rng), rng.choice(("CS", "PCE", "")))))
        if rng.random() < 0.8:
            body.append(seg("PRI", (rng.choice(("AAA", "AAB", "")), hostile.number(rng))))
        if rng.random() < 0.2:
            body.append(seg("MOA", ("203", hostile.number(rng))))
    body.append(seg("UNS", "S"))
    if rng.random() < 0.7:
        body.append(seg("CNT", ("2", str(lines) if rng.random() < 0.8 else hostile.number(rng))))
    count = len(body) + 2 if rng.random() < 0.85 else rng.randrange(50)
    return [seg("UNH", ref, (kind, "D", rng.choice(("96A", "01B", "")), "UN",
                             rng.choice(("EAN008", "")))), *body, seg("UNT", str(count), ref)]


def _distinct(rng: random.Random, pool: str, k: int, usual: tuple[str, ...]) -> tuple[str, ...]:
    if rng.random() < 0.6:
        return usual
    if rng.random() < 0.1:  # not distinct at all: the reader must refuse, not loop
        return tuple(rng.choice(pool) for _ in range(k))
    return tuple(rng.sample(pool, k))
