"""Byte-level mutations: what a broken transfer, a careless editor or an attacker makes of a
good file. Each call applies one to four of them; ``tokens`` are the format's own service
strings, so many mutations land on structure rather than on free text."""

from __future__ import annotations

import random

_INTERESTING = [b"\x00", b"\xff", b"\xfe\xff", b"\xef\xbb\xbf", b"\r", b"\n", b"\r\n", b" ",
                b"\t", b"%", b"\\", b'"', b"'", b"?", b"\xc3\x28", b"\xe2\x80\xa8", b"-0",
                b"NaN", b"1E999999", b"9" * 40, b"\x1b", b"\x7f"]


def mutate(data: bytes, rng: random.Random, tokens: tuple[bytes, ...] = (),
           others: tuple[bytes, ...] = ()) -> bytes:
    out = bytearray(data)
    for _ in range(rng.randrange(1, 5)):
        _one(out, rng, tokens, others)
    return bytes(out)


def _one(out: bytearray, rng: random.Random, tokens: tuple[bytes, ...],
         others: tuple[bytes, ...]) -> None:
    at = rng.randrange(len(out) + 1)
    action = rng.randrange(11)
    if action == 0 and out:  # flip a bit
        i = min(at, len(out) - 1)
        out[i] ^= 1 << rng.randrange(8)
    elif action == 1 and out:  # a random byte
        out[min(at, len(out) - 1)] = rng.randrange(256)
    elif action == 2:  # delete a run
        del out[at:at + rng.choice((1, 2, 5, 20, 200))]
    elif action == 3:  # insert a service token
        out[at:at] = rng.choice(tokens or _INTERESTING)
    elif action == 4:  # insert an interesting value
        out[at:at] = rng.choice(_INTERESTING)
    elif action == 5 and out:  # duplicate a chunk (repeated segments, repeated parts)
        start = rng.randrange(len(out))
        chunk = out[start:start + rng.choice((4, 40, 400))]
        out[at:at] = chunk * rng.choice((1, 2, 10))
    elif action == 6:  # truncate
        del out[at:]
    elif action == 7 and tokens:  # replace one occurrence of a token by another
        old, new = rng.choice(tokens), rng.choice(tokens)
        where = out.find(old, at)
        if where >= 0:
            out[where:where + len(old)] = new
    elif action == 8 and others:  # splice in a piece of another file
        other = rng.choice(others)
        start = rng.randrange(len(other) + 1)
        out[at:at] = other[start:start + rng.choice((10, 100, 1000))]
    elif action == 9 and out:  # swap two bytes far apart
        i, j = rng.randrange(len(out)), rng.randrange(len(out))
        out[i], out[j] = out[j], out[i]
    elif action == 10:  # a digit run grows (the number mutations a format reader meets)
        out[at:at] = rng.choice((b"0", b"9", b"1")) * rng.choice((3, 20, 300))
