"""Building e-mails: Jinja templates → ``EmailMessage`` (``policy.SMTP``), with safe headers.

A message is stored without From: the sending account at the time it is sent provides it
(``with_sender``). Message-ID and Date are set here, once, so a re-send is recognisable.
"""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass
from email import message_from_bytes
from email import policy
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import format_datetime

from flask import current_app

from shopmail.core.addresses import AddressError
from shopmail.core.addresses import needs_smtputf8
from shopmail.core.addresses import normalize
from shopmail.core.addresses import wire
from shopmail.core.i18n import default_locale
from shopmail.core.i18n import gettext as _
from shopmail.core.i18n import use_locale
from shopmail.core.text import clean
from shopmail.delivery.attachments import attach

#: Characters that would let a value start a new header line.
_BREAKERS = ("\r", "\n", "\0")


class ComposeError(ValueError):
    """A value cannot go into a header (line breaks, a bad address); the message, in Spanish, says which."""


@dataclass(frozen=True)
class Draft:
    """A rendered message on its way into the outbox."""

    kind: str
    dedupe_key: str | None
    recipients: tuple[str, ...]
    subject: str
    message_id: str
    body: bytes
    #: Why this message can never be sent (e.g. the customer's address is not an address): it is kept as
    #: failed, with this reason, instead of failing the order that produced it.
    problem: object = None  # why it can never be sent: a delivery note (``notes.Note``)


def check_header_text(value, what: str) -> str:
    """``value`` as a string fit for a header: no CR, LF or NUL (header injection)."""
    text = "" if value is None else str(value)
    if any(ch in text for ch in _BREAKERS):
        raise ComposeError(_("%(what)s contiene saltos de línea: no se puede usar en un correo.", what=what))
    return text.strip()


def mailbox(address: str, name: str = "", what: str | None = None, *, international: bool = False) -> Address:
    """A checked mailbox (display name + address) for To, Reply-To or From, its address in ``wire`` form
    (international domains as A-labels). ``international``: a non-ASCII local part is accepted (a
    customer's); such a message can only go out through a server that offers SMTPUTF8."""
    what = what or _("La dirección")
    display = check_header_text(name, _("El nombre de %(a)s", a=address))
    try:
        spec = wire(normalize(address, international=international))
    except AddressError as exc:
        raise ComposeError(f"{what}: {exc}") from None
    local, _at, domain = spec.rpartition("@")  # (addr_spec= would refuse a non-ASCII local part)
    return Address(display_name=display, username=local, domain=domain)


def clean_header_text(value, limit: int = 200) -> str:
    """Text that comes from an order (a customer's name, the order number) made fit for a header:
    line breaks and other controls become spaces instead of failing the order's mail."""
    return clean(value, limit)


def mail_locale() -> str:
    """The language of the shop's e-mails: ``SHOPMAIL_DEFAULT_LOCALE``, never the admin's or the host's choice."""
    return default_locale()


def render(kind: str, context: dict, locale: str | None = None) -> tuple[str, str, str]:
    """Render ``shopmail/mail/<kind>.txt`` and ``.html`` in ``locale`` (default: ``mail_locale()``)
    → (subject, text, html).

    The text template sets ``subject``; hosts override a template by shadowing its name.
    """
    env = current_app.jinja_env
    with use_locale(locale or mail_locale()):
        text_module = env.get_template(f"shopmail/mail/{kind}.txt").make_module(context)
        html = env.get_template(f"shopmail/mail/{kind}.html").render(context)
        # A template may spread the subject over lines; non-breaking spaces (in amounts) stay.
        subject = " ".join(part.strip() for part in str(getattr(text_module, "subject", "")).splitlines()).strip()
        text = str(text_module).strip() + "\n"
    if not subject:
        raise ComposeError(_("La plantilla %(k)s no define el asunto.", k=kind))
    return subject, text, html


def message_id_domain(contact_email: str) -> str:
    """The right-hand side of our Message-IDs (no DNS lookup, unlike ``make_msgid``)."""
    configured = current_app.config.get("SHOPMAIL_SMTP_LOCAL_HOSTNAME")
    if configured:
        return configured
    if contact_email and "@" in contact_email:
        return contact_email.rsplit("@", 1)[1]
    return "shopmail.invalid"


def new_message_id(domain: str) -> str:
    """A fresh, globally unique Message-ID."""
    return f"<{uuid.uuid4().hex}@{domain}>"


def build(*, kind: str, to: list[Address], subject: str, text: str, html: str,
          reply_to: Address | None, domain: str, dedupe_key: str | None = None, problem=None,
          recipients: tuple[str, ...] | None = None, attachments=()) -> Draft:
    """An ``EmailMessage`` (HTML with a plain-text alternative, then any ``attachments``) as a ``Draft``
    without From."""
    subject = check_header_text(subject, _("El asunto"))
    # A customer's non-ASCII local part can only be written as UTF-8 (RFC 6532); every other message
    # stays 7-bit, with international domains as A-labels.
    international = needs_smtputf8(*(a.addr_spec for a in to), *([reply_to.addr_spec] if reply_to else []))
    msg = EmailMessage(policy=policy.SMTPUTF8 if international else policy.SMTP)
    if to:
        msg["To"] = tuple(to)
    msg["Subject"] = subject
    msg["Date"] = format_datetime(dt.datetime.now(dt.UTC))
    message_id = new_message_id(domain)
    msg["Message-ID"] = message_id
    if reply_to is not None:
        msg["Reply-To"] = reply_to
    # RFC 3834: an automatic message; well-behaved autoresponders do not answer it.
    msg["Auto-Submitted"] = "auto-generated"
    # Quoted-printable: 7-bit safe for any server, still readable in the raw source.
    msg.set_content(text, cte="quoted-printable")
    msg.add_alternative(html, subtype="html", cte="quoted-printable")
    attach(msg, attachments)
    return Draft(kind=kind, dedupe_key=dedupe_key, recipients=recipients or tuple(a.addr_spec for a in to),
                 subject=subject, message_id=message_id, body=msg.as_bytes(), problem=problem)


def from_header(display_name: str, address: str) -> tuple[str, bytes]:
    """The From header of the sending account: (its value, its folded line with CRLF)."""
    head = EmailMessage(policy=policy.SMTP)
    head["From"] = mailbox(address, display_name, _("La dirección de la cuenta de envío"))
    line = head.as_bytes()
    return str(head["From"]), line[:-2] if line.endswith(b"\r\n\r\n") else line


def with_sender(body: bytes, from_line: bytes) -> bytes:
    """The stored message with the sending account's From line in front: exactly what goes out."""
    return from_line + body


def parse(raw: bytes) -> EmailMessage:
    """A stored message back as an ``EmailMessage`` (for the Registro de envíos)."""
    return message_from_bytes(raw, policy=policy.SMTP)
