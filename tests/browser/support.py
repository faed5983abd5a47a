"""What a person does in the browser, as helpers: sign in, move by keyboard, check accessibility."""

from __future__ import annotations

import json

from tests.browser.conftest import ARTIFACTS
from tests.conftest import ADMIN_EMAIL
from tests.conftest import ADMIN_PASSWORD
from tests.helpers import make_account

#: axe-core impacts that fail a test.
BLOCKING = {"serious", "critical"}
#: How many Tab presses we allow to reach any control before calling it unreachable.
MAX_TABS = 80

_FOCUS_STYLE = """() => {
  const el = document.activeElement;
  if (!el || el === document.body) return null;
  const style = getComputedStyle(el);
  return {tag: el.tagName, text: (el.innerText || el.value || el.name || "").slice(0, 40),
          outline: style.outlineStyle !== "none" && parseFloat(style.outlineWidth) >= 2,
          shadow: style.boxShadow !== "none", visible: el.matches(":focus-visible")};
}"""


def check_accessibility(page, name: str) -> list[dict]:
    """Run axe-core (bundled by axe-playwright-python) on the page; fail on serious or critical violations.

    The whole report is kept in test-artifacts/axe/NAME.json. Returns the minor/moderate violations.
    """
    from axe_playwright_python.sync_playwright import Axe

    results = Axe().run(page)
    violations = results.response["violations"]
    folder = ARTIFACTS / "axe"
    folder.mkdir(parents=True, exist_ok=True)
    (folder / f"{name}.json").write_text(json.dumps(violations, indent=1, ensure_ascii=False))
    blocking = [v for v in violations if v.get("impact") in BLOCKING]
    assert not blocking, f"axe-core on {name} ({page.url}):\n" + "\n".join(
        f"- {v['impact']} {v['id']}: {v['help']} → "
        + "; ".join(node["target"][0] if isinstance(node["target"][0], str) else str(node["target"])
                    for node in v["nodes"][:5])
        for v in blocking)
    return [v for v in violations if v.get("impact") not in BLOCKING]


class Keyboard:
    """Reach controls with Tab (never the mouse) and check that focus can be seen on each stop."""

    def __init__(self, page):
        self.page = page
        self.unseen_focus: list[str] = []

    def _focus_is(self, locator) -> bool:
        return locator.evaluate("el => el === document.activeElement")

    def tab_to(self, locator, backwards: bool = False):
        """Press Tab until ``locator`` has the focus; every stop on the way must show its focus."""
        locator.wait_for(state="visible")
        for _ in range(MAX_TABS):
            if self._focus_is(locator):
                return locator
            self.page.keyboard.press("Shift+Tab" if backwards else "Tab")
            style = self.page.evaluate(_FOCUS_STYLE)
            if style and not (style["outline"] or style["shadow"]):
                self.unseen_focus.append(f"{style['tag']} «{style['text']}» on {self.page.url}")
        raise AssertionError(f"{locator} cannot be reached with Tab on {self.page.url}")

    def activate(self, locator, key: str = "Enter"):
        """Tab to a link or button and press Enter (or Space)."""
        self.tab_to(locator)
        self.page.keyboard.press(key)

    def type_into(self, locator, text: str, clear: bool = True):
        """Tab to a field and type, as a person would."""
        self.tab_to(locator)
        if clear:
            self.page.keyboard.press("Control+A")
            self.page.keyboard.press("Delete")
        self.page.keyboard.type(text)

    def choose(self, locator, label: str):
        """Pick an option of a <select> by typing its label, as a person does on a focused list."""
        self.tab_to(locator)
        self.page.keyboard.type(label)
        chosen = locator.evaluate("el => el.options[el.selectedIndex].text")
        assert chosen.startswith(label), f"typing «{label}» chose «{chosen}»"

    def assert_focus_always_visible(self):
        assert not self.unseen_focus, "focus not visible on:\n" + "\n".join(self.unseen_focus)


def login(page, server, keyboard: Keyboard | None = None, email=ADMIN_EMAIL, password=ADMIN_PASSWORD):
    """Sign in through the real login form (by keyboard when given one)."""
    page.goto(server.url("/ajustes/login"))
    if keyboard is None:
        page.get_by_label("Correo electrónico").fill(email)
        page.get_by_label("Contraseña").fill(password)
        page.get_by_role("button", name="Iniciar sesión").click()
    else:
        keyboard.type_into(page.get_by_label("Correo electrónico"), email)
        keyboard.type_into(page.get_by_label("Contraseña"), password)
        page.keyboard.press("Enter")
    page.wait_for_url(lambda url: "/login" not in url)


def sideways(page) -> list[str]:
    """The elements that stick out of the window on the right (the page would scroll sideways)."""
    if page.evaluate("document.documentElement.scrollWidth <= document.documentElement.clientWidth"):
        return []
    return page.evaluate("""() => [...document.querySelectorAll("body *")]
        .filter(e => e.getBoundingClientRect().right > document.documentElement.clientWidth + 0.5)
        .map(e => `${e.tagName}.${e.className} → ${Math.round(e.getBoundingClientRect().right)} px: `
                  + (e.innerText || "").slice(0, 40))""")


#: The shop's sending account in the browser tests, on a real local server named smtp.tienda.example.
SHOP = "pedidos@tienda.example"


def sending_account(live_server, smtp_server):
    """A STARTTLS server that accepts SHOP's login, its name in the test DNS, and a tested account for it:
    (the server, the account's id)."""
    server = smtp_server(security="starttls", cert_hostname="smtp.tienda.example", users={SHOP: "clave"})
    live_server.dns.add("smtp.tienda.example", "A", "127.0.0.1")
    account_id = make_account(live_server.app, SHOP, display_name="Tienda Ejemplo", host="smtp.tienda.example",
                              port=server.port, password="clave")
    return server, account_id
