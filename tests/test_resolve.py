"""The resolver against a real DNS server on loopback."""

import time

import pytest

from shopmail.smtp.resolve import DNSFailure
from shopmail.smtp.resolve import DNSTimeout
from shopmail.smtp.resolve import Resolver


def test_records_from_test_server(dns_server):
    dns_server.add("smtp.tienda.example", "A", "127.0.0.1")
    dns_server.add("tienda.example", "MX", (20, "mx2.tienda.example"))
    dns_server.add("tienda.example", "MX", (10, "mx1.tienda.example"))
    dns_server.add("_submissions._tcp.tienda.example", "SRV", (0, 1, 465, "smtp.tienda.example"))
    dns_server.add("_submission._tcp.tienda.example", "SRV", (0, 0, 0, "."))
    resolver = Resolver([dns_server.address], time.monotonic() + 3)
    assert resolver.addresses("smtp.tienda.example") == ["127.0.0.1"]
    assert resolver.mx("tienda.example") == [(10, "mx1.tienda.example"), (20, "mx2.tienda.example")]
    assert [r.port for r in resolver.srv("_submissions._tcp.tienda.example")] == [465]
    assert resolver.srv("_submission._tcp.tienda.example") == []
    with pytest.raises(DNSFailure):
        resolver.addresses("nada.tienda.example")


def test_ip_literal_skips_dns(silent_dns):
    assert Resolver([silent_dns], time.monotonic() + 1).addresses("127.0.0.1") == ["127.0.0.1"]


def test_silent_server_bounded_by_deadline(silent_dns):
    start = time.monotonic()
    with pytest.raises(DNSTimeout):
        Resolver([silent_dns], time.monotonic() + 1.0).addresses("smtp.tienda.example")
    assert time.monotonic() - start < 1.5


def test_system_resolver_knows_localhost():
    assert "127.0.0.1" in Resolver(None, time.monotonic() + 3).addresses("localhost")


def test_mx_on_silent_server_bounded_by_deadline(silent_dns):
    start = time.monotonic()
    with pytest.raises(DNSTimeout):
        Resolver([silent_dns], time.monotonic() + 2.5).mx("tienda.example")
    assert time.monotonic() - start < 2.9


def test_nameservers_given_as_one_string(dns_server):
    # A host may set SHOPMAIL_DNS_NAMESERVERS in its config as a plain comma-separated string.
    dns_server.add("smtp.tienda.example", "A", "127.0.0.1")
    resolver = Resolver(f"{dns_server.address}, 127.0.0.1:9", time.monotonic() + 3)
    assert resolver.servers[0] == ("127.0.0.1", dns_server.port)
    assert resolver.addresses("smtp.tienda.example") == ["127.0.0.1"]
