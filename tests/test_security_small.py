"""Issue 14, finding 10: the smaller gaps, each against the real part."""

import json
import os
import stat

import pytest
from cryptography.fernet import Fernet

from shopmail import create_app
from shopmail.services.autoconfig import discover
from tests.conftest import make_config as app_config
from tests.helpers import field_error
from tests.helpers import make_account
from tests.helpers import page
from tests.test_autoconfig_sources import AUTOCONFIG_PATH
from tests.test_autoconfig_sources import site_config
from tests.test_autoconfig_support import ADDRESS
from tests.test_autoconfig_support import config_xml


def test_a_truncated_autoconfig_document_is_not_used(local_dns, autoconfig_site):
    document = config_xml(("smtp.tienda.example", 465, "SSL", "%EMAILADDRESS%")).encode()

    def truncated(handler):  # announces the whole document, sends most of it, hangs up
        handler.close_connection = True
        handler.send_response(200)
        handler.send_header("Content-Type", "application/xml")
        handler.send_header("Content-Length", str(len(document) + 200))
        handler.send_header("Connection", "close")
        handler.end_headers()
        handler.wfile.write(document)
        handler.wfile.flush()

    autoconfig_site.route(AUTOCONFIG_PATH, truncated)
    result = discover(ADDRESS, config=site_config(local_dns, autoconfig_site))
    assert result.source != "autoconfig"
    assert not result.found


@pytest.mark.sqlite_only
def test_the_sqlite_database_is_created_owner_only(tmp_path):
    database = tmp_path / "instance" / "shopmail.sqlite"
    app = create_app(app_config(tmp_path, SQLALCHEMY_DATABASE_URI=f"sqlite:///{database}"))
    runner = app.test_cli_runner()
    assert runner.invoke(args=["shopmail", "db-upgrade"]).exit_code == 0
    assert stat.S_IMODE(os.stat(database).st_mode) == 0o600


@pytest.mark.sqlite_only
def test_live_probar_smtp_with_a_wrong_key_names_the_setting(admin, app, smtp_server):
    server = smtp_server(security="starttls")
    account_id = make_account(app, host="127.0.0.1", port=server.port)
    app.config["SHOPMAIL_ENCRYPTION_KEYS"] = Fernet.generate_key().decode()  # not the key it was sealed with
    response = admin.post(f"/ajustes/cuentas/{account_id}/editar/en-vivo", data={
        "address": "tienda@example.com", "host": "127.0.0.1", "port": str(server.port),
        "security": "starttls", "verify_cert": "y", "action": "test"})
    events = [json.loads(line) for line in response.get_data(as_text=True).splitlines()]
    assert events[-1]["event"] == "error"
    assert "SHOPMAIL_ENCRYPTION_KEYS" in events[-1]["message"]
    assert server.auth_attempts == []


@pytest.mark.sqlite_only
@pytest.mark.parametrize(("address", "name"), [("tienda@shop.test", ".test"), ("tienda@nas.local", ".local"),
                                               ("tienda@x.localhost", ".localhost")])
def test_reserved_domains_are_refused_with_the_reason(admin, address, name):
    body = page(admin.post("/ajustes/cuentas/nueva", data={
        "address": address, "host": "smtp.example.com", "port": "587", "security": "starttls",
        "action": "save"}))
    error = field_error(body, "address") or ""
    assert f"dominio reservado ({name})" in error and "no existe en Internet" in error
