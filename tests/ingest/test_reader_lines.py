"""The reader splits a file's bytes into lines as `bytes.decode("utf-8").split("\\n")` would.

It checks and splits the bytes in Arrow (no Python text of the file), so these cases, worked
by hand, pin what must not change: only "\\n" ends a line ("\\r" and U+2028 stay in it), a
leading byte-order mark is dropped, a trailing "\\n" leaves one empty last line (blank lines
are dropped later, by the validation), and any byte Python's decoder refuses (a stray
continuation byte, an overlong form, a UTF-16 surrogate, a code point past U+10FFFF) costs
its own line only, with the reason Python gives.
"""

from __future__ import annotations

import pytest

from brandpulse.ingest.reader import _checked_lines


def lines(data: bytes, limit: int = 1000) -> list[tuple[str, str | None]]:
    texts, reasons = _checked_lines(data, limit)
    return list(zip(texts.to_pylist(), reasons.to_pylist(), strict=True))


def test_only_newline_ends_a_line() -> None:
    assert lines(b'{"a":1}\r\nx\xe2\x80\xa8y\n\n') == [
        ('{"a":1}\r', None),
        ("x\u2028y", None),
        ("", None),
        ("", None),
    ]


def test_empty_and_bom_only_files_are_one_empty_line() -> None:
    assert lines(b"") == [("", None)]
    assert lines(b"\xef\xbb\xbf") == [("", None)]
    assert lines(b"\xef\xbb\xbf{}\n\xef\xbb\xbf{}") == [("{}", None), ("\ufeff{}", None)]


@pytest.mark.parametrize(
    ("bad", "why"),
    [
        (b"\xff", "invalid start byte at byte 0"),
        (b"\xc0\xaf", "invalid start byte at byte 0"),
        (b"\xed\xa0\x80", "invalid continuation byte at byte 0"),
        (b"\xf4\x90\x80\x80", "invalid continuation byte at byte 0"),
    ],
)
def test_a_byte_python_refuses_costs_its_line_only(bad: bytes, why: str) -> None:
    assert lines(b"ok\n" + bad + b"\n\xc3\xa9") == [
        ("ok", None),
        (
            bad.decode("utf-8", errors="backslashreplace"),
            f"invalid_utf8: line is not UTF-8 text ({why})",
        ),
        ("\u00e9", None),
    ]


def test_a_line_over_the_limit_keeps_an_excerpt() -> None:
    [(text, reason), ok] = lines(b"x" * 300 + b"\nshort", limit=10)
    assert text == "x" * 256 + "... (300 bytes)"
    assert reason.startswith("line_too_long: line is 300 bytes, over the 10-byte limit")
    assert ok == ("short", None)
