"""pydifact's ``Serializer`` output, written faster: the same text for the same ``Segment`` objects.

pydifact escapes every value with a regular expression and a Python callback and builds the
text one part at a time, about 2 µs per segment; an ORDRSP interchange of 500 ten-line orders
has 31,000 segments. Here the whole list of segments is joined first without escaping, and
one check over the result decides whether that was right: when no value holds a service
character, the text has exactly as many data separators as elements, as many component
separators as the composites have joints, and no release character or terminator inside a
segment. Any segment that fails its own check (a value to escape, ``None``, a trailing empty
component, anything not ``str``/``list[str]``) is written by pydifact itself, so the result is
pydifact's by construction; ``tests/sinks/test_edifact_fast_serializer.py`` compares the two
byte for byte on every reply rendered from the samples, the corpus and generated orders.
"""

from __future__ import annotations

from collections.abc import Sequence
from operator import attrgetter, itemgetter

from pydifact.control import Characters
from pydifact.segments import Segment
from pydifact.serializer import Serializer

_elements_of = attrgetter("elements")
_last = itemgetter(-1)


class FastSerializer:
    """Drop-in for ``pydifact.serializer.Serializer`` with the same ``serialize`` signature."""

    def __init__(self, characters: Characters | None = None) -> None:
        self._exact = Serializer(characters)
        chars = self._exact.characters
        self.characters = chars
        self._data = chars.data_separator
        self._component = chars.component_separator
        self._release = chars.escape_character
        self._terminator = chars.segment_terminator
        service = (self._data, self._component, self._release, self._terminator)
        # The counting check below needs four distinct one-character service characters.
        self._countable = all(len(c) == 1 for c in service) and len(set(service)) == 4

    def serialize(self, segments: Sequence[Segment], with_una_header: bool = True,
                  break_lines: bool = False) -> str:
        """What ``Serializer(characters).serialize`` returns for the same arguments."""
        if not self._countable or not segments:
            return self._exact.serialize(list(segments), with_una_header, break_lines)
        return self.serialize_parts(segments, with_una_header, break_lines)

    def serialize_parts(self, parts: Sequence[Segment | str], with_una_header: bool = True,
                        break_lines: bool = False) -> str:
        """``serialize`` for a list in which some parts are text this serializer wrote before
        (``serialize(..., with_una_header=False)`` with the same ``break_lines``): they go in
        as they are, between the segments around them."""
        # pydifact never writes a UNA segment it is given (it writes its own advice, if asked).
        segments = [part for part in parts if part.__class__ is not str and part.tag != "UNA"]
        texts = iter(self._segment_texts(segments) if self._countable
                     else [self._exact_text(seg) for seg in segments])
        end = self._terminator + "\n" if break_lines else self._terminator
        out = [self.characters.service_string_advice + ("\n" if break_lines else "")
               if with_una_header else ""]
        for part in parts:
            if part.__class__ is str:
                out.append(part)
            elif part.tag != "UNA":
                out.append(next(texts) + end)
        return "".join(out)

    def _segment_texts(self, segments: list[Segment]) -> list[str]:
        data, component = self._data, self._component
        texts: list[str] = []
        composites: list = []  # every element that is not a str, for the check
        keep = composites.append
        try:
            for seg in segments:
                parts = [seg.tag]
                add = parts.append
                for element in seg.elements:
                    if element.__class__ is str:
                        add(element)
                    else:
                        keep(element)
                        add(component.join(element))
                texts.append(data.join(parts))
        except TypeError:  # None or a number somewhere: pydifact says what it makes of those
            return [self._exact_text(seg) for seg in segments]
        if not self._all_plain(segments, texts, composites):
            texts = [text if self._plain(seg, text) else self._exact_text(seg)
                     for seg, text in zip(segments, texts)]
        return texts

    def _all_plain(self, segments: list[Segment], texts: list[str], composites: list) -> bool:
        """One check for the whole list: True when no value needed escaping or tidying."""
        if not self._sound(composites):
            return False
        joined = "".join(texts)
        return (joined.count(self._data) == sum(map(len, map(_elements_of, segments)))
                and joined.count(self._component) == sum(map(len, composites)) - len(composites)
                and self._release not in joined and self._terminator not in joined)

    def _plain(self, seg: Segment, text: str) -> bool:
        composites = [e for e in seg.elements if e.__class__ is not str]
        return (self._sound(composites)
                and text.count(self._data) == len(seg.elements)
                and text.count(self._component) == sum(map(len, composites)) - len(composites)
                and self._release not in text and self._terminator not in text)

    @staticmethod
    def _sound(composites: list) -> bool:
        # Plain lists only, each with a non-empty last component: pydifact drops trailing
        # empty components, and writes a str subclass or tuple differently from a list.
        return (set(map(type, composites)) <= {list} and all(composites)
                and all(map(_last, composites)))

    def _exact_text(self, seg: Segment) -> str:
        """pydifact's own text for one segment, without its terminator."""
        return self._exact.serialize([seg], with_una_header=False)[:-len(self._terminator)]
