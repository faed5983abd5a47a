"""Helpers shared by the auto-configuration tests (no tests here)."""

import socket

from dnslib.server import DNSLogger
from dnslib.server import DNSServer

from tests.fixtures import dns_server as test_dns

DOMAIN = "tienda.example"
_QUIET = DNSLogger(log="-request,-reply,-truncated,-error,-recv,-send,-data", prefix=False)
ADDRESS = f"ana@{DOMAIN}"


def closed_port() -> int:
    """A loopback TCP port nothing listens on (connections are refused at once)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def make_config(nameserver: str, **extra) -> dict:
    """A discovery config that can only reach loopback: the given DNS server, no ISPDB, no guessing,
    private addresses allowed (the test servers are on 127.0.0.1); ``extra`` overrides."""
    return {
        "SHOPMAIL_DNS_NAMESERVERS": [nameserver],
        "SHOPMAIL_ISPDB_URL": "",
        "SHOPMAIL_AUTOCONFIG_GUESS_PORTS": [],
        "SHOPMAIL_AUTOCONFIG_DEADLINE": 3.0,
        "SHOPMAIL_AUTOCONFIG_ALLOW_PRIVATE": True,
        "SHOPMAIL_AUTOCONFIG_HTTPS_PORT": closed_port(),
        "SHOPMAIL_SMTP_TIMEOUT": 3.0,
        "SHOPMAIL_SMTP_LOCAL_HOSTNAME": "tienda-tests.example",
        **extra,
    }


def config_xml(*servers) -> str:
    """A config-v1.1.xml naming the given SMTP servers: (host, port, socketType, username)."""
    body = "".join(
        f'<outgoingServer type="smtp"><hostname>{host}</hostname><port>{port}</port>'
        f"<socketType>{socket_type}</socketType><authentication>password-cleartext</authentication>"
        f"<username>{username}</username></outgoingServer>"
        for host, port, socket_type, username in servers)
    return (f'<?xml version="1.0"?><clientConfig version="1.1"><emailProvider id="{DOMAIN}">'
            f"<domain>{DOMAIN}</domain><displayName>Tienda</displayName>{body}</emailProvider></clientConfig>")


def serve_dns():
    """A dnslib server for a whole test module (the shared fixture's one takes a second to stop).

    Use as a module-scoped fixture: ``yield from serve_dns()``; hand it to each test through ``emptied``.
    """
    resolver = test_dns.ZoneResolver()
    for _ in range(20):
        port = closed_udp_port()
        try:
            udp = DNSServer(resolver, address="127.0.0.1", port=port, logger=_QUIET)
        except OSError:
            continue
        try:
            tcp = DNSServer(resolver, address="127.0.0.1", port=port, tcp=True, logger=_QUIET)
        except OSError:  # the port is free for UDP but taken for TCP: try another
            udp.server.server_close()
            continue
        udp.start_thread()
        tcp.start_thread()
        break
    yield test_dns.TestDNS(resolver, port)
    udp.stop()
    tcp.stop()


def emptied(dns: test_dns.TestDNS) -> test_dns.TestDNS:
    """The module's DNS server with no records and no queries, as the ``dns_server`` fixture starts."""
    dns.zone.records.clear()
    dns.zone.queries.clear()
    return dns


def closed_udp_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]
