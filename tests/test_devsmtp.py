"""`flask shopmail dev-smtp`: the capture server a newcomer points an account at."""

import json
import os
import select
import signal
import smtplib
import socket
import ssl
import subprocess
import sys
import time
from email.message import EmailMessage
from pathlib import Path

import pytest

from shopmail.cli.devsmtp import CaptureHandler
from shopmail.cli.devsmtp import make_controller

ROOT = Path(__file__).resolve().parent.parent


def test_capture_server_accepts_any_login_over_starttls_and_prints_a_line():
    lines = []
    handler = CaptureHandler(echo=lines.append)
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    controller = make_controller("127.0.0.1", port, handler)
    controller.start()
    try:
        message = EmailMessage()
        message["From"], message["To"], message["Subject"] = "t@tienda.example", "c@cliente.example", "Hola"
        message.set_content("prueba")
        with smtplib.SMTP("127.0.0.1", port, timeout=5) as smtp:
            context = ssl.create_default_context()
            context.check_hostname, context.verify_mode = False, ssl.CERT_NONE
            smtp.starttls(context=context)
            smtp.login("cualquiera", "lo-que-sea")
            smtp.send_message(message)
    finally:
        controller.stop()
    assert len(handler.messages) == 1
    assert lines and "c@cliente.example" in lines[0] and "Hola" in lines[0]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def dev_smtp(tmp_path):
    """`flask shopmail dev-smtp` as a person runs it, in its own process on a free port."""
    port = _free_port()
    env = {k: v for k, v in os.environ.items()
           if not k.startswith("SHOPMAIL_") and k not in {"SECRET_KEY", "SQLALCHEMY_DATABASE_URI"}}
    env.update(SHOPMAIL_INSTANCE_PATH=str(tmp_path), FLASK_APP="shopmail", PYTHONUNBUFFERED="1")
    process = subprocess.Popen([sys.executable, "-m", "flask", "shopmail", "dev-smtp", "--port", str(port)],
                               cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        with socket.socket() as sock:
            if sock.connect_ex(("127.0.0.1", port)) == 0:
                break
        time.sleep(0.1)
    yield process, port
    if process.poll() is None:
        process.send_signal(signal.SIGINT)
        process.wait(timeout=10)


def _output(process, wait_for: str = "") -> tuple[str, str]:
    """Stop the server once it has printed ``wait_for`` (it may still be handling the client); (stdout, stderr)."""
    seen = b""
    deadline = time.monotonic() + 10
    while wait_for.encode() not in seen and time.monotonic() < deadline:
        if select.select([process.stdout], [], [], 0.2)[0]:  # raw reads: nothing left in a Python buffer
            seen += os.read(process.stdout.fileno(), 65536)
    process.send_signal(signal.SIGINT)
    stdout, stderr = process.communicate(timeout=10)
    return seen.decode() + stdout, stderr


def test_dev_smtp_prints_one_line_per_message_with_its_decoded_subject(dev_smtp):
    process, port = dev_smtp
    subject = "Confirmación de su pedido nº 1003 — «Zapatillas de montaña» y calcetines térmicos, talla 42"
    message = EmailMessage()
    message["From"], message["To"], message["Subject"] = "t@tienda.example", "c@cliente.example", subject
    message.set_content("prueba")
    assert "=?utf-8?" in message.as_string()  # really encoded (and folded) on the wire
    with smtplib.SMTP("127.0.0.1", port, timeout=5) as smtp:
        context = ssl.create_default_context()
        context.check_hostname, context.verify_mode = False, ssl.CERT_NONE
        smtp.starttls(context=context)
        smtp.login("cualquiera", "lo-que-sea")
        smtp.send_message(message)
    stdout, stderr = _output(process, wait_for="→")
    (line,) = [line for line in stdout.splitlines() if "→" in line]
    assert line.endswith(f"t@tienda.example → c@cliente.example: {subject}")
    assert "login_data" not in stderr and "Traceback" not in stderr, stderr


def test_dev_smtp_prints_one_line_for_a_failed_starttls_handshake(dev_smtp):
    process, port = dev_smtp
    with smtplib.SMTP("127.0.0.1", port, timeout=5) as smtp:
        with pytest.raises(ssl.SSLError):  # the default context rejects the throw-away certificate
            smtp.starttls(context=ssl.create_default_context())
    stdout, stderr = _output(process, wait_for="STARTTLS fallido")
    assert [line for line in stdout.splitlines() if "STARTTLS fallido" in line], stdout
    assert "Traceback" not in stderr and "Traceback" not in stdout, stderr


def test_dev_smtp_json_prints_one_json_document_per_message():
    lines = []
    handler = CaptureHandler(echo=lines.append, as_json=True)
    port = _free_port()
    controller = make_controller("127.0.0.1", port, handler)
    controller.start()
    try:
        message = EmailMessage()
        message["From"], message["To"], message["Subject"] = "t@tienda.example", "c@cliente.example", "Año nuevo"
        message.set_content("prueba")
        with smtplib.SMTP("127.0.0.1", port, timeout=5) as smtp:
            smtp.send_message(message)
    finally:
        controller.stop()
    (line,) = lines
    data = json.loads(line)
    assert (data["event"], data["subject"], data["rcpt_tos"]) == ("message", "Año nuevo", ["c@cliente.example"])
