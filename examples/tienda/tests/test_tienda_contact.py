"""The contact page shows the address saved in Comunicaciones, from the moment it is saved."""

from __future__ import annotations

import re

from tienda_testing import submit

COMMUNICATIONS = "/admin/correo/generales/comunicaciones/"


def shown_address(client):
    page = client.get("/contacto").get_data(as_text=True)
    match = re.search(r'id="contact-email" href="mailto:([^"]+)"', page)
    return match.group(1) if match else None


def test_contact_page_follows_comunicaciones(client, admin):
    assert shown_address(client) is None

    for address in ("hola@tienda.example", "ayuda@tienda.example"):
        response = submit(admin, COMMUNICATIONS, {"contact_email": address})
        assert response.status_code == 302, response.get_data(as_text=True)
        # A visitor's very next page view shows the new address (no restart, no waiting for the cache).
        assert shown_address(client) == address
