"""An OAuth2 account's tokens: kept sealed (Fernet, like passwords), handed to the SMTP login as a bearer
token, refreshed ahead of expiry — once, for every process that needs it at the same time.

Concurrent workers take turns with a compare-and-swap on the token row: the first to set
``refresh_lease_until`` (where ``refreshes`` is still the count it read) asks the provider; the others
wait and read the new token. This works the same on SQLite, PostgreSQL and MariaDB, and no transaction
stays open while the provider answers.
"""

from __future__ import annotations

import datetime as dt
import time

from flask import current_app
from sqlalchemy import insert
from sqlalchemy import or_
from sqlalchemy import select
from sqlalchemy import update
from sqlalchemy.exc import IntegrityError

from shopmail.core import crypto
from shopmail.core.config import setting
from shopmail.core.models import OAuthToken
from shopmail.core.models import utcnow
from shopmail.core.state import session
from shopmail.core.text import clean
from shopmail.delivery import oauth
from shopmail.delivery.oauth import OAuthFailure

#: Longest one process may take to refresh before another may try.
REFRESH_LEASE = dt.timedelta(seconds=30)
_T = OAuthToken.__table__


def refresh_ahead() -> dt.timedelta:
    """How long before expiry a token is refreshed (``SHOPMAIL_OAUTH_REFRESH_AHEAD``)."""
    return dt.timedelta(seconds=setting(current_app.config, "SHOPMAIL_OAUTH_REFRESH_AHEAD"))


def store(account_id: int, token: dict, mailbox: str) -> None:
    """Keep a new grant for the account (sealed), replacing any previous one. No commit."""
    row = session().get(OAuthToken, account_id) or OAuthToken(account_id=account_id, refreshes=0)
    row.mailbox = clean(mailbox, 254)
    row.refresh_sealed = crypto.seal(token["refresh_token"]) if token.get("refresh_token") else None
    row.access_sealed = crypto.seal(token["access_token"])
    row.expires_at = _expiry(token)
    row.refresh_lease_until = None
    row.connected_at = utcnow()
    session().add(row)


def forget(account_id: int, method: str) -> bool:
    """Drop the account's grant (Desconectar), revoked first where the provider allows. No commit; True
    when there was one."""
    row = session().get(OAuthToken, account_id)
    if row is None:
        return False
    if row.refresh_sealed is not None:
        oauth.revoke(method, crypto.unseal(row.refresh_sealed))
    session().delete(row)
    return True


def mailbox(account_id: int) -> str | None:
    """The mailbox the account is connected as, or None when it is not connected."""
    return session().scalar(select(OAuthToken.mailbox).where(OAuthToken.account_id == account_id))


def _expiry(token: dict) -> dt.datetime:
    seconds = int(token.get("expires_in") or 3600)
    return utcnow() + dt.timedelta(seconds=max(0, seconds))


def bearer_token(account_id: int, method: str, deadline: float | None = None,
                 refused: str | None = None) -> tuple[str, dt.datetime]:
    """A live access token for the account and when it expires; refreshed first when it is about to.

    ``refused``: a token the SMTP server just refused although it is not due to expire here (revoked at the
    provider, a clock off): it counts as expired. If another process already replaced it, that newer
    token is returned without a second refresh.

    Raises OAuthFailure: ``oauth_reconnect_required`` when there is no grant or the provider refused the
    refresh (``invalid_grant``), a transient failure when the provider did not answer.
    """
    deadline = deadline or time.monotonic() + 2 * float(current_app.config.get("SHOPMAIL_SMTP_TIMEOUT") or 10)
    while True:
        row = session().execute(select(_T).where(_T.c.account_id == account_id)).first()
        session().commit()  # ends the read: the next look sees other processes' refreshes
        if row is None:
            if method != "microsoft-app":
                raise OAuthFailure.of("oauth_reconnect_required", "sin conexión")
            _add_empty(account_id)  # app-only, first use: a row to take turns on, then as a refresh
            continue
        now = utcnow()
        if row.access_sealed is not None and row.expires_at - refresh_ahead() > now:
            current = crypto.unseal(row.access_sealed)
            if refused is None or current != refused:
                return current, row.expires_at
        if _claim(row, now):
            return _refresh(account_id, method, row)
        if time.monotonic() > deadline:
            raise OAuthFailure.of("timeout", "renovación del token en curso en otro proceso", kind="transient")
        time.sleep(0.05)  # another process is refreshing: read its result


def _add_empty(account_id: int) -> None:
    """An empty token row for an app-only account (another process may have added it first)."""
    try:
        session().execute(insert(_T).values(account_id=account_id, mailbox="", refreshes=0, connected_at=utcnow()))
        session().commit()
    except IntegrityError:
        session().rollback()


def _claim(row, now: dt.datetime) -> bool:
    """Take the turn to refresh (compare-and-swap on the refresh count and the lease)."""
    result = session().execute(
        update(_T).where(_T.c.account_id == row.account_id, _T.c.refreshes == row.refreshes,
                         or_(_T.c.refresh_lease_until.is_(None), _T.c.refresh_lease_until < now))
        .values(refresh_lease_until=now + REFRESH_LEASE))
    session().commit()
    return result.rowcount == 1


def _refresh(account_id: int, method: str, row) -> tuple[str, dt.datetime]:
    """Ask the provider (we hold the turn), keep the result, give the turn back."""
    try:
        if method == "microsoft-app":
            token = oauth.client_credentials(method)  # app-only: a new token, not a refresh
        elif row.refresh_sealed is None:
            raise OAuthFailure.of("oauth_reconnect_required", "sin token de renovación")
        else:
            token = oauth.refresh(method, crypto.unseal(row.refresh_sealed))
    except OAuthFailure:
        session().execute(update(_T).where(_T.c.account_id == account_id).values(refresh_lease_until=None))
        session().commit()
        raise
    values = {"access_sealed": crypto.seal(token["access_token"]), "expires_at": _expiry(token),
              "refresh_lease_until": None, "refreshes": row.refreshes + 1}
    if token.get("refresh_token"):  # a provider may rotate it
        values["refresh_sealed"] = crypto.seal(token["refresh_token"])
    session().execute(update(_T).where(_T.c.account_id == account_id).values(**values))
    session().commit()
    return token["access_token"], values["expires_at"]
