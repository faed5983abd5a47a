"""The network side of issue 14: SSRF through auto-configuration (finding 2), the clear-text password rule
judged on addresses (finding 2), and memory bounded against endless SMTP replies (finding 3).

Real parts: dnslib on loopback (mixed and rebinding answers), aiosmtpd and raw hostile servers.
"""

import json

import pytest
from dnslib import A
from dnslib import QTYPE
from dnslib import RR

from shopmail.services.autoconfig import discover
from shopmail.smtp.autoconfig.fetch import is_public
from shopmail.smtp.probe import probe
from shopmail.smtp.probe import Target
from tests.fixtures.dns_server import running_dns
from tests.fixtures.dns_server import ZoneResolver
from tests.fixtures.hostile_smtp import own_address
from tests.helpers import page
from tests.test_autoconfig_support import ADDRESS
from tests.test_autoconfig_support import DOMAIN
from tests.test_autoconfig_support import make_config

pytestmark = pytest.mark.sqlite_only

# Finding 2: which addresses count as public ----------------------------------------------------------------


@pytest.mark.parametrize(("ip", "public"), [
    ("64:ff9b::7f00:1", False),   # NAT64 of 127.0.0.1
    ("64:ff9b::a00:1", False),    # NAT64 of 10.0.0.1
    ("2002:7f00:1::", False),     # 6to4 of 127.0.0.1
    ("::7f00:1", False),          # IPv4-compatible 127.0.0.1
    ("fec0::1", False),           # site-local
    ("64:ff9b:1::1", False),      # local-use NAT64
    ("2001:0:4136:e378::1", False),  # Teredo
    ("::ffff:127.0.0.1", False),
    ("169.254.169.254", False),   # cloud metadata
    ("64:ff9b::808:808", True),   # NAT64 of a public address
    ("2002:808:808::1", True),
    ("8.8.8.8", True),
    ("2a00:1450:4001::1", True),
])
def test_is_public_judges_embedded_ipv4_and_deprecated_ranges(ip, public):
    assert is_public(ip) is public


# Finding 2: auto-configuration connects only to the addresses it vetted ---------------------------------


def test_a_name_mixing_loopback_and_public_addresses_is_never_connected_to(raw_listener, local_dns):
    internal = raw_listener("127.0.0.1")
    local_dns.add(f"_submission._tcp.{DOMAIN}", "SRV", (0, 0, internal.port, f"mixed.{DOMAIN}"))
    local_dns.add(f"mixed.{DOMAIN}", "A", "127.0.0.1")
    local_dns.add(f"mixed.{DOMAIN}", "A", "8.8.8.8")
    result = discover(ADDRESS, password="secreto", config=make_config(
        local_dns.address, SHOPMAIL_AUTOCONFIG_ALLOW_PRIVATE=False))
    assert internal.connections == 0
    assert "servicio-interno" not in json.dumps(result.to_dict(), ensure_ascii=False)
    assert not result.verified


class Rebinding(ZoneResolver):
    """Answers the first A query for ``name`` with ``first``, every later one with ``then``."""

    def __init__(self, name, first, then):
        super().__init__()
        self.name, self.answers = name, [first, then]

    def resolve(self, request, handler):
        qname = str(request.q.qname).rstrip(".").lower()
        if qname != self.name or QTYPE[request.q.qtype] != "A":
            return super().resolve(request, handler)
        self.queries.append((qname, "A"))
        reply = request.reply()
        address = self.answers[0] if len(self.queries_for(qname)) == 1 else self.answers[1]
        reply.add_answer(RR(request.q.qname, QTYPE.A, rdata=A(address), ttl=0))
        return reply

    def queries_for(self, name):
        return [q for q in self.queries if q == (name, "A")]


def test_a_rebinding_name_is_looked_up_once_and_the_vetted_address_used(raw_listener):
    # A loopback-only test cannot stand up a public address, so private targets are allowed here; what is
    # tested is that the login goes to the address that was vetted, not to a second lookup's answer.
    internal = raw_listener("127.0.0.2")
    name = f"rebind.{DOMAIN}"
    zone = Rebinding(name, "127.0.0.1", "127.0.0.2")
    zone.add(f"_submission._tcp.{DOMAIN}", "SRV", (0, 0, internal.port, name))
    with running_dns(zone) as dns:
        discover(ADDRESS, password="secreto", config=make_config(dns.address))
    assert internal.connections == 0
    assert len(zone.queries_for(name)) == 1


def test_probe_with_pinned_addresses_asks_no_dns(smtp_server, dns_server):
    server = smtp_server(security="starttls", users={"ana": "secreto"})
    dns_server.add("pinned.example", "A", "127.0.0.9")  # what a second lookup would have said
    result = probe(server.target(host="pinned.example", addresses=("127.0.0.1",), username="ana",
                                 password="secreto", verify_cert=False,
                                 nameservers=(dns_server.address,), from_address="ana@tienda.example"))
    assert result.ok, result.message
    assert dns_server.zone.queries == []


# Finding 2: "Ninguna" only when the address connected to is loopback ----------------------------------------


def test_clear_text_password_refused_for_a_localhost_name_on_another_address(admin, app, auth_capture,
                                                                             dns_server):
    address = own_address()
    if address is None:
        pytest.skip("this machine has no non-loopback address to stand for another host")
    capture = auth_capture(address)
    dns_server.add("leak.localhost", "A", address)
    app.config["SHOPMAIL_DNS_NAMESERVERS"] = [dns_server.address]
    body = page(admin.post("/ajustes/cuentas/nueva", data={
        "address": "tienda@example.com", "username": "tienda@example.com", "password": "la-real",
        "host": "leak.localhost", "port": str(capture.port), "security": "none", "action": "test"}))
    assert capture.connections == 1  # the name passed the form's check; the address did not
    assert capture.auth_lines == []
    assert "La contraseña no se envía sin cifrar" in body


def test_clear_text_password_still_allowed_on_loopback(auth_capture):
    capture = auth_capture("127.0.0.1")
    result = probe(Target("localhost", capture.port, "none", username="u", password="clave-local",
                          timeout=3.0, local_hostname="tienda.test"))
    assert result.ok, result.message
    assert len(capture.auth_lines) == 1


# Finding 3: an endless reply is cut off, wherever shopmail reads SMTP --------------------------------------


@pytest.mark.parametrize("at", ["greeting", "ehlo"])
def test_probe_cuts_off_an_endless_reply(endless_smtp, at):
    server = endless_smtp(at)
    result = probe(Target("127.0.0.1", server.port, "none", timeout=10.0, local_hostname="tienda.test"))
    assert (result.ok, result.reason, result.failed_step) == (False, "server_error", at)
    assert "respuesta demasiado larga" in result.message
    assert server.wait_closed() < 3.0  # cut off at the bound, long before the 10 s deadline


def test_cli_smtp_test_cuts_off_an_endless_reply(runner, endless_smtp):
    server = endless_smtp("greeting")
    result = runner.invoke(args=["shopmail", "smtp-test", "--host", "127.0.0.1", "--port", str(server.port),
                                 "--security", "none"])
    assert result.exit_code == 1
    assert "respuesta demasiado larga" in result.output
    assert server.wait_closed() < 3.0


def test_autoconfig_verification_cuts_off_an_endless_reply(endless_smtp, local_dns):
    server = endless_smtp("greeting")
    local_dns.add(f"smtp.{DOMAIN}", "A", "127.0.0.1")
    local_dns.add(f"_submission._tcp.{DOMAIN}", "SRV", (0, 0, server.port, f"smtp.{DOMAIN}"))
    result = discover(ADDRESS, password="secreto", config=make_config(
        local_dns.address, SHOPMAIL_AUTOCONFIG_DEADLINE=8.0, SHOPMAIL_SMTP_TIMEOUT=8.0))
    assert not result.verified
    assert server.connections >= 1 and server.wait_closed() < 3.0
