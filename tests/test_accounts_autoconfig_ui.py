"""«Intentar configuración automática» in the account form and in the CLI (test DNS on loopback)."""

import json
import re

import pytest

from tests.helpers import page

NEW = "/ajustes/cuentas/nueva"


@pytest.fixture
def configured(app, dns_server, smtp_ca_file):
    app.config.update(SHOPMAIL_DNS_NAMESERVERS=[dns_server.address], SHOPMAIL_AUTOCONFIG_ALLOW_PRIVATE=True,
                      SHOPMAIL_ISPDB_URL="", SHOPMAIL_SMTP_CA_FILE=smtp_ca_file, SHOPMAIL_AUTOCONFIG_DEADLINE=4.0,
                      SHOPMAIL_AUTOCONFIG_GUESS_PORTS=[])
    return dns_server


@pytest.fixture
def srv_domain(configured, smtp_server):
    server = smtp_server(security="starttls", cert_hostname="mail.tienda.example",
                         users={"ventas@tienda.example": "la-buena"})
    configured.add("tienda.example", "MX", (10, "mail.tienda.example"))
    configured.add("_submission._tcp.tienda.example", "SRV", (0, 1, server.port, "mail.tienda.example"))
    configured.add("mail.tienda.example", "A", "127.0.0.1")
    return server


def field_value(body, field_id):
    tag = re.search(rf'<input[^>]*\bid="{field_id}"[^>]*>', body)
    match = tag and re.search(r'value="([^"]*)"', tag.group(0))
    return match.group(1) if match else None


def test_button_fills_the_form_and_keeps_what_was_typed(admin, srv_domain):
    body = page(admin.post(NEW, data={
        "address": "ventas@tienda.example", "display_name": "Ventas", "username": "",
        "password": "la-buena", "host": "", "port": "", "security": "starttls", "action": "autoconfig"}))
    assert "Configuración encontrada" in body
    assert field_value(body, "host") == "mail.tienda.example"
    assert field_value(body, "port") == str(srv_domain.port)
    assert '<option selected value="starttls">' in body
    assert field_value(body, "display_name") == "Ventas"
    assert "la-buena" not in body  # the password is never rendered back
    assert "Configuración comprobada" in body and body.count("Configuración encontrada") == 1
    assert "srv" in body


def test_nothing_found_invites_manual_entry(admin, configured):
    configured.add("nada.example", "TXT", "v=spf1 -all")  # it exists, and publishes nothing about mail
    body = page(admin.post(NEW, data={"address": "alguien@nada.example", "password": "", "host": "",
                                      "port": "", "security": "starttls", "action": "autoconfig"}))
    assert "No se ha encontrado la configuración" in body
    assert "Escriba a mano el servidor SMTP" in body


def test_provider_table_notes(admin, configured):
    body = page(admin.post(NEW, data={"address": "tienda@gmail.com", "host": "", "port": "",
                                      "security": "starttls", "action": "autoconfig"}))
    assert field_value(body, "host") == "smtp.gmail.com"
    assert "contraseña de aplicación" in body.lower()


def test_cli_autoconfig_and_add(runner, srv_domain):
    result = runner.invoke(args=["shopmail", "autoconfig", "ventas@tienda.example", "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert (data["host"], data["port"], data["source"]) == ("mail.tienda.example", srv_domain.port, "srv")
    added = runner.invoke(args=["shopmail", "account", "add", "--address", "ventas@tienda.example",
                                "--password", "la-buena", "--autoconfig", "--json"])
    assert added.exit_code == 0, added.output
    account = json.loads(added.stdout)["account"]
    assert account["host"] == "mail.tienda.example" and account["last_test"]["ok"] is True
    missing = runner.invoke(args=["shopmail", "autoconfig", "x@nada.example"])
    assert missing.exit_code == 1
