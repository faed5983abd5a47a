"""The scale-out soak (benchmarks/soak.py) at a small size: 20 orders, the sink down for 3 s.

It starts the real thing — gunicorn, `flask shopmail worker` processes, PostgreSQL, Redis, an SMTP
sink — so it runs only when SHOPMAIL_TEST_DATABASE_URL is set and Redis answers. Most of its time is the
worker's first retry after the outage (30–60 s: a minute, with jitter).
"""

import os
import re
import socket
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
DATABASE_URL = os.environ.get("SHOPMAIL_TEST_DATABASE_URL")
REDIS_URL = os.environ.get("SHOPMAIL_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")


def _redis_answers() -> bool:
    try:
        with socket.create_connection(("127.0.0.1", 6379), timeout=1) as sock:
            sock.sendall(b"PING\r\n")
            return sock.recv(16).startswith(b"+PONG")
    except OSError:
        return False


pytestmark = [
    pytest.mark.soak,
    pytest.mark.skipif(not DATABASE_URL, reason="SHOPMAIL_TEST_DATABASE_URL is not set (the soak needs PostgreSQL)"),
    pytest.mark.skipif(not _redis_answers(), reason="Redis does not answer on 127.0.0.1:6379"),
]


def _figure(output: str, label: str) -> str:
    found = re.search(rf"^{label}:\s+(.+)$", output, re.MULTILINE)
    assert found, f"no '{label}' line in:\n{output}"
    return found.group(1)


def test_small_soak_loses_nothing_and_serves_fresh_settings():
    done = subprocess.run(
        [sys.executable, str(ROOT / "benchmarks" / "soak.py"), "--orders", "20", "--outage", "3", "--retry-base", "3",
         "--database-url", DATABASE_URL, "--redis-url", REDIS_URL, "--reads", "60", "--saves", "3"],
        cwd=ROOT, capture_output=True, text=True, timeout=240)
    output = done.stdout + done.stderr
    assert done.returncode == 0, output
    assert _figure(output, "messages expected").startswith("40 ")  # a confirmation and an admin notice per order
    assert _figure(output, "distinct") == "40"
    assert _figure(output, "missing") == "0"
    assert _figure(output, "stale reads").startswith("0 of 180")
    assert "FAIL" not in output
