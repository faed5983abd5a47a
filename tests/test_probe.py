"""Probar SMTP against real aiosmtpd servers on loopback: success, transport failures, TLS, DNS, deadline."""

import base64
import logging
import time

import pytest

from shopmail.smtp.probe import probe
from shopmail.smtp.probe import Target
from shopmail.smtp.probe import target_from_config

USER = "ventas@tienda.example"
PASSWORD = "contraseña-Ñandú-42"
STEPS = ["dns", "connect", "greeting", "ehlo", "starttls", "ehlo", "auth", "mail_from", "rcpt_to", "data"]


def login(server, **values):
    """A target for ``server`` with the shop's credentials."""
    return server.target(username=USER, password=PASSWORD, from_address=USER, **values)


def test_starttls_success_walks_every_step_and_delivers_nothing(smtp_server):
    server = smtp_server(security="starttls", users={USER: PASSWORD})
    result = probe(login(server, host="localhost"))
    assert result.ok and result.reason == "ok", result.message
    assert [step.step for step in result.steps] == STEPS
    assert all(step.ok for step in result.steps)
    assert result.tls.version.startswith("TLSv1.")
    assert result.tls.issuer and result.tls.not_after.startswith("3000-")
    assert len(server.auth_attempts) == 1 and server.auth_attempts[0].success
    # The connection ended right after 354: no message, no RSET or QUIT sent as message text.
    assert server.commands[-1] == "DATA"
    time.sleep(0.2)
    assert server.messages == []
    assert "Correcta" in result.summary()


def test_implicit_tls_success(smtp_server):
    server = smtp_server(security="ssl", users={USER: PASSWORD})
    result = probe(login(server))
    assert result.ok, result.message
    assert [step.step for step in result.steps] == [
        "dns", "connect", "tls", "greeting", "ehlo", "auth", "mail_from", "rcpt_to", "data"]
    assert result.to_dict()["tls"]["version"] == result.tls.version
    assert [a.mechanism for a in server.auth_attempts] == ["PLAIN"]


def test_login_mechanism_with_non_ascii_password(smtp_server):
    server = smtp_server(security="starttls", users={USER: PASSWORD}, auth_mechanisms=("LOGIN",))
    result = probe(login(server))
    assert result.ok, result.message
    assert [(a.mechanism, a.success) for a in server.auth_attempts] == [("LOGIN", True)]


def test_relay_without_password_sends_no_auth(smtp_server):
    server = smtp_server(security="none")
    result = probe(server.target(from_address=USER, rcpt_to="pedidos@tienda.example"))
    assert result.ok, result.message
    assert "AUTH" not in server.commands and "auth" not in [s.step for s in result.steps]


def test_json_shape_is_the_contract(smtp_server):
    server = smtp_server(security="starttls", users={USER: PASSWORD})
    data = probe(login(server)).to_dict()
    assert list(data) == ["ok", "reason", "message", "hint", "smtp_code", "enhanced_code", "elapsed_ms",
                          "steps", "tls", "skipped"]  # skipped: an extension of the contract
    assert set(data["steps"][0]) == {"step", "ok", "ms", "detail"}
    assert set(data["tls"]) == {"version", "cipher", "subject", "issuer", "not_after"}


def test_wrong_password_is_one_attempt_and_never_shown(smtp_server, caplog):
    caplog.set_level(logging.DEBUG)
    server = smtp_server(security="starttls", users={USER: "la-buena"})
    target = login(server)
    result = probe(target)
    assert result.reason == "auth_failed"
    assert (result.smtp_code, result.enhanced_code) == (535, "5.7.8")
    assert len(server.auth_attempts) == 1
    assert server.commands.count("AUTH") == 1
    secrets = [PASSWORD, base64.b64encode(PASSWORD.encode()).decode(),
               base64.b64encode(f"\0{USER}\0{PASSWORD}".encode()).decode()]
    shown = str(result.to_dict()) + result.summary() + repr(target) + caplog.text
    shown += " ".join(record.getMessage() for record in caplog.records)
    for secret in secrets:
        assert secret not in shown
    assert any(record.name == "shopmail.smtp" for record in caplog.records)


def test_starttls_chosen_but_not_offered_fails_closed(smtp_server):
    server = smtp_server(security="starttls", offer_starttls=False, users={USER: PASSWORD})
    result = probe(login(server))
    assert result.reason == "starttls_unavailable"
    assert "AUTH" not in server.commands and server.auth_attempts == []


def test_server_demanding_starttls_with_login(smtp_server):
    server = smtp_server(security="starttls", require_starttls=True, users={USER: PASSWORD})
    result = probe(login(server, security="none"))
    assert result.reason == "starttls_required"
    assert server.auth_attempts == []


def test_server_demanding_starttls_before_mail(smtp_server):
    server = smtp_server(security="starttls", require_starttls=True)
    result = probe(server.target(security="none", from_address=USER))
    assert (result.reason, result.smtp_code) == ("starttls_required", 530)
    assert "STARTTLS" in result.message


def test_ssl_chosen_on_a_plain_port(plain_smtp_server):
    result = probe(login(plain_smtp_server, security="ssl"))
    assert result.reason == "use_starttls"
    assert "STARTTLS" in result.hint


@pytest.mark.parametrize("security", ["starttls", "none"])
def test_plain_chosen_on_an_implicit_tls_port(smtp_server, security):
    server = smtp_server(security="ssl", users={USER: PASSWORD})
    start = time.monotonic()
    result = probe(login(server, security=security, timeout=2.0))
    assert result.reason == "use_ssl"
    assert time.monotonic() - start < 2.0
    assert "SSL/TLS" in result.hint


@pytest.mark.parametrize("security", ["starttls", "ssl"])
def test_untrusted_certificate(smtp_server, security):
    server = smtp_server(security=security, users={USER: PASSWORD})
    result = probe(login(server, ca_file=None))
    assert result.reason == "certificate_invalid"
    assert server.auth_attempts == []
    assert not result.steps[-1].ok and result.steps[-1].step in ("tls", "starttls")
    # The admin reads a sentence; OpenSSL's own words stay in the failed step's detail (technical details).
    assert result.message == "El certificado del servidor lo emitió una autoridad que la tienda no conoce."
    assert "local issuer" in result.steps[-1].detail


def test_untrusted_certificate_accepted_when_the_admin_turned_checking_off(smtp_server):
    server = smtp_server(security="ssl", users={USER: PASSWORD})
    result = probe(login(server, ca_file=None, verify_cert=False))
    assert result.ok, result.message
    assert result.tls.issuer  # the certificate is still described


@pytest.mark.parametrize("security", ["starttls", "ssl"])
def test_certificate_for_another_name(smtp_server, security):
    server = smtp_server(security=security, cert_hostname="mail.otro.example", users={USER: PASSWORD})
    result = probe(login(server, host="localhost"))
    assert result.reason == "certificate_invalid"
    assert "localhost" in result.message
    assert server.auth_attempts == []


def test_expired_certificate(smtp_server):
    server = smtp_server(security="ssl", cert_expired=True, users={USER: PASSWORD})
    result = probe(login(server))
    assert result.reason == "certificate_invalid"
    assert "caducado" in result.message


def test_nothing_listening(closed_port):
    result = probe(Target("127.0.0.1", closed_port, "starttls", from_address=USER, timeout=3))
    assert result.reason == "connection_refused"
    assert str(closed_port) in result.message


@pytest.mark.parametrize("security", ["starttls", "ssl"])
def test_silent_host_ends_within_the_deadline(silent_server, security):
    start = time.monotonic()
    result = probe(Target(silent_server.host, silent_server.port, security, USER, PASSWORD,
                          from_address=USER, timeout=1.5))
    elapsed = time.monotonic() - start
    assert result.reason == "timeout"
    assert elapsed < 1.5 + 1
    assert "1.5" in result.message


def test_name_that_does_not_resolve(dns_server):
    result = probe(Target("smtp.nada.example", 587, "starttls", from_address=USER, timeout=3,
                          nameservers=(dns_server.address,)))
    assert result.reason == "dns_failure"
    assert "smtp.nada.example" in result.message
    assert [s.step for s in result.steps] == ["dns"]


def test_a_step_detail_speaks_the_admins_language(app, dns_server):
    """Issue 19: an English panel read "smtp.nada.example no existe" in the test's steps."""
    target = Target("smtp.nada.example", 587, "starttls", from_address=USER, timeout=3,
                    nameservers=(dns_server.address,))
    with app.test_request_context(headers={"Accept-Language": "en"}):
        english = probe(target)
    with app.test_request_context(headers={"Accept-Language": "es"}):
        spanish = probe(target)
    assert english.steps[0].detail == "smtp.nada.example does not exist"
    assert spanish.steps[0].detail == "smtp.nada.example no existe"


def test_name_resolved_through_the_configured_dns(dns_server, smtp_server):
    server = smtp_server(security="starttls", cert_hostname="smtp.tienda.example", users={USER: PASSWORD})
    dns_server.add("smtp.tienda.example", "A", "127.0.0.1")
    result = probe(login(server, host="smtp.tienda.example", nameservers=(dns_server.address,)))
    assert result.ok, result.message
    assert ("smtp.tienda.example", "A") in dns_server.zone.queries


def test_silent_dns_is_bounded_by_the_deadline(silent_dns):
    start = time.monotonic()
    result = probe(Target("smtp.tienda.example", 587, "starttls", timeout=1.0, nameservers=(silent_dns,)))
    assert result.reason == "dns_failure"
    assert time.monotonic() - start < 2.0


@pytest.mark.parametrize("mechanisms", [(), ("XOAUTH2",)])
def test_no_usable_login(smtp_server, mechanisms):
    server = smtp_server(security="starttls", auth_mechanisms=mechanisms, users={USER: PASSWORD})
    result = probe(login(server))
    assert result.reason == "auth_unavailable"
    assert server.auth_attempts == []


def test_target_from_config():
    config = {"SHOPMAIL_SMTP_TIMEOUT": 4, "SHOPMAIL_SMTP_CA_FILE": "/tmp/ca.pem",
              "SHOPMAIL_SMTP_LOCAL_HOSTNAME": "tienda.example", "SHOPMAIL_DNS_NAMESERVERS": ["127.0.0.1:5353"]}
    target = target_from_config(config, host="smtp.example.com", port="465", security="SSL", password="s3creto!")
    assert (target.timeout, target.ca_file, target.local_hostname) == (4.0, "/tmp/ca.pem", "tienda.example")
    assert target.nameservers == ("127.0.0.1:5353",)
    assert (target.port, target.security) == (465, "ssl")
    assert target_from_config({}, host="h", port=25, security="none").timeout == 10.0
    assert "s3creto!" not in repr(target)
