"""Shared fixtures: the app on SQLite (and PostgreSQL when SHOPMAIL_TEST_DATABASE_URL is set),
clients, the CLI runner and a signed-in admin. Real parts only: no mocks of SMTP, DNS or the database."""

import os
import re
import uuid

import pytest
import sqlalchemy as sa
from flask.testing import FlaskClient

from shopmail import create_app
from shopmail.models import Base

pytest_plugins = [
    "tests.fixtures.smtp_server",
    "tests.fixtures.dns_server",
    "tests.fixtures.https_server",
    "tests.fixtures.hostile_smtp",
]

PG_URL = os.environ.get("SHOPMAIL_TEST_DATABASE_URL")
ADMIN_EMAIL = "admin@tienda.example"
ADMIN_PASSWORD = "correcto-caballo-bateria"
TEST_KEY = "ZmDfcTF7_60GrrY167zsiPd67pEvs0aGOv2oasOM1Pg="


def pytest_configure(config):
    config.addinivalue_line("markers", "sqlite_only: database-independent test; run it once, on SQLite")
    config.addinivalue_line("markers", "app_config(**kw): extra Flask config for the app fixture")


def pytest_collection_modifyitems(config, items):
    """Without SHOPMAIL_TEST_DATABASE_URL the PostgreSQL variants are skipped, and say so.
    Tests marked sqlite_only (form checks and the like) are not repeated on PostgreSQL."""
    kept = [item for item in items
            if not (item.get_closest_marker("sqlite_only") and _backend(item) == "postgresql")]
    if len(kept) != len(items):
        config.hook.pytest_deselected(items=[i for i in items if i not in kept])
        items[:] = kept
    if PG_URL:
        return
    skip = pytest.mark.skip(reason="SHOPMAIL_TEST_DATABASE_URL not set (PostgreSQL)")
    for item in items:
        if _backend(item) == "postgresql":
            item.add_marker(skip)


def _backend(item):
    callspec = getattr(item, "callspec", None)
    return callspec.params.get("db_backend") if callspec else None


@pytest.fixture(scope="session")
def pg_schema():
    """A private schema per test run, so parallel runs on one PostgreSQL never collide."""
    if not PG_URL:
        yield None
        return
    name = f"t_{uuid.uuid4().hex[:10]}"
    engine = sa.create_engine(PG_URL, isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.execute(sa.text(f'CREATE SCHEMA "{name}"'))
    yield name
    with engine.connect() as conn:
        conn.execute(sa.text(f'DROP SCHEMA "{name}" CASCADE'))
    engine.dispose()


def database_config(backend, tmp_path, pg_schema):
    """Flask config for one database backend."""
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


@pytest.fixture(params=["sqlite", "postgresql"])
def db_backend(request):
    return request.param


@pytest.fixture
def app_config(tmp_path, db_backend, pg_schema):
    """Config for the ``app`` fixture; tests may override with ``@pytest.mark.app_config(...)``."""
    return make_config(tmp_path, **database_config(db_backend, tmp_path, pg_schema))


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


@pytest.fixture
def admin_user(app):
    from shopmail.auth.service import create_admin

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
