"""Guessing and verification against real aiosmtpd servers: handshakes, certificates, logins."""

import pytest

from shopmail.services.autoconfig import discover
from tests.test_autoconfig_support import ADDRESS
from tests.test_autoconfig_support import DOMAIN
from tests.test_autoconfig_support import make_config

PASSWORD = "secreto-de-prueba"


@pytest.fixture
def dns_server(local_dns):
    """This module's DNS server with the domain's usual names on 127.0.0.1."""
    for name in (DOMAIN, f"smtp.{DOMAIN}", f"mail.{DOMAIN}"):
        local_dns.add(name, "A", "127.0.0.1")
    return local_dns


@pytest.fixture
def config(dns_server, smtp_ca_file):
    def make(**extra):
        return make_config(dns_server.address, **{"SHOPMAIL_SMTP_CA_FILE": smtp_ca_file, **extra})
    return make


def submissions(dns_server, server, target=f"smtp.{DOMAIN}", priority=0):
    service = "_submissions._tcp" if server.security == "ssl" else "_submission._tcp"
    dns_server.add(f"{service}.{DOMAIN}", "SRV", (priority, 0, server.port, target))


# Guessing -------------------------------------------------------------------------------------------------


def test_guess_keeps_only_the_host_whose_certificate_matches(smtp_server, config):
    server = smtp_server(security="starttls", cert_hostname=f"mail.{DOMAIN}")
    result = discover(ADDRESS, config=config(SHOPMAIL_AUTOCONFIG_GUESS_PORTS=[server.port]))
    assert (result.found, result.source) == (True, "guess")
    assert (result.host, result.port, result.security) == (f"mail.{DOMAIN}", server.port, "starttls")
    assert [c.host for c in result.candidates] == [f"mail.{DOMAIN}"]  # smtp. and the bare domain: wrong name
    # A real upgrade, not a look at EHLO: smtp. (tried first, refused for its certificate) and mail.
    assert server.commands.count("STARTTLS") >= 2
    assert "AUTH" not in server.commands


def test_guess_recognises_implicit_tls_on_a_port_other_than_465(smtp_server, config):
    server = smtp_server(security="ssl", cert_hostname=f"smtp.{DOMAIN}")
    result = discover(ADDRESS, config=config(SHOPMAIL_AUTOCONFIG_GUESS_PORTS=[server.port]))
    assert (result.source, result.host, result.security) == ("guess", f"smtp.{DOMAIN}", "ssl")


def test_guess_with_an_untrusted_certificate_finds_nothing(smtp_server, config):
    server = smtp_server(security="starttls", cert_hostname=f"smtp.{DOMAIN}")
    result = discover(ADDRESS, config=config(SHOPMAIL_AUTOCONFIG_GUESS_PORTS=[server.port],
                                             SHOPMAIL_SMTP_CA_FILE=None))
    assert not result.found


def test_guess_without_starttls_is_offered_as_plain_only_when_nothing_else(smtp_server, config, dns_server):
    plain = smtp_server(security="none")
    result = discover(ADDRESS, config=config(SHOPMAIL_AUTOCONFIG_GUESS_PORTS=[plain.port]))
    assert (result.host, result.security) == (f"smtp.{DOMAIN}", "none")

    encrypted = smtp_server(security="starttls", cert_hostname=f"smtp.{DOMAIN}")
    submissions(dns_server, encrypted)
    result = discover(ADDRESS, config=config(SHOPMAIL_AUTOCONFIG_GUESS_PORTS=[plain.port]))
    assert (result.source, result.security) == ("srv", "starttls")


def test_guessing_refuses_private_addresses_unless_allowed(smtp_server, config):
    server = smtp_server(security="starttls", cert_hostname=f"smtp.{DOMAIN}")
    result = discover(ADDRESS, config=config(SHOPMAIL_AUTOCONFIG_GUESS_PORTS=[server.port],
                                             SHOPMAIL_AUTOCONFIG_ALLOW_PRIVATE=False))
    assert not result.found
    assert server.commands == []


# Verification ---------------------------------------------------------------------------------------------


def test_right_password_is_verified_by_a_real_login(smtp_server, config, dns_server):
    server = smtp_server(security="ssl", cert_hostname=f"smtp.{DOMAIN}", users={ADDRESS: PASSWORD})
    submissions(dns_server, server)
    result = discover(ADDRESS, None, PASSWORD, config=config())
    assert (result.found, result.verified, result.source, result.username) == (True, True, "srv", ADDRESS)
    assert result.candidates[0].verified
    assert [(a.login, a.success) for a in server.auth_attempts] == [(ADDRESS, True)]
    assert "comprobada" in result.message
    assert PASSWORD not in repr(result.to_dict())
    assert server.messages == []  # nothing is ever sent


def test_wrong_password_tries_two_user_forms_then_says_so(smtp_server, config, dns_server):
    server = smtp_server(security="starttls", cert_hostname=f"smtp.{DOMAIN}", users={ADDRESS: PASSWORD})
    submissions(dns_server, server)
    result = discover(ADDRESS, None, "otra-clave", config=config())
    assert (result.found, result.verified, result.host) == (True, False, f"smtp.{DOMAIN}")
    assert [(a.login, a.success) for a in server.auth_attempts] == [(ADDRESS, False), ("ana", False)]
    assert "rechazó el usuario o la contraseña" in result.message


def test_local_part_login_is_found_second(smtp_server, config, dns_server):
    server = smtp_server(security="starttls", cert_hostname=f"smtp.{DOMAIN}", users={"ana": PASSWORD})
    submissions(dns_server, server)
    result = discover(ADDRESS, None, PASSWORD, config=config())
    assert (result.verified, result.username) == (True, "ana")
    assert [a.login for a in server.auth_attempts] == [ADDRESS, "ana"]


def test_a_typed_user_name_is_tried_first(smtp_server, config, dns_server):
    server = smtp_server(security="starttls", cert_hostname=f"smtp.{DOMAIN}", users={"ventas": PASSWORD})
    submissions(dns_server, server)
    result = discover(ADDRESS, "ventas", PASSWORD, config=config())
    assert (result.verified, result.username) == (True, "ventas")
    assert [a.login for a in server.auth_attempts] == ["ventas"]


def test_a_provider_refusal_stops_at_once_with_its_explanation(smtp_server, config, dns_server):
    server = smtp_server(security="starttls", cert_hostname=f"smtp.{DOMAIN}",
                         replies={"auth": "534 5.7.9 Application-specific password required"})
    submissions(dns_server, server)
    result = discover(ADDRESS, None, PASSWORD, config=config())
    assert (result.found, result.verified) == (True, False)
    assert len(server.auth_attempts) == 1
    assert "contraseña de aplicación" in result.message


def test_an_unreachable_server_hands_over_to_the_next_candidate(smtp_server, config, dns_server, closed_port):
    server = smtp_server(security="starttls", cert_hostname=f"smtp.{DOMAIN}", users={ADDRESS: PASSWORD})
    dns_server.add(f"_submission._tcp.{DOMAIN}", "SRV", (0, 0, closed_port, f"smtp.{DOMAIN}"))
    submissions(dns_server, server, priority=10)
    result = discover(ADDRESS, None, PASSWORD, config=config())
    assert (result.verified, result.port) == (True, server.port)
    assert [c.port for c in result.candidates] == [server.port, closed_port]


def test_a_guessed_server_is_verified_too(smtp_server, config):
    server = smtp_server(security="starttls", cert_hostname=f"mail.{DOMAIN}", users={ADDRESS: PASSWORD})
    result = discover(ADDRESS, None, PASSWORD, config=config(SHOPMAIL_AUTOCONFIG_GUESS_PORTS=[server.port]))
    assert (result.source, result.host, result.verified) == ("guess", f"mail.{DOMAIN}", True)


def test_a_password_is_never_sent_unencrypted(smtp_server, config):
    plain = smtp_server(security="none", users={ADDRESS: PASSWORD}, auth_require_tls=False)
    result = discover(ADDRESS, None, PASSWORD, config=config(SHOPMAIL_AUTOCONFIG_GUESS_PORTS=[plain.port]))
    assert (result.found, result.security, result.verified) == (True, "none", False)
    assert plain.auth_attempts == []
    assert "sin cifrar" in result.message


def test_no_password_goes_to_a_private_address_unless_allowed(smtp_server, config, dns_server):
    server = smtp_server(security="ssl", cert_hostname=f"smtp.{DOMAIN}", users={ADDRESS: PASSWORD})
    submissions(dns_server, server)
    result = discover(ADDRESS, None, PASSWORD, config=config(SHOPMAIL_AUTOCONFIG_ALLOW_PRIVATE=False))
    assert (result.found, result.source, result.verified) == (True, "srv", False)
    assert server.commands == [] and server.auth_attempts == []
    assert "dirección privada" in result.message
