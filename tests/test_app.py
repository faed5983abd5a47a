"""The app factory, configuration and the standalone instance folder."""

import os
import stat

import click
import pytest

from shopmail import create_app
from shopmail.core.config import DEFAULTS
from shopmail.core.config import from_environ
from shopmail.core.extras import require


def test_defaults_applied(app):
    for key, value in DEFAULTS.items():
        if key not in {"SHOPMAIL_CACHE_DIR", "SHOPMAIL_ENCRYPTION_KEYS", "SHOPMAIL_SMTP_TIMEOUT",
                       "SHOPMAIL_SEND_INLINE"}:
            assert app.config[key] == value, key
    assert "shopmail" in app.extensions


def test_environment_read_under_exact_names():
    env = {
        "SHOPMAIL_URL_PREFIX": "/correo",
        "SHOPMAIL_SMTP_TIMEOUT": "4.5",
        "SHOPMAIL_DNS_NAMESERVERS": "127.0.0.1:5353, 10.0.0.1",
        "SHOPMAIL_AUTOCONFIG_GUESS_PORTS": "587,465",
        "SHOPMAIL_SIMULATION_LOCK": "true",
        "SQLALCHEMY_DATABASE_URI": "sqlite://",
        "SECRET_KEY": "k",
        "FLASK_SHOPMAIL_URL_PREFIX": "/ignored",
        "PATH": "/bin",
    }
    found = from_environ(env)
    assert found["SHOPMAIL_URL_PREFIX"] == "/correo"
    assert found["SHOPMAIL_SMTP_TIMEOUT"] == 4.5
    assert found["SHOPMAIL_DNS_NAMESERVERS"] == ["127.0.0.1:5353", "10.0.0.1"]
    assert found["SHOPMAIL_AUTOCONFIG_GUESS_PORTS"] == [587, 465]
    assert found["SHOPMAIL_SIMULATION_LOCK"] is True
    assert found["SQLALCHEMY_DATABASE_URI"] == "sqlite://"
    assert "PATH" not in found and "FLASK_SHOPMAIL_URL_PREFIX" not in found


def test_url_prefix_from_environment(tmp_path, monkeypatch):
    monkeypatch.setenv("SHOPMAIL_URL_PREFIX", "/correo")
    monkeypatch.setenv("SHOPMAIL_INSTANCE_PATH", str(tmp_path))
    app = create_app({"SQLALCHEMY_DATABASE_URI": "sqlite://"})
    assert app.test_client().get("/correo/login").status_code == 200


def test_secret_and_key_generated_once_in_instance(tmp_path, monkeypatch):
    monkeypatch.delenv("SECRET_KEY", raising=False)
    monkeypatch.delenv("SHOPMAIL_ENCRYPTION_KEYS", raising=False)
    monkeypatch.setenv("SHOPMAIL_INSTANCE_PATH", str(tmp_path))
    first = create_app({"SQLALCHEMY_DATABASE_URI": "sqlite://"})
    second = create_app({"SQLALCHEMY_DATABASE_URI": "sqlite://"})
    assert first.config["SECRET_KEY"] == second.config["SECRET_KEY"]
    assert len(first.config["SECRET_KEY"]) >= 32 and first.config["SECRET_KEY"] != "dev"
    assert first.config["SHOPMAIL_ENCRYPTION_KEYS"] == second.config["SHOPMAIL_ENCRYPTION_KEYS"]
    key_file = tmp_path / "shopmail.key"
    assert stat.S_IMODE(os.stat(key_file).st_mode) == 0o600
    assert stat.S_IMODE(os.stat(tmp_path / "secret_key").st_mode) == 0o600


def test_embedded_never_reads_the_environment_nor_writes_the_hosts_keys(tmp_path, monkeypatch):
    """The host decides its configuration: init_app adds only shopmail's own defaults."""
    from flask import Flask
    from flask_sqlalchemy import SQLAlchemy

    from shopmail import ShopMail

    monkeypatch.setenv("SHOPMAIL_SEND_INLINE", "false")
    monkeypatch.setenv("SHOPMAIL_URL_PREFIX", "/correo")
    host = Flask("host", instance_path=str(tmp_path))
    host.config.update(SQLALCHEMY_DATABASE_URI="sqlite://", SHOPMAIL_URL_PREFIX="/admin/correo")
    db = SQLAlchemy(host)
    before = dict(host.config)
    ShopMail(host, db=db)
    assert host.config["SHOPMAIL_SEND_INLINE"] is True  # the default, not the environment's "false"
    assert host.config["SHOPMAIL_URL_PREFIX"] == "/admin/correo"
    changed = {key for key in host.config if key not in before or host.config[key] != before[key]}
    assert changed and all(key.startswith("SHOPMAIL_") for key in changed), changed
    assert not any(key.startswith(("BABEL_", "RATELIMIT_", "CACHE_")) for key in host.config)


def test_a_missing_extra_names_the_pip_command():
    with pytest.raises(click.ClickException) as caught:
        require("shopmail_no_such_module", "standalone")
    assert "pip install 'shopmail[standalone]'" in caught.value.message
