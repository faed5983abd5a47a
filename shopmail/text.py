"""Text that came from the other side (SMTP replies, DNS answers, exception messages, a customer's
order) made safe to store and to print: one line, no control characters, bounded in length.

A NUL cannot be stored in PostgreSQL text; an escape sequence would reach an operator's terminal; a line
break would end a log line early. ``clean`` is applied where such text is written (the outbox's
``last_error``, an account's last test) and where it is shown.
"""

from __future__ import annotations

import re

#: C0 and C1 controls, DEL, and the Unicode line/paragraph separators and bidirectional overrides
#: (which make text read differently from what it is).
_CONTROL = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]")
_SPACES = re.compile(r"\s{2,}")
#: What the Registro de envíos keeps of one failure: the server's reply plus our explanation.
DEFAULT_LIMIT = 1000


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
