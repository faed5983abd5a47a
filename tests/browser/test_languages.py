"""Spanish by default, English by the browser's language or the switch; every message has its translation."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from babel.messages.extract import DEFAULT_KEYWORDS
from babel.messages.extract import extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.pofile import read_po
from playwright.sync_api import expect

from tests.browser.conftest import screenshot
from tests.browser.support import check_accessibility
from tests.browser.support import Keyboard
from tests.browser.support import login
from tests.language import CATALOG

ROOT = Path(__file__).resolve().parents[2]
PLACEHOLDER = re.compile(r"%\((\w+)\)[sdr]")


def source_messages() -> dict[str, str]:
    """Every translatable message in the code and templates, as ``make translations`` extracts them."""
    with open(ROOT / "babel.cfg") as fh:
        method_map, options_map = parse_mapping_cfg(fh)
    keywords = {**DEFAULT_KEYWORDS, "_l": None, "lazy_gettext": None, "_sm": None, "shopmail_ngettext": (1, 2)}
    found = {}
    for filename, _lineno, message, _comments, _context in extract_from_dir(
            str(ROOT), method_map, options_map, keywords=keywords):
        key = message[0] if isinstance(message, tuple) else message
        found.setdefault(key, filename)
    return found


def test_every_message_has_an_english_translation():
    with open(CATALOG, "rb") as fh:
        catalog = read_po(fh, locale="en")
    translated = {}
    for entry in catalog:
        if entry.id and not entry.fuzzy:
            key = entry.id[0] if isinstance(entry.id, tuple) else entry.id
            strings = entry.string if isinstance(entry.string, tuple) else (entry.string,)
            if all(strings):
                translated[key] = strings
    missing = {key: where for key, where in source_messages().items() if key not in translated}
    assert not missing, ("untranslated (run `make translations`, then fill in the English msgstr):\n"
                         + "\n".join(f"  {where}: {key!r}" for key, where in sorted(missing.items())))


def test_translations_keep_every_placeholder():
    """A translation that drops or renames %(name)s would break the page at run time."""
    with open(CATALOG, "rb") as fh:
        catalog = read_po(fh, locale="en")
    wrong = []
    for entry in catalog:
        ids = entry.id if isinstance(entry.id, tuple) else (entry.id,)
        strings = entry.string if isinstance(entry.string, tuple) else (entry.string,)
        wanted = set(PLACEHOLDER.findall(" ".join(ids)))
        for string in filter(None, strings):
            if set(PLACEHOLDER.findall(string)) != wanted:
                wrong.append(f"{ids[0]!r} → {string!r}")
    assert not wrong, "placeholders differ:\n" + "\n".join(wrong)


def test_english_from_the_browser_language(live_server, page_factory):
    page = page_factory(locale="en-US")
    page.goto(live_server.url("/ajustes/login"))
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.get_by_role("heading", name="Sign in")).to_be_visible()
    check_accessibility(page, "login-en")
    page.get_by_label("E-mail").fill("admin@tienda.example")
    page.get_by_label("Password").fill("correcto-caballo-bateria")
    page.get_by_role("button", name="Sign in").click()
    page.get_by_role("link", name="E-mail accounts").click()
    expect(page.get_by_role("heading", name="E-mail accounts", level=1)).to_be_visible()
    page.get_by_role("link", name="New e-mail account").click()
    expect(page.get_by_role("button", name="Try automatic set-up")).to_be_visible()
    expect(page.get_by_role("button", name="Test SMTP")).to_be_visible()
    page.get_by_label("E-mail address").fill("tienda@gmail.com")
    page.get_by_role("button", name="Try automatic set-up").click()  # the provider table: no network
    found = page.locator("#autoconfig-live")
    expect(found).to_contain_text("Settings found in shopmail's provider table")
    expect(found).to_contain_text("Google does not accept the account's normal password")
    expect(page.get_by_label("SMTP server")).to_have_value("smtp.gmail.com")
    screenshot(page, "new-account-en")
    check_accessibility(page, "new-account-en")


def test_switch_language_by_keyboard(live_server, page, smtp_server):
    """Spanish browser: the English button turns the same page English; Español turns it back. The live
    steps of an SMTP test come in the chosen language too."""
    server = smtp_server(security="starttls", users={"shop@tienda.example": "right"})
    keys = Keyboard(page)
    login(page, live_server, keys)
    page.get_by_role("link", name="Cuentas de correo").click()
    page.get_by_role("link", name="Nueva cuenta de correo").click()
    keys.activate(page.get_by_role("button", name="English"))
    expect(page.get_by_role("heading", name="New e-mail account", level=1)).to_be_visible()
    expect(page.locator("html")).to_have_attribute("lang", "en")

    page.get_by_label("E-mail address").fill("shop@tienda.example")
    page.get_by_label("Password").fill("right")
    page.get_by_label("SMTP server").fill("127.0.0.1")
    page.get_by_label("Port").fill(str(server.port))
    page.get_by_role("button", name="Test SMTP").click()
    result = page.locator("#probe-live")
    expect(result).to_contain_text("SMTP test passed")
    expect(result.locator('[data-step="connect"]')).to_have_text("Connection")
    save = page.get_by_role("button", name="Save")
    expect(save).to_be_enabled()
    page.get_by_label("Password").press("End")
    page.get_by_label("Password").type("x")  # another password: the test no longer vouches for it
    expect(save).to_be_disabled()
    expect(page.get_by_text("Saving is only possible after a passing SMTP test")).to_be_visible()

    keys.activate(page.get_by_role("button", name="Español"))
    expect(page.get_by_role("heading", name="Nueva cuenta de correo", level=1)).to_be_visible()
    expect(page.locator("html")).to_have_attribute("lang", "es")
    keys.assert_focus_always_visible()


@pytest.mark.sqlite_only
@pytest.mark.parametrize("header, heading", [("en-GB,en;q=0.9", "Sign in"), ("fr-FR, es;q=0.5", "Iniciar sesión"),
                                             ("de-DE", "Iniciar sesión"), (None, "Iniciar sesión")])
def test_accept_language_without_a_browser(client, header, heading):
    """The choice is the server's: Accept-Language picks English or Spanish, anything else is Spanish."""
    headers = {"Accept-Language": header} if header else {}
    body = client.get("/ajustes/login", headers=headers).get_data(as_text=True)
    assert f"<h1>{heading}</h1>" in body
