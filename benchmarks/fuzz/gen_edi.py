"""Structure-aware X12 and EDIFACT generators: envelopes (ISA/GS/ST, UNA/UNB/UNH) that are
nearly right, carrying hostile values where the mapping reads numbers, dates and ids."""

from __future__ import annotations

import random

from . import hostile

X12_SEPARATORS = "*|^!~\n\r:>+#\x1d\x1e\x1f "


def x12_interchange(rng: random.Random) -> bytes:
    # Half the interchanges keep their envelope right, so the hostile values inside reach
    # the mapping and the checks rather than being refused at the ISA.
    calm = _Calm(rng)
    elem, comp, term = calm.keep(("*", ">", "~"), lambda: _distinct(rng, X12_SEPARATORS, 3, ("*", ">", "~")))
    rep = calm.keep("^", lambda: rng.choice(("^", "U", "!", elem, comp)))
    sender = calm.keep(rng.choice((("ZZ", "ACMEBUY"), ("12", "5551234567"))),
                       lambda: ("ZZ", hostile.ident(rng)))
    receiver = calm.keep(("ZZ", "ORDERGATE"), lambda: ("ZZ", hostile.ident(rng)))
    control = calm.keep(f"{rng.randrange(10**9):09d}", lambda: rng.choice((
        "000000001", "1", "999999999", "0000000001", "-00000001", "ABCDEFGHI", hostile.number(rng))))
    pad = calm.keep(True, lambda: rng.random() < 0.85)  # fixed-width ISA fields, as the standard wants

    def fixed(value: str, width: int) -> str:
        return value.ljust(width)[:width] if pad else value

    isa = [
        "ISA", "00", fixed("", 10), "00", fixed("", 10), sender[0], fixed(sender[1], 15),
        receiver[0], fixed(receiver[1], 15), rng.choice(("261120", "991231", "000000", "26112")),
        rng.choice(("0930", "2460", "093")), rep, calm.keep("00401", lambda: rng.choice(("00401", "00501", "00200", "9"))),
        fixed(control, 9), rng.choice(("0", "1", "2")), rng.choice(("P", "T", "")), comp,
    ]
    segments = [isa]
    for g in range(rng.choice((0, 1, 1, 1, 2, 3))):
        segments += _x12_group(rng, calm, sender, g + 1, comp)
    segments.append(["IEA", str(rng.randrange(0, 4)), control])
    if not calm.on and rng.random() < 0.1:
        segments.pop(rng.randrange(1, len(segments)))  # an envelope segment gone missing
    text = term.join(elem.join(s) for s in segments) + term
    if rng.random() < 0.15:
        text = text.replace(term, term + rng.choice(("\n", "\r\n", "  ", "\x00")))
    encoding = calm.keep("ascii", lambda: rng.choice(("utf-8", "latin-1")))
    return text.encode(encoding, "replace")


def _x12_group(rng: random.Random, calm: "_Calm", sender: tuple[str, str], control: int,
               comp: str) -> list[list[str]]:
    gs_control = calm.keep(str(control), lambda: hostile.number(rng))
    functional = calm.keep("PO", lambda: rng.choice(("PO", "PO", "PO", "IN", "FA", "", "POX")))
    segs = [["GS", functional, sender[1] if rng.random() < 0.8 else hostile.ident(rng),
             "ORDERGATE" if rng.random() < 0.8 else hostile.ident(rng),
             rng.choice(("20261120", hostile.date(rng))), rng.choice(("0930", "093000", "2599")),
             gs_control, "X", rng.choice(("004010", "005010", "", "00401099999999999"))]]
    count = rng.choice((0, 1, 1, 2, 5))
    for n in range(count):
        segs += _x12_set(rng, calm, n + 1, comp)
    segs.append(["GE", str(count if rng.random() < 0.9 else rng.randrange(9)), gs_control])
    return segs


def _x12_set(rng: random.Random, calm: "_Calm", n: int, comp: str) -> list[list[str]]:
    st_control = calm.keep(f"{n:04d}", lambda: hostile.number(rng))
    body = [["BEG", calm.keep("00", lambda: rng.choice(("00", "01", "05", ""))),
             calm.keep("SA", lambda: rng.choice(("SA", "NE", ""))),
             hostile.text(rng) if rng.random() < 0.3 else f"PO-{rng.randrange(10**6)}", "",
             calm.keep("20261120", lambda: hostile.date(rng))]]
    if rng.random() < 0.7:
        body.append(["CUR", "BY", calm.keep("USD", lambda: rng.choice(("USD", "EUR", "", "XXXX", hostile.text(rng))))])
    if rng.random() < 0.5:
        body.append(["DTM", rng.choice(("002", "010", "")), calm.keep("20261201", lambda: hostile.date(rng))])
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
        uom = calm.keep(rng.choice(("CS", "EA")), lambda: rng.choice(("CS", "EA", "", "CARTONS-OF-12", hostile.text(rng))))
        if rng.random() < 0.1:
            uom = uom + comp + hostile.text(rng)
        body.append(["PO1", str(line + 1), calm.keep(str(rng.randrange(1, 50)), lambda: hostile.number(rng)),
                     uom, calm.keep(rng.choice(("16.50", "9.75", "115.00")), lambda: hostile.number(rng)),
                     rng.choice(("PE", "", "UM")), *ids])
        if rng.random() < 0.2:
            body.append(["PID", "F", "", "", "", hostile.text(rng)])
    if rng.random() < 0.8:
        # CTT01 rarely hostile: a huge exponent there hangs the reader (see FUZZING.md)
        body.append(["CTT", str(lines) if rng.random() < 0.97 else hostile.number(rng),
                     hostile.number(rng)])
    set_id = calm.keep("850", lambda: rng.choice(("850", "850", "850", "810", "997", "855", "", "85")))
    count = calm.keep(len(body) + 2, lambda: len(body) + 2 if rng.random() < 0.85 else rng.randrange(0, 50))
    return [["ST", set_id, st_control], *body, ["SE", str(count), st_control]]


EDIFACT_SERVICE = ":+.? '\n\r*|^~,"


def edifact_interchange(rng: random.Random) -> bytes:
    comp, elem, dec, rel, rep, term = ":", "+", ".", "?", " ", "'"
    calm = _Calm(rng)
    una = rng.random() < 0.6
    if una and not calm.on and rng.random() < 0.4:
        comp, elem, rel, term = _distinct(rng, EDIFACT_SERVICE, 4, (":", "+", "?", "'"))
        dec = rng.choice((".", ",", comp))
        rep = rng.choice((" ", "*", elem))
    syntax = calm.keep("UNOC", lambda: rng.choice(("UNOA", "UNOB", "UNOC", "UNOC", "UNOW", "UNOY", "UNOX", "IATB", "")))

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

    reference = calm.keep(f"IC{rng.randrange(10**6)}", lambda: rng.choice(("IC0001", "1", "X" * 14, "X" * 40, hostile.text(rng))))
    out = [f"UNA{comp}{elem}{dec}{rel}{rep}{term}"] if una else []
    out.append(seg("UNB", (syntax, rng.choice(("3", "4", "1", ""))),
                   calm.keep(("5412345000013", "14"), lambda: (rng.choice(("5412345000013", hostile.ident(rng))), rng.choice(("14", "ZZ", "")))),
                   (calm.keep("ORDERGATE", lambda: hostile.ident(rng)),),
                   (rng.choice(("261120", "20261120", hostile.date(rng))),
                    rng.choice(("0930", "2561"))), reference))
    messages = rng.choice((0, 1, 1, 2, 4))
    for m in range(messages):
        out += _edifact_message(rng, calm, seg, m + 1)
    out.append(seg("UNZ", calm.keep(str(messages), lambda: str(rng.randrange(9))),
                   calm.keep(reference, lambda: hostile.text(rng))))
    if not calm.on and rng.random() < 0.1:
        out.pop(rng.randrange(len(out)))
    joiner = rng.choice(("", "", "\n", "\r\n"))
    encoding = calm.keep("latin-1", lambda: rng.choice(("latin-1", "latin-1", "utf-8", "utf-16")))
    return joiner.join(out).encode(encoding, "replace")


def _edifact_message(rng: random.Random, calm: "_Calm", seg, n: int) -> list[str]:
    ref = calm.keep(str(n), lambda: hostile.text(rng))
    kind = calm.keep("ORDERS", lambda: rng.choice(("ORDERS", "ORDERS", "ORDERS", "INVOIC", "CONTRL", "ORDCHG", "")))
    body = [seg("BGM", rng.choice(("220", "105", "")), rng.choice((f"EU-{rng.randrange(10**5)}",
                                                                   hostile.text(rng))),
                rng.choice(("9", "1", "")))]
    for qualifier in rng.sample(("137", "2", "64", "999"), rng.randrange(3)):
        body.append(seg("DTM", calm.keep((qualifier, "20261120", "102"), lambda: (
            qualifier, hostile.date(rng), rng.choice(("102", "203", "718", ""))))))
    if rng.random() < 0.7:
        body.append(seg("NAD", "BY", (rng.choice(("5412345000013", hostile.ident(rng))), "", "9")))
    if rng.random() < 0.5:
        body.append(seg("NAD", "DP", ("5412345000099", "", "9"), "", hostile.text(rng),
                        hostile.text(rng), hostile.text(rng), "", hostile.text(rng), "DE"))
    if rng.random() < 0.5:
        body.append(seg("CUX", ("2", calm.keep("EUR", lambda: rng.choice(("EUR", "USD", "", "EURO"))), "9")))
    lines = rng.choice((0, 1, 2, 3, 15))
    for line in range(lines):
        body.append(seg("LIN", str(line + 1), "", (rng.choice(("4012345000016", "4012345000023",
                                                                 hostile.text(rng))),
                                                      rng.choice(("EN", "SA", "IN", "")))))
        if rng.random() < 0.3:
            body.append(seg("PIA", "1", (hostile.text(rng), rng.choice(("IN", "SA", "BP")))))
        if rng.random() < 0.2:
            body.append(seg("IMD", "F", "", ("", "", "", hostile.text(rng))))
        body.append(seg("QTY", ("21", calm.keep(str(rng.randrange(1, 40)), lambda: hostile.number(rng)),
                                rng.choice(("CS", "PCE", "")))))
        if rng.random() < 0.8:
            body.append(seg("PRI", (rng.choice(("AAA", "AAB", "")),
                                    calm.keep(rng.choice(("11.50", "32.80")), lambda: hostile.number(rng)))))
        if rng.random() < 0.2:
            body.append(seg("MOA", ("203", hostile.number(rng))))
    body.append(seg("UNS", "S"))
    if rng.random() < 0.7:
        body.append(seg("CNT", ("2", str(lines) if rng.random() < 0.8 else hostile.number(rng))))
    count = calm.keep(len(body) + 2, lambda: len(body) + 2 if rng.random() < 0.85 else rng.randrange(50))
    version = calm.keep(("96A", "EAN008"), lambda: (rng.choice(("96A", "01B", "")), rng.choice(("EAN008", ""))))
    return [seg("UNH", ref, (kind, "D", version[0], "UN", version[1])), *body,
            seg("UNT", str(count), ref)]


def _distinct(rng: random.Random, pool: str, k: int, usual: tuple[str, ...]) -> tuple[str, ...]:
    if rng.random() < 0.6:
        return usual
    if rng.random() < 0.1:  # not distinct at all: the reader must refuse, not loop
        return tuple(rng.choice(pool) for _ in range(k))
    return tuple(rng.sample(pool, k))


class _Calm:
    """Whether this input keeps its structure right: then ``keep`` returns the good value,
    except for about one field in twenty-five (so each calm input still carries a few hostile
    values); otherwise ``keep`` draws the hostile value as often as the generator wants."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self.on = rng.random() < 0.5

    def keep(self, good, hostile_value):
        if self.on:
            return hostile_value() if self.rng.random() < 0.04 else good
        return hostile_value() if self.rng.random() < 0.3 else good
