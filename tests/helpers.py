"""Small helpers shared by tests."""

import html
import os
import re
from pathlib import Path

import sqlalchemy as sa

from shopmail.core import crypto
from shopmail.core.models import Account
from shopmail.core.models import utcnow
from shopmail.core.state import session


def make_account(app, address="tienda@example.com", *, tested=True, password="clave-secreta", **fields):
    """Store an account directly (as if it had been tested and saved); return its id."""
    with app.app_context():
        account = Account(
            address=address, display_name=fields.pop("display_name", "Tienda"),
            username=fields.pop("username", address), host=fields.pop("host", "smtp.example.com"),
            port=fields.pop("port", 587), security=fields.pop("security", "starttls"),
            password_sealed=crypto.seal(password) if password else None, **fields)
        if tested:
            account.last_test_ok, account.last_test_reason, account.last_test_at = True, "ok", utcnow()
        session().add(account)
        session().commit()
        return account.id


def page(response) -> str:
    """A response's HTML with entities decoded, as the admin reads it."""
    return html.unescape(response.get_data(as_text=True))


def field_error(page: str, field_id: str) -> str | None:
    """The error shown under one field (``<p class="error" id="FIELD-error">``), or None."""
    match = re.search(rf'<p class="error" id="{field_id}-error">([^<]*)</p>', page)
    return match.group(1) if match else None


class QueryCounter:
    """Counts SQL statements run on an engine while active."""

    def __init__(self, engine):
        self.engine = engine
        self.count = 0

    def _count(self, *args, **kwargs):
        self.count += 1

    def __enter__(self):
        sa.event.listen(self.engine, "before_cursor_execute", self._count)
        return self

    def __exit__(self, *exc):
        sa.event.remove(self.engine, "before_cursor_execute", self._count)


def ispdb_corpus() -> Path:
    """The real ISPDB files (Thunderbird's, MPL 2.0), kept beside the repository in ../shared/data/ispdb.

    ``SHOPMAIL_ISPDB_CORPUS`` may point elsewhere (a clone outside the workspace); the workspace's copy is
    the fallback. Never copied into the repository.
    """
    root = Path(__file__).resolve().parents[1]
    for candidate in (os.environ.get("SHOPMAIL_ISPDB_CORPUS"), root.parent / "shared" / "data" / "ispdb",
                      "/work/shared/data/ispdb"):
        if candidate and Path(candidate).is_dir():
            return Path(candidate)
    return root.parent / "shared" / "data" / "ispdb"
