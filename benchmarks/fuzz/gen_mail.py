"""Structure-aware MIME: many parameters (RFC 2231 continuations), deep nesting, broken
boundaries, huge and folded headers, odd charsets and encodings, attachments whose bodies come
from the other generators."""

from __future__ import annotations

import base64
import random

from . import hostile

_TYPES = ("text/plain", "text/html", "application/pdf", "text/csv", "application/edi-x12",
          "application/edifact", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
          "application/vnd.ms-excel", "application/octet-stream", "message/rfc822", "image/png",
          "multipart/mixed", "text/plain; charset=x-unknown", "")
_NAMES = ("order.csv", "po.pdf", "po.edi", "order.xlsx", "order.xls", "x", "", "a" * 300,
          "../../etc/passwd", "order.CSV", "名前.csv", "order.csv.exe")


def mail(rng: random.Random, attachments: list[bytes], budget: list[int] | None = None) -> bytes:
    """``budget`` bounds the entities of the whole mail (nested mails included), so that deep
    nesting stays deep without growing exponentially wide."""
    budget = budget if budget is not None else [rng.choice((5, 20, 80))]
    headers = [
        ("From", rng.choice(("buyer@acme.example", "Acme <orders@acme.example>", "",
                             "=?utf-8?b?QWNtZQ==?= <x@y>", "<>", "a@b@c", hostile.text(rng)))),
        ("To", "orders@ordergate.example"),
        ("Subject", hostile.text(rng) if rng.random() < 0.5 else "PO 4711"),
        ("Message-ID", rng.choice(("<1@acme>", "", "<" * 50, hostile.text(rng)))),
        ("Date", rng.choice(("Fri, 20 Nov 2026 09:30:00 +0000", "yesterday", "", "Fri, 99 Nov"))),
    ]
    if rng.random() < 0.2:
        headers.append(("Authentication-Results", rng.choice((
            "mx.example; dkim=pass header.d=acme.example; spf=pass smtp.mailfrom=acme.example",
            "mx.example; dkim=", ";;;;", "x" * 2000))))
    if rng.random() < 0.02:  # a huge header, folded or not
        headers.append(("X-Long", ("a" * 70 + "\r\n ") * rng.choice((10, 1000))
                        if rng.random() < 0.5 else "b" * 100_000))
    if rng.random() < 0.01:  # many headers
        headers += [(f"X-H{i}", "v") for i in range(rng.choice((100, 3000)))]
    body = _entity(rng, attachments, 0, budget)
    head = "".join(f"{k}: {v}\r\n" for k, v in headers)
    return head.encode("utf-8", "replace") + body


def _entity(rng: random.Random, attachments: list[bytes], depth: int, budget: list[int]) -> bytes:
    budget[0] -= 1
    if budget[0] <= 0:
        return _leaf(rng, attachments)
    roll = rng.random()
    if depth < 12 and roll < 0.35:
        return _multipart(rng, attachments, depth, budget)
    if depth < 4 and roll < 0.42:
        inner = mail(rng, attachments, budget) if depth < 3 else b"Subject: inner\r\n\r\nhi"
        return b"Content-Type: message/rfc822\r\n\r\n" + inner
    return _leaf(rng, attachments)


def _multipart(rng: random.Random, attachments: list[bytes], depth: int, budget: list[int]) -> bytes:
    boundary = rng.choice(("b1", "=_x", "a" * 70, "a" * 200, "", " ", "--", "b\"q", "b1"))
    subtype = rng.choice(("mixed", "alternative", "related", "signed", "digest", "x"))
    declared = f'Content-Type: multipart/{subtype}; boundary="{boundary}"'
    if rng.random() < 0.05:
        declared = f"Content-Type: multipart/{subtype}"  # no boundary at all
    parts = [_entity(rng, attachments, depth + 1, budget)
             for _ in range(min(rng.choice((0, 1, 2, 3, 30)), max(budget[0], 1)))]
    sep = f"--{boundary}".encode()
    if rng.random() < 0.1:  # the body uses another boundary than declared
        sep = b"--other"
    out = [declared.encode(), b"\r\n\r\npreamble\r\n"]
    for part in parts:
        out += [sep, b"\r\n", part, b"\r\n"]
    if rng.random() < 0.8:
        out += [sep, b"--\r\n"]  # else the closing boundary is missing
    return b"".join(out)


def _leaf(rng: random.Random, attachments: list[bytes]) -> bytes:
    ctype = rng.choice(_TYPES)
    name = rng.choice(_NAMES)
    params = _params(rng, name)
    content = rng.choice(attachments) if attachments and rng.random() < 0.7 else \
        hostile.text(rng).encode("utf-8", "replace")
    encoding = rng.choice(("base64", "base64", "quoted-printable", "7bit", "8bit", "x-uue", ""))
    if encoding == "base64":
        body = base64.encodebytes(content)
        if rng.random() < 0.1:
            body = body[:-rng.randrange(1, 5)] + b"!!"  # broken base64
    else:
        body = content
    disposition = rng.choice(("attachment", "inline", "", "attachment"))
    lines = [f"Content-Type: {ctype}{params if ctype else ''}",
             f"Content-Transfer-Encoding: {encoding}" if encoding else "",
             f"Content-Disposition: {disposition}{params}" if disposition else ""]
    head = "".join(f"{line}\r\n" for line in lines if line)
    return head.encode("utf-8", "replace") + b"\r\n" + body


def _params(rng: random.Random, name: str) -> str:
    roll = rng.random()
    if roll < 0.002:  # very many parameters: slow in the standard library's header parser
        return _many_params(rng, name)
    if roll < 0.6:
        return f'; name="{name}"; filename="{name}"'
    if roll < 0.8:  # RFC 2231 continuations
        return "".join(f"; filename*{i}*=utf-8''{name[:3] or 'x'}%{i % 256:02X}"
                       for i in range(rng.choice((1, 2, 3, 8))))
    if roll < 0.9:
        return "".join(f"; p{i}={i}" for i in range(rng.choice((2, 10, 30))))
    if roll < 0.95:
        return f"; filename==?utf-8?q?{name}?=; charset=\"{hostile.text(rng)}\""
    return f"; filename*=''{'%' * rng.randrange(1, 9)}"


def _many_params(rng: random.Random, name: str) -> str:
    if rng.random() < 0.5:
        return "".join(f"; filename*{i}*=utf-8''{name[:3] or 'x'}%{i % 256:02X}"
                       for i in range(rng.choice((100, 500))))
    return "".join(f"; p{i}={i}" for i in range(rng.choice((200, 2000))))
