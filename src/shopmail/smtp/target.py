"""What an SMTP conversation is given and what it reports: the :class:`Target` (where and how to connect,
with the secrets it must never show) and each :class:`Step` of the set-up."""

from __future__ import annotations

from dataclasses import dataclass
from dataclasses import field

SECURITIES = ("starttls", "ssl", "none")


@dataclass(frozen=True)
class Target:
    """Where and how to connect. A None/empty password means no login (e.g. an internal relay)."""

    host: str
    port: int
    security: str  # "starttls" | "ssl" | "none"
    username: str = ""
    password: str | None = field(default=None, repr=False)
    #: An OAuth2 access token: log in with AUTH XOAUTH2 instead of the password (fetched by the caller).
    bearer_token: str | None = field(default=None, repr=False)
    verify_cert: bool = True
    from_address: str = ""
    rcpt_to: str | None = None  # defaults to from_address
    timeout: float = 10.0
    ca_file: str | None = None
    local_hostname: str | None = None
    nameservers: tuple[str, ...] = ()
    #: Addresses already resolved and vetted: connect only to these, never look the name up again.
    addresses: tuple[str, ...] = ()

    def __post_init__(self):
        if self.security not in SECURITIES:
            raise ValueError(f"security must be one of {SECURITIES}, not {self.security!r}")

    @property
    def login(self) -> str:
        """The user name sent with AUTH: the username, else the account's address."""
        return self.username or self.from_address


@dataclass(frozen=True)
class Step:
    """One step: ``step`` is one of dns connect tls greeting ehlo starttls auth mail_from rcpt_to data."""

    step: str
    ok: bool
    ms: int
    detail: str = ""
