"""Two real server processes (gunicorn, two workers each) share the database and the cache:
after a save through one, the other never serves the old value — file cache and Redis."""

import html
import http.cookiejar
import os
import re
import socket
import subprocess
import sys
import time
import urllib.parse
import urllib.request
import uuid
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
REDIS_URL = os.environ.get("SHOPMAIL_TEST_REDIS_URL", "redis://127.0.0.1:6379/15")


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def redis_available():
    try:
        import redis

        redis.Redis.from_url(REDIS_URL, socket_timeout=1).ping()
        return True
    except Exception:
        return False


class Browser:
    """A cookie-keeping HTTP client that logs in through the real form."""

    def __init__(self):
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()))

    def get(self, url):
        with self.opener.open(url, timeout=10) as response:
            return html.unescape(response.read().decode())

    def post(self, url, data):
        body = urllib.parse.urlencode(data).encode()
        with self.opener.open(url, data=body, timeout=10) as response:
            return html.unescape(response.read().decode())


def token(page):
    return re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)


def contact_shown(page):
    return re.search(r'id="contact_email" name="contact_email" type="email" value="([^"]*)"', page).group(1)


@pytest.fixture(params=["file", "redis"])
def servers(request, tmp_path):
    if request.param == "redis" and not redis_available():
        pytest.skip("Redis is not running on 127.0.0.1:6379")
    env = {k: v for k, v in os.environ.items() if not k.startswith("SHOPMAIL_")}
    env.update(SHOPMAIL_INSTANCE_PATH=str(tmp_path), SECRET_KEY="two-processes",
               SHOPMAIL_ADMIN_EMAIL="admin@tienda.example", SHOPMAIL_ADMIN_PASSWORD="clave-de-prueba",
               FLASK_APP="shopmail", SHOPMAIL_SEND_INLINE="false")
    if request.param == "redis":
        env.update(SHOPMAIL_CACHE_TYPE="RedisCache", SHOPMAIL_CACHE_REDIS_URL=REDIS_URL,
                   SHOPMAIL_CACHE_KEY_PREFIX=f"shopmail-test-{uuid.uuid4().hex[:8]}:")
    for command in (["db-upgrade"], ["ensure-admin"]):
        subprocess.run([sys.executable, "-m", "flask", "shopmail", *command], cwd=ROOT, env=env, check=True,
                       capture_output=True, timeout=60)
    ports = [free_port(), free_port()]
    procs = [subprocess.Popen([sys.executable, "-m", "gunicorn", "-w", "2", "-b", f"127.0.0.1:{port}",
                               "shopmail:create_app()"], cwd=ROOT, env=env, stdout=subprocess.DEVNULL,
                              stderr=(tmp_path / f"gunicorn-{port}.log").open("w")) for port in ports]
    try:
        for port in ports:
            _wait(port)
        yield [f"http://127.0.0.1:{port}" for port in ports]
    finally:
        for proc in procs:
            proc.terminate()
            proc.wait(timeout=10)


def _wait(port):
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError(f"gunicorn did not start on {port}")


@pytest.mark.sqlite_only
def test_save_in_one_process_is_served_by_the_other(servers):
    first, second = servers
    browser = Browser()
    login = browser.get(f"{first}/ajustes/login")
    browser.post(f"{first}/ajustes/login", {"email": "admin@tienda.example", "password": "clave-de-prueba",
                                              "csrf_token": token(login)})
    stale = 0
    for n in range(12):
        writer, reader = (first, second) if n % 2 == 0 else (second, first)
        # Warm every worker's view of the old value before the save.
        for _ in range(3):
            contact_shown(browser.get(f"{reader}/ajustes/generales/comunicaciones/"))
        edit = browser.get(f"{writer}/ajustes/generales/comunicaciones/")
        version = re.search(r'name="version" type="hidden" value="(\d+)"', edit).group(1)
        browser.post(f"{writer}/ajustes/generales/comunicaciones/", {
            "csrf_token": token(edit), "version": version, "sending_account_id": "",
            "contact_email": f"contacto{n}@tienda.example", "admin_emails": ""})
        for _ in range(4):  # several reads, so both workers of the other process answer
            if contact_shown(browser.get(f"{reader}/ajustes/generales/comunicaciones/")) != f"contacto{n}@tienda.example":
                stale += 1
    assert stale == 0
