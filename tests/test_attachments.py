"""Attachments (an invoice…): the same bytes reach the customer on the first try and on a retry; limits
refuse with a clear message; the message page lists them and serves them as downloads; the purge can
take them out."""

import hashlib
import json
import os
from email import message_from_bytes
from email import policy
from email.message import EmailMessage

import pytest

from shopmail.core.state import session
from shopmail.delivery import attachments
from tests import test_delivery_support as support
from tests.test_delivery_support import order

shop, mail_server = support.shop, support.mail_server  # fixtures

MB = 1024 * 1024


def notify(shop, item, files, kind=None, **extra):
    with shop.app.app_context():
        ext = shop.app.extensions["shopmail"].extension
        if kind:
            queued = ext.notify_customer(kind, item, attachments=files, **extra)
        else:
            queued = ext.notify_order_completed(item, attachments=files)
        session().commit()
        return queued


def test_a_1mb_invoice_reaches_the_customer_intact_and_a_retry_sends_the_same_bytes(shop):
    invoice = os.urandom(MB)
    calls = []

    def make_invoice():
        calls.append(1)
        return invoice

    refused = []

    def once(_envelope):
        if not refused:
            refused.append(1)
            return "451 4.3.0 Inténtelo más tarde"
        return None

    shop.server.replies["message"] = once
    shop.save_settings(admin_emails=[])
    notify(shop, order(), [{"filename": "factura-1001.pdf", "content_type": "application/pdf",
                            "data": make_invoice}])
    assert calls == [1]  # called once, when the mail was composed
    assert shop.deliver().retried == 1
    assert shop.statuses() == ["retry"] and shop.server.messages == []
    shop.make_due()
    assert shop.deliver().sent == 1
    (received,) = shop.server.messages
    (part,) = list(received.message.iter_attachments())
    assert part.get_filename() == "factura-1001.pdf" and part.get_content_type() == "application/pdf"
    assert hashlib.sha256(part.get_content()).hexdigest() == hashlib.sha256(invoice).hexdigest()
    assert calls == [1]  # the retry sent the stored bytes, it did not ask again
    # The mail itself is still there, with its text and HTML.
    assert "Confirmación de su pedido 1001" == received.message["Subject"]
    assert "Taza de cerámica" in received.message.get_body(("plain",)).get_content()


def test_other_notices_carry_attachments_too(shop):
    notify(shop, order(), [{"filename": "albarán.txt", "content_type": "text/plain", "data": b"hola\n"}],
           kind="order_shipped", tracking_number="PK1")
    shop.deliver()
    (received,) = shop.server.messages
    (part,) = list(received.message.iter_attachments())
    assert part.get_filename() == "albarán.txt" and part.get_payload(decode=True) == b"hola\n"


@pytest.mark.sqlite_only
@pytest.mark.parametrize("files, message", [
    ([{"filename": "grande.bin", "data": b"x" * (MB + 1)}], "el máximo por correo es 1048576 bytes"),
    ([{"filename": "a.bin", "data": b"x" * MB}, {"filename": "b.bin", "data": b"y"}], "1048577 bytes"),
    ([{"filename": "texto.txt", "data": "no son bytes"}], "El adjunto texto.txt no son bytes"),
    ([{"filename": "x.bin", "data": lambda: None}], "no son bytes"),
    ([{"filename": "x.bin", "content_type": "text/html\r\nBcc: x@y", "data": b"x"}], "no es válido"),
])
def test_attachments_that_cannot_be_sent_are_refused_before_anything_is_queued(shop, files, message):
    shop.app.config["SHOPMAIL_ATTACHMENTS_MAX_BYTES"] = MB
    with pytest.raises(attachments.AttachmentError, match=message):
        notify(shop, order(), files)
    assert shop.rows() == []


def test_the_message_page_lists_attachments_and_serves_them_as_downloads(shop, admin):
    (queued, _admin_notice) = notify(shop, order(), [
        {"filename": "../../etc/factura 1001.pdf", "content_type": "application/pdf", "data": b"%PDF-1.4 x"}])
    body = admin.get(f"/ajustes/envios/{queued.id}").get_data(as_text=True)
    assert "Adjuntos" in body and "factura 1001.pdf" in body and "etc" not in body.split("Adjuntos")[1][:300]
    response = admin.get(f"/ajustes/envios/{queued.id}/adjuntos/1")
    assert response.status_code == 200 and response.data == b"%PDF-1.4 x"
    assert response.headers["Content-Disposition"].startswith("attachment;")
    assert "factura" in response.headers["Content-Disposition"] and "/" not in response.headers["Content-Disposition"]
    assert admin.get(f"/ajustes/envios/{queued.id}/adjuntos/2").status_code == 404


@pytest.mark.sqlite_only
def test_attachments_are_for_admins_only(shop, client):
    (queued, _admin_notice) = notify(shop, order(), [{"filename": "f.pdf", "data": b"x"}])
    response = client.get(f"/ajustes/envios/{queued.id}/adjuntos/1")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_remove_takes_the_attachments_out_and_keeps_the_mail(shop):
    (queued, _admin_notice) = notify(shop, order(), [{"filename": "f.pdf", "data": b"x" * 5000}])
    with shop.app.app_context():
        assert attachments.remove([queued.id, 999]) == 1
        session().commit()
        assert attachments.remove([queued.id]) == 0
    (row,) = shop.rows(id=queued.id)
    mail = message_from_bytes(row.body, policy=policy.default)
    assert list(mail.iter_attachments()) == []
    assert "Taza de cerámica" in mail.get_body(("plain",)).get_content()
    assert mail["Message-ID"] == queued.message_id


def test_outbox_show_and_list_name_the_attachments_without_their_bytes(shop):
    invoice = b"%PDF-1.4 " + os.urandom(3000)
    (queued, admin_notice) = notify(shop, order(), [
        {"filename": "factura-1001.pdf", "content_type": "application/pdf", "data": invoice},
        {"filename": "condiciones.txt", "content_type": "text/plain", "data": "Devoluciones: 14 días\n".encode()}])
    runner = shop.app.test_cli_runner()
    expected = [{"filename": "factura-1001.pdf", "content_type": "application/pdf", "size": len(invoice)},
                {"filename": "condiciones.txt", "content_type": "text/plain", "size": 23}]

    result = runner.invoke(args=["shopmail", "outbox", "show", str(queued.id), "--json"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.output)["attachments"] == expected
    assert "JVBERi0" not in result.output  # the base64 of the bytes never appears

    listed = json.loads(runner.invoke(args=["shopmail", "outbox", "list", "--json"]).output)
    by_id = {item["id"]: item["attachments"] for item in listed}
    assert by_id == {queued.id: expected, admin_notice.id: []}

    text = runner.invoke(args=["shopmail", "outbox", "show", str(queued.id)]).output
    assert f"factura-1001.pdf (application/pdf, {len(invoice)} bytes)" in text
    assert "condiciones.txt (text/plain, 23 bytes)" in text
    assert "Adjuntos: —" in runner.invoke(args=["shopmail", "outbox", "show", str(admin_notice.id)]).output

    # The purge takes the files out; the JSON says so by listing none.
    with shop.app.app_context():
        attachments.remove([queued.id])
        session().commit()
    shown = json.loads(runner.invoke(args=["shopmail", "outbox", "show", str(queued.id), "--json"]).output)
    assert shown["attachments"] == []


@pytest.mark.parametrize("sizes", [(0, 1, 2, 3), (MB,), (1000001, 57)])
def test_the_json_description_agrees_with_the_parsed_message(sizes):
    msg = EmailMessage(policy=policy.SMTP)
    msg.set_content("Hola\n--no es un límite\n")
    msg.add_alternative("<p>Hola</p>", subtype="html")
    attachments.attach(msg, [attachments.Attachment(f"f{n}.bin", "application/octet-stream", os.urandom(n))
                             for n in sizes])
    msg.add_attachment("línea\n" * 10, subtype="plain", filename="nota.txt", cte="quoted-printable")
    raw = msg.as_bytes()
    parsed = attachments.listed(message_from_bytes(raw, policy=policy.SMTP))
    assert attachments.described(raw) == [
        {"filename": a.filename, "content_type": a.content_type, "size": a.size} for a in parsed]
    assert [a.size for a in parsed][:len(sizes)] == list(sizes)
