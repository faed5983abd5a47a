"""Open redirects (issue 14, finding 5) and HTTP 500s on bad input (finding 7), on the real panel, on SQLite
and PostgreSQL."""

import re

import pytest

from tests.conftest import ADMIN_EMAIL
from tests.conftest import ADMIN_PASSWORD
from tests.helpers import page

# What the browser (and Werkzeug) would turn into another site, or into a broken header.
HOSTILE_NEXT = ["/\t/evil.example", "/\n/evil.example", "/\r/evil.example",
                "/\\evil.example", "\t//evil.example", "//evil.example", "/ /evil.example", "https://evil.example",
                "/\x0b/evil.example", "/\u200b/evil.example", "/\n/x", "/\x00/x", "javascript:alert(1)"]


def login_with_next(client, next_url):
    body = client.get("/ajustes/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', body).group(1)
    return client.post("/ajustes/login", query_string={"next": next_url},
                       data={"email": ADMIN_EMAIL, "password": ADMIN_PASSWORD, "csrf_token": token})


@pytest.mark.sqlite_only
@pytest.mark.parametrize("next_url", HOSTILE_NEXT)
def test_login_never_redirects_off_site(client, admin_user, next_url):
    response = login_with_next(client, next_url)
    assert response.status_code in (302, 400)  # a NUL is refused outright
    if response.status_code == 302:
        assert response.headers["Location"] == "/ajustes/"


def test_the_attack_as_sent_on_the_wire_lands_on_the_panel(client, admin_user):
    # POST /ajustes/login?next=/%09/evil.com: the tab arrives decoded; Werkzeug would drop it.
    body = client.get("/ajustes/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', body).group(1)
    response = client.post("/ajustes/login?next=/%09/evil.com",
                           data={"email": ADMIN_EMAIL, "password": ADMIN_PASSWORD, "csrf_token": token})
    assert response.headers["Location"] == "/ajustes/"


@pytest.mark.sqlite_only
@pytest.mark.parametrize("next_url", ["/ajustes/envios/?status=failed", "/%09/evil.example"])
def test_login_keeps_a_real_local_next(client, admin_user, next_url):
    # "%09" still encoded is a path segment on this site, as the browser reads it.
    response = login_with_next(client, next_url)
    assert response.headers["Location"] == next_url


@pytest.mark.sqlite_only
@pytest.mark.parametrize("next_url", HOSTILE_NEXT)
def test_language_switch_never_redirects_off_site(admin, next_url):
    response = admin.post("/ajustes/idioma", data={"lang": "en", "next": next_url})
    assert response.status_code in (302, 400)  # a NUL is refused outright
    if response.status_code == 302:
        assert response.headers["Location"] == "/ajustes/"


HUGE = "99999999999"


@pytest.mark.parametrize(("method", "path"), [
    ("get", f"/ajustes/cuentas/{HUGE}"), ("get", f"/ajustes/cuentas/{HUGE}/editar"),
    ("post", f"/ajustes/cuentas/{HUGE}/probar"), ("post", f"/ajustes/cuentas/{HUGE}/eliminar"),
    ("post", f"/ajustes/cuentas/{HUGE}/probar/en-vivo"), ("get", f"/ajustes/envios/{HUGE}"),
    ("get", f"/ajustes/envios/{HUGE}/html"), ("post", f"/ajustes/envios/{HUGE}/reintentar"),
    ("post", f"/ajustes/avisos/{HUGE}/visto"), ("get", "/ajustes/cuentas/0"),
    ("get", f"/ajustes/cuentas/{2**31}"),
])
def test_huge_ids_are_404(admin, method, path):
    response = getattr(admin, method)(path, data={} if method == "post" else None)
    assert response.status_code == 404


@pytest.mark.parametrize("query", [{"q": "a\x00b"}, {"status": "sent\x00"}, {"kind": "\x00"},
                                   {"recipient": "ana\x00@x"}, {"page": "\x00"}])
def test_nul_in_the_filters_is_a_400_page(admin, query):
    path = "/ajustes/cuentas/" if "q" in query else "/ajustes/envios/"
    response = admin.get(path, query_string=query)
    assert response.status_code == 400
    assert "La petición no es válida" in page(response)


def test_nul_in_the_login_email_is_a_400_page(client, admin_user):
    body = client.get("/ajustes/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', body).group(1)
    response = client.post("/ajustes/login", data={"email": "admin\x00@tienda.example", "password": "x",
                                                   "csrf_token": token})
    assert response.status_code == 400
    assert "La petición no es válida" in page(response)


@pytest.mark.parametrize("args", [["account", "show", HUGE], ["account", "test", HUGE],
                                  ["account", "delete", HUGE], ["outbox", "retry", HUGE],
                                  ["settings", "set", "--account", HUGE]])
def test_cli_huge_ids_fail_cleanly(runner, args):
    result = runner.invoke(args=["shopmail", *args])
    assert result.exit_code in (1, 2), result.output
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(result.exception)
