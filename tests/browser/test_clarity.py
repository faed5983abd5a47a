"""Admin-grade clarity, checked on every screen reachable from the panel's navigation (found by crawling,
not listed: a screen added later is checked too), in Spanish and in English, 375 px wide:

- nothing sticks out sideways, and the first row of every table keeps its actions visible and clickable;
- no reason code or other ``snake_case`` word, and no ``CONFIG_KEY``, in the visible text outside
  "Detalles técnicos";
- in English, no Spanish message of shopmail's catalog left untranslated;
- axe-core stays clean.

Stored data in the customer's language (a mail's subject, headers and bodies) is marked ``translate="no"``
and is not the panel's words.
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

import pytest
from jinja2 import FileSystemLoader
from playwright.sync_api import expect

from tests.browser.conftest import screenshot
from tests.browser.support import check_accessibility
from tests.browser.support import login
from tests.browser.support import sending_account
from tests.browser.support import sideways
from tests.conftest import ADMIN_EMAIL
from tests.conftest import ADMIN_PASSWORD
from tests.helpers import make_account
from tests.language import english_leftovers
from tests.language import untranslated

ORDER = {"number": "A-1001", "customer_email": "lucia@cliente.example", "customer_name": "Lucía Pérez",
         "items": [{"name": "Taza", "quantity": 1, "unit_price": "9.50"}], "total": "9.50", "currency": "EUR"}
#: A reason code or JSON field (``auth_failed``) or a configuration key (``SHOPMAIL_SMTP_CA_FILE``).
CODE = re.compile(r"\b[a-z]+_[a-z]+\b|\b[A-Z]+_[A-Z_]+\b")
MAX_PAGES = 40
#: Buttons that show a result without changing anything: the full check and the SMTP test.
RESULT_BUTTONS = re.compile("^(Comprobar todo|Check everything|Probar SMTP|Test SMTP)$")
#: The visible text of the page, without "Detalles técnicos" and without stored data (translate="no").
VISIBLE_TEXT = """() => {
  const hidden = [...document.querySelectorAll('details.tech, [translate="no"]')];
  const before = hidden.map(el => el.style.display);
  hidden.forEach(el => { el.style.display = "none"; });
  const text = document.body.innerText;
  hidden.forEach((el, i) => { el.style.display = before[i]; });
  return text;
}"""


@pytest.fixture
def busy_shop(live_server, smtp_server):
    """A shop with something on every screen: a sending account, an account whose mail is held after a
    failed login, settings changed (audit), a simulated order and a cancelled mail."""
    from shopmail.core import settings
    from shopmail.delivery import actions
    from shopmail.services import alerts
    from shopmail.services import notifications

    server, account_id = sending_account(live_server, smtp_server)
    app = live_server.app
    held_id = make_account(app, "almacen@tienda.example", tested=False, host="smtp.tienda.example", port=server.port,
                 password="mala", last_test_ok=False, last_test_reason="auth_failed", held_reason="auth_failed",
                 held_detail="535 5.7.8 Authentication credentials invalid")
    with app.app_context():
        settings.save(sending_account_id=account_id, contact_email="hola@tienda.example",
                      admin_emails=["jefa@tienda.example"], simulation=True)
        app.extensions["shopmail"].extension.notify_order_completed(ORDER)
        app.extensions["shopmail"].db.session.commit()
        settings.save(simulation=False)
        queued = notifications.queue_test("prueba@cliente.example")
        app.extensions["shopmail"].db.session.commit()
        actions.cancel(queued.id)
        alerts.account_held(held_id, "almacen@tienda.example", "auth_failed", "535 5.7.8 Authentication failed")
        alerts.message_failed("order_completed", ["lucia@cliente.example"], "550 5.1.1 User unknown")
    return server


def crawl(page, server) -> list[str]:
    """Every GET page under the panel reachable from the navigation (nav entries, then the links on them)."""
    prefix = "/ajustes/"
    page.goto(server.url(prefix))
    todo = [prefix] + page.get_by_role("navigation").first.locator("a").evaluate_all(
        "links => links.map(a => a.getAttribute('href'))")
    seen: list[str] = []
    while todo and len(seen) < MAX_PAGES:
        path = urlsplit(todo.pop(0)).path
        if not path.startswith(prefix) or path in seen or "/login" in path:
            continue
        seen.append(path)
        page.goto(server.url(path))
        todo += page.locator("main a[href]").evaluate_all("links => links.map(a => a.getAttribute('href'))")
    return seen


def first_row_actions(page) -> list[str]:
    """Problems with the first row of each table: an action hidden, outside the window or not clickable."""
    problems = []
    for table in page.locator("main table").all():
        if not table.is_visible():
            continue
        row = table.locator("tbody tr").first
        if row.count() == 0:
            continue
        for control in row.locator("a, button").all():
            name = control.inner_text()
            box = control.bounding_box()
            width = page.evaluate("document.documentElement.clientWidth")
            if not control.is_visible() or box is None or box["x"] < 0 or box["x"] + box["width"] > width + 0.5:
                problems.append(f"«{name}» not visible within {width} px")
                continue
            try:
                control.click(trial=True, timeout=3000)  # Playwright's actionability checks, no click
            except Exception as exc:  # noqa: BLE001 - the message says why it cannot be clicked
                problems.append(f"«{name}» not clickable: {str(exc).splitlines()[0]}")
    return problems


def sign_in(page, server):
    """The login form in the browser's language."""
    page.goto(server.url("/ajustes/login"))
    page.get_by_label(re.compile("^(Correo electrónico|E-mail)$")).fill(ADMIN_EMAIL)
    page.get_by_label(re.compile("^(Contraseña|Password)$")).fill(ADMIN_PASSWORD)
    page.get_by_role("button", name=re.compile("^(Iniciar sesión|Sign in)$")).click()
    page.wait_for_url(lambda url: "/login" not in url)


@pytest.mark.parametrize("locale", ["es-ES", "en-US"])
def test_every_screen_reads_plainly_at_375_px(live_server, busy_shop, page_factory, locale):
    page = page_factory(locale=locale, width=375, height=812)
    sign_in(page, live_server)
    paths = crawl(page, live_server)
    print("crawled:", *paths)
    assert len(paths) >= 10, paths  # home, the nav's screens and the pages they link to
    whole, pieces = english_leftovers()
    failures = []
    for path in paths:
        page.goto(live_server.url(path))
        expect(page.get_by_role("heading", level=1)).to_be_visible()
        failures += [f"{path}: sticks out: {item}" for item in sideways(page)]
        failures += [f"{path}: {problem}" for problem in first_row_actions(page)]
        if path.endswith("/nueva"):  # a new account: what auto-configuration says (the provider table)
            page.get_by_label(re.compile("^(Dirección de correo|E-mail address)$")).fill("tienda@gmail.com")
            page.get_by_role("button", name=re.compile("^(Intentar configuración automática|Try automatic set-up)$")).click()
            expect(page.locator("#autoconfig-live .result")).to_be_visible(timeout=20_000)
        for button in page.get_by_role("button", name=RESULT_BUTTONS).all():  # their results are screens too
            if "/nueva" not in path:  # an empty form has nothing to test
                button.click()
                expect(page.locator('[role="status"] :is(.result, .checks)').first).to_be_visible(timeout=20_000)
        name = f"clarity-{locale}-" + (path.strip("/").replace("/", "-") or "home")
        failures += read_plainly(page, path, name, locale, (whole, pieces), sideways_too=False)
    assert not failures, "\n".join(failures)


def read_plainly(page, where: str, name: str, locale: str, leftovers=None, sideways_too=True) -> list[str]:
    """What keeps the page as it is now from reading plainly (sticks out sideways, codes on screen, Spanish
    left in English); kept as screenshot NAME, and axe-core checked."""
    whole, pieces = leftovers or english_leftovers()
    failures = [f"{where}: sticks out: {item}" for item in sideways(page)] if sideways_too else []
    text = page.evaluate(VISIBLE_TEXT)
    failures += [f"{where}: code on screen: {code}" for code in sorted(set(CODE.findall(text)))]
    if locale.startswith("en"):
        failures += [f"{where}: untranslated: {words!r}" for words in untranslated(text, whole, pieces)]
    screenshot(page, name)
    check_accessibility(page, name)
    return failures


@pytest.mark.parametrize("locale", ["es-ES", "en-US"])
def test_the_account_form_with_its_oauth2_controls_reads_plainly_at_375_px(
        live_server, oauth_server, smtp_server, smtp_ca_file, page_factory, locale):
    """+ → Microsoft 365 (OAuth2): Conectar con Microsoft instead of the password, then Conectado como."""
    server = smtp_server(security="starttls", auth_mechanisms=("XOAUTH2",), bearer_check=oauth_server.check_bearer)
    live_server.app.config.update(oauth_server.config(smtp_ca_file))
    page = page_factory(locale=locale, width=375, height=812, ignore_https_errors=True)  # the test provider's CA
    sign_in(page, live_server)
    page.goto(live_server.url("/ajustes/cuentas/nueva"))
    page.get_by_label(re.compile("^(Dirección de correo|E-mail address)$")).fill("tienda@contoso.example")
    page.get_by_label(re.compile("^(Método de inicio de sesión|Sign-in method)$")).select_option("microsoft")
    page.get_by_label(re.compile("^(Servidor SMTP|SMTP server)$")).fill(server.host)
    page.get_by_label(re.compile("^(Puerto|Port)$")).fill(str(server.port))
    connect = page.get_by_role("button", name=re.compile("^(Conectar con Microsoft|Connect with Microsoft)$"))
    expect(connect).to_be_visible()
    failures = read_plainly(page, "oauth form", f"clarity-{locale}-oauth-form", locale)

    connect.click()
    page.get_by_role("button", name="Aceptar").click()  # the provider's consent page (the test server's words)
    expect(page.get_by_text(re.compile("^(Conectado como|Connected as)"))).to_be_visible()
    failures += read_plainly(page, "oauth connected", f"clarity-{locale}-oauth-connected", locale)
    assert not failures, "\n".join(failures)


def test_the_technical_details_keep_the_codes(live_server, busy_shop, page):
    """What support needs is still there, one click away: the reason code of a held account."""
    login(page, live_server)
    page.goto(live_server.url("/ajustes/cuentas/"))
    row = page.get_by_role("row", name=re.compile("almacen@tienda.example"))
    expect(row).to_contain_text("Retenida: usuario o contraseña rechazados")
    row.get_by_role("link", name=re.compile("^Ver")).click()
    details = page.locator("details.tech")
    expect(details.get_by_text("auth_failed").first).to_be_hidden()
    details.locator("summary").click()
    expect(details.get_by_text("auth_failed").first).to_be_visible()
    expect(details).to_contain_text("535 5.7.8")


def test_no_certificate_to_verify_without_tls(live_server, page):
    """«Verificar certificado» is not offered while Seguridad is «Ninguna» (no TLS, no certificate)."""
    login(page, live_server)
    page.goto(live_server.url("/ajustes/cuentas/nueva"))
    box = page.get_by_label("Verificar certificado")
    expect(box).to_be_visible()
    page.get_by_label("Seguridad").select_option("none")
    expect(box).to_be_hidden()
    page.get_by_label("Seguridad").select_option("ssl")
    expect(box).to_be_visible()


def test_the_header_folds_on_a_phone(live_server, page_factory):
    """At 375 px the header is one line; «Menú» opens the navigation. Without JavaScript the links show."""
    page = page_factory(width=375, height=812)
    sign_in(page, live_server)
    header = page.locator("header.top")
    assert header.bounding_box()["height"] <= 64
    menu = page.get_by_role("button", name="Menú")
    expect(menu).to_have_attribute("aria-expanded", "false")
    link = page.get_by_role("navigation", name="Navegación principal").get_by_role("link", name="Comunicaciones")
    expect(link).to_be_hidden()
    menu.click()
    expect(menu).to_have_attribute("aria-expanded", "true")
    link.click()
    expect(page.get_by_role("heading", name="Comunicaciones", level=1)).to_be_visible()
    screenshot(page, "375-header")
    check_accessibility(page, "375-header")
    plain = page_factory(width=375, height=812, javascript=False)
    sign_in(plain, live_server)
    expect(plain.get_by_role("navigation", name="Navegación principal")
           .get_by_role("link", name="Comunicaciones")).to_be_visible()
    assert plain.locator("header.top").bounding_box()["height"] <= 140  # grows a little with the nav's entries


@pytest.mark.parametrize("locale", ["es-ES", "en-US"])
def test_a_host_template_that_ignores_the_wording_is_said_plainly_at_375_px(live_server, page_factory, locale,
                                                                            tmp_path):
    """Plantillas de correo on a host that shadows both parts of a mail (the longest file names)."""
    folder = tmp_path / "host-templates"
    (folder / "shopmail" / "mail").mkdir(parents=True)
    (folder / "shopmail" / "mail" / "order_completed_admin.txt").write_text(
        '{% set subject = "Pedido " ~ order.number %}Pedido {{ order.number }}\n')
    (folder / "shopmail" / "mail" / "order_completed_admin.html").write_text("<p>Pedido {{ order.number }}</p>")
    live_server.app.jinja_loader = FileSystemLoader(str(folder))  # the app's own templates folder, as a host's
    page = page_factory(locale=locale, width=375, height=812)
    sign_in(page, live_server)
    page.goto(live_server.url("/ajustes/generales/plantillas/order_completed_admin"))
    expect(page.locator("#wording-shadowed")).to_be_visible()
    expect(page.locator("#wording-shadowed li")).to_have_count(2)
    failures = read_plainly(page, "shadowed mail", f"clarity-{locale}-wording-shadowed", locale)
    page.goto(live_server.url("/ajustes/generales/plantillas/"))
    failures += read_plainly(page, "shadowed list", f"clarity-{locale}-wording-list-shadowed", locale)
    assert not failures, "\n".join(failures)
