"""The parts of benchmarks/soak.py that know nothing of shopmail: the SMTP sink, a form-filling
HTTP client, the shoppers, and small waiting helpers.

    python benchmarks/soak_support.py PORT LOG    (the sink: one Message-ID per line in LOG)
"""

from __future__ import annotations

import http.cookiejar
import os
import re
import signal
import socket
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from html.parser import HTMLParser
from pathlib import Path

CARD = "4242 4242 4242 4242"  # any card but 4000 0000 0000 0002 is charged


def run_sink(port: int, log: str) -> None:
    """The SMTP sink: appends each message's Message-ID to ``log`` before answering 250, until SIGTERM
    (which closes the port: senders then see a refused connection, as with a mail server that is down)."""
    from email.parser import BytesHeaderParser

    from aiosmtpd.controller import Controller

    fd = os.open(log, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)

    class Handler:
        async def handle_DATA(self, server, session, envelope):
            message_id = BytesHeaderParser().parsebytes(envelope.original_content or envelope.content)["Message-ID"]
            os.write(fd, (normal_id(message_id or "-") + "\n").encode())
            return "250 2.0.0 OK"

    stopping = []
    signal.signal(signal.SIGTERM, lambda *_: stopping.append(True))
    controller = Controller(Handler(), hostname="127.0.0.1", port=port)
    controller.start()
    while not stopping:
        time.sleep(0.05)
    controller.stop()


def connected_to(pid: int, port: int) -> bool:
    """Whether process ``pid`` holds a TCP connection to ``port`` (Linux's /proc; elsewhere: yes)."""
    try:
        sockets = {os.readlink(f"/proc/{pid}/fd/{fd}") for fd in os.listdir(f"/proc/{pid}/fd")}
        lines = [line.split() for name in ("tcp", "tcp6")
                 for line in Path(f"/proc/net/{name}").read_text().splitlines()[1:]]
    except OSError:
        return True
    return any(f"socket:[{f[9]}]" in sockets and int(f[2].rsplit(":", 1)[1], 16) == port for f in lines)


def normal_id(value: str) -> str:
    """A Message-ID without its angle brackets or folding, as both the sink and the outbox are compared."""
    return "".join(str(value).split()).strip("<>")


def free_port() -> int:
    """A TCP port free on loopback right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for(check, timeout: float, what: str | None = None, every: float = 0.05):
    """``check()``'s first true value; on timeout None, or exit when ``what`` names what was awaited."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if value := check():
            return value
        time.sleep(every)
    if what:
        raise SystemExit(f"soak: timed out waiting for {what}")
    return None


class Forms(HTMLParser):
    """Every <form> of a page: its action and the values a browser would submit."""

    def __init__(self, text: str):
        super().__init__()
        self.forms, self._select, self._textarea = [], None, None
        self.feed(text)

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "form":
            self.forms.append({"action": a.get("action") or "", "fields": {}})
        if not self.forms:
            return
        fields = self.forms[-1]["fields"]
        if tag == "input" and a.get("name") and a.get("type") not in ("submit", "button"):
            if a.get("type") not in ("checkbox", "radio") or "checked" in a:
                fields[a["name"]] = a.get("value") or ("y" if a.get("type") == "checkbox" else "")
        elif tag == "select":
            self._select = a.get("name")
        elif tag == "option" and self._select and ("selected" in a or self._select not in fields):
            fields[self._select] = a.get("value") or ""
        elif tag == "textarea":
            self._textarea = a.get("name")
            fields[self._textarea] = ""

    def handle_endtag(self, tag):
        if tag == "select":
            self._select = None
        elif tag == "textarea" and self._textarea:
            fields = self.forms[-1]["fields"]  # browsers drop the newline right after <textarea>
            fields[self._textarea] = fields[self._textarea].removeprefix("\r").removeprefix("\n")
            self._textarea = None

    def handle_data(self, data):
        if self._textarea:
            self.forms[-1]["fields"][self._textarea] += data

    def with_field(self, name: str) -> dict:
        """The first form that has a field called ``name``."""
        return next(form for form in self.forms if name in form["fields"])


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


class Browser:
    """One visitor: a cookie jar, redirects not followed (their Location is what we check)."""

    def __init__(self, base: str):
        self.base = base
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()), _NoRedirect())

    def go(self, path: str, data: dict | None = None) -> tuple[int, str, str]:
        """GET ``path``, or POST ``data`` to it: (status, Location, body)."""
        body = urllib.parse.urlencode(data).encode() if data is not None else None
        try:
            with self.opener.open(self.base + path, body, timeout=60) as answer:
                return answer.status, answer.headers.get("Location", ""), answer.read().decode()
        except urllib.error.HTTPError as answer:
            return answer.code, answer.headers.get("Location", ""), answer.read().decode(errors="replace")


class Shoppers:
    """Guest checkouts from a few threads; the second half waits until ``second_half`` is set."""

    def __init__(self, base: str, total: int, threads: int):
        self.base, self.total, self.lock = base, total, threading.Lock()
        self.next, self.placed, self.errors, self.latencies = 0, 0, [], []
        self.second_half = threading.Event()
        self.threads = [threading.Thread(target=self._shop, daemon=True) for _ in range(threads)]

    def start(self):
        """Start shopping (the first half of the orders goes at once)."""
        for thread in self.threads:
            thread.start()

    def join(self):
        """Wait until every order has been tried."""
        for thread in self.threads:
            thread.join()

    def _take(self) -> int | None:
        with self.lock:
            n, self.next = self.next, self.next + 1
        if n >= self.total:
            return None
        if n >= self.total // 2:
            self.second_half.wait()
        return n

    def _shop(self):
        browser = Browser(self.base)
        try:
            page = Forms(browser.go("/")[2]).with_field("quantity")
            token, basket = page["fields"]["csrf_token"], page["action"]
        except (OSError, StopIteration):  # every order this thread takes then counts as failed
            token = basket = None
        while (n := self._take()) is not None:
            start = time.perf_counter()
            try:
                if basket is None:
                    raise OSError("no basket form on the shop's front page")
                added = browser.go(basket, {"csrf_token": token, "quantity": "1"})[0]
                status, location, _ = browser.go("/pedido", {
                    "csrf_token": token, "name": f"Cliente {n}", "email": f"cliente{n}@soak.example",
                    "address": f"Calle Mayor {n}, Madrid", "card_number": CARD})
            except OSError as exc:
                added, status, location = "-", exc, ""
            with self.lock:
                if added == 302 and status == 302 and "/pedido/" in location:
                    self.placed += 1
                    self.latencies.append(time.perf_counter() - start)
                else:
                    self.errors.append(f"order {n}: basket {added}, checkout {status}")


def read_contact(base: str, tag: str, reads: int, clients: int) -> list[str]:
    """``reads`` anonymous reads of /contacto from ``clients`` threads: the address each one showed."""
    def read(n):
        try:
            page = Browser(base).go(f"/contacto?soak={tag}-{n}")[2]
        except OSError:
            return ""
        found = re.search(r'id="contact-email" href="mailto:([^"]+)"', page)
        return found.group(1) if found else ""

    with ThreadPoolExecutor(clients) as pool:
        return list(pool.map(read, range(reads)))


def settings_coherence(base: str, email: str, password: str, saves: int, reads: int, clients: int) -> dict:
    """Save a new contact address through the shop's admin (Comunicaciones) ``saves`` times, each time
    right after every web worker has shown the old one, and count the reads that still show the old."""
    admin = Browser(base)
    login = Forms(admin.go("/entrar")[2]).with_field("password")
    status = admin.go("/entrar", {**login["fields"], "email": email, "password": password})[0]
    if status != 302:
        raise SystemExit(f"soak: signing in to the shop's admin answered {status}")
    screen = "/admin/correo/generales/comunicaciones/"
    stale = total = 0
    for round_ in range(saves):
        read_contact(base, f"warm{round_}", reads, clients)  # the web workers cache the old address
        new = f"contacto{round_}@soak.example"
        form = Forms(admin.go(screen)[2]).with_field("contact_email")
        status, _, page = admin.go(form["action"] or screen, {**form["fields"], "contact_email": new})
        if status != 302:
            errors = re.findall(r'class="error[^"]*"[^>]*>([^<]*)<', page)
            raise SystemExit(f"soak: saving Comunicaciones answered {status}: {errors}")
        shown = read_contact(base, f"after{round_}", reads, clients)
        stale += sum(address != new for address in shown)
        total += len(shown)
    return {"stale": stale, "reads": total}


if __name__ == "__main__":
    run_sink(int(sys.argv[1]), sys.argv[2])
