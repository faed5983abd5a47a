"""Audit events recorded before issue 19 (data only in a Spanish summary) still read as their own sentence,
in the viewer's language, where the stored summary allows."""

import html

from shopmail.core.models import AuditEvent
from shopmail.core.state import session

#: Rows exactly as the old code wrote them (see shopmail/panel/audit/legacy.py): no details.
OLD = [
    ("account.created", "cuenta nueva", "tienda@example.com (smtp.example.com:587 starttls)"),
    ("account.changed", "cuenta 1", "tienda@example.com: display_name: 'Tienda' → 'Nuevo; nombre'; port: 587 → 465; "
                                    "contraseña cambiada"),
    ("account.deleted", "cuenta 2", "otra@example.com"),
    ("outbox.released", "envío 7", "order_completed: Confirmación de su pedido 1001 → ana@cliente.example"),
    ("outbox.retried", "envío 8", "test: Prueba → a: b → c@d.example, e@f.example"),
    ("outbox.cancelled", "envío 9", "order_completed: Pedido 1002 → luis@cliente.example"),
    ("simulation.on", "comunicaciones", "Modo simulación activado"),
    ("account.connected", "cuenta 4", "buzon@empresa.example: Microsoft 365"),
    ("account.disconnected", "cuenta 4", "buzon@empresa.example"),
    ("wording.saved", "plantilla order_completed", "en: Your order {order_number} is in"),
    ("wording.restored", "plantilla order_shipped", "es"),
    ("account.changed", "cuenta 3", "algo que no se entiende"),
]


def _log(admin, app, headers=None) -> str:
    with app.app_context():
        for action, target, summary in OLD:
            session().add(AuditEvent(actor="jefa@tienda.example", action=action, target=target, summary=summary,
                                     details={}))
        session().commit()
    return html.unescape(admin.get("/ajustes/auditoria/", headers=headers or {}).get_data(as_text=True))


def test_old_events_read_as_their_own_sentences_in_spanish(admin, app):
    page = _log(admin, app)
    assert "jefa@tienda.example creó la cuenta tienda@example.com." in page
    assert "<span class=\"after\">smtp.example.com:587</span>" in page and "<span class=\"after\">STARTTLS</span>" in page
    assert "jefa@tienda.example cambió la cuenta tienda@example.com." in page
    assert "antes: Tienda</span> → <span class=\"after\">ahora: Nuevo; nombre" in page
    assert "antes: 587</span> → <span class=\"after\">ahora: 465" in page
    assert "cambiada (nunca se guarda en el registro)" in page
    assert "jefa@tienda.example eliminó la cuenta otra@example.com." in page
    assert "liberó el correo «<span translate=\"no\">Confirmación de su pedido 1001</span>»." in page
    assert "volvió a intentar el correo «<span translate=\"no\">Prueba → a: b</span>»." in page
    assert "canceló el correo «<span translate=\"no\">Pedido 1002</span>»." in page
    assert "activó el modo simulación" in page
    assert "jefa@tienda.example conectó la cuenta buzon@empresa.example con Microsoft 365." in page
    assert "jefa@tienda.example desconectó la cuenta buzon@empresa.example." in page
    assert "jefa@tienda.example cambió el texto de «Confirmación de pedido» (en)." in page
    assert "<span class=\"after\">Your order {order_number} is in</span>" in page
    assert "jefa@tienda.example restauró el texto original de «Pedido enviado» (es)." in page
    assert "cuenta nueva" not in page.split("<h1>", 1)[1].split('<details class="tech">', 1)[0]
    assert page.count("hizo un cambio.") == 1  # only the summary nothing can be read from


def test_old_events_read_in_english(admin, app):
    page = _log(admin, app, {"Accept-Language": "en"})
    assert "jefa@tienda.example deleted the account otra@example.com." in page
    assert "before: Tienda</span> → <span class=\"after\">now: Nuevo; nombre" in page
    assert "jefa@tienda.example created the account tienda@example.com." in page
    assert "Confirmación de su pedido 1001" in page and "hizo un cambio" not in page
    assert "connected the account buzon@empresa.example with Microsoft 365." in page
    assert "restored the original text of “Order shipped” (es)." in page
