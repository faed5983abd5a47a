"""open_smtp and classify_send_error: the delivery worker's use of the probe's connection code, against real servers."""

import smtplib
from email.message import EmailMessage
from email.utils import make_msgid

import pytest

from shopmail.smtp.connection import classify_send_error
from shopmail.smtp.connection import open_smtp
from shopmail.smtp.connection import SMTPFailure
from shopmail.smtp.probe import Target

USER = "ventas@tienda.example"
PASSWORD = "contraseña-de-envío"


def message(to="cliente@correo.example"):
    mail = EmailMessage()
    mail["From"], mail["To"], mail["Subject"] = USER, to, "Pedido 1001"
    mail["Message-ID"] = make_msgid(domain="tienda.example")
    mail.set_content("Gracias por su compra.")
    return mail


def account(server, **values):
    return server.target(username=USER, password=PASSWORD, from_address=USER, **values)


@pytest.mark.parametrize("security", ["starttls", "ssl"])
def test_open_smtp_logs_in_once_and_sends_over_one_connection(smtp_server, security):
    server = smtp_server(security=security, users={USER: PASSWORD})
    smtp = open_smtp(account(server))
    try:
        first, second = message(), message("otro@correo.example")
        smtp.send_message(first)
        smtp.send_message(second)
    finally:
        smtp.quit()
    received = server.wait_for_messages(2)
    assert [r.message_id for r in received] == [first["Message-ID"], second["Message-ID"]]
    assert received[0].rcpt_tos == ["cliente@correo.example"]
    assert len(server.auth_attempts) == 1
    assert server.commands.count("EHLO") == (2 if security == "starttls" else 1)


def test_open_smtp_relay_without_login(smtp_server):
    server = smtp_server(security="none")
    smtp = open_smtp(server.target(from_address=USER))
    smtp.send_message(message())
    smtp.quit()
    assert len(server.wait_for_messages(1)) == 1
    assert "AUTH" not in server.commands


@pytest.mark.parametrize(("make", "reason", "kind"), [
    (lambda s, p, c: account(s(security="starttls", users={USER: "otra"})), "auth_failed", "account"),
    (lambda s, p, c: account(s(security="starttls"), ca_file=None), "certificate_invalid", "account"),
    (lambda s, p, c: account(s(security="starttls", offer_starttls=False)), "starttls_unavailable", "account"),
    (lambda s, p, c: account(p, security="ssl"), "use_starttls", "account"),
    (lambda s, p, c: Target("127.0.0.1", c, "starttls", timeout=2), "connection_refused", "transient"),
    (lambda s, p, c: account(s(security="starttls", users={USER: PASSWORD},
                               replies={"auth": "454 4.7.0 Temporary authentication failure"})),
     "throttled", "transient"),
])
def test_open_smtp_failures_say_what_kind(smtp_server, plain_smtp_server, closed_port, make, reason, kind):
    with pytest.raises(SMTPFailure) as caught:
        open_smtp(make(smtp_server, plain_smtp_server, closed_port))
    assert (caught.value.reason, caught.value.kind) == (reason, kind)
    assert caught.value.message and PASSWORD not in str(caught.value)


@pytest.mark.parametrize(("replies", "reason", "kind", "code"), [
    ({"rcpt": "550 5.1.1 <cliente@correo.example>: Recipient address rejected: User unknown"},
     "server_error", "permanent", 550),
    ({"rcpt": "450 4.2.1 Mailbox busy, try again later"}, "throttled", "transient", 450),
    ({"rcpt": "554 5.7.1 <cliente@correo.example>: Relay access denied"}, "relay_denied", "account", 554),
    ({"mail": "553 5.7.1 <ventas@tienda.example>: Sender address rejected: not owned by user x"},
     "sender_not_allowed", "account", 553),
    ({"message": "554 5.2.252 SendAsDenied; ventas@tienda.example not allowed to send as info@otra.example"},
     "sender_not_allowed", "account", 554),
    ({"message": "554 5.7.1 Message rejected: spam content detected"}, "server_error", "permanent", 554),
    ({"message": "452 4.3.1 Insufficient system storage"}, "throttled", "transient", 452),
])
def test_send_errors_from_a_real_server(smtp_server, replies, reason, kind, code):
    server = smtp_server(security="starttls", users={USER: PASSWORD}, replies=replies)
    smtp = open_smtp(account(server))
    with pytest.raises(smtplib.SMTPException) as caught:
        smtp.send_message(message())
    smtp.close()
    failure = classify_send_error(caught.value)
    assert (failure.reason, failure.kind, failure.smtp_code) == (reason, kind, code)
    assert failure.message


def test_server_gone_mid_connection_is_transient(smtp_server):
    server = smtp_server(security="starttls", users={USER: PASSWORD})
    smtp = open_smtp(account(server))
    server.stop()
    with pytest.raises((smtplib.SMTPException, OSError)) as caught:
        smtp.send_message(message())
    smtp.close()
    assert classify_send_error(caught.value).kind == "transient"


def test_timeout_and_disconnection_mid_send():
    assert classify_send_error(TimeoutError("timed out")).kind == "transient"
    assert classify_send_error(smtplib.SMTPServerDisconnected("gone")).kind == "transient"
