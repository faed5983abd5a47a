"""Each network source of auto-configuration found on its own, against real local DNS and web servers."""

import pytest

from shopmail.services.autoconfig import discover
from tests.test_autoconfig_support import ADDRESS
from tests.test_autoconfig_support import config_xml
from tests.test_autoconfig_support import DOMAIN
from tests.test_autoconfig_support import make_config

AUTOCONFIG_PATH = "/mail/config-v1.1.xml"
WELL_KNOWN_PATH = "/.well-known/autoconfig/mail/config-v1.1.xml"


def site_config(local_dns, autoconfig_site, **extra):
    extra = {"SHOPMAIL_AUTOCONFIG_HTTPS_PORT": autoconfig_site.port, "SHOPMAIL_SMTP_CA_FILE": autoconfig_site.ca_file, **extra}
    return make_config(local_dns.address, **extra)


def test_own_autoconfig_at_the_autoconfig_host(local_dns, autoconfig_site):
    autoconfig_site.route(AUTOCONFIG_PATH, (200, config_xml(("smtp.%EMAILDOMAIN%", 587, "STARTTLS", "%EMAILLOCALPART%")), {}))
    result = discover(ADDRESS, config=site_config(local_dns, autoconfig_site))
    assert (result.found, result.source) == (True, "autoconfig")
    assert (result.host, result.port, result.security, result.username) == (
        f"smtp.{DOMAIN}", 587, "starttls", "ana")
    assert result.provider == "Tienda"
    host, path = next(r for r in autoconfig_site.requests if r[1].startswith(AUTOCONFIG_PATH))
    assert host == f"autoconfig.{DOMAIN}:{autoconfig_site.port}"
    assert "emailaddress=ana%40tienda.example" in path


def test_own_autoconfig_at_the_well_known_path(local_dns, autoconfig_site):
    autoconfig_site.route(WELL_KNOWN_PATH, (200, config_xml(("mail.tienda.example", 465, "SSL", "%EMAILADDRESS%")), {}))
    result = discover(ADDRESS, config=site_config(local_dns, autoconfig_site))
    assert (result.source, result.host, result.port, result.security, result.username) == (
        "autoconfig", "mail.tienda.example", 465, "ssl", ADDRESS)


def test_own_autoconfig_needs_a_trusted_certificate(local_dns, autoconfig_site):
    autoconfig_site.route(AUTOCONFIG_PATH, (200, config_xml(("smtp.tienda.example", 465, "SSL", "%EMAILADDRESS%")), {}))
    config = site_config(local_dns, autoconfig_site, SHOPMAIL_SMTP_CA_FILE=None)
    result = discover(ADDRESS, config=config)
    assert not result.found
    assert "a mano" in result.message


def test_private_addresses_are_refused_unless_allowed(local_dns, autoconfig_site):
    autoconfig_site.route(AUTOCONFIG_PATH, (200, config_xml(("smtp.tienda.example", 465, "SSL", "%EMAILADDRESS%")), {}))
    autoconfig_site.route(WELL_KNOWN_PATH, (200, config_xml(("smtp.tienda.example", 465, "SSL", "%EMAILADDRESS%")), {}))
    result = discover(ADDRESS, config=site_config(local_dns, autoconfig_site, SHOPMAIL_AUTOCONFIG_ALLOW_PRIVATE=False))
    assert not result.found
    assert autoconfig_site.requests == []  # not even a connection was made to 127.0.0.1

    assert discover(ADDRESS, config=site_config(local_dns, autoconfig_site)).found


@pytest.mark.parametrize(("location", "allow_private", "followed"), [
    ("https://autoconfig.tienda.example:{port}/mail/config-v1.1.xml", True, True),  # control: followed
    ("https://autoconfig.tienda.example:{port}/mail/config-v1.1.xml", False, False),  # a private address
    ("https://127.0.0.1:{port}/mail/config-v1.1.xml", False, False),  # loopback literal
    ("https://169.254.169.254/latest/meta-data/", False, False),  # link-local (cloud metadata)
    ("http://autoconfig.tienda.example:{port}/mail/config-v1.1.xml", True, False),  # not https
], ids=["https-allowed", "private-name", "loopback-literal", "link-local", "plain-http"])
def test_redirects_obey_the_address_and_https_rules(local_dns, autoconfig_site, ispdb_server, location, allow_private,
                                                    followed):
    # The operator's own ISPDB URL may be http on the intranet; where it redirects to may not.
    autoconfig_site.route(AUTOCONFIG_PATH, (200, config_xml(("smtp.tienda.example", 465, "SSL", "%EMAILADDRESS%")), {}))
    ispdb_server.route(f"/v1.1/{DOMAIN}", (302, b"", {"Location": location.format(port=autoconfig_site.port)}))
    config = site_config(local_dns, autoconfig_site, SHOPMAIL_ISPDB_URL=ispdb_server.url,
                         SHOPMAIL_AUTOCONFIG_ALLOW_PRIVATE=allow_private, SHOPMAIL_AUTOCONFIG_DEADLINE=1.0,
                         SHOPMAIL_AUTOCONFIG_HTTPS_PORT=1)  # the domain's own lookups go nowhere
    result = discover(ADDRESS, config=config)
    assert ispdb_server.requests  # the ISPDB itself was asked
    assert (result.source == "ispdb") is followed
    assert bool(autoconfig_site.requests) is followed


def test_a_redirect_loop_ends(local_dns, autoconfig_site):
    autoconfig_site.route(AUTOCONFIG_PATH, (302, b"", {"Location": AUTOCONFIG_PATH}))
    result = discover(ADDRESS, config=site_config(local_dns, autoconfig_site))
    assert not result.found
    assert len([r for r in autoconfig_site.requests if r[1].startswith(AUTOCONFIG_PATH)]) == 4  # first + 3 redirects


def test_https_redirect_within_the_limit_is_followed(local_dns, autoconfig_site):
    autoconfig_site.route(AUTOCONFIG_PATH, (301, b"", {"Location": "/moved.xml"}))
    autoconfig_site.route("/moved.xml", (200, config_xml(("smtp.tienda.example", 465, "SSL", "%EMAILADDRESS%")), {}))
    assert discover(ADDRESS, config=site_config(local_dns, autoconfig_site)).host == "smtp.tienda.example"


def test_ispdb_by_domain(local_dns, ispdb_server):
    result = discover("ana@posteo.de", config=make_config(local_dns.address, SHOPMAIL_ISPDB_URL=ispdb_server.url))
    assert (result.found, result.source) == (True, "ispdb")
    assert (result.host, result.port, result.security) == ("posteo.de", 465, "ssl")
    assert (f"127.0.0.1:{ispdb_server.port}", "/v1.1/posteo.de") in ispdb_server.requests


def test_mx_to_provider_table(local_dns):
    local_dns.add(DOMAIN, "MX", (10, "alt1.aspmx.l.google.com"))
    local_dns.add(DOMAIN, "MX", (1, "aspmx.l.google.com"))
    result = discover(ADDRESS, config=make_config(local_dns.address))
    assert (result.source, result.host, result.port, result.provider) == (
        "mx", "smtp.gmail.com", 465, "Gmail / Google Workspace")
    assert any("contraseña de aplicación" in note for note in result.notes)


def test_mx_base_domain_in_the_ispdb(local_dns, ispdb_server):
    local_dns.add(DOMAIN, "MX", (10, "mx00.kundenserver.de"))  # 1&1's hosting MX, listed in the ISPDB
    result = discover(ADDRESS, config=make_config(local_dns.address, SHOPMAIL_ISPDB_URL=ispdb_server.url))
    assert (result.source, result.host, result.port, result.security) == ("mx", "smtp.1und1.de", 465, "ssl")


def test_mx_host_minus_first_label_then_registrable_domain(local_dns, ispdb_server):
    local_dns.add(DOMAIN, "MX", (10, "in1.mx.proveedor.example"))
    ispdb_server.route("/v1.1/mx.proveedor.example", (200, config_xml(("smtp.mx.proveedor.example", 587, "STARTTLS", "%EMAILADDRESS%")), {}))
    ispdb_server.route("/v1.1/proveedor.example", (200, config_xml(("smtp.proveedor.example", 465, "SSL", "%EMAILADDRESS%")), {}))
    config = make_config(local_dns.address, SHOPMAIL_ISPDB_URL=ispdb_server.url)
    assert discover(ADDRESS, config=config).host == "smtp.mx.proveedor.example"
    paths = {path for _, path in ispdb_server.requests}
    assert {"/v1.1/mx.proveedor.example", "/v1.1/proveedor.example", f"/v1.1/{DOMAIN}"} <= paths

    del ispdb_server.routes["/v1.1/mx.proveedor.example"]
    assert discover("luis@tienda.example", config=config).host == "smtp.proveedor.example"


def test_srv_records_priority_and_weight(local_dns):
    local_dns.add(f"_submission._tcp.{DOMAIN}", "SRV", (20, 0, 587, f"backup.{DOMAIN}"))
    local_dns.add(f"_submission._tcp.{DOMAIN}", "SRV", (10, 1, 587, f"light.{DOMAIN}"))
    local_dns.add(f"_submission._tcp.{DOMAIN}", "SRV", (10, 50, 587, f"heavy.{DOMAIN}"))
    result = discover(ADDRESS, config=make_config(local_dns.address))
    assert (result.source, result.security) == ("srv", "starttls")
    assert [c.host for c in result.candidates] == [f"heavy.{DOMAIN}", f"light.{DOMAIN}", f"backup.{DOMAIN}"]
    assert result.username == ADDRESS


def test_srv_submissions_before_submission(local_dns):
    local_dns.add(f"_submission._tcp.{DOMAIN}", "SRV", (0, 0, 587, f"smtp.{DOMAIN}"))
    local_dns.add(f"_submissions._tcp.{DOMAIN}", "SRV", (0, 0, 465, f"smtp.{DOMAIN}"))
    result = discover(ADDRESS, config=make_config(local_dns.address))
    assert [(c.port, c.security) for c in result.candidates] == [(465, "ssl"), (587, "starttls")]


def test_srv_dot_target_means_no_service(local_dns):
    local_dns.add(f"_submissions._tcp.{DOMAIN}", "SRV", (0, 0, 0, "."))
    local_dns.add(f"_submission._tcp.{DOMAIN}", "SRV", (0, 0, 0, "."))
    result = discover(ADDRESS, config=make_config(local_dns.address))
    assert not result.found and result.candidates == ()


def test_srv_target_outside_the_domain_is_trusted_less(local_dns):
    local_dns.add(f"_submissions._tcp.{DOMAIN}", "SRV", (0, 0, 465, "smtp.elsewhere.example"))
    local_dns.add(f"_submission._tcp.{DOMAIN}", "SRV", (10, 0, 587, f"smtp.{DOMAIN}"))
    result = discover(ADDRESS, config=make_config(local_dns.address))
    assert [c.host for c in result.candidates] == [f"smtp.{DOMAIN}", "smtp.elsewhere.example"]


def test_nothing_anywhere_says_so_plainly(local_dns, ispdb_server):
    local_dns.add(DOMAIN, "TXT", "v=spf1 -all")  # the domain exists, it only publishes nothing useful
    result = discover(ADDRESS, config=make_config(local_dns.address, SHOPMAIL_ISPDB_URL=ispdb_server.url))
    data = result.to_dict()
    assert data["found"] is False and data["host"] is None and data["candidates"] == []
    assert "No se ha encontrado la configuración de tienda.example" in data["message"]
    assert result.elapsed_ms < 1000


def test_a_domain_that_does_not_exist_is_said_so(local_dns, ispdb_server):
    result = discover(ADDRESS, config=make_config(local_dns.address, SHOPMAIL_ISPDB_URL=ispdb_server.url))
    assert not result.found and result.message.startswith("El dominio tienda.example no existe en DNS")


def test_dns_that_does_not_answer_is_said_so_not_reported_as_nothing_found(silent_dns):
    """A newcomer's run with an unreachable DNS server read "No se ha encontrado…", as if the domain had nothing."""
    result = discover(ADDRESS, config=make_config(silent_dns, SHOPMAIL_AUTOCONFIG_DEADLINE=4.0))
    assert not result.found and "Los servidores DNS no respondieron" in result.message


def test_invalid_address(local_dns):
    result = discover("ana@", config=make_config(local_dns.address))
    assert not result.found and "no es una dirección de correo válida" in result.message
    assert local_dns.zone.queries == []
