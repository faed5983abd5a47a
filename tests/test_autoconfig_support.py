"""Helpers shared by the auto-configuration tests (no tests here)."""

import socket

DOMAIN = "tienda.example"
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
