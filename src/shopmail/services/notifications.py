"""Order notifications: an order becomes messages in the outbox, written in the caller's transaction.

No network I/O happens here: the messages are rendered and stored; delivery runs after the
response (``SHOPMAIL_SEND_INLINE``) or in ``flask shopmail worker``. The customer's mails are written in
the order's ``locale`` when shopmail has that language, the admins' notice in the shop's default language;
the wording of each kind is the shop's own (Plantillas de correo) or the default.
"""

from __future__ import annotations

import hashlib
import logging
import re

from flask import current_app
from jinja2 import TemplateNotFound

from shopmail.core import settings
from shopmail.core.addresses import needs_smtputf8
from shopmail.core.config import setting
from shopmail.core.i18n import default_locale
from shopmail.core.i18n import gettext as _
from shopmail.core.i18n import use_locale
from shopmail.core.state import session
from shopmail.core.text import clean
from shopmail.delivery import attachments as files
from shopmail.delivery import compose
from shopmail.delivery import notes
from shopmail.delivery import outbox
from shopmail.delivery import runner
from shopmail.services import wording
from shopmail.services.orders import customer_locale
from shopmail.services.orders import format_money  # noqa: F401 (part of this module's API)
from shopmail.services.orders import order_view
from shopmail.services.orders import OrderView
from shopmail.services.orders import sample_order

log = logging.getLogger("shopmail.notifications")

ORDER_COMPLETED = "order_completed"
ORDER_COMPLETED_ADMIN = "order_completed_admin"
TEST = "test"
_KIND = re.compile(r"^[a-z][a-z0-9_]{0,39}$")


def _customer(view: OrderView) -> tuple[compose.Address | None, notes.Note | None]:
    """The customer's mailbox, or (None, why as a note) when the address cannot receive mail."""
    try:
        return compose.mailbox(view.customer_email, view.customer_name, _("El correo del cliente"),
                               international=True), None
    except compose.ComposeError:
        return None, notes.Note(notes.UNDELIVERABLE, {"address": clean(view.customer_email, 320)})


def _reply_to_customer(customer):
    """The admins' notice answers to the customer, unless that address would need SMTPUTF8 in a header."""
    return customer if customer is not None and not needs_smtputf8(customer.addr_spec) else None


def _dedupe_key(kind: str, number: str) -> str:
    key = f"{kind}:{number}"
    return key if len(key) <= 200 else f"{kind}:sha256:{hashlib.sha256(number.encode()).hexdigest()}"


def shop_name(snap) -> str:
    """The {shop_name} placeholder: ``SHOPMAIL_SHOP_NAME``, else the sending account's display name."""
    configured = setting(current_app.config, "SHOPMAIL_SHOP_NAME")
    if configured:
        return str(configured)
    account = settings.sending_account(snap)
    return account.display_name if account is not None and account.display_name else ""


def _values(view: OrderView, snap, *texts) -> dict[str, str]:
    """What the placeholders become; the shop's name is looked up only when a text asks for it."""
    values = {"order_number": view.number, "customer_name": view.customer_name,
              "customer_email": view.customer_email, "total": view.total, "order_date": view.placed_at}
    if any("{shop_name}" in f"{t.subject}{t.intro}{t.closing}" for t in texts if t):
        values["shop_name"] = shop_name(snap)
    return values


def render_mail(kind: str, view: OrderView, snap, texts: wording.Texts | None = None,
                **extra) -> tuple[str, str, str]:
    """(subject, text, html) of one mail of ``kind`` about ``view``, in ``view.locale``: the one renderer
    of the sender and of the Plantillas de correo preview. ``texts`` replaces the stored wording (preview)."""
    context = {"order": view, "contact_email": snap.contact_email, "kind": kind, **extra}
    chosen = texts or wording.texts(kind, view.locale)
    if kind == TEST:  # the test mail is a sample confirmation with its own note on top
        confirmation = wording.texts(ORDER_COMPLETED, view.locale)
        values = _values(view, snap, chosen, confirmation)
        context["test_wording"] = wording.apply(chosen, values)
        context["wording"] = wording.apply(confirmation, values)
    else:
        context["wording"] = wording.apply(chosen, _values(view, snap, chosen)) if chosen else None
    try:
        return compose.render(kind, context, view.locale)
    except TemplateNotFound:
        raise ValueError(_("No hay plantilla de correo para «%(k)s».", k=kind)) from None


def _draft(kind, view: OrderView, to, reply_to, snap, dedupe=True, problem=None, attachments=(),
           **extra) -> compose.Draft:
    subject, text, html = render_mail(kind, view, snap, **extra)
    return compose.build(kind=kind, to=to, subject=subject, text=text, html=html, reply_to=reply_to,
                         domain=compose.message_id_domain(snap.contact_email),
                         dedupe_key=_dedupe_key(kind, view.number) if dedupe else None, problem=problem,
                         recipients=None if to else (view.customer_email,), attachments=attachments)


def _to_customer(kind, view: OrderView, snap, attachments=(), **extra) -> tuple[compose.Draft, compose.Address | None]:
    """The customer's message; with an address that cannot receive mail it is kept as failed, with why."""
    customer, problem = _customer(view)
    draft = _draft(kind, view, [customer] if customer else [], _contact(snap), snap, problem=problem,
                   attachments=attachments, **extra)
    return draft, customer


def _contact(snap):
    if not snap.contact_email:
        return None
    return compose.mailbox(snap.contact_email, what=_("El correo público de contacto"))


def _files(attachments) -> tuple[files.Attachment, ...]:
    """The host's attachments, read now (callables are called here, once; see ``delivery.attachments``)."""
    return files.prepare(attachments, setting(current_app.config, "SHOPMAIL_ATTACHMENTS_MAX_BYTES"))


def order_completed(order, attachments=()) -> list[outbox.Queued]:
    """Queue the customer's confirmation (with ``attachments``, e.g. the invoice) and the admins' notice.

    Written in the caller's transaction (it commits them, or a rollback drops them); notifying one
    order twice queues nothing new. Without admin addresses the admin notice is skipped and logged.
    The customer's mail is in the order's ``locale``; the admins' notice in the shop's default language.
    """
    snap = settings.get()
    view = order_view(order, customer_locale(order))
    draft, customer = _to_customer(ORDER_COMPLETED, view, snap, attachments=_files(attachments))
    drafts = [draft]
    if snap.admin_emails:
        admins = [compose.mailbox(address, what=_("Un correo de administrador")) for address in snap.admin_emails]
        admin_view = order_view(order, default_locale())
        drafts.append(_draft(ORDER_COMPLETED_ADMIN, admin_view, admins, _reply_to_customer(customer), snap))
    else:
        log.warning("Pedido %s: no hay correos de administrador; el aviso a administradores no se envía.",
                    view.number)
    return outbox.enqueue(drafts, snap)


def customer_notice(kind: str, order, attachments=(), **extra) -> list[outbox.Queued]:
    """Queue another purchase notice to the customer, e.g. ``order_shipped`` or ``order_cancelled``.

    ``kind`` names the templates ``shopmail/mail/<kind>.txt/.html``; ``extra`` goes to them
    (e.g. ``tracking_number``, ``tracking_url``, ``reason``). Once per order and kind.
    """
    if not _KIND.match(kind or "") or kind in {ORDER_COMPLETED_ADMIN, TEST}:
        raise ValueError(_("Tipo de aviso desconocido: %(k)s", k=kind))
    snap = settings.get()
    draft, _customer_box = _to_customer(kind, order_view(order, customer_locale(order)), snap,
                                        attachments=_files(attachments), **extra)
    return outbox.enqueue([draft], snap)


def _test_recipients(to: str | None, to_admins: bool, snap) -> list[compose.Address]:
    if to_admins:
        if not snap.admin_emails:
            raise compose.ComposeError(_("No hay correos de administrador guardados en Comunicaciones."))
        return [compose.mailbox(address, what=_("Un correo de administrador")) for address in snap.admin_emails]
    return [compose.mailbox(to or "", what=_("El destinatario de la prueba"))]


def queue_test(to: str | None, kind: str = TEST, to_admins: bool = False) -> outbox.Queued:
    """Add a test mail to the current transaction: ``kind`` (any kind of Plantillas de correo) rendered with
    a sample order, to ``to`` or, with ``to_admins``, to every admin address. It is kept in the outbox as a
    test mail; a kind other than the test itself gets "[Prueba]" in front of its subject."""
    if kind not in wording.KINDS:
        raise compose.ComposeError(_("Tipo de aviso desconocido: %(k)s", k=kind))
    snap = settings.get()
    recipients = _test_recipients(to, to_admins, snap)
    locale = default_locale()
    with use_locale(locale):  # the mail's language, not the one of whoever asked for it (panel or CLI)
        view = order_view(sample_order(recipients[0].addr_spec, locale), locale)
        subject, text, html = render_mail(kind, view, snap, **sample_extra(kind))
        if kind != TEST:
            subject = _("[Prueba] %(subject)s", subject=subject)
    draft = compose.build(kind=TEST, to=recipients, subject=subject, text=text, html=html,
                          reply_to=_contact(snap), domain=compose.message_id_domain(snap.contact_email))
    (queued,) = outbox.enqueue([draft], snap, kick=False)
    return queued


def sample_extra(kind: str) -> dict:
    """What a sample notice of ``kind`` carries besides the order (tracking, reason): test mails and the
    Plantillas de correo preview show the same."""
    if kind == "order_shipped":
        return {"carrier": "Correos", "tracking_number": "PK123456789ES"}
    if kind == "order_cancelled":
        return {"reason": _("Sin existencias")}
    return {}


def send_test(to: str | None, kind: str = TEST, to_admins: bool = False) -> runner.Outcome:
    """"Enviar correo de prueba": a sample mail of ``kind`` to ``to`` (or to every admin address) through
    the real pipeline.

    The mail is queued (simulated if simulation is on, like any other mail), committed, then sent at
    once by the worker's code. Raises ``compose.ComposeError`` (a ValueError) for a bad address.
    """
    queued = queue_test(to, kind, to_admins)
    session().commit()
    return runner.deliver_now(queued)
