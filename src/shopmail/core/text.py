"""Text that came from the other side (SMTP replies, DNS answers, exception messages, a customer's
order) made safe to store and to print.

A NUL cannot be stored in PostgreSQL text; an escape sequence (ESC [2J clears the operator's screen, an OSC
sequence sets the window title) would reach an operator's terminal; a line break would end a log line
early. ``clean`` gives one bounded line and is applied where such text is written (the outbox's
``last_error``, an account's last test) and where it is shown; ``for_terminal`` and ``json_for_terminal``
are what the CLI prints (every line of its output goes through them).
"""

from __future__ import annotations

import json
import re

#: C0 and C1 controls, DEL, and the Unicode line/paragraph separators and bidirectional overrides
#: (which make text read differently from what it is).
_CONTROL = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]")
_SPACES = re.compile(r"\s{2,}")
#: What the Registro de envíos keeps of one failure: the server's reply plus our explanation.
DEFAULT_LIMIT = 1000
#: For a terminal: the controls above but our own tab and line feed, plus the invisible format characters
#: (zero-width, BOM, interlinear annotations, tags) that can hide what a line says.
_TERMINAL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u00ad\u061c\u180e\u200b-\u200f\u2028-\u202e"
                       "\u2060-\u206f\ufeff\ufff9-\ufffb\U000e0000-\U000e007f]")


def clean(value, limit: int = DEFAULT_LIMIT) -> str:
    """``value`` as one printable line of at most ``limit`` characters ("…" marks a cut)."""
    if value is None:
        return ""
    if isinstance(value, bytes):
        value = value.decode("utf-8", "replace")
    text = _SPACES.sub(" ", _CONTROL.sub(" ", str(value))).strip()
    if len(text) > limit:
        text = text[: max(0, limit - 1)].rstrip() + "…"
    return text


def clean_or_none(value, limit: int = DEFAULT_LIMIT) -> str | None:
    """``clean(value)``, keeping None as None (a column that may be empty)."""
    return None if value is None else clean(value, limit)


def for_terminal(text: str) -> str:
    """``text`` without control or format characters, keeping our own line breaks and tabs."""
    return _TERMINAL.sub("", str(text))


def json_for_terminal(document: str) -> str:
    """A JSON text with every control or format character escaped (json.dumps leaves C1, DEL and bidi
    characters raw when ``ensure_ascii`` is off); still the same JSON document."""
    return _TERMINAL.sub(lambda m: "".join(f"\\u{unit:04x}" for unit in _utf16(m.group())), document)


def _utf16(char: str) -> list[int]:
    data = char.encode("utf-16-be")
    return [int.from_bytes(data[i:i + 2], "big") for i in range(0, len(data), 2)]


def stored_data(text: str | None) -> dict | None:
    """A column that holds JSON data put into words when shown (an account's last test, an alert): the
    data, or None when it holds text written by an older version (shown as it is)."""
    try:
        data = json.loads(text or "")
    except ValueError:
        return None
    return data if isinstance(data, dict) else None
