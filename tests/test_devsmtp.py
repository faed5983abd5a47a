"""`flask shopmail dev-smtp`: the capture server a newcomer points an account at."""

import smtplib
import socket
import ssl
from email.message import EmailMessage

from shopmail.cli.devsmtp import CaptureHandler
from shopmail.cli.devsmtp import make_controller


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
