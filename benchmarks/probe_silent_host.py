"""Figures for Probar SMTP against hosts that never answer (issue 3). Prints numbers; run:

    .venv/bin/python benchmarks/probe_silent_host.py            # SHOPMAIL_SMTP_TIMEOUT from the env, else 10
    SHOPMAIL_SMTP_TIMEOUT=3 .venv/bin/python benchmarks/probe_silent_host.py

The contract: a test against a silent host ends within SHOPMAIL_SMTP_TIMEOUT + 1 s. Three kinds of
silence on loopback: a port that accepts and never speaks, one that trickles a byte now and then without
ever finishing a line (each read alone would be within a socket timeout), and a DNS server that never
answers. Also: how soon a plain client on an implicit-TLS port (465) is told "use_ssl" rather than
waiting for the whole timeout.
"""

import os
import socket
import threading
import time

from aiosmtpd.controller import Controller

from shopmail.cli.devsmtp import CaptureHandler
from shopmail.cli.devsmtp import self_signed_context
from shopmail.core.config import DEFAULTS
from shopmail.smtp.probe import probe
from shopmail.smtp.probe import Target


def silent_listener() -> socket.socket:
    """Accepts (the kernel completes the handshake) and never sends a byte."""
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    sock.listen(16)
    return sock


def trickling_listener(stop: threading.Event) -> socket.socket:
    """Sends one byte of a greeting every 0.4 s, never a whole line."""
    sock = silent_listener()

    def serve():
        sock.settimeout(0.2)
        while not stop.is_set():
            try:
                conn, _ = sock.accept()
            except OSError:
                continue
            threading.Thread(target=trickle, args=(conn,), daemon=True).start()

    def trickle(conn):
        with conn:
            while not stop.is_set():
                try:
                    conn.sendall(b"2")
                except OSError:
                    return
                time.sleep(0.4)

    threading.Thread(target=serve, daemon=True).start()
    return sock


def implicit_tls_server() -> Controller:
    """A real SMTP server that expects TLS from the first byte (like port 465)."""
    with socket.socket() as probe_port:
        probe_port.bind(("127.0.0.1", 0))
        port = probe_port.getsockname()[1]
    controller = Controller(CaptureHandler(echo=lambda line: None), hostname="127.0.0.1", port=port,
                            ssl_context=self_signed_context())
    controller.start()
    return controller


def silent_dns() -> socket.socket:
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sock.bind(("127.0.0.1", 0))
    return sock


def measure(label: str, target: Target) -> bool:
    start = time.monotonic()
    result = probe(target)
    elapsed = time.monotonic() - start
    within = elapsed <= target.timeout + 1
    print(f"{label:<34} {target.security:<9} {elapsed:6.2f} s  reason={result.reason:<12} "
          f"{'OK' if within else 'TOO SLOW'} (limit {target.timeout + 1:g} s)")
    return within


def main():
    timeout = float(os.environ.get("SHOPMAIL_SMTP_TIMEOUT") or DEFAULTS["SHOPMAIL_SMTP_TIMEOUT"])
    print(f"SHOPMAIL_SMTP_TIMEOUT = {timeout:g} s\n")
    stop = threading.Event()
    silent, trickle, dns = silent_listener(), trickling_listener(stop), silent_dns()
    common = {"username": "ventas@tienda.example", "password": "no-se-envia", "timeout": timeout,
              "from_address": "ventas@tienda.example", "local_hostname": "tienda.test"}
    ok = True
    try:
        for security in ("starttls", "ssl", "none"):
            ok &= measure("accepts, never speaks", Target("127.0.0.1", silent.getsockname()[1], security, **common))
        for security in ("starttls", "ssl"):
            ok &= measure("trickles a byte every 0.4 s", Target("127.0.0.1", trickle.getsockname()[1], security,
                                                                **common))
        tls_server = implicit_tls_server()
        try:
            for security in ("starttls", "none"):
                ok &= measure("implicit-TLS port, plain chosen", Target("127.0.0.1", tls_server.port, security,
                                                                        **common))
        finally:
            tls_server.stop()
        dns_address = f"127.0.0.1:{dns.getsockname()[1]}"
        ok &= measure("DNS server never answers", Target("smtp.tienda.example", 587, "starttls",
                                                         nameservers=(dns_address,), **common))
    finally:
        stop.set()
        for sock in (silent, trickle, dns):
            sock.close()
    print("\nall within SHOPMAIL_SMTP_TIMEOUT + 1 s" if ok else "\nSOME PROBES OVERRAN THE DEADLINE")
    raise SystemExit(0 if ok else 1)


if __name__ == "__main__":
    main()
