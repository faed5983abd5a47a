"""What the CLI prints for people: labelled Spanish lines and dates, never Python reprs; hints name CLI options."""

import json
import re

from tests import test_delivery_support as support
from tests.helpers import make_account

shop, mail_server = support.shop, support.mail_server  # fixtures

DATE = r"\d\d/\d\d/\d{4} \d\d:\d\d UTC"
REPRS = re.compile(r"\b(True|False|None)\b|[{}]|'\w+':")


def _cli(app, *args):
    return app.test_cli_runner().invoke(args=["shopmail", *args])


def test_outbox_show_and_list_read_as_labelled_lines_with_dates(shop):
    shop.save_settings(simulation=True, admin_emails=[])
    shop.notify(support.order("1001"))
    (row,) = shop.rows()
    shown = _cli(shop.app, "outbox", "show", str(row.id))
    assert shown.exit_code == 0, shown.output
    text = shown.output
    assert "Estado: Simulado" in text and "Tipo: Confirmación de pedido" in text
    assert "Destinatarios: ana@cliente.example" in text and f"Message-ID: {row.message_id}" in text
    assert "Intentos: 0" in text and "Enviado: —" in text and re.search(f"Creado: {DATE}", text)
    assert not REPRS.search(text.replace(row.message_id, ""))
    item = json.loads(_cli(shop.app, "outbox", "show", str(row.id), "--json").stdout)
    assert (item["id"], item["status"], item["kind"]) == (row.id, "simulated", "order_completed")
    missing = _cli(shop.app, "outbox", "show", "999", "--json")
    assert missing.exit_code == 1 and json.loads(missing.stdout) == {"ok": False, "error": "No existe el envío 999."}
    header, line = _cli(shop.app, "outbox", "list").output.splitlines()
    assert header.split()[:3] == ["Id", "Fecha", "Estado"]
    assert re.search(DATE, line) and "Simulado" in line


def test_account_show_and_list_without_python_reprs(shop):
    make_account(shop.app, "sin-probar@tienda.example", tested=False, security="none", port=25)
    text = _cli(shop.app, "account", "show", str(shop.account_id)).output
    assert "Dirección: tienda@tienda.example" in text and "Seguridad: STARTTLS" in text
    assert "Verificar certificado: sí" in text and "Cuenta de envío: sí" in text
    assert re.search(f"Última prueba: correcta, {DATE}", text)
    assert not REPRS.search(text), text
    listed = _cli(shop.app, "account", "list").output.splitlines()
    assert listed[0].split()[:2] == ["Id", "Dirección"] and len(listed) == 3
    in_use, untested = (next(line for line in listed if address in line)
                        for address in ("tienda@tienda.example", "sin-probar@"))
    assert "[en uso]" in in_use and re.search(f"correcta, {DATE}", in_use)
    assert "sin probar" in untested and "Ninguna" in untested and "[en uso]" not in untested
    assert not REPRS.search("\n".join(listed))


def test_the_certificate_hint_names_the_cli_option(app, smtp_server):
    server = smtp_server(security="starttls")  # its certificate comes from a CA this app does not trust
    args = ["smtp-test", "--host", server.host, "--port", str(server.port), "--security", "starttls"]
    result = _cli(app, *args)
    assert result.exit_code == 1 and "certificate_invalid" in result.output
    assert "--no-verify-cert" in result.output and "Verificar certificado" not in result.output
    data = json.loads(_cli(app, *args, "--json").stdout)
    assert "--no-verify-cert" in data["hint"]
    assert _cli(app, *args, "--no-verify-cert").exit_code == 0
