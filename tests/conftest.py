"""Shared fixtures: the app on SQLite (and PostgreSQL when SHOPMAIL_TEST_DATABASE_URL is set, MariaDB or
MySQL when SHOPMAIL_TEST_MARIADB_URL is set), clients, the CLI runner and a signed-in admin. Real parts only: no mocks of SMTP, DNS or the database."""

import contextlib
import os
import re
import uuid

import pytest
import sqlalchemy as sa
from flask.testing import FlaskClient

from shopmail import create_app
from shopmail.core.i18n import LOCALE_VARIABLES
from shopmail.core.models import Base

pytest_plugins = [
    "tests.fixtures.smtp_server",
    "tests.fixtures.dns_server",
    "tests.fixtures.https_server",
    "tests.fixtures.hostile_smtp",
    "tests.fixtures.oauth_server",
]

PG_URL = os.environ.get("SHOPMAIL_TEST_DATABASE_URL")
MARIADB_URL = os.environ.get("SHOPMAIL_TEST_MARIADB_URL")
#: The URL each server backend needs, and what the skip says without it.
SERVERS = {"postgresql": (PG_URL, "SHOPMAIL_TEST_DATABASE_URL not set (PostgreSQL)"),
           "mariadb": (MARIADB_URL, "SHOPMAIL_TEST_MARIADB_URL not set (MariaDB/MySQL)")}
ADMIN_EMAIL = "admin@tienda.example"
ADMIN_PASSWORD = "correcto-caballo-bateria"
TEST_KEY = "ZmDfcTF7_60GrrY167zsiPd67pEvs0aGOv2oasOM1Pg="


def pytest_configure(config):
    config.addinivalue_line("markers", "sqlite_only: database-independent test; run it once, on SQLite")
    config.addinivalue_line("markers", "app_config(**kw): extra Flask config for the app fixture")


def pytest_collection_modifyitems(config, items):
    """Without its URL a server database's variants are skipped, and say so.
    Tests marked sqlite_only (form checks and the like) are not repeated on the server databases."""
    kept = [item for item in items
            if not (item.get_closest_marker("sqlite_only") and _backend(item) in SERVERS)]
    if len(kept) != len(items):
        config.hook.pytest_deselected(items=[i for i in items if i not in kept])
        items[:] = kept
    for item in items:
        url, reason = SERVERS.get(_backend(item), ("sqlite", None))
        if not url:
            item.add_marker(pytest.mark.skip(reason=reason))


def _backend(item):
    callspec = getattr(item, "callspec", None)
    return callspec.params.get("db_backend") if callspec else None


@contextlib.contextmanager
def private_namespace(server_url, create, drop):
    """A uniquely named schema or database on ``server_url`` for this run (``create``/``drop`` format the
    name into SQL), so parallel runs on one server never collide."""
    name = f"t_{uuid.uuid4().hex[:10]}"
    engine = sa.create_engine(server_url, isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.execute(sa.text(create.format(name)))
    try:
        yield name
    finally:
        with engine.connect() as conn:
            conn.execute(sa.text(drop.format(name)))
        engine.dispose()


@pytest.fixture(scope="session")
def pg_schema():
    """A private PostgreSQL schema per test run."""
    if not PG_URL:
        yield None
        return
    with private_namespace(PG_URL, 'CREATE SCHEMA "{}"', 'DROP SCHEMA "{}" CASCADE') as name:
        yield name


@pytest.fixture(scope="session")
def mariadb_url():
    """A private MariaDB/MySQL database per test run, utf8mb4 with the server's usual case- and
    accent-insensitive collation, as a shop's database is."""
    if not MARIADB_URL:
        yield None
        return
    with private_namespace(MARIADB_URL, "CREATE DATABASE `{}` CHARACTER SET utf8mb4 COLLATE utf8mb4_general_ci",
                           "DROP DATABASE `{}`") as name:
        yield sa.engine.make_url(MARIADB_URL).set(database=name).update_query_dict(
            {"charset": "utf8mb4"}).render_as_string(hide_password=False)


def database_config(backend, tmp_path, pg_schema, mariadb_url=None):
    """Flask config for one database backend."""
    if backend == "mariadb":
        return {"SQLALCHEMY_DATABASE_URI": mariadb_url}
    if backend == "postgresql":
        return {
            "SQLALCHEMY_DATABASE_URI": PG_URL,
            "SQLALCHEMY_ENGINE_OPTIONS": {"connect_args": {"options": f"-csearch_path={pg_schema}"}},
        }
    return {"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'shopmail.sqlite'}"}


def make_config(tmp_path, **extra):
    """The test configuration: real file cache in a temporary instance folder, CSRF on."""
    return {
        "TESTING": True,
        "SECRET_KEY": "test-secret",
        "SHOPMAIL_ENCRYPTION_KEYS": TEST_KEY,
        "SHOPMAIL_CACHE_DIR": str(tmp_path / "cache"),
        "SHOPMAIL_SEND_INLINE": False,
        "SHOPMAIL_SMTP_TIMEOUT": 3.0,
        **extra,
    }


@pytest.fixture(params=["sqlite", "postgresql", "mariadb"])
def db_backend(request):
    return request.param


@pytest.fixture
def app_config(tmp_path, db_backend, pg_schema, mariadb_url):
    """Config for the ``app`` fixture; tests may override with ``@pytest.mark.app_config(...)``."""
    return make_config(tmp_path, **database_config(db_backend, tmp_path, pg_schema, mariadb_url))


@pytest.fixture
def app(app_config, request):
    marker = request.node.get_closest_marker("app_config")
    config = {**app_config, **(marker.kwargs if marker else {})}
    app = create_app(config)
    with app.app_context():
        engine = app.extensions["shopmail"].db.engine
        Base.metadata.drop_all(engine)
        Base.metadata.create_all(engine)
    yield app
    with app.app_context():
        app.extensions["shopmail"].db.session.remove()
        Base.metadata.drop_all(engine)
        with engine.begin() as conn:
            conn.execute(sa.text("DROP TABLE IF EXISTS shopmail_alembic_version"))
        engine.dispose()


class AdminClient(FlaskClient):
    """A test client that sends the CSRF token with every POST, as the admin's browser would."""

    csrf_token = None

    def open(self, *args, **kwargs):
        method = kwargs.get("method", "GET")
        data = kwargs.get("data")
        if method == "POST" and self.csrf_token and isinstance(data, dict) and "csrf_token" not in data:
            kwargs["data"] = {**data, "csrf_token": self.csrf_token}
        return super().open(*args, **kwargs)

    def refresh_csrf(self, url="/ajustes/"):
        page = self.get(url).get_data(as_text=True)
        match = re.search(r'name="csrf-token" content="([^"]+)"', page)
        self.csrf_token = match.group(1) if match else None
        return self.csrf_token


@pytest.fixture
def client(app):
    app.test_client_class = AdminClient
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


@pytest.fixture(autouse=True)
def operator_names_no_language(monkeypatch):
    """The CLI speaks the language the operator's environment names (LC_ALL, LC_MESSAGES, LANG). Every test
    runs as CI does, with LANG=C.UTF-8 and nothing else: no language named, so the CLI speaks
    SHOPMAIL_DEFAULT_LOCALE (Spanish) on any machine. A test that wants one passes ``env=`` to ``invoke``."""
    for name in LOCALE_VARIABLES:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("LANG", "C.UTF-8")


@pytest.fixture
def admin_user(app):
    from shopmail.services.admins import create_admin

    with app.app_context():
        create_admin(ADMIN_EMAIL, ADMIN_PASSWORD)
    return ADMIN_EMAIL


def login(client, email=ADMIN_EMAIL, password=ADMIN_PASSWORD):
    """Log in through the real login form."""
    page = client.get("/ajustes/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
    return client.post("/ajustes/login", data={"email": email, "password": password, "csrf_token": token})


@pytest.fixture
def admin(client, admin_user):
    """A client signed in as an admin, with CSRF tokens handled."""
    response = login(client)
    assert response.status_code == 302, response.get_data(as_text=True)
    client.refresh_csrf()
    return client
