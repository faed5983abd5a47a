"""The audit log: who created, changed or deleted what, and when. Never a secret.

Services call ``record()``; the row joins the caller's transaction and is committed with the change
it describes. The actor is the signed-in admin (set by the admin guard for each request), the
operating-system user for the CLI, or ``worker`` for delivery.
"""

from __future__ import annotations

import getpass

from flask import g
from flask import has_request_context
from sqlalchemy import select

from shopmail.core.models import AuditEvent
from shopmail.core.paging import Page
from shopmail.core.paging import paginate
from shopmail.core.state import session

PAGE_SIZE = 50
# Keys that must never reach the log, whatever a caller passes.
_SECRET_KEYS = {"password", "password_sealed", "secret", "token", "ticket"}


def actor() -> str:
    """Who is acting: the admin of this request, else the CLI's OS user."""
    if has_request_context():
        return g.get("shopmail_actor") or "admin"
    if g and g.get("shopmail_actor"):
        return g.shopmail_actor
    try:
        return f"cli:{getpass.getuser()}"
    except Exception:
        return "cli"


def record(action: str, target: str = "", summary: str = "", **details) -> None:
    """Add an audit event to the current transaction (committed with the change itself)."""
    clean = {k: v for k, v in details.items() if k.lower() not in _SECRET_KEYS}
    session().add(AuditEvent(actor=actor()[:254], action=action, target=target[:100], summary=summary,
                             details=clean))


def recent(page: int = 1) -> Page:
    """One page of events, newest first."""
    return paginate(select(AuditEvent).order_by(AuditEvent.at.desc(), AuditEvent.id.desc()), page, PAGE_SIZE)
