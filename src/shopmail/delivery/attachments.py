"""Files sent with a mail (an invoice PDF…), stored inside the outbox row's message.

When the bytes are taken: a callable ``data`` is called once, while ``notify_order_completed`` /
``notify_customer`` compose the message, in the caller's process and transaction (the only moment the
callable is sure to exist: a worker in another process could not call it). The bytes then become part of
the stored message, so every attempt and every retry sends exactly the same bytes. ``remove`` takes them
out of stored messages again (the retention purge calls it).
"""

from __future__ import annotations

import base64
import re
from dataclasses import dataclass
from email import message_from_bytes
from email import policy
from email.message import EmailMessage
from email.message import MIMEPart
from email.parser import BytesHeaderParser

from sqlalchemy import select

from shopmail.core.i18n import gettext as _
from shopmail.core.models import OutboxMessage
from shopmail.core.state import session
from shopmail.core.text import clean

_CONTENT_TYPE = re.compile(r"^[a-z0-9][a-z0-9!#$&^_.+-]{0,63}/[a-z0-9][a-z0-9!#$&^_.+-]{0,126}$")
_UNSAFE_NAME = re.compile(r'[\\/:*?"<>|]')
_BLANK_LINE = re.compile(rb"\r?\n\r?\n")


class AttachmentError(ValueError):
    """An attachment cannot be sent (too big, not bytes, a bad type); the message, in Spanish, says why."""


@dataclass(frozen=True)
class Attachment:
    """One file of a mail: a safe file name, its content type and its bytes."""

    filename: str
    content_type: str
    data: bytes

    @property
    def size(self) -> int:
        return len(self.data)


def safe_filename(name) -> str:
    """A file name that is only a name: no folders, no controls, no characters Windows refuses."""
    base = re.split(r"[\\/]", str(name or ""))[-1]
    base = _UNSAFE_NAME.sub("_", clean(base, 150)).strip(" .")
    return base or "adjunto"


def _field(item, name):
    return item.get(name) if isinstance(item, dict) else getattr(item, name, None)


def prepare(items, max_bytes: int) -> tuple[Attachment, ...]:
    """The host's attachments (``{"filename", "content_type", "data"}``, ``data`` bytes or a zero-argument
    callable returning bytes) as checked ``Attachment`` values; callables are called here, once."""
    prepared = []
    for item in items or ():
        data = _field(item, "data")
        if callable(data):
            data = data()
        if isinstance(data, (bytearray, memoryview)):
            data = bytes(data)
        name = safe_filename(_field(item, "filename"))
        if not isinstance(data, bytes):
            raise AttachmentError(_("El adjunto %(name)s no son bytes (ni una función que los devuelva).", name=name))
        content_type = str(_field(item, "content_type") or "application/octet-stream").strip().lower()
        if not _CONTENT_TYPE.match(content_type) or content_type.startswith(("multipart/", "message/")):
            raise AttachmentError(_("El tipo de contenido del adjunto %(name)s no es válido.", name=name))
        prepared.append(Attachment(name, content_type, data))
    total = sum(a.size for a in prepared)
    if total > max_bytes:
        raise AttachmentError(_("Los adjuntos ocupan %(size)s bytes y el máximo por correo es %(max)s bytes "
                                "(SHOPMAIL_ATTACHMENTS_MAX_BYTES).", size=total, max=max_bytes))
    return tuple(prepared)


def attach(msg: EmailMessage, attachments) -> None:
    """Add ``attachments`` to ``msg`` (base64; the message becomes multipart/mixed).

    The part is built by hand: ``add_attachment`` base64-encodes line by line in Python (about 0.2 s for
    1 MB), ``base64.encodebytes`` does the same in C.
    """
    if not attachments:
        return
    msg.make_mixed()
    for item in attachments:
        part = MIMEPart(policy=msg.policy)
        part["Content-Type"] = item.content_type
        part["Content-Transfer-Encoding"] = "base64"
        part.add_header("Content-Disposition", "attachment", filename=item.filename)
        part.set_payload(base64.encodebytes(item.data).decode("ascii"))
        msg.attach(part)


def listed(msg: EmailMessage) -> list[Attachment]:
    """The attachments of a stored message, in order (the message page lists and serves them)."""
    found = []
    for part in msg.iter_attachments():
        data = part.get_payload(decode=True) or b""
        found.append(Attachment(safe_filename(part.get_filename()), part.get_content_type(), data))
    return found


def described(raw: bytes | None) -> list[dict]:
    """The attachments of a stored message as ``{"filename", "content_type", "size"}`` (never the bytes),
    for the outbox item JSON of every row `outbox list` shows.

    Only a multipart/mixed message has attachments (``attach`` makes it so): any other is answered from
    its headers alone. A mixed one is cut at its own boundary lines and only each part's headers are
    parsed; a base64 part's size is counted from its characters. (The email parser would read a 1 MB
    attachment line by line: about 0.1 s per message.)
    """
    if not raw:
        return []
    head = BytesHeaderParser(policy=policy.SMTP).parsebytes(_header_block(raw))
    boundary = head.get_boundary() if head.get_content_type() == "multipart/mixed" else None
    if not boundary:
        return []
    found = []
    for section in _sections(raw, boundary):
        part = BytesHeaderParser(policy=policy.SMTP).parsebytes(_header_block(section))
        if not part.is_attachment():
            continue
        if part.get("Content-Transfer-Encoding", "").strip().lower() == "base64":
            size = _base64_size(section[len(_header_block(section)):])
        else:
            size = len(_parse(section).get_payload(decode=True) or b"")
        found.append({"filename": safe_filename(part.get_filename()), "content_type": part.get_content_type(),
                      "size": size})
    return found


def _base64_size(text: bytes) -> int:
    """How many bytes a base64 body decodes to, without decoding it (whitespace and line breaks ignored)."""
    data = text.translate(None, b" \t\r\n")
    return len(data) * 3 // 4 - data[-2:].count(b"=")


def _header_block(raw: bytes) -> bytes:
    """The header lines of a message or part, with the blank line that ends them."""
    end = _BLANK_LINE.search(raw)
    return raw[:end.end()] if end else raw


def _sections(raw: bytes, boundary: str) -> list[bytes]:
    """The parts of a multipart body, as bytes, between its ``--boundary`` lines (up to ``--boundary--``).
    Found with ``bytes.find``: a regular expression anchored at line starts scans a 1 MB body slowly."""
    marker = b"\n--" + boundary.encode("ascii", "replace")
    sections, start = [], None
    at = raw.find(marker)
    while at != -1:
        after = at + len(marker)
        line_end = raw.find(b"\n", after)
        rest = raw[after:line_end if line_end != -1 else len(raw)].rstrip(b" \t\r")
        if rest not in (b"", b"--"):  # a longer word that only starts like the boundary
            at = raw.find(marker, after)
            continue
        if start is not None:
            sections.append(raw[start:at].removesuffix(b"\r"))
        if rest == b"--" or line_end == -1:
            break
        start = line_end + 1
        at = raw.find(marker, start - 1)
    return sections


def remove(message_ids) -> int:
    """Take the attachments out of the stored messages ``message_ids`` (for the retention purge; in the
    caller's transaction, no commit). Returns how many messages changed."""
    changed = 0
    ids = list(message_ids)
    if not ids:
        return 0
    for row in session().scalars(select(OutboxMessage).where(OutboxMessage.id.in_(ids))):
        if not row.body:
            continue
        msg = _parse(row.body)
        if not msg.is_multipart() or not any(True for _part in msg.iter_attachments()):
            continue
        msg.set_payload([part for part in msg.get_payload() if not part.is_attachment()])
        row.body = msg.as_bytes(policy=msg.policy)
        changed += 1
    return changed


def _parse(raw: bytes) -> EmailMessage:
    return message_from_bytes(raw, policy=policy.SMTP)
