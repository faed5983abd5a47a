"""Audit events recorded before issue 19 kept their data only in a Spanish summary: the data that the
sentences need, recovered from it, so an old event still reads as its own sentence in any language.

The old shapes (``git log -S audit.record``): ``account.created`` "addr (host:port security)";
``account.changed`` "addr: field: old → new; …" (Python reprs, "contraseña cambiada", "sin cambios");
``account.deleted`` "addr"; ``outbox.*`` "kind: subject → recipient, recipient"; ``account.connected``
"addr: Provider" and ``account.disconnected`` "addr"; ``wording.saved`` "locale: subject" and
``wording.restored`` "locale" (target "plantilla kind"). ``settings.changed`` and
``simulation.*`` already had what their sentences use. A summary that does not match is left alone.
"""

from __future__ import annotations

import ast
import re

_CREATED = re.compile(r"(?P<address>.+?) \((?P<host>.+):(?P<port>\d+) (?P<security>\w+)\)")
_REPR = r"'(?:[^'\\]|\\.)*'|\"(?:[^\"\\]|\\.)*\"|-?\d+|True|False|None"
_CHANGE = re.compile(rf"(?P<field>\w+): (?P<old>{_REPR}) → (?P<new>{_REPR})")
_PASSWORD = "contraseña cambiada"


def details(event) -> dict:
    """``event.details``, completed from the summary when the event was recorded in the old shape."""
    data = dict(event.details) if isinstance(event.details, dict) else {}
    summary, action = event.summary or "", event.action or ""
    if action == "account.created" and "address" not in data:
        found = _CREATED.fullmatch(summary)
        if found:
            data.update(found.groupdict(), port=int(found["port"]))
    elif action == "account.changed" and "address" not in data:
        address, separator, rest = summary.partition(": ")
        if separator:
            data.update(address=address, changes=_changes(rest), password_changed=_PASSWORD in rest)
    elif action == "account.deleted" and "address" not in data and summary:
        data["address"] = summary
    elif action in ("account.connected", "account.disconnected") and "address" not in data and summary:
        address, _colon, provider = summary.partition(": ")
        data.update(address=address, provider=provider)
    elif action.startswith("wording.") and "kind" not in data and event.target.startswith("plantilla "):
        locale, _colon, subject = summary.partition(": ")
        data.update(kind=event.target.removeprefix("plantilla "), locale=locale, subject=subject)
    elif action.startswith("outbox.") and "subject" not in data:
        head, separator, recipients = summary.rpartition(" → ")
        kind, colon, subject = head.partition(": ")
        if separator and colon:
            data.update(kind=kind, subject=subject, recipients=[r for r in recipients.split(", ") if r])
    return data


def _changes(text: str) -> dict:
    """``field: 'old' → 'new'`` pieces as ``{field: [old, new]}``."""
    found = {}
    for match in _CHANGE.finditer(text):
        try:
            found[match["field"]] = [ast.literal_eval(match["old"]), ast.literal_eval(match["new"])]
        except (ValueError, SyntaxError):
            continue
    return found
