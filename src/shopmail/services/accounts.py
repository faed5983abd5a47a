"""The account library: list, create, edit, delete, test. Plain values in, plain values out.

An account is saved only after a passing SMTP test of exactly the values being saved. A passing test
leaves a *test ticket* in shopmail's cache for a few minutes: the fingerprint of the tested values and,
for forms without JavaScript, the password sealed with Fernet, so the admin need not type it again.
"""

from __future__ import annotations

import hmac
import json
import secrets
from dataclasses import dataclass

from flask import current_app
from sqlalchemy import func
from sqlalchemy import or_
from sqlalchemy import select

from shopmail.core import audit
from shopmail.core import crypto
from shopmail.core import settings
from shopmail.core.i18n import gettext as _
from shopmail.core.models import Account
from shopmail.core.models import MAX_ID
from shopmail.core.models import utcnow
from shopmail.core.paging import Page
from shopmail.core.paging import paginate
from shopmail.core.state import session
from shopmail.core.state import state
from shopmail.core.text import clean
from shopmail.delivery import tokens
from shopmail.delivery import transport
from shopmail.delivery.actions import resume_account
from shopmail.delivery.oauth import OAuthFailure
from shopmail.services import account_secrets as secrets_for
from shopmail.services import oauth_accounts
from shopmail.services.account_describe import audit_save
from shopmail.services.account_describe import in_use
from shopmail.services.account_errors import AccountError
from shopmail.services.account_errors import Conflict
from shopmail.services.account_errors import NotFound
from shopmail.services.account_errors import PasswordRequired  # noqa: F401 - the views catch service.PasswordRequired
from shopmail.smtp import probe as smtp_probe

TICKET_SECONDS = 600
PAGE_SIZE = 25


@dataclass(frozen=True)
class Values:
    """What the form or the CLI submits for an account. ``password`` None keeps the stored one."""

    address: str
    display_name: str = ""
    username: str = ""
    password: str | None = None
    host: str = ""
    port: int = 587
    security: str = "starttls"
    verify_cert: bool = True
    # The provider's sending limits (None: none): messages per minute, recipients per 24 hours.
    limit_per_minute: int | None = None
    limit_per_day: int | None = None
    #: How the account signs in: "password", or OAuth2 ("microsoft", "microsoft-app", "google").
    auth: str = "password"
    #: An OAuth2 grant obtained on the form, waiting for Guardar (see oauth_accounts.finish_pending).
    grant: str | None = None

    @property
    def oauth(self) -> bool:
        return self.auth != "password"

    @property
    def login(self) -> str:
        return self.username or self.address


def get(account_id: int) -> Account:
    """The account, or NotFound."""
    account = session().get(Account, account_id) if 1 <= account_id <= MAX_ID else None
    if account is None:
        raise NotFound(_("No existe la cuenta %(id)s.", id=account_id))
    return account


def library(search: str = "", page: int = 1) -> Page:
    """One page of the library, searched by address; two queries whatever the number of accounts."""
    stmt = select(Account)
    if search:
        pattern = f"%{search.strip().lower()}%"
        stmt = stmt.where(or_(func.lower(Account.address).like(pattern),
                              func.lower(Account.display_name).like(pattern)))
    return paginate(stmt.order_by(Account.address, Account.id), page, PAGE_SIZE)


def all_accounts() -> list[Account]:
    return list(session().scalars(select(Account).order_by(Account.address, Account.id)))


# Testing ---------------------------------------------------------------------------------------


def test_values(values: Values, account_id: int | None = None, ticket: str | None = None):
    """Run the SMTP test on the submitted values. Returns (ProbeResult, ticket token or None)."""
    account = get(account_id) if account_id else None
    password = secrets_for.password_for(values, account, secrets_for.ticket(ticket))
    try:
        bearer = secrets_for.bearer_for(values, account)
    except OAuthFailure as failure:
        return oauth_accounts.failed_before(failure), None
    target = smtp_probe.target_from_config(
        current_app.config, host=values.host, port=values.port, security=values.security,
        username=values.login if password or bearer else "", password=password, bearer_token=bearer,
        verify_cert=values.verify_cert, from_address=values.address)
    waiting = values.oauth and oauth_accounts.pending(values.grant, values.auth) is not None
    saved = values.oauth and account is not None and account.auth == values.auth and not waiting
    result = oauth_accounts.offer_oauth(oauth_accounts.probe(
        target, account if saved else None, grant=values.grant if waiting else None, method=values.auth))
    if account is not None and _same_connection(account, values) and not values.password:
        record_test(account, result)
    if not result.ok:
        return result, None
    token = secrets.token_urlsafe(24)
    state().cache.set(f"test-ticket:{token}", {
        "fingerprint": secrets_for.fingerprint(values, password),
        "sealed": crypto.seal(password) if password else None,
        "destination": secrets_for.destination(values),
    }, timeout=TICKET_SECONDS)
    return result, token


def record_test(account: Account, result) -> None:
    """Remember the outcome on the account; a pass lets held mail go again."""
    account.last_test_ok = result.ok
    account.last_test_reason = clean(result.reason, 40)
    account.last_test_at = utcnow()
    account.last_test_summary = json.dumps(result.summary_data())
    session().commit()
    if result.ok:
        _resume(account.id)


def _resume(account_id: int) -> None:
    """A passed test releases the mail held for the account."""
    resume_account(account_id)


def test_saved(account_id: int):
    """Probar SMTP on a saved account (its stored values); the outcome is recorded."""
    account = get(account_id)
    if transport.is_oauth(account):
        try:
            result = oauth_accounts.probe(transport.target_for(account), account)
        except OAuthFailure as failure:
            result = oauth_accounts.failed_before(failure)
    else:
        password = crypto.unseal(account.password_sealed) if account.password_sealed else None
        result = oauth_accounts.offer_oauth(smtp_probe.probe(transport.account_target(account, password)))
    record_test(account, result)
    return result


# Saving ----------------------------------------------------------------------------------------


def _connection(values: Values) -> tuple:
    return (values.address.lower(), values.login, values.host.lower(), values.port, values.security,
            bool(values.verify_cert), values.auth)


def _same_connection(account: Account, values: Values) -> bool:
    """True when ``values`` would connect exactly as the stored account does (password aside)."""
    stored = Values(account.address or "", username=account.username or "", host=account.host or "",
                    port=account.port or 0, security=account.security or "",
                    verify_cert=bool(account.verify_cert), auth=account.auth or "password")
    return _connection(stored) == _connection(values)


def _require_passing_test(values: Values, account: Account | None, ticket_token: str | None):
    """Return the password to store, or refuse: a save needs a passing test of exactly these values."""
    ticket = secrets_for.ticket(ticket_token)
    password = secrets_for.password_for(values, account, ticket)
    if ticket and hmac.compare_digest(ticket["fingerprint"], secrets_for.fingerprint(values, password)):
        return password
    unchanged = (account is not None and not values.password and _same_connection(account, values)
                 and account.last_test_ok)
    if unchanged:
        return password
    raise AccountError(_("Pruebe la conexión con «Probar SMTP» y guarde cuando la prueba sea correcta: "
                         "los datos que intenta guardar no se han probado con éxito."), field="test")


def save(values: Values, *, account_id: int | None = None, version: int | None = None,
         ticket: str | None = None, skip_test: bool = False, result=None) -> Account:
    """Create or update an account. Refused unless these exact values passed a test (or skip_test)."""
    account = get(account_id) if account_id else None
    if account is not None and version is not None and account.version != version:
        raise Conflict(_("Otra persona ha cambiado esta cuenta mientras la editaba. "
                         "Revise los datos actuales y vuelva a guardar."))
    if skip_test:
        password = secrets_for.password_for(values, account, None)
    else:
        password = _require_passing_test(values, account, ticket)
    audit_save(account, values, bool(password) and bool(values.password))
    if account is None:
        account = Account()
        session().add(account)
    connection_changed = not _same_connection(account, values) if account.id else True
    account.address = values.address
    account.display_name = values.display_name
    account.username = values.login
    account.host = values.host
    account.port = values.port
    account.security = values.security
    account.verify_cert = values.verify_cert
    account.send_limit_per_minute, account.send_limit_per_day = values.limit_per_minute, values.limit_per_day
    if account.id and account.auth != "password" and values.auth != account.auth:
        tokens.forget(account.id, account.auth)  # another sign-in method: the old grant is of no use
    account.auth = values.auth
    account.password_sealed = crypto.seal(password) if password else None
    if not skip_test and (connection_changed or values.password or ticket):
        account.last_test_ok, account.last_test_reason = True, "ok"
        account.last_test_at = utcnow()
        account.last_test_summary = json.dumps(result.summary_data() if result else {"ok": True})
    elif skip_test and connection_changed:
        account.last_test_ok = account.last_test_reason = account.last_test_at = None
        account.last_test_summary = None
    session().flush()
    if values.oauth and values.grant:
        oauth_accounts.keep_pending(account, values.grant, values.login)
    session().commit()
    if ticket:
        state().cache.delete(f"test-ticket:{ticket}")
    if account.last_test_ok:
        _resume(account.id)
    return account


def delete(account_id: int) -> None:
    """Delete an account; refused for the sending account."""
    account = get(account_id)
    if in_use(account):
        raise AccountError(_("No se puede eliminar %(a)s: es la cuenta de envío. Elija otra en "
                             "Ajustes generales → Comunicaciones antes de eliminarla.", a=account.address))
    if settings.get().backup_account_id == account.id:
        raise AccountError(_("No se puede eliminar %(a)s: es la cuenta de respaldo. Quítela en "
                             "Ajustes generales → Comunicaciones antes de eliminarla.", a=account.address))
    audit.record("account.deleted", account.address, account.address, address=account.address,
                 account_id=account.id)
    session().delete(account)
    session().commit()
