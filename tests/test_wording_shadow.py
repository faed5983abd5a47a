"""Plantillas de correo says plainly when the host's own mail template (as examples/tienda's
order_completed.txt) never shows the shop's wording, for that kind and that part only."""

from __future__ import annotations

from tests.helpers import page
from tests.test_embedding import make_host

URL = "/ajustes/generales/plantillas/"

#: Like examples/tienda: the text part of the order confirmation is the shop's own, without `wording`.
OWN_TEXT = """{% from "shopmail/mail/_order.txt" import summary, signature %}
{% set subject = "Su pedido " ~ order.number ~ " en La Tienda de Ana" %}
Hola, {{ order.customer_name }}:

Preparamos su pedido hoy mismo.

{{ summary(order) }}

{{ signature(contact_email) }}
"""
#: A shadow that keeps the shop's wording: nothing to warn about.
OWN_HTML_WITH_WORDING = """<html><body><h1>La Tienda de Ana</h1>{{ wording.intro_html }}</body></html>"""


def test_a_shadowed_text_part_without_wording_is_named_on_its_kind_only(tmp_path):
    host = make_host(tmp_path, templates={"shopmail/mail/order_completed.txt": OWN_TEXT})
    client = host.test_client()

    body = page(client.get(URL + "order_completed"))
    assert 'id="wording-shadowed"' in body
    assert "Los cambios de esta página no llegan a todo el correo." in body
    assert ('Parte de texto: la tienda usa su propia plantilla, <code translate="no" class="wrap-anywhere">'
            "shopmail/mail/order_completed.txt</code>, que no incluye el asunto ni los textos de aquí.") in body
    assert "Parte HTML" not in body  # the HTML part is still shopmail's, with the wording

    assert 'id="wording-shadowed"' not in page(client.get(URL + "order_shipped"))
    index = page(client.get(URL))
    row = index.split("Confirmación de pedido (al cliente)")[1].split("</tr>")[0]
    assert "La tienda usa su propia plantilla de texto: estos textos no aparecen en esa parte." in row
    assert index.count("La tienda usa su propia plantilla") == 1


def test_a_shadow_that_uses_wording_and_the_html_part_are_told_apart(tmp_path):
    host = make_host(tmp_path, templates={
        "shopmail/mail/order_completed.html": OWN_HTML_WITH_WORDING,
        "shopmail/mail/order_shipped.html": "<p>Su pedido {{ order.number }} ha salido.</p>",
        "shopmail/mail/order_shipped.txt": OWN_TEXT})
    client = host.test_client()

    assert 'id="wording-shadowed"' not in page(client.get(URL + "order_completed"))
    body = page(client.get(URL + "order_shipped"))
    assert "Parte de texto: la tienda usa su propia plantilla" in body
    assert ('Parte HTML: la tienda usa su propia plantilla, <code translate="no" class="wrap-anywhere">shopmail/mail/order_shipped.html'
            "</code>, que no incluye los textos de aquí.") in body
    index = page(client.get(URL))
    assert "La tienda usa su propia plantilla: estos textos no aparecen en el correo." in index


def test_shopmails_own_templates_raise_no_warning(admin):
    for kind in ("order_completed", "order_completed_admin", "order_shipped", "order_cancelled", "test"):
        assert 'id="wording-shadowed"' not in page(admin.get(URL + kind))
    assert "La tienda usa su propia plantilla" not in page(admin.get(URL))
