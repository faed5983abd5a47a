"""Browser tests: the real panel served on a free loopback port, driven by Playwright through Debian's Chromium.

Fixtures
--------
``live_server``  the standalone app (SQLite in a temporary folder, migrations run, one admin) served by
                 werkzeug in a thread, with the test DNS server as its only resolver and the test CA trusted.
                 ``.url(path)``, ``.app``, ``.dns`` (the dnslib fixture).
``browser``      session: Chromium, launched once. Without /usr/bin/chromium the browser tests are skipped
                 (and say how to get it) unless SHOPMAIL_REQUIRE_BROWSER=1, which makes them fail.
``page``         a fresh context in Spanish (es-ES) at 1280×900; JavaScript errors and CSP violations fail
                 the test.
``page_factory`` more contexts: ``page_factory(locale="en-US", width=375, javascript=False)``.

Screens are photographed into test-artifacts/screenshots/ (git-ignored) with ``screenshot(page, name)``.
"""

from __future__ import annotations

import os
import threading
from dataclasses import dataclass
from pathlib import Path

import pytest
from werkzeug.serving import make_server
from werkzeug.serving import WSGIRequestHandler

from shopmail import create_app
from shopmail.core.config import parse_bool
from tests.conftest import ADMIN_EMAIL
from tests.conftest import ADMIN_PASSWORD
from tests.conftest import make_config

CHROMIUM = os.environ.get("SHOPMAIL_CHROMIUM", "/usr/bin/chromium")
# Root in a closed network: no sandbox, no GPU, and nothing that phones home.
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run", "--disable-quic"]
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
HOW_TO_GET = (f"Chromium not found at {CHROMIUM}: the browser tests need Debian's package "
              "(`apt-get install chromium`). Set SHOPMAIL_REQUIRE_BROWSER=1 to make its absence an error.")


@dataclass
class LiveServer:
    """The running panel."""

    app: object
    base: str
    dns: object

    def url(self, path: str = "/") -> str:
        return self.base + path


def live_config(tmp_path, dns, ca_file, **extra) -> dict:
    """The app's configuration: every lookup through the test DNS server, loopback targets allowed."""
    return make_config(
        tmp_path,
        SQLALCHEMY_DATABASE_URI=f"sqlite:///{tmp_path / 'shopmail.sqlite'}",
        SHOPMAIL_DNS_NAMESERVERS=[dns.address],
        SHOPMAIL_AUTOCONFIG_ALLOW_PRIVATE=True,
        SHOPMAIL_ISPDB_URL="",
        SHOPMAIL_AUTOCONFIG_DEADLINE=6.0,
        SHOPMAIL_SMTP_CA_FILE=ca_file,
        SHOPMAIL_SMTP_LOCAL_HOSTNAME="panel.tienda.test",
        SHOPMAIL_SEND_INLINE=True,
        **extra,
    )


class _QuietHandler(WSGIRequestHandler):
    """No access log lines in the test output (failures still show their tracebacks)."""

    def log_request(self, *args, **kwargs):
        pass


def _prepare(app) -> None:
    """Create the tables with the real migrations and add the admin."""
    from shopmail.core import migrate
    from shopmail.services.admins import create_admin

    with app.app_context():
        migrate.upgrade()
        create_admin(ADMIN_EMAIL, ADMIN_PASSWORD)


def _stop_delivery(app) -> None:
    try:
        from shopmail.delivery.inline import delivery_for
    except ImportError:
        return
    with app.app_context():
        delivery_for(app).stop(timeout=5)


@pytest.fixture
def live_server(tmp_path, dns_server, smtp_ca_file, request):
    """The panel on http://127.0.0.1:PORT; ``@pytest.mark.app_config(...)`` adds configuration."""
    marker = request.node.get_closest_marker("app_config")
    app = create_app(live_config(tmp_path, dns_server, smtp_ca_file, **(marker.kwargs if marker else {})))
    _prepare(app)
    server = make_server("127.0.0.1", 0, app, threaded=True, request_handler=_QuietHandler)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, name="live-server",
                              daemon=True)
    thread.start()
    yield LiveServer(app, f"http://127.0.0.1:{server.server_port}", dns_server)
    server.shutdown()
    thread.join(5)
    _stop_delivery(app)
    with app.app_context():
        app.extensions["shopmail"].db.engine.dispose()


@pytest.fixture(scope="session", autouse=True)
def compiled_catalogs():
    """`make test` compiles the message catalogs; a bare pytest run gets them compiled here the same way."""
    from babel.messages.mofile import write_mo
    from babel.messages.pofile import read_po

    for po in (ARTIFACTS.parent / "src" / "shopmail" / "translations").glob("*/LC_MESSAGES/shopmail.po"):
        mo = po.with_suffix(".mo")
        if not mo.exists() or mo.stat().st_mtime < po.stat().st_mtime:
            with open(po, "rb") as fh:
                catalog = read_po(fh, locale=po.parts[-3])
            partial = mo.with_suffix(f".mo.{os.getpid()}")
            with open(partial, "wb") as fh:
                write_mo(fh, catalog)
            os.replace(partial, mo)  # another test run may be reading it right now


@pytest.fixture(scope="session")
def browser():
    """Chromium, once per run; skipped (or failed, in CI) when it is not installed."""
    required = parse_bool(os.environ.get("SHOPMAIL_REQUIRE_BROWSER", ""))
    missing = None
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        missing = "Playwright for Python is not installed (`make test` installs it with the test extras)."
    if missing is None and not os.access(CHROMIUM, os.X_OK):
        missing = HOW_TO_GET
    if missing:
        if required:
            pytest.fail(missing + " (SHOPMAIL_REQUIRE_BROWSER=1)", pytrace=False)
        pytest.skip(missing)
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


class PageProblems:
    """JavaScript errors and CSP violations seen on a page: a test fails if there are any."""

    def __init__(self, page):
        self.errors: list[str] = []
        self.allowed: set[int] = set()  # statuses a test provokes on purpose (e.g. 429)
        page.on("pageerror", lambda exc: self.errors.append(f"pageerror: {exc}"))
        page.on("console", self._console)
        page.on("response", self._response)

    def _console(self, message):
        # A failed load is judged by _response: a page answering 404 on purpose is no script error.
        if message.type == "error" and not message.text.startswith("Failed to load resource"):
            self.errors.append(f"console: {message.text}")

    def _response(self, response):
        if (response.status >= 400 and response.status not in self.allowed
                and response.request.resource_type != "document"):
            self.errors.append(f"{response.status} for {response.request.resource_type} {response.url}")


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(item, call):
    """Remember each phase's outcome on the test, so fixtures can tell that it failed."""
    report = yield
    setattr(item, f"report_{report.when}", report)
    return report


@pytest.fixture
def page_factory(browser, request):
    """New pages in their own contexts; each is closed and checked for script errors at the end.
    When the test fails, the last screen of each page is kept in test-artifacts/failures/."""
    opened = []

    def make(locale="es-ES", width=1280, height=900, javascript=True, **options):
        context = browser.new_context(locale=locale, viewport={"width": width, "height": height},
                                      java_script_enabled=javascript, **options)
        context.set_default_timeout(15_000)
        page = context.new_page()
        problems = PageProblems(page)
        page.problems = problems
        opened.append((context, problems))
        return page

    yield make
    report = getattr(request.node, "report_call", None)
    if report is not None and report.failed:
        for number, (context, _) in enumerate(opened):
            for page in context.pages:
                folder = ARTIFACTS / "failures"
                folder.mkdir(parents=True, exist_ok=True)
                page.screenshot(path=str(folder / f"{request.node.name}-{number}.png"), full_page=True)
    errors = [error for _, problems in opened for error in problems.errors]
    for context, _ in opened:
        context.close()
    assert not errors, "errors in the browser:\n" + "\n".join(errors)


@pytest.fixture
def page(page_factory):
    """A Spanish-speaking admin's browser, desktop size."""
    return page_factory()


def screenshot(page, name: str, full_page: bool = True) -> Path:
    """Save a screenshot of the current screen as test-artifacts/screenshots/NAME.png."""
    folder = ARTIFACTS / "screenshots"
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{name}.png"
    page.screenshot(path=str(path), full_page=full_page)
    return path
