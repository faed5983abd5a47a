"""Login throttling (issue 14, finding 4) and the session cookie (finding 6), on the real panel, SQLite and
PostgreSQL."""

import re
import threading

import pytest

from tests.conftest import ADMIN_EMAIL
from tests.conftest import ADMIN_PASSWORD
from tests.conftest import AdminClient
from tests.helpers import page

LOCKED = "Demasiados intentos fallidos"
WRONG = "Correo electrónico o contraseña incorrectos."


def new_client(app, ip="127.0.0.1"):
    """A browser of its own (its own cookies), coming from ``ip``."""
    app.test_client_class = AdminClient
    client = app.test_client()
    client.environ_base["REMOTE_ADDR"] = ip
    return client


def attempt(client, email=ADMIN_EMAIL, password="no-es-esta"):
    body = client.get("/ajustes/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', body).group(1)
    return client.post("/ajustes/login", data={"email": email, "password": password, "csrf_token": token})


def outcome(response) -> str:
    if response.status_code == 302:
        return "in"
    body = page(response)
    return "locked" if LOCKED in body else "wrong" if WRONG in body else body


def test_parallel_wrong_passwords_never_get_more_than_the_limit_evaluated(app, admin_user):
    limit = app.config["SHOPMAIL_LOGIN_MAX_FAILURES"]
    clients = [new_client(app) for _ in range(30)]
    tokens = []
    for client in clients:  # every form is loaded first, so the posts really race
        body = client.get("/ajustes/login").get_data(as_text=True)
        tokens.append(re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', body).group(1))
    start, results = threading.Barrier(len(clients)), []

    def post(client, token):
        start.wait()
        results.append(outcome(client.post("/ajustes/login", data={
            "email": ADMIN_EMAIL, "password": "no-es-esta", "csrf_token": token})))

    threads = [threading.Thread(target=post, args=pair) for pair in zip(clients, tokens, strict=True)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(set(results)) == ["locked", "wrong"]
    assert results.count("wrong") <= limit
    assert outcome(attempt(new_client(app), password=ADMIN_PASSWORD)) == "locked"


def test_unknown_and_known_accounts_get_the_same_answers(app, admin_user):
    limit = app.config["SHOPMAIL_LOGIN_MAX_FAILURES"]
    known = [outcome(attempt(new_client(app, "198.51.100.1"))) for _ in range(limit + 2)]
    unknown = [outcome(attempt(new_client(app, "198.51.100.2"), email="nadie@tienda.example"))
               for _ in range(limit + 2)]
    assert known == unknown == ["wrong"] * limit + ["locked"] * 2


def test_a_stranger_cannot_lock_the_owner_out_of_a_browser_they_used(app, admin_user):
    owner = new_client(app, "192.0.2.10")
    assert outcome(attempt(owner, password=ADMIN_PASSWORD)) == "in"
    owner.refresh_csrf()
    owner.post("/ajustes/logout", data={})
    stranger = new_client(app, "203.0.113.66")
    results = [outcome(attempt(stranger)) for _ in range(8)]
    assert results[-1] == "locked"
    # The owner's usual browser passes with the right password; a browser never used before is held.
    assert outcome(attempt(new_client(app, "192.0.2.11"), password=ADMIN_PASSWORD)) == "locked"
    assert outcome(attempt(owner, password=ADMIN_PASSWORD)) == "in"
    # A known browser is still counted as a client: it cannot guess for ever.
    assert owner.get("/ajustes/").status_code == 200


def test_one_client_cannot_guess_across_many_accounts(app, admin_user):
    from shopmail.services.admins import CLIENT_FACTOR

    limit = app.config["SHOPMAIL_LOGIN_MAX_FAILURES"] * CLIENT_FACTOR
    guesser = new_client(app, "203.0.113.7")
    results = [outcome(attempt(guesser, email=f"u{n}@tienda.example")) for n in range(limit + 1)]
    assert results == ["wrong"] * limit + ["locked"]
    assert outcome(attempt(guesser, password=ADMIN_PASSWORD)) == "locked"
    assert outcome(attempt(new_client(app, "192.0.2.20"), password=ADMIN_PASSWORD)) == "in"


# Finding 6: the session cookie -----------------------------------------------------------------------------


def session_cookie_header(response) -> str:
    return next(h for h in response.headers.getlist("Set-Cookie") if h.startswith("session="))


@pytest.mark.sqlite_only
def test_session_cookie_is_samesite_lax_httponly_and_not_secure_by_default(client, admin_user):
    header = session_cookie_header(attempt(client, password=ADMIN_PASSWORD))
    assert "SameSite=Lax" in header and "HttpOnly" in header and "Secure" not in header


@pytest.mark.sqlite_only
@pytest.mark.app_config(SHOPMAIL_COOKIE_SECURE=True)
def test_cookies_are_secure_when_served_over_https(client, admin_user):
    response = attempt(client, password=ADMIN_PASSWORD)
    for header in response.headers.getlist("Set-Cookie"):
        assert "Secure" in header and "SameSite=Lax" in header, header


def test_a_copied_session_cookie_stops_working_after_logout(app, admin_user):
    owner = new_client(app)
    assert outcome(attempt(owner, password=ADMIN_PASSWORD)) == "in"
    thief = new_client(app)
    thief.set_cookie("session", owner.get_cookie("session").value)
    assert thief.get("/ajustes/").status_code == 200  # the copy works while the session lives
    owner.refresh_csrf()
    assert owner.post("/ajustes/logout", data={}).status_code == 302
    assert thief.get("/ajustes/").status_code == 302  # ended on the server, not only in the owner's browser
    assert owner.get("/ajustes/").status_code == 302


def test_guessed_addresses_do_not_pile_up_once_their_window_is_over(app, admin_user):
    from shopmail.core.models import LoginThrottle
    from shopmail.core.state import session

    app.config["SHOPMAIL_LOGIN_LOCKOUT_SECONDS"] = 1
    for n in range(3):
        attempt(new_client(app, f"203.0.113.{n + 1}"), email=f"x{n}@tienda.example")
    with app.app_context():
        assert session().query(LoginThrottle).count() == 6  # one client and one address each
    import time

    time.sleep(1.1)
    attempt(new_client(app, "203.0.113.99"), email="nuevo@tienda.example")
    with app.app_context():
        assert session().query(LoginThrottle).count() == 2  # the expired ones went when a new key came
