"""Text that came from elsewhere (an SMTP server, DNS, a web page), made safe to show or keep.

A server's reply may carry terminal escape sequences (ESC [2J clears the operator's screen, an OSC
sequence sets the window title), bidirectional overrides that disguise what is read, CR that rewrites a
line, or NUL that PostgreSQL refuses. Everything shopmail prints to a terminal goes through
``for_terminal``; ``one_line`` is for a single bounded line (to store or to show in a list).
"""

from __future__ import annotations

import re

#: Control characters (C0 but tab and line feed, DEL, C1) and the format characters that change how text
#: reads (bidirectional overrides and isolates, zero-width characters, BOM, interlinear annotations, tags).
_UNSAFE = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u00ad\u061c\u180e\u200b-\u200f\u202a-\u202e"
                     "\u2060-\u206f\ufeff\ufff9-\ufffb\U000e0000-\U000e007f]")


def for_terminal(text: str) -> str:
    """``text`` without control or format characters, keeping our own line breaks and tabs."""
    return _UNSAFE.sub("", str(text))


def one_line(text: str, limit: int | None = None) -> str:
    """``text`` on one line, control and format characters removed, at most ``limit`` characters."""
    line = " ".join(for_terminal(text).split())
    if limit is not None and len(line) > limit:
        line = line[: max(0, limit - 1)] + "…"
    return line


def json_for_terminal(document: str) -> str:
    """A JSON text with every control or format character escaped (json.dumps leaves C1, DEL and bidi
    characters raw when ``ensure_ascii`` is off); still the same JSON document."""
    return _UNSAFE.sub(lambda m: "".join(f"\\u{unit:04x}" for unit in _utf16(m.group())), document)


def _utf16(char: str) -> list[int]:
    data = char.encode("utf-16-be")
    return [int.from_bytes(data[i:i + 2], "big") for i in range(0, len(data), 2)]
