"""An order as the host shop passes it, read and checked for the mails, in the mail's language.

Amounts and dates are formatted for the locale of the mail (Babel): the customer's (``order.locale``) for
the customer's mails, the shop's default (``SHOPMAIL_DEFAULT_LOCALE``) for the admins' notice.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from decimal import InvalidOperation

from babel.dates import format_date
from babel.numbers import format_currency

from shopmail.core.addresses import AddressError
from shopmail.core.addresses import normalize
from shopmail.core.i18n import default_locale
from shopmail.core.i18n import gettext as _
from shopmail.core.i18n import LANGUAGES
from shopmail.delivery import compose


@dataclass(frozen=True)
class OrderLine:
    """One line of an order, with its amounts already formatted for the mail's locale."""

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
    locale: str = "es"


def get(order, name, default=None):
    """A field of ``order``, a mapping or an object."""
    if isinstance(order, dict):
        return order.get(name, default)
    return getattr(order, name, default)


def customer_locale(order) -> str:
    """The language of the customer's mails: ``order.locale`` (``"en"``, ``"en-GB"``, ``"es_ES"``…) when
    shopmail has a translation for it, else the shop's default."""
    wanted = str(get(order, "locale") or "").strip().replace("_", "-").split("-")[0].lower()
    return wanted if wanted in LANGUAGES else default_locale()


def _amount(value, what: str) -> Decimal:
    try:
        return Decimal(str(value))
    except (InvalidOperation, ValueError):
        raise ValueError(_("%(what)s no es un importe válido: %(v)r", what=what, v=value)) from None


def format_money(amount, currency: str, locale: str | None = None) -> str:
    """``amount`` in ``currency`` for ``locale`` (default: the shop's; es: ``1.234,50 €``, en: ``€1,234.50``)."""
    return format_currency(_amount(amount, _("El importe")), currency, locale=locale or compose.mail_locale())


def order_view(order, locale: str | None = None) -> OrderView:
    """Read and check an order: header values may not carry line breaks, amounts must be numbers."""
    locale = locale or compose.mail_locale()
    currency = compose.clean_header_text(get(order, "currency") or "EUR", 10).upper()
    lines = []
    for item in get(order, "items") or ():
        quantity = int(get(item, "quantity", 1))
        price = _amount(get(item, "unit_price", 0), _("El precio"))
        lines.append(OrderLine(str(get(item, "name", "")), quantity, format_money(price, currency, locale),
                               format_money(price * quantity, currency, locale)))
    address = get(order, "shipping_address") or ()
    if isinstance(address, str):
        address = address.splitlines()
    placed_at = get(order, "placed_at")
    if isinstance(placed_at, (dt.date, dt.datetime)):
        placed_at = format_date(placed_at, format="long", locale=locale)
    # What a customer typed (name, address) or the shop generated (number) never fails the order: line
    # breaks and controls are cleaned here, a bad address fails only that customer's mail.
    customer_email = compose.clean_header_text(get(order, "customer_email"), 320)
    try:
        customer_email = normalize(customer_email, international=True)
    except AddressError:
        pass
    return OrderView(
        number=compose.clean_header_text(get(order, "number")),
        customer_email=customer_email,
        customer_name=compose.clean_header_text(get(order, "customer_name")),
        lines=tuple(lines),
        total=format_money(get(order, "total", 0), currency, locale),
        currency=currency,
        shipping_address=tuple(str(line) for line in address if str(line).strip()),
        placed_at=str(placed_at or ""),
        locale=locale,
    )


def sample_order(to: str, locale: str | None = None) -> dict:
    """The example order a test mail and the Plantillas de correo preview show."""
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
        "locale": locale,
    }
