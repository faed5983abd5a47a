"""Probar SMTP with OAuth2 (AUTH XOAUTH2) against the password flow, on loopback (issue 16). Prints numbers; run:

    .venv/bin/python benchmarks/oauth_probe.py [rounds]

Both accounts use the same kind of server (aiosmtpd, STARTTLS, a trustme certificate); the OAuth2 account's
token comes from a real OAuth2 server on loopback over HTTPS (Authlib's server components), as in the tests.
Two figures for OAuth2: with a live token (the usual case: the token is read from the database and unsealed),
and with an expired one (the probe refreshes it first: one HTTPS round trip to the token endpoint).
Target: the usual OAuth2 test within 1.2× the password test's time.
"""

from __future__ import annotations

import statistics
import sys
import tempfile
import time
from pathlib import Path

import sqlalchemy as sa
import trustme
from cryptography.fernet import Fernet

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from shopmail import create_app  # noqa: E402
from shopmail.core import crypto  # noqa: E402
from shopmail.core.models import Account  # noqa: E402
from shopmail.core.models import Base  # noqa: E402
from shopmail.core.models import OAuthToken  # noqa: E402
from shopmail.core.models import utcnow  # noqa: E402
from shopmail.core.state import session  # noqa: E402
from shopmail.services import accounts  # noqa: E402
from shopmail.services import oauth_accounts  # noqa: E402
from tests.fixtures.oauth_server import TestAuthServer  # noqa: E402
from tests.fixtures.smtp_server import TestSMTPServer  # noqa: E402

MAILBOX = "tienda@contoso.example"


def _once(app, account_id, before=None) -> float:
    """One Probar SMTP of a saved account, as the panel and `account test` run it (ms, everything included)."""
    with app.app_context():
        if before:
            before()
        start = time.perf_counter()
        result = accounts.test_saved(account_id)
        elapsed = (time.perf_counter() - start) * 1000
        assert result.ok, result.to_dict()
    return elapsed


def _interleaved(rounds, *runs) -> list[list[float]]:
    """Each run once per round, in turn: a busy machine slows them all alike rather than one of them."""
    times = [[] for _ in runs]
    for _ in range(rounds):
        for found, run in zip(times, runs, strict=True):
            found.append(run())
    return times


def main(rounds: int = 30) -> None:
    tmp = Path(tempfile.mkdtemp())
    ca = trustme.CA()
    ca_file = str(tmp / "ca.pem")
    ca.cert_pem.write_to_path(ca_file)
    provider = TestAuthServer(ca).start()
    oauth_smtp = TestSMTPServer(ca, ca_file, auth_mechanisms=("XOAUTH2",), bearer_check=provider.check_bearer).start()
    password_smtp = TestSMTPServer(ca, ca_file, users={MAILBOX: "clave-secreta-del-buzon"}).start()
    app = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp / 'bench.sqlite'}", "SECRET_KEY": "bench",
                      "SHOPMAIL_CACHE_DIR": str(tmp / "cache"), "SHOPMAIL_ENCRYPTION_KEYS": Fernet.generate_key().decode(),
                      "SHOPMAIL_SMTP_CA_FILE": ca_file, "SHOPMAIL_SMTP_LOCAL_HOSTNAME": "tienda.example",
                      "SHOPMAIL_SEND_INLINE": False, **provider.config(ca_file)})
    try:
        with app.app_context():
            Base.metadata.create_all(app.extensions["shopmail"].db.engine)
            common = {"address": MAILBOX, "username": MAILBOX, "host": "127.0.0.1", "security": "starttls"}
            password = Account(**common, port=password_smtp.port, version=1,
                               password_sealed=crypto.seal("clave-secreta-del-buzon"))
            oauth = Account(**common, port=oauth_smtp.port, version=1, auth="microsoft-app")
            session().add_all([password, oauth])
            session().commit()
            password_id, oauth_id = password.id, oauth.id
            oauth_accounts.connect_app(oauth)

        def expire():
            session().execute(sa.update(OAuthToken).values(expires_at=utcnow()))
            session().commit()

        _interleaved(3, lambda: _once(app, password_id), lambda: _once(app, oauth_id))  # warm-up
        by_password, by_token, by_refresh = _interleaved(
            rounds, lambda: _once(app, password_id), lambda: _once(app, oauth_id),
            lambda: _once(app, oauth_id, before=expire))
    finally:
        oauth_smtp.stop()
        password_smtp.stop()
        provider.stop()

    password_ms, token_ms, refresh_ms = (statistics.median(t) for t in (by_password, by_token, by_refresh))
    print(f"Probar SMTP on loopback, median of {rounds} rounds (STARTTLS, MAIL FROM / RCPT TO / DATA until 354):")
    print(f"  password (AUTH PLAIN):                 {password_ms:7.1f} ms")
    print(f"  OAuth2 (AUTH XOAUTH2), live token:     {token_ms:7.1f} ms   ratio {token_ms / password_ms:4.2f}× "
          f"(target ≤ 1.20×)")
    print(f"  OAuth2, token refreshed first (HTTPS): {refresh_ms:7.1f} ms   ratio {refresh_ms / password_ms:4.2f}×")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 30)
