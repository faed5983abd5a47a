"""La tienda shadows shopmail's order confirmation text (tienda/templates/shopmail/mail/order_completed.txt)
without its `wording`: Plantillas de correo tells the admins that their edits do not reach that part."""

from __future__ import annotations

import html


def test_plantillas_de_correo_says_the_shops_own_text_template_ignores_the_edits(admin):
    page = html.unescape(admin.get("/admin/correo/generales/plantillas/order_completed").get_data(as_text=True))
    assert "Los cambios de esta página no llegan a todo el correo." in page
    assert "Parte de texto: la tienda usa su propia plantilla" in page
    assert "shopmail/mail/order_completed.txt" in page
    assert "Parte HTML" not in page  # the HTML part is still shopmail's, with the wording

    shipped = html.unescape(admin.get("/admin/correo/generales/plantillas/order_shipped").get_data(as_text=True))
    assert "Los cambios de esta página no llegan" not in shipped
