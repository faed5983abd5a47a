"""Finding Spanish where English is expected: shared by the CLI's help and output tests and the browser's
clarity test (no tests here).

Two nets: ``SPANISH`` catches Spanish written anywhere (accents, common words), including text that never
went through the catalog; ``untranslated`` catches the catalog's own Spanish messages shown as they are.
"""

from __future__ import annotations

import re
from pathlib import Path

from babel.messages.pofile import read_po

CATALOG = Path(__file__).resolve().parent.parent / "src" / "shopmail" / "translations" / "en" / "LC_MESSAGES" / "shopmail.po"
PLACEHOLDER = re.compile(r"%\(\w+\)[sd]|%[sd]")
SPANISH = re.compile(r"[áéíóúñ¿¡]|\b(el|la|los|las|del|una|para|cuenta|correo|sin|con|que|envío|prueba|"
                     r"servidor|contraseña|dirección)\b", re.IGNORECASE)


def catalog_messages() -> set[str]:
    """Every Spanish message of shopmail's catalog."""
    with open(CATALOG, "rb") as fh:
        return {entry.id for entry in read_po(fh, locale="en") if isinstance(entry.id, str) and entry.id}


def english_leftovers() -> tuple[set[str], list[str]]:
    """Spanish messages whose English differs: whole short ones (a label is a line of its own) and the
    literal pieces of 16 characters or more of every one (found inside longer text)."""
    with open(CATALOG, "rb") as fh:
        catalog = read_po(fh, locale="en")
    whole, pieces = set(), set()
    for entry in catalog:
        ids = entry.id if isinstance(entry.id, tuple) else (entry.id,)
        strings = entry.string if isinstance(entry.string, tuple) else (entry.string,)
        for spanish in ids:
            if not spanish or spanish in strings:
                continue
            if not PLACEHOLDER.search(spanish) and len(spanish) >= 4:
                whole.add(spanish)
            pieces.update(p.strip() for p in PLACEHOLDER.split(spanish) if len(p.strip()) >= 16)
    return whole, sorted(pieces)


def untranslated(text: str, whole: set[str], pieces: list[str]) -> list[str]:
    """The catalog's Spanish found in ``text``: whole lines, and long pieces anywhere."""
    lines = {line.strip() for line in text.splitlines()}
    return sorted(lines & whole) + [piece for piece in pieces if piece in text]
