"""Registro de envíos: the list, a message's page, Reintentar / Liberar / Cancelar, the chart."""

import datetime as dt
import re

import sqlalchemy as sa

from shopmail.core.models import OutboxMessage
from shopmail.core.state import session
from tests import test_delivery_support as support
from tests.test_delivery_support import order

shop, mail_server = support.shop, support.mail_server  # fixtures

URL = "/ajustes/envios/"


def _set_status(shop, status, **where):
    with shop.app.app_context():
        session().execute(sa.update(OutboxMessage).filter_by(**where).values(status=status))
        session().commit()


def _ids(page: str) -> list[int]:
    return [int(n) for n in re.findall(r'href="/ajustes/envios/(\d+)"', page)]


def test_the_list_shows_every_message_with_its_status_in_words(shop, admin):
    shop.notify(order("1"))
    shop.deliver()
    shop.save_settings(simulation=True)
    shop.notify(order("2"))
    page = admin.get(URL).get_data(as_text=True)
    assert "<h1>Registro de envíos</h1>" in page
    assert page.count(">Enviado</span>") == 2
    assert page.count(">Simulado</span>") == 2
    assert "Confirmación de su pedido 1" in page and "Aviso de pedido a administradores" in page
    assert 'aria-current="page"' in page and ">Registro de envíos</a>" in page


def test_filters_by_status_kind_and_recipient(shop, admin):
    shop.notify(order("1"), order("2", customer_email="luis@cliente.example"))
    rows = {(row.kind, tuple(row.recipients)): row.id for row in shop.rows()}
    _set_status(shop, "failed", id=rows[("order_completed", ("luis@cliente.example",))])

    page = admin.get(URL, query_string={"status": "failed"}).get_data(as_text=True)
    assert _ids(page) == [rows[("order_completed", ("luis@cliente.example",))]]
    page = admin.get(URL, query_string={"kind": "order_completed_admin"}).get_data(as_text=True)
    assert len(_ids(page)) == 2
    page = admin.get(URL, query_string={"recipient": "ANA@cliente"}).get_data(as_text=True)
    assert _ids(page) == [rows[("order_completed", ("ana@cliente.example",))]]
    page = admin.get(URL, query_string={"recipient": "%"}).get_data(as_text=True)
    assert _ids(page) == []  # a wildcard is searched for literally
    assert "Quitar filtros" in page


def test_pagination(shop, admin):
    shop.save_settings(admin_emails=[])
    shop.notify(*(order(str(n)) for n in range(55)))
    first = admin.get(URL).get_data(as_text=True)
    assert len(_ids(first)) == 50 and "Página 1 de 2" in first
    assert "55 envíos" in first
    second = admin.get(URL, query_string={"page": 2}).get_data(as_text=True)
    assert len(_ids(second)) == 5
    assert set(_ids(first)).isdisjoint(_ids(second))
    assert 'rel="prev"' in second


def test_the_message_page_shows_headers_text_source_and_a_sandboxed_html_frame(shop, admin):
    shop.notify(order(customer_name="Ana <script>alert(1)</script>"))
    shop.deliver()
    row = shop.rows(kind="order_completed")[0]
    page = admin.get(f"{URL}{row.id}").get_data(as_text=True)
    assert "Tienda Ñandú &lt;tienda@tienda.example&gt;" in page  # From, as it went out
    assert row.message_id.replace("<", "&lt;").replace(">", "&gt;") in page
    assert "<script>alert(1)</script>" not in page
    assert "Código fuente" in page and "Content-Type: multipart/alternative" in page
    assert "Versión de texto" in page and "1.234,50\xa0€" in page
    frame = re.search(r'<iframe[^>]*src="([^"]+)"[^>]*sandbox=""', page)
    assert frame is not None

    html = admin.get(frame.group(1))
    assert html.status_code == 200
    policy = html.headers["Content-Security-Policy"]
    assert "default-src 'none'" in policy and "sandbox" in policy and "script-src" not in policy
    assert "Taza de cerámica" in html.get_data(as_text=True)
    assert "&lt;script&gt;" in html.get_data(as_text=True)  # the mail's own HTML escaped the name


def test_release_asks_for_confirmation_then_sends_the_simulated_message(shop, admin):
    shop.save_settings(simulation=True, admin_emails=[])
    shop.notify(order())
    (row,) = shop.rows()
    page = admin.get(f"{URL}{row.id}").get_data(as_text=True)
    assert "/liberar" not in page and "desactívelo en Comunicaciones" in page  # nothing to press while on
    assert ">Reintentar<" not in page
    # A release posted anyway (another tab, the CLI) is refused: the message would only be kept again.
    page = admin.post(f"{URL}{row.id}/liberar", data={}, follow_redirects=True).get_data(as_text=True)
    assert "El modo simulación está activo" in page
    assert shop.statuses() == ["simulated"]
    shop.save_settings(simulation=False)
    page = admin.get(f"{URL}{row.id}").get_data(as_text=True)
    assert re.search(r'<form[^>]*/liberar"[^>]*data-confirm="[^"]*ana@cliente.example', page)
    response = admin.post(f"{URL}{row.id}/liberar", data={})
    assert response.status_code == 302
    assert shop.statuses() == ["queued"]
    assert shop.deliver().sent == 1
    assert shop.server.messages[0].message_id == row.message_id


def test_release_is_refused_under_the_simulation_lock(shop, admin):
    shop.save_settings(simulation=True, admin_emails=[])
    shop.notify(order())
    (row,) = shop.rows()
    shop.app.config["SHOPMAIL_SIMULATION_LOCK"] = True
    page = admin.post(f"{URL}{row.id}/liberar", data={}, follow_redirects=True).get_data(as_text=True)
    assert "SHOPMAIL_SIMULATION_LOCK" in page
    assert shop.statuses() == ["simulated"]


def test_retry_a_failed_message_and_cancel_a_queued_one(shop, admin):
    shop.save_settings(admin_emails=[])
    shop.notify(order("1"), order("2"))
    failed, queued = shop.rows()
    _set_status(shop, "failed", id=failed.id)
    page = admin.post(f"{URL}{failed.id}/reintentar", data={}, follow_redirects=True).get_data(as_text=True)
    assert "pendiente de envío" in page
    page = admin.post(f"{URL}{queued.id}/cancelar", data={}, follow_redirects=True).get_data(as_text=True)
    assert "Envío cancelado" in page and ">Cancelado</span>" in page
    assert shop.statuses() == ["queued", "cancelled"]
    # Actions that do not apply are refused with a reason.
    page = admin.post(f"{URL}{queued.id}/reintentar", data={}, follow_redirects=True).get_data(as_text=True)
    assert "Solo se puede reintentar un correo fallido" in page
    assert shop.deliver().sent == 1


def test_actions_need_the_csrf_token(shop, admin):
    shop.notify(order())
    row = shop.rows()[0]
    admin.csrf_token = None
    assert admin.post(f"{URL}{row.id}/cancelar", data={}).status_code == 400
    assert shop.statuses() == ["queued", "queued"]


def test_the_chart_draws_sent_failed_and_simulated_per_day_for_14_days(shop, admin):
    shop.save_settings(admin_emails=[])
    shop.notify(order("1"), order("2"), order("3"), order("4"))
    one, two, three, four = shop.rows()
    yesterday = dt.datetime.now(dt.UTC) - dt.timedelta(days=1)
    long_ago = dt.datetime.now(dt.UTC) - dt.timedelta(days=20)
    with shop.app.app_context():
        for id_, status, when in [(one.id, "sent", yesterday), (two.id, "sent", None), (three.id, "failed", None),
                                  (four.id, "sent", long_ago)]:
            values = {"status": status}
            if when:
                values["updated_at"] = when
            session().execute(sa.update(OutboxMessage).where(OutboxMessage.id == id_).values(**values))
        session().commit()
    page = admin.get(URL).get_data(as_text=True)
    svg = re.search(r"<svg.*?</svg>", page, re.S).group(0)
    assert 'role="img"' in svg
    titles = re.findall(r"<title>([^<]+)</title>", svg)
    today, before = f"{dt.datetime.now(dt.UTC):%d/%m}", f"{yesterday:%d/%m}"
    assert f"{today}: 1 enviados" in titles and f"{today}: 1 fallidos" in titles
    assert f"{before}: 1 enviados" in titles
    assert len(re.findall(r'text-anchor="middle"[^>]*>\d\d/\d\d<', svg)) == 14
    # The same figures as a table, for screen readers.
    assert "Ver los datos" in page


def test_an_unknown_message_is_404(shop, admin):
    assert admin.get(f"{URL}999").status_code == 404
    assert admin.get(f"{URL}999/html").status_code == 404


def test_the_home_page_summary_with_nothing_sent_and_no_account(app, admin):
    page = admin.get("/ajustes/").get_data(as_text=True)
    # Nothing sent is not "all is well" while no mail could go out (issue 12, case 8).
    assert "Envíos" in page and "Todo en orden" not in page
    assert "No hay cuenta de envío: ningún correo puede salir." in page


def test_a_failed_or_held_message_says_what_to_do_next(shop, admin):
    shop.save_settings(admin_emails=[])
    shop.notify(order("1"), order("2"))
    failed, held = shop.rows()
    _set_status(shop, "failed", id=failed.id)
    _set_status(shop, "held", id=held.id)
    page = admin.get(f"{URL}{failed.id}").get_data(as_text=True)
    assert "no se volverá a intentar solo" in page and "pulse «Reintentar»" in page
    page = admin.get(f"{URL}{held.id}", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert "This mail is waiting: the sending account needs attention or none is chosen." in page
