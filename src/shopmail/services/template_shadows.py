"""Which parts of a mail the host's own templates take over, so Plantillas de correo can say that the
shop's wording does not reach them.

A host overrides a mail by shadowing ``shopmail/mail/<kind>.txt`` or ``.html`` in its own templates folder
(the app's folder comes before an extension's). Such a file may still show ``wording``; one that never
mentions it silently ignores what the admins write. The answer comes from the template Jinja actually
loads (the app's loader), never from a list of known hosts.
"""

from __future__ import annotations

from pathlib import Path

from flask import current_app
from jinja2 import meta
from jinja2 import TemplateNotFound

#: shopmail's own templates: a mail loaded from here is never a host's.
OWN_TEMPLATES = (Path(__file__).resolve().parent.parent / "templates").resolve()
#: The two parts of a mail and the extension of their template.
PARTS = {"text": "txt", "html": "html"}


def _is_own(filename: str | None) -> bool:
    if not filename:
        return False
    try:
        return Path(filename).resolve().is_relative_to(OWN_TEMPLATES)
    except OSError:
        return False


def ignored_parts(kind: str) -> tuple[str, ...]:
    """The parts (``"text"``, ``"html"``) of ``kind`` whose loaded template is the host's own and never
    uses ``wording``: the admins' edits do not appear in them."""
    env = current_app.jinja_env
    ignored = []
    for part, suffix in PARTS.items():
        name = f"shopmail/mail/{kind}.{suffix}"
        try:
            source, filename, _uptodate = env.loader.get_source(env, name)
        except TemplateNotFound:
            continue
        if _is_own(filename):
            continue
        if "wording" not in meta.find_undeclared_variables(env.parse(source)):
            ignored.append(part)
    return tuple(ignored)
