"""Sender text shown on a terminal, in a log line or in Markdown: controls and bidi characters
escaped visibly, everything else as it was."""

import io
import logging
import sys
import unicodedata

import pytest

from ordergate.printable import (
    install_log_escaping,
    markdown_text,
    printable,
    printable_lines,
)

_ESCAPED_CATEGORIES = {"Cc", "Cf", "Zl", "Zp", "Cs"}


@pytest.mark.parametrize(("raw", "shown"), [
    ("ZZ:\x1b[31mEVIL", "ZZ:\\x1b[31mEVIL"),
    ("abc\u202eevil.exe", "abc\\u202eevil.exe"),
    ("two\nlines\r\tand a tab", "two\\nlines\\r\\tand a tab"),
    ("del\x7f c1\x9b0m nul\x00", "del\\x7f c1\\x9b0m nul\\x00"),
    ("zero\u200bwidth \u2066isolate\u2069 \ufeffbom", "zero\\u200bwidth \\u2066isolate\\u2069 \\ufeffbom"),
    ("tag\U000e0041 sep\u2028", "tag\\U000e0041 sep\\u2028"),
    ("lone \udcff surrogate", "lone \\udcff surrogate"),
])
def test_controls_and_format_characters_are_shown_as_escapes(raw, shown):
    assert printable(raw) == shown


def test_ordinary_text_is_left_alone():
    text = "Größe 10 — 東京 😀 O'Brien \\x1b \"quoted\" 'a;b' | [x](y)"
    assert printable(text) == text and printable_lines(text) == text
    assert printable(42) == "42" and printable(None) == "None"


def test_printable_lines_keeps_our_line_breaks_only():
    assert printable_lines("head\n  \x1b[2Jbody\r\n") == "head\n  \\x1b[2Jbody\\r\n"


def test_every_character_unicode_calls_control_or_format_is_escaped():
    missed = [hex(code) for code in range(sys.maxunicode + 1)
              if unicodedata.category(chr(code)) in _ESCAPED_CATEGORIES
              and printable(chr(code)) == chr(code)]
    assert missed == []


def test_nothing_printable_is_escaped():
    # Unassigned code points (Cn) may be escaped: the list covers newer Unicode versions.
    escaped = [hex(code) for code in range(sys.maxunicode + 1)
               if printable(chr(code)) != chr(code)
               and unicodedata.category(chr(code)) not in _ESCAPED_CATEGORIES | {"Cn"}]
    assert escaped == []


def test_markdown_text_shows_links_pipes_and_html_literally():
    assert markdown_text("a|b [x](http://e) <img src=x> *em* `c`") == (
        "a\\|b \\[x\\]\\(http://e\\) \\<img src=x\\> \\*em\\* \\`c\\`")
    assert markdown_text("# heading") == "\\# heading"
    assert markdown_text("1. first") == "1\\. first"
    # the escape's backslash is escaped too: the page shows "- item\x1b[31m"
    assert markdown_text("- item\x1b[31m") == "\\- item\\\\x1b\\[31m"
    assert markdown_text("line 2: 9.75 EUR") == "line 2: 9.75 EUR"


@pytest.fixture
def captured_log():
    """A handler on the root logger, as the command line's is, and on Prefect's flow run
    logger (which Prefect's logging setup may keep from propagating)."""
    saved = logging.getLogRecordFactory()
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(logging.Formatter("%(name)s %(message)s"))
    loggers = [logging.getLogger(), logging.getLogger("prefect.flow_runs")]
    levels = [logger.level for logger in loggers]
    propagates = loggers[1].propagate
    loggers[1].propagate = False  # one handler each, whatever Prefect set up
    for logger in loggers:
        logger.addHandler(handler)
        logger.setLevel(logging.INFO)
    install_log_escaping()
    yield stream
    for logger, level in zip(loggers, levels):
        logger.removeHandler(handler)
        logger.setLevel(level)
    loggers[1].propagate = propagates
    logging.setLogRecordFactory(saved)


# Outside a flow run Prefect's API handler warns it has no run to send the record to.
@pytest.mark.filterwarnings("ignore:Logger 'prefect.flow_runs' attempted")
def test_ordergate_log_records_are_escaped_with_their_arguments_and_tracebacks(captured_log):
    install_log_escaping()  # twice is once
    log = logging.getLogger("ordergate.processing.ingest")
    log.warning("document %s (%s)", 7, "in\x1b[2Jbox/po\u202e.edi")
    try:
        raise ValueError("bad \x1b]0;title\x07 value")
    except ValueError:
        log.exception("internal error in %s", "x\ny")
    logging.getLogger("prefect.flow_runs").info("run log \x1b[31m")
    out = captured_log.getvalue()
    assert "\x1b" not in out and "\u202e" not in out and "\x07" not in out
    assert "document 7 (in\\x1b[2Jbox/po\\u202e.edi)" in out
    assert "internal error in x\\ny" in out
    assert "ValueError: bad \\x1b]0;title\\x07 value" in out and "Traceback" in out
    assert "run log \\x1b[31m" in out


def test_other_libraries_log_records_are_left_as_they_are(captured_log):
    logging.getLogger("somelib").warning("keep %s", "\x1b[0m")
    assert "keep \x1b[0m" in captured_log.getvalue()


def test_markdown_text_renders_as_the_literal_text_in_a_table_cell_and_a_list_item():
    markdown_it = pytest.importorskip("markdown_it")  # comes with rich, which Prefect uses
    render = markdown_it.MarkdownIt("commonmark").enable("table").render
    hostile = "x|y [l](http://e) ![i](http://t) <b>h</b> *a*"
    cell = render(f"| a | b |\n|---|---|\n| {markdown_text(hostile)} | c |\n")
    assert cell.count("<td>") == 2 and "<a " not in cell and "<img" not in cell and "<b>" not in cell
    assert "x|y [l](http://e) ![i](http://t) &lt;b&gt;h&lt;/b&gt; *a*" in cell
    item = render(f"- {markdown_text('1. # - heading')}\n")
    assert item == "<ul>\n<li>1. # - heading</li>\n</ul>\n"
