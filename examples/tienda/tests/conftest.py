"""Fixtures for la tienda: the shop on SQLite (and PostgreSQL when SHOPMAIL_TEST_DATABASE_URL is set, MariaDB
when SHOPMAIL_TEST_MARIADB_URL is set),
its database built by both migration histories, and signed-in customers and admins.

These tests also run against an installed shopmail wheel (tests/test_wheel.py in shopmail), so they
use only shopmail's public API: ShopMail, its CLI and its screens.
"""

from __future__ import annotations

import os
import sys
import uuid
from pathlib import Path

import pytest
import sqlalchemy as sa
from werkzeug.security import generate_password_hash

# The example is not installed: make ``import tienda`` work from any working directory.
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tienda import create_app  # noqa: E402
from tienda.models import db  # noqa: E402
from tienda.models import Product  # noqa: E402
from tienda.models import User  # noqa: E402
from tienda_testing import flask_cli  # noqa: E402
from tienda_testing import login  # noqa: E402

PG_URL = os.environ.get("SHOPMAIL_TEST_DATABASE_URL")
MARIADB_URL = os.environ.get("SHOPMAIL_TEST_MARIADB_URL")
TEST_KEY = "ZmDfcTF7_60GrrY167zsiPd67pEvs0aGOv2oasOM1Pg="
ADMIN = ("ana@tienda.example", "contraseña-de-ana")
CUSTOMER = ("luis@cliente.example", "contraseña-de-luis")
# Real password checks at login, with a cheap hash so each sign-in takes milliseconds, not 0.3 s.
FAST_HASHES = [generate_password_hash(password, method="pbkdf2:sha256:1000") for _, password in (ADMIN, CUSTOMER)]


def pytest_report_header(config):
    import shopmail

    return f"shopmail under test: {Path(shopmail.__file__).parent}"


@pytest.fixture(scope="session", autouse=True)
def compiled_catalog():
    """The shop's English catalog, compiled as `pybabel compile -d tienda/translations` does."""
    from babel.messages.mofile import write_mo
    from babel.messages.pofile import read_po

    for po in (Path(__file__).resolve().parent.parent / "tienda" / "translations").glob("*/LC_MESSAGES/*.po"):
        with open(po, "rb") as fh:
            catalog = read_po(fh, locale=po.parts[-3])
        partial = po.with_suffix(f".mo.{os.getpid()}")
        with open(partial, "wb") as fh:
            write_mo(fh, catalog)
        os.replace(partial, po.with_suffix(".mo"))


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.skipif(
    not PG_URL, reason="SHOPMAIL_TEST_DATABASE_URL not set (PostgreSQL)")), pytest.param(
    "mariadb", marks=pytest.mark.skipif(not MARIADB_URL, reason="SHOPMAIL_TEST_MARIADB_URL not set (MariaDB)"))])
def database(request, tmp_path):
    """Config for an empty database: a SQLite file, or a private PostgreSQL schema or MariaDB database
    dropped afterwards."""
    if request.param == "sqlite":
        yield {"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'tienda.sqlite'}"}
        return
    if request.param == "mariadb":
        name = f"tienda_{uuid.uuid4().hex[:10]}"
        engine = sa.create_engine(MARIADB_URL, isolation_level="AUTOCOMMIT")
        with engine.connect() as conn:
            conn.execute(sa.text(f"CREATE DATABASE `{name}` CHARACTER SET utf8mb4 COLLATE utf8mb4_general_ci"))
        yield {"SQLALCHEMY_DATABASE_URI": sa.engine.make_url(MARIADB_URL).set(database=name).update_query_dict(
            {"charset": "utf8mb4"}).render_as_string(hide_password=False)}
        with engine.connect() as conn:
            conn.execute(sa.text(f"DROP DATABASE `{name}`"))
        engine.dispose()
        return
    schema = f"tienda_{uuid.uuid4().hex[:10]}"
    engine = sa.create_engine(PG_URL, isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.execute(sa.text(f'CREATE SCHEMA "{schema}"'))
    yield {"SQLALCHEMY_DATABASE_URI": PG_URL,
           "SQLALCHEMY_ENGINE_OPTIONS": {"connect_args": {"options": f"-csearch_path={schema}"}}}
    with engine.connect() as conn:
        conn.execute(sa.text(f'DROP SCHEMA "{schema}" CASCADE'))
    engine.dispose()


@pytest.fixture
def empty_app(database, tmp_path):
    """The shop with no tables yet."""
    app = create_app({
        "TESTING": True,
        "SECRET_KEY": "test-secret",
        "SHOPMAIL_ENCRYPTION_KEYS": TEST_KEY,
        "SHOPMAIL_CACHE_DIR": str(tmp_path / "cache"),
        "SHOPMAIL_SEND_INLINE": False,
        **database,
    })
    yield app
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


@pytest.fixture
def runner(empty_app):
    return empty_app.test_cli_runner()


@pytest.fixture
def app(empty_app, runner):
    """The shop with both migration histories applied, two products, an admin and a customer."""
    flask_cli(runner, "db", "upgrade")
    flask_cli(runner, "shopmail", "db-upgrade")
    with empty_app.app_context():
        db.session.add_all([Product(name="Camiseta de algodón", price="19.95"),
                            Product(name="Taza de cerámica", price="8.50")])
        db.session.add_all([User(email=ADMIN[0], name="Ana", is_admin=True, password_hash=FAST_HASHES[0]),
                            User(email=CUSTOMER[0], name="Luis Pérez", password_hash=FAST_HASHES[1])])
        db.session.commit()
    return empty_app


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def admin(app):
    return login(app.test_client(), *ADMIN)


@pytest.fixture
def customer(app):
    return login(app.test_client(), *CUSTOMER)
