"""Order notifications: an order becomes messages in the outbox, written in the caller's transaction.

No network I/O happens here: the messages are rendered and stored; delivery runs after the
response (``SHOPMAIL_SEND_INLINE``) or in ``flask shopmail worker``.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
import re
from dataclasses import dataclass
from decimal import Decimal
from decimal import InvalidOperation

from babel.dates import format_date
from babel.numbers import format_currency
from jinja2 import TemplateNotFound

from shopmail.core import settings
from shopmail.core.addresses import AddressError
from shopmail.core.addresses import needs_smtputf8
from shopmail.core.addresses import normalize
from shopmail.core.i18n import gettext as _
from shopmail.core.state import session
from shopmail.delivery import compose
from shopmail.delivery import outbox
from shopmail.delivery import runner

log = logging.getLogger("shopmail.notifications")

ORDER_COMPLETED = "order_completed"
ORDER_COMPLETED_ADMIN = "order_completed_admin"
TEST = "test"
_KIND = re.compile(r"^[a-z][a-z0-9_]{0,39}$")


@dataclass(frozen=True)
class OrderLine:
    """One line of an order, with its amounts already formatted for the shop's locale."""

    name: str
    quantity: int
    unit_price: str
    line_total: str


@dataclass(frozen=True)
class OrderView:
    """What the mail templates see of an order (a mapping or an object from the host shop)."""

    number: str
    customer_email: str
    customer_name: str
    lines: tuple[OrderLine, ...]
    total: str
    currency: str
    shipping_address: tuple[str, ...]
    placed_at: str


def _get(order, name, default=None):
    if isinstance(order, dict):
        return order.get(name, default)
    return getattr(order, name, default)


def _amount(value, what: str) -> Decimal:
    try:
        return Decimal(str(value))
    except (InvalidOperation, ValueError):
        raise ValueError(_("%(what)s no es un importe válido: %(v)r", what=what, v=value)) from None


def format_money(amount, currency: str) -> str:
    """``amount`` in ``currency`` for the mail locale (es: ``1.234,50 €``)."""
    return format_currency(_amount(amount, _("El importe")), currency, locale=compose.mail_locale())


def order_view(order) -> OrderView:
    """Read and check an order: header values may not carry line breaks, amounts must be numbers."""
    currency = compose.clean_header_text(_get(order, "currency") or "EUR", 10).upper()
    lines = []
    for item in _get(order, "items") or ():
        quantity = int(_get(item, "quantity", 1))
        price = _amount(_get(item, "unit_price", 0), _("El precio"))
        lines.append(OrderLine(str(_get(item, "name", "")), quantity, format_money(price, currency),
                               format_money(price * quantity, currency)))
    address = _get(order, "shipping_address") or ()
    if isinstance(address, str):
        address = address.splitlines()
    placed_at = _get(order, "placed_at")
    if isinstance(placed_at, (dt.date, dt.datetime)):
        placed_at = format_date(placed_at, format="long", locale=compose.mail_locale())
    # What a customer typed (name, address) or the shop generated (number) never fails the order: line
    # breaks and controls are cleaned here, a bad address fails only that customer's mail (_customer).
    customer_email = compose.clean_header_text(_get(order, "customer_email"), 320)
    try:
        customer_email = normalize(customer_email, international=True)
    except AddressError:
        pass
    return OrderView(
        number=compose.clean_header_text(_get(order, "number")),
        customer_email=customer_email,
        customer_name=compose.clean_header_text(_get(order, "customer_name")),
        lines=tuple(lines),
        total=format_money(_get(order, "total", 0), currency),
        currency=currency,
        shipping_address=tuple(str(line) for line in address if str(line).strip()),
        placed_at=str(placed_at or ""),
    )


def _customer(view: OrderView) -> tuple[compose.Address | None, str | None]:
    """The customer's mailbox, or (None, why) when the address cannot receive mail."""
    try:
        return compose.mailbox(view.customer_email, view.customer_name, _("El correo del cliente"),
                               international=True), None
    except compose.ComposeError as exc:
        return None, str(exc)


def _reply_to_customer(customer):
    """The admins' notice answers to the customer, unless that address would need SMTPUTF8 in a header."""
    return customer if customer is not None and not needs_smtputf8(customer.addr_spec) else None


def _dedupe_key(kind: str, number: str) -> str:
    key = f"{kind}:{number}"
    return key if len(key) <= 200 else f"{kind}:sha256:{hashlib.sha256(number.encode()).hexdigest()}"


def _draft(kind, view: OrderView, to, reply_to, snap, dedupe=True, problem=None, **extra) -> compose.Draft:
    context = {"order": view, "contact_email": snap.contact_email, "kind": kind, **extra}
    try:
        subject, text, html = compose.render(kind, context)
    except TemplateNotFound:
        raise ValueError(_("No hay plantilla de correo para «%(k)s».", k=kind)) from None
    return compose.build(kind=kind, to=to, subject=subject, text=text, html=html, reply_to=reply_to,
                         domain=compose.message_id_domain(snap.contact_email),
                         dedupe_key=_dedupe_key(kind, view.number) if dedupe else None, problem=problem,
                         recipients=None if to else (view.customer_email,))


def _to_customer(kind, view: OrderView, snap, **extra) -> tuple[compose.Draft, compose.Address | None]:
    """The customer's message; with an address that cannot receive mail it is kept as failed, with why."""
    customer, problem = _customer(view)
    draft = _draft(kind, view, [customer] if customer else [], _contact(snap), snap, problem=problem, **extra)
    return draft, customer


def _contact(snap):
    if not snap.contact_email:
        return None
    return compose.mailbox(snap.contact_email, what=_("El correo público de contacto"))


def order_completed(order) -> list[outbox.Queued]:
    """Queue the customer's confirmation and the admins' notice for a completed order.

    Written in the caller's transaction (it commits them, or a rollback drops them); notifying one
    order twice queues nothing new. Without admin addresses the admin notice is skipped and logged.
    """
    snap = settings.get()
    view = order_view(order)
    draft, customer = _to_customer(ORDER_COMPLETED, view, snap)
    drafts = [draft]
    if snap.admin_emails:
        admins = [compose.mailbox(address, what=_("Un correo de administrador")) for address in snap.admin_emails]
        drafts.append(_draft(ORDER_COMPLETED_ADMIN, view, admins, _reply_to_customer(customer), snap))
    else:
        log.warning("Pedido %s: no hay correos de administrador; el aviso a administradores no se envía.",
                    view.number)
    return outbox.enqueue(drafts, snap)


def customer_notice(kind: str, order, **extra) -> list[outbox.Queued]:
    """Queue another purchase notice to the customer, e.g. ``order_shipped`` or ``order_cancelled``.

    ``kind`` names the templates ``shopmail/mail/<kind>.txt/.html``; ``extra`` goes to them
    (e.g. ``tracking_number``, ``tracking_url``, ``reason``). Once per order and kind.
    """
    if not _KIND.match(kind or "") or kind in {ORDER_COMPLETED_ADMIN, TEST}:
        raise ValueError(_("Tipo de aviso desconocido: %(k)s", k=kind))
    snap = settings.get()
    draft, _customer_box = _to_customer(kind, order_view(order), snap, **extra)
    return outbox.enqueue([draft], snap)


def sample_order(to: str) -> dict:
    """The example order a test mail shows."""
    return {
        "number": "PRUEBA-" + dt.datetime.now(dt.UTC).strftime("%Y%m%d%H%M%S"),
        "customer_email": to,
        "customer_name": _("Cliente de prueba"),
        "items": [{"name": _("Camiseta de algodón"), "quantity": 2, "unit_price": "19.95"},
                  {"name": _("Taza de cerámica"), "quantity": 1, "unit_price": "1194.60"}],
        "total": "1234.50",
        "currency": "EUR",
        "shipping_address": ["Calle Mayor 1", "28013 Madrid"],
        "placed_at": dt.date.today(),
    }


def queue_test(to: str) -> outbox.Queued:
    """Add the test mail (a sample order confirmation to ``to``) to the current transaction."""
    snap = settings.get()
    view = order_view(sample_order(to))
    draft = _draft(TEST, view, [compose.mailbox(view.customer_email)], _contact(snap), snap, dedupe=False)
    (queued,) = outbox.enqueue([draft], snap, kick=False)
    return queued


def send_test(to: str) -> runner.Outcome:
    """"Enviar correo de prueba": a sample order notification to ``to`` through the real pipeline.

    The mail is queued (simulated if simulation is on, like any other mail), committed, then sent at
    once by the worker's code. Raises ``compose.ComposeError`` (a ValueError) for a bad address.
    """
    queued = queue_test(to)
    session().commit()
    return runner.deliver_now(queued)
