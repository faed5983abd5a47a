"""shopmail's tables, on its own declarative base so any Flask-SQLAlchemy session can use them."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Boolean
from sqlalchemy import DateTime
from sqlalchemy import ForeignKey
from sqlalchemy import Index
from sqlalchemy import Integer
from sqlalchemy import JSON
from sqlalchemy import LargeBinary
from sqlalchemy import MetaData
from sqlalchemy import String
from sqlalchemy import Text
from sqlalchemy import text
from sqlalchemy import UniqueConstraint
from sqlalchemy.dialects import mysql
from sqlalchemy.orm import DeclarativeBase
from sqlalchemy.orm import Mapped
from sqlalchemy.orm import mapped_column
from sqlalchemy.orm import relationship
from sqlalchemy.types import TypeDecorator

#: MySQL and MariaDB (SQLAlchemy names MariaDB "mysql" or "mariadb" depending on the URL).
MYSQL = ("mysql", "mariadb")


def exact_string(length: int):
    """A string compared byte for byte: MySQL/MariaDB's default collations ignore case and accents, so
    ``REF-x7Qk`` and ``REF-X7qK`` (or ``AÑO-1`` and ``ANO-1``) would be one dedupe key there."""
    return String(length).with_variant(mysql.VARCHAR(length, charset="utf8mb4", collation="utf8mb4_bin"), *MYSQL)


#: Text and bytes of any size: MySQL/MariaDB's TEXT and BLOB stop at 64 KB (a 250-line order is ~120 KB).
LongText = Text().with_variant(mysql.LONGTEXT(), *MYSQL)
LongBinary = LargeBinary().with_variant(mysql.LONGBLOB(), *MYSQL)


#: The largest row id: ids are 32-bit integers on PostgreSQL; a larger number names no row anywhere.
MAX_ID = 2**31 - 1


def utcnow() -> dt.datetime:
    """The current time, timezone-aware, in UTC."""
    return dt.datetime.now(dt.UTC)


class UTCDateTime(TypeDecorator):
    """A DateTime that always comes back timezone-aware, on SQLite, PostgreSQL and MySQL/MariaDB.

    MySQL/MariaDB have no time zone in DATETIME: UTC is stored naive, with microseconds (``fsp=6``; the
    default would drop them and reorder messages created in the same second).
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def load_dialect_impl(self, dialect):
        if dialect.name in MYSQL:
            return dialect.type_descriptor(mysql.DATETIME(fsp=6))
        return dialect.type_descriptor(self.impl)

    def process_bind_param(self, value, dialect):
        if value is not None and value.tzinfo is None:
            value = value.replace(tzinfo=dt.UTC)
        if value is not None and dialect.name in MYSQL:
            value = value.astimezone(dt.UTC).replace(tzinfo=None)
        return value

    def process_result_value(self, value, dialect):
        if value is not None and value.tzinfo is None:
            value = value.replace(tzinfo=dt.UTC)
        return value


class Base(DeclarativeBase):
    """shopmail's own base: its tables never mix with the host's metadata."""

    metadata = MetaData(
        naming_convention={
            "ix": "ix_%(column_0_label)s",
            "uq": "uq_%(table_name)s_%(column_0_name)s",
            "ck": "ck_%(table_name)s_%(constraint_name)s",
            "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
            "pk": "pk_%(table_name)s",
        }
    )


class Admin(Base):
    """A person who may use the standalone panel (embedded shops use their own users)."""

    __tablename__ = "shopmail_admin"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    password_hash: Mapped[str] = mapped_column(String(255))
    # Part of every session's id: a new one on logout ends every session of this admin on the server side,
    # so a copied session cookie stops working. None (before the first login) matches no session.
    session_token: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_login_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)

    # Flask-Login's user protocol.
    is_active = True
    is_anonymous = False
    is_authenticated = True

    def get_id(self) -> str:
        """What the session keeps: the id and the current session token (Flask-Login's alternative id)."""
        return f"{self.id}:{self.session_token or ''}"


class LoginThrottle(Base):
    """Login attempts in the current window for one key: an account (its address, hashed) or a client."""

    __tablename__ = "shopmail_login_throttle"

    key: Mapped[str] = mapped_column(exact_string(80), primary_key=True)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    window_started: Mapped[dt.datetime] = mapped_column(UTCDateTime)


class Account(Base):
    """An e-mail account of the library: where and how to log in to send mail."""

    __tablename__ = "shopmail_account"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    address: Mapped[str] = mapped_column(String(254), index=True)
    display_name: Mapped[str] = mapped_column(String(200), default="")
    username: Mapped[str] = mapped_column(String(254), default="")
    # How it signs in: "password", or OAuth2 ("microsoft", "microsoft-app", "google"; tokens in OAuthToken).
    auth: Mapped[str] = mapped_column(String(20), default="password", server_default="password")
    # Fernet token of the password; None means the account logs in with no password (a relay).
    password_sealed: Mapped[bytes | None] = mapped_column(LargeBinary)
    host: Mapped[str] = mapped_column(String(253))
    port: Mapped[int] = mapped_column(Integer)
    security: Mapped[str] = mapped_column(String(10))
    verify_cert: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    version: Mapped[int] = mapped_column(Integer, nullable=False)
    last_test_ok: Mapped[bool | None] = mapped_column(Boolean)
    last_test_reason: Mapped[str | None] = mapped_column(String(40))
    last_test_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    last_test_summary: Mapped[str | None] = mapped_column(LongText)
    # Set when sending failed for a reason of the account (login, TLS, sender): its mail waits.
    held_reason: Mapped[str | None] = mapped_column(String(40))
    held_detail: Mapped[str | None] = mapped_column(LongText)
    # Since when its server has been failing temporarily (unreachable, 4xx at connect); None while it works.
    # Past SHOPMAIL_FAILOVER_GRACE_SECONDS its mail goes through the backup account.
    failing_since: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    # The provider's sending limits (None: none): messages per minute, recipients per rolling 24 hours.
    send_limit_per_minute: Mapped[int | None] = mapped_column(Integer)
    send_limit_per_day: Mapped[int | None] = mapped_column(Integer)

    __mapper_args__ = {"version_id_col": version}


class OAuthToken(Base):
    """The OAuth2 grant of an account signing in with Microsoft 365 or Google: tokens sealed like passwords.

    A row of its own (not columns of the account): refreshing it must not bump the account's version, and
    it is what concurrent workers take turns on (``refresh_lease_until``) so one refresh serves them all.
    """

    __tablename__ = "shopmail_oauth_token"

    account_id: Mapped[int] = mapped_column(
        ForeignKey("shopmail_account.id", ondelete="CASCADE"), primary_key=True)
    # The mailbox the admin signed in as ("Conectado como").
    mailbox: Mapped[str] = mapped_column(String(254), default="")
    refresh_sealed: Mapped[bytes | None] = mapped_column(LargeBinary)
    access_sealed: Mapped[bytes | None] = mapped_column(LargeBinary)
    expires_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    # Set by the one process refreshing the token; others wait for it instead of refreshing too.
    refresh_lease_until: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    refreshes: Mapped[int] = mapped_column(Integer, default=0)
    connected_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)


class Settings(Base):
    """The one row of Ajustes generales → Comunicaciones."""

    __tablename__ = "shopmail_settings"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    sending_account_id: Mapped[int | None] = mapped_column(
        ForeignKey("shopmail_account.id", ondelete="RESTRICT")
    )
    # Cuenta de respaldo: carries the mail while the sending account cannot (optional).
    backup_account_id: Mapped[int | None] = mapped_column(
        ForeignKey("shopmail_account.id", ondelete="RESTRICT")
    )
    contact_email: Mapped[str] = mapped_column(String(254), default="")
    admin_emails: Mapped[list] = mapped_column(JSON, default=list)
    simulation: Mapped[bool] = mapped_column(Boolean, default=False)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    version: Mapped[int] = mapped_column(Integer, nullable=False)

    sending_account: Mapped[Account | None] = relationship(foreign_keys=[sending_account_id])

    __mapper_args__ = {"version_id_col": version}


class OutboxMessage(Base):
    """One e-mail on its way out: written in the caller's transaction, delivered by a worker."""

    __tablename__ = "shopmail_outbox"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[str] = mapped_column(String(40))
    status: Mapped[str] = mapped_column(String(12), index=True)
    # Makes notifying one order twice a no-op (unique; None for one-off mails).
    dedupe_key: Mapped[str | None] = mapped_column(exact_string(200), unique=True)
    recipients: Mapped[list] = mapped_column(JSON)
    subject: Mapped[str] = mapped_column(String(998))
    message_id: Mapped[str] = mapped_column(exact_string(255))
    # The message without From/Sender: those come from the sending account when it is sent. After
    # SHOPMAIL_RETENTION_DAYS only its header block is kept (``body_purged_at`` says when).
    body: Mapped[bytes] = mapped_column(LongBinary)
    body_purged_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    # Why it waits, retries, failed or was kept, as data worded when shown (``delivery.notes``): a code, its
    # parameters, and in ``last_error`` the server's own reply. A row from before has only text in last_error.
    last_error: Mapped[str | None] = mapped_column(LongText)
    note_code: Mapped[str | None] = mapped_column(String(40))
    note_params: Mapped[dict | None] = mapped_column(JSON)
    next_attempt_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    lease_owner: Mapped[str | None] = mapped_column(exact_string(100))
    lease_until: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    account_id: Mapped[int | None] = mapped_column(
        ForeignKey("shopmail_account.id", ondelete="SET NULL")
    )
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    sent_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    # When the status last changed: the day a message counts for in the 14-day chart.
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow, index=True)
    # The From header the message went out with (the sending account at the time it was sent).
    sent_from: Mapped[str | None] = mapped_column(String(400))

    __table_args__ = (
        Index("ix_shopmail_outbox_due", "status", "next_attempt_at"),
        # The mail still to send in claiming order; partial on PostgreSQL (migration 0010, delivery.claim).
        Index("ix_shopmail_outbox_pending", "next_attempt_at", "id",
              postgresql_where=text("status IN ('queued', 'retry', 'sending')")),
    )


class MailWording(Base):
    """The shop's own wording of one kind of mail in one language (Plantillas de correo).

    No row means the default wording (translated with shopmail's catalog). The texts hold placeholders such
    as ``{order_number}``, filled by plain substitution (``services.wording``), never run as template code.
    """

    __tablename__ = "shopmail_mail_wording"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[str] = mapped_column(exact_string(40))
    locale: Mapped[str] = mapped_column(exact_string(10))
    subject: Mapped[str] = mapped_column(String(998))
    intro: Mapped[str] = mapped_column(LongText)
    closing: Mapped[str] = mapped_column(LongText)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    updated_by: Mapped[str] = mapped_column(String(254), default="")

    __table_args__ = (UniqueConstraint("kind", "locale"),)


class SendLog(Base):
    """One message an account was allowed to send (and its recipients): the counter of its limits that
    every worker process on every machine shares. Rows older than a day are purged with retention."""

    __tablename__ = "shopmail_send_log"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("shopmail_account.id", ondelete="CASCADE"))
    at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    recipients: Mapped[int] = mapped_column(Integer, default=1)

    __table_args__ = (Index("ix_shopmail_send_log_account_at", "account_id", "at"),)


class AuditEvent(Base):
    """Who did what to the e-mail set-up, and when. Never holds a secret."""

    __tablename__ = "shopmail_audit"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    actor: Mapped[str] = mapped_column(String(254))
    action: Mapped[str] = mapped_column(String(40))
    target: Mapped[str] = mapped_column(String(100), default="")
    summary: Mapped[str] = mapped_column(LongText, default="")
    details: Mapped[dict] = mapped_column(JSON, default=dict)


class Alert(Base):
    """Something admins must see (a held account, a customer mail that failed) until acknowledged."""

    __tablename__ = "shopmail_alert"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    # One open alert per key (e.g. "account-held:3"); repeats only bump the count.
    key: Mapped[str] = mapped_column(exact_string(120), index=True)
    level: Mapped[str] = mapped_column(String(10), default="error")
    message: Mapped[str] = mapped_column(LongText)
    count: Mapped[int] = mapped_column(Integer, default=1)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_seen_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    notified_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    acknowledged_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, index=True)
    acknowledged_by: Mapped[str | None] = mapped_column(String(254))


class WorkerHeartbeat(Base):
    """The last sign of life of each delivery worker (for status and doctor)."""

    __tablename__ = "shopmail_worker"

    name: Mapped[str] = mapped_column(exact_string(100), primary_key=True)
    started_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_seen_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    processed: Mapped[int] = mapped_column(Integer, default=0)
