"""Figures for "Intentar configuración automática" (issue 4). Prints numbers; run:

    .venv/bin/python benchmarks/autoconfig.py
    SHOPMAIL_AUTOCONFIG_DEADLINE=8 .venv/bin/python benchmarks/autoconfig.py   # the default deadline

Targets: a provider-table hit without credentials under 5 ms and with no network traffic (a local DNS
server counts the queries: 0); every source black-holed returns within 1.1 x the deadline; a typical answer
from a local DNS server under 1 s. Everything stays on loopback: a dnslib server, a UDP port that never
answers, a TCP port that accepts and never speaks.
"""

import os
import socket
import statistics
import sys
import time
from pathlib import Path

from dnslib.server import DNSLogger
from dnslib.server import DNSServer

from shopmail.smtp.autoconfig.discover import discover

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # the test DNS zone lives in tests/
from tests.fixtures.dns_server import ZoneResolver  # noqa: E402

DEADLINE = float(os.environ.get("SHOPMAIL_AUTOCONFIG_DEADLINE", "2"))
QUIET = DNSLogger(log="-request,-reply,-truncated,-error,-recv,-send,-data", prefix=False)


def dns_server(zone: ZoneResolver):
    for _ in range(20):
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
            probe.bind(("127.0.0.1", 0))
            port = probe.getsockname()[1]
        try:
            server = DNSServer(zone, address="127.0.0.1", port=port, logger=QUIET)
        except OSError:
            continue
        server.start_thread()
        return server, f"127.0.0.1:{port}"
    raise RuntimeError("no free port")


def silent_udp():
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sock.bind(("127.0.0.1", 0))
    return sock, f"127.0.0.1:{sock.getsockname()[1]}"


def silent_tcp():
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    sock.listen(64)
    return sock, sock.getsockname()[1]


def config(nameserver, **extra):
    return {"SHOPMAIL_DNS_NAMESERVERS": [nameserver], "SHOPMAIL_ISPDB_URL": "",
            "SHOPMAIL_AUTOCONFIG_GUESS_PORTS": [], "SHOPMAIL_AUTOCONFIG_DEADLINE": DEADLINE,
            "SHOPMAIL_AUTOCONFIG_ALLOW_PRIVATE": True, **extra}


def table_hit(nameserver, zone):
    cfg = config(nameserver)
    first = time.perf_counter()
    discover("tienda@gmail.com", config=cfg)
    first = (time.perf_counter() - first) * 1000
    times = []
    for i in range(200):
        started = time.perf_counter()
        result = discover(f"tienda{i}@gmail.com", config=cfg)
        times.append((time.perf_counter() - started) * 1000)
    assert result.source == "providers"
    median, worst = statistics.median(times), max(times)
    print(f"provider-table hit, no credentials: first call {first:.2f} ms, then median {median:.3f} ms, "
          f"p99 {sorted(times)[int(len(times) * 0.99) - 1]:.3f} ms, max {worst:.3f} ms over {len(times)} calls; "
          f"DNS queries: {len(zone.queries)}  (target < 5 ms, 0 queries) "
          f"{'OK' if median < 5 and not zone.queries else 'MISSED'}")


def black_holed():
    udp, nameserver = silent_udp()
    tcp, port = silent_tcp()
    cfg = config(nameserver, SHOPMAIL_ISPDB_URL=f"http://127.0.0.1:{port}/v1.1/",
                 SHOPMAIL_AUTOCONFIG_HTTPS_PORT=port, SHOPMAIL_AUTOCONFIG_GUESS_PORTS=[465, 587, 25, port])
    for label, password in (("no credentials", None), ("with a password", "x")):
        started = time.monotonic()
        result = discover("ana@tienda.example", "ana@tienda.example", password, config=cfg)
        seconds = time.monotonic() - started
        print(f"every source black-holed ({label}): {seconds:.3f} s for a {DEADLINE:g} s deadline "
              f"= {seconds / DEADLINE:.3f} x  (target <= 1.1 x) "
              f"{'OK' if seconds <= 1.1 * DEADLINE and not result.found else 'MISSED'}")
    udp.close()
    tcp.close()


def typical(nameserver, zone):
    zone.add("tienda.example", "MX", (10, "aspmx.l.google.com"))
    zone.add("_submissions._tcp.otra.example", "SRV", (0, 0, 465, "smtp.otra.example"))
    cases = [("MX of a known provider", "ana@tienda.example", "mx"),
             ("SRV records", "ana@otra.example", "srv"),
             ("nothing to find", "ana@nada.example", None)]
    for label, address, source in cases:
        times = []
        for _ in range(5):
            started = time.monotonic()
            result = discover(address, config=config(nameserver))
            times.append(time.monotonic() - started)
        assert result.source == source, (label, result)
        worst = max(times)
        print(f"typical answer from the local DNS ({label}): median {statistics.median(times) * 1000:.1f} ms, "
              f"max {worst * 1000:.1f} ms  (target < 1 s) {'OK' if worst < 1 else 'MISSED'}")


def main():
    zone = ZoneResolver()
    server, nameserver = dns_server(zone)
    try:
        table_hit(nameserver, zone)
        black_holed()
        typical(nameserver, zone)
    finally:
        server.stop()


if __name__ == "__main__":
    main()
