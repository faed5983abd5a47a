"""shopmail's configuration keys, their defaults, and the one place their values are converted.

Raw values (an environment string, a host's int or list) become typed values here only: ``convert`` for one
key, ``setting`` for one key of a config mapping with its default, and the option objects below for the
groups of keys a part of shopmail reads together.
"""

import os
from dataclasses import dataclass
from dataclasses import field

#: Every ``SHOPMAIL_*`` key with its default, applied with ``setdefault`` by ``init_app``.
DEFAULTS = {
    # Where the admin screens are mounted.
    "SHOPMAIL_URL_PREFIX": "/ajustes",
    # Comma-separated Fernet keys; the first encrypts. Standalone: generated in instance/.
    "SHOPMAIL_ENCRYPTION_KEYS": None,
    # Seconds for an SMTP test or a send.
    "SHOPMAIL_SMTP_TIMEOUT": 10.0,
    # Extra CA bundle to trust (SMTP and auto-configuration https fetches).
    "SHOPMAIL_SMTP_CA_FILE": None,
    # Port of a domain's own autoconfig server (tests use a high port).
    "SHOPMAIL_AUTOCONFIG_HTTPS_PORT": 443,
    # Endpoint anonymous visitors are sent to when embedded (standalone: our own login).
    "SHOPMAIL_LOGIN_ENDPOINT": None,
    # The EHLO name; None means the machine's FQDN.
    "SHOPMAIL_SMTP_LOCAL_HOSTNAME": None,
    # "ip" or "ip:port" entries; when set, every lookup shopmail makes goes through them.
    "SHOPMAIL_DNS_NAMESERVERS": [],
    # Thunderbird's ISPDB; empty disables it.
    "SHOPMAIL_ISPDB_URL": "https://autoconfig.thunderbird.net/v1.1/",
    # Seconds for the whole auto-configuration.
    "SHOPMAIL_AUTOCONFIG_DEADLINE": 8.0,
    # Ports tried when guessing servers.
    "SHOPMAIL_AUTOCONFIG_GUESS_PORTS": [465, 587, 25],
    # Allow loopback/private targets for auto-configuration (intranets, tests).
    "SHOPMAIL_AUTOCONFIG_ALLOW_PRIVATE": False,
    # Force simulation on, whatever the saved setting.
    "SHOPMAIL_SIMULATION_LOCK": False,
    # Start delivery right after the request (no worker needed).
    "SHOPMAIL_SEND_INLINE": True,
    # How delivery starts after a commit: "thread" (the web process's own thread), "worker" (only
    # `flask shopmail worker` processes, woken at commit), "celery" or "rq" (a task per commit).
    # "thread" with SHOPMAIL_SEND_INLINE false means "worker" (see ``dispatch_mode``).
    "SHOPMAIL_DISPATCH": "thread",
    # Redis of SHOPMAIL_DISPATCH=rq (default: SHOPMAIL_CACHE_REDIS_URL), and the RQ queue's name.
    "SHOPMAIL_RQ_REDIS_URL": None,
    "SHOPMAIL_RQ_QUEUE": "shopmail",
    # Broker of the ready-made Celery app (shopmail.celery_worker) when the shop has no Celery app of its own.
    "SHOPMAIL_CELERY_BROKER_URL": None,
    # The queue shopmail's Celery tasks go to (ready-made app: its workers consume it).
    "SHOPMAIL_CELERY_QUEUE": "shopmail",
    # Seconds between the periodic sweeps of the ready-made Celery app's beat (retries, lost enqueues).
    "SHOPMAIL_SWEEP_SECONDS": 30.0,
    # How long a worker holds claimed messages before another may take them over (a live worker renews
    # its lease every quarter of this while it works).
    "SHOPMAIL_OUTBOX_LEASE_SECONDS": 300,
    # The most one message may take on an open connection, however slowly the server answers (seconds;
    # RFC 5321 lets a server take 10 minutes to acknowledge the end of a message).
    "SHOPMAIL_SMTP_MESSAGE_DEADLINE": 600.0,
    # How many messages a worker may have handed to the server without their "sent" record committed yet
    # (per connection): the most a worker killed mid-send can make the next one send twice. 1 is the strictest
    # and slowest (one commit per message on the sending path); larger lets records be committed in groups.
    "SHOPMAIL_UNRECORDED_MAX": 10,
    # First retry delay after a temporary failure (then doubling, capped at an hour, with jitter).
    "SHOPMAIL_RETRY_BASE_SECONDS": 60.0,
    # Seconds the sending account's server may fail temporarily before its mail goes through the backup
    # account (Comunicaciones → Cuenta de respaldo); also how often the worker tries the sending account again.
    "SHOPMAIL_FAILOVER_GRACE_SECONDS": 600.0,
    # The length of a "minute" of an account's per-minute limit, in seconds. Keep 60: tests shorten it.
    "SHOPMAIL_RATE_WINDOW_SECONDS": 60.0,
    # Days a sent or cancelled message keeps its content (then only headers, status and Message-ID
    # remain); 0 keeps it for ever.
    "SHOPMAIL_RETENTION_DAYS": 90,
    # Days an audit line is kept; 0 keeps it for ever.
    "SHOPMAIL_AUDIT_RETENTION_DAYS": 365,
    # Language of shopmail's e-mails (unless the order names one) and of the worker's delivery notes, of the
    # CLI when LC_ALL, LC_MESSAGES and LANG name no language shopmail speaks, and of its screens when neither
    # the admin (the language switch) nor the browser chose one: "es" or "en". The host's Flask-Babel settings
    # are not read.
    "SHOPMAIL_DEFAULT_LOCALE": "es",
    # The shop's name for the {shop_name} placeholder of Plantillas de correo; None: the sending account's
    # display name.
    "SHOPMAIL_SHOP_NAME": None,
    # The most the attachments of one message may add up to, in bytes (they are stored in the outbox).
    "SHOPMAIL_ATTACHMENTS_MAX_BYTES": 10 * 1024 * 1024,
    # Plantillas de correo's live preview: renders allowed per admin ("; "-separated limits).
    "SHOPMAIL_PREVIEW_RATE_LIMIT": "120 per minute; 3000 per day",
    # Template the admin screens extend (a host may use its own admin layout).
    "SHOPMAIL_BASE_TEMPLATE": "shopmail/base.html",
    # Failed logins before an address is locked out, and for how long (seconds).
    "SHOPMAIL_LOGIN_MAX_FAILURES": 5,
    "SHOPMAIL_LOGIN_LOCKOUT_SECONDS": 900,
    # Standalone panel served over HTTPS: session and device cookies get the Secure flag.
    "SHOPMAIL_COOKIE_SECURE": False,
    # Probar SMTP, auto-configuration and test mails allowed per admin ("; "-separated limits).
    "SHOPMAIL_RATE_LIMIT": "20 per minute; 200 per day",
    # Where those counters live; empty: Redis when the cache is Redis, else memory.
    "SHOPMAIL_RATELIMIT_STORAGE_URI": None,
    # Microsoft 365 app registration for "Conectar con Microsoft" (OAuth2, SMTP AUTH XOAUTH2).
    "SHOPMAIL_OAUTH_MICROSOFT_CLIENT_ID": None,
    "SHOPMAIL_OAUTH_MICROSOFT_CLIENT_SECRET": None,
    # "organizations" lets any work account sign in; a tenant id or domain pins the shop's own tenant.
    "SHOPMAIL_OAUTH_MICROSOFT_TENANT": "organizations",
    # Endpoints are {authority}/{tenant}/oauth2/v2.0/{authorize,token,devicecode} (sovereign clouds, tests).
    "SHOPMAIL_OAUTH_MICROSOFT_AUTHORITY": "https://login.microsoftonline.com",
    # Google OAuth client for "Conectar con Google", and its endpoints.
    "SHOPMAIL_OAUTH_GOOGLE_CLIENT_ID": None,
    "SHOPMAIL_OAUTH_GOOGLE_CLIENT_SECRET": None,
    "SHOPMAIL_OAUTH_GOOGLE_AUTH_URL": "https://accounts.google.com/o/oauth2/v2/auth",
    "SHOPMAIL_OAUTH_GOOGLE_TOKEN_URL": "https://oauth2.googleapis.com/token",
    # Where Desconectar revokes a Google grant (RFC 7009); Microsoft has no such endpoint.
    "SHOPMAIL_OAUTH_GOOGLE_REVOKE_URL": "https://oauth2.googleapis.com/revoke",
    # Google's signing keys, to check the id_token that says which mailbox signed in.
    "SHOPMAIL_OAUTH_GOOGLE_JWKS_URL": "https://www.googleapis.com/oauth2/v3/certs",
    # Seconds before an OAuth2 access token expires when the probe or a worker refreshes it.
    "SHOPMAIL_OAUTH_REFRESH_AHEAD": 300.0,
    # Extra CA bundle for HTTPS to the OAuth endpoints (wins over REQUESTS_CA_BUNDLE / CURL_CA_BUNDLE).
    "SHOPMAIL_OAUTH_CA_FILE": None,
    # Flask-Caching settings for shopmail's own cache (CACHE_TYPE etc. with this prefix).
    "SHOPMAIL_CACHE_TYPE": "FileSystemCache",
    "SHOPMAIL_CACHE_DIR": None,
    "SHOPMAIL_CACHE_KEY_PREFIX": "shopmail:",
    "SHOPMAIL_CACHE_DEFAULT_TIMEOUT": 300,
}

_INTS = {"SHOPMAIL_AUTOCONFIG_HTTPS_PORT", "SHOPMAIL_OUTBOX_LEASE_SECONDS",
         "SHOPMAIL_LOGIN_MAX_FAILURES", "SHOPMAIL_LOGIN_LOCKOUT_SECONDS",
         "SHOPMAIL_CACHE_DEFAULT_TIMEOUT", "SHOPMAIL_ATTACHMENTS_MAX_BYTES", "SHOPMAIL_RETENTION_DAYS",
         "SHOPMAIL_AUDIT_RETENTION_DAYS", "SHOPMAIL_UNRECORDED_MAX"}
_FLOATS = {"SHOPMAIL_SMTP_TIMEOUT", "SHOPMAIL_AUTOCONFIG_DEADLINE", "SHOPMAIL_RETRY_BASE_SECONDS",
           "SHOPMAIL_SMTP_MESSAGE_DEADLINE", "SHOPMAIL_SWEEP_SECONDS", "SHOPMAIL_FAILOVER_GRACE_SECONDS",
           "SHOPMAIL_RATE_WINDOW_SECONDS", "SHOPMAIL_OAUTH_REFRESH_AHEAD"}
_BOOLS = {"SHOPMAIL_AUTOCONFIG_ALLOW_PRIVATE", "SHOPMAIL_SIMULATION_LOCK", "SHOPMAIL_SEND_INLINE",
          "SHOPMAIL_COOKIE_SECURE"}
_LISTS = {"SHOPMAIL_DNS_NAMESERVERS", "SHOPMAIL_AUTOCONFIG_GUESS_PORTS"}
_PLAIN = {"SQLALCHEMY_DATABASE_URI", "SECRET_KEY"}


def parse_bool(value):
    """Read a boolean the way people write it in an environment file."""
    if isinstance(value, bool):
        return value
    return str(value).strip().lower() in {"1", "true", "yes", "on", "si", "sí"}


def parse_list(value):
    """Split a comma-separated setting into trimmed, non-empty items."""
    if isinstance(value, (list, tuple)):
        return list(value)
    return [item.strip() for item in str(value).split(",") if item.strip()]


def convert(key, value):
    """Turn one raw environment string into the type ``DEFAULTS`` uses for ``key``."""
    if key in _INTS:
        return int(value)
    if key in _FLOATS:
        return float(value)
    if key in _BOOLS:
        return parse_bool(value)
    if key == "SHOPMAIL_AUTOCONFIG_GUESS_PORTS":
        return [int(port) for port in parse_list(value)]
    if key in _LISTS:
        return parse_list(value)
    return value


def from_environ(environ=None):
    """Every shopmail key present in the environment, under exactly its documented name."""
    environ = os.environ if environ is None else environ
    found = {}
    for key, value in environ.items():
        if key in _PLAIN or key.startswith("SHOPMAIL_"):
            found[key] = convert(key, value)
    return found


def cache_config(config):
    """Flask-Caching's own settings for shopmail's cache, taken from ``SHOPMAIL_CACHE_*``."""
    return {
        "CACHE_" + key[len("SHOPMAIL_CACHE_"):]: value
        for key, value in config.items()
        if key.startswith("SHOPMAIL_CACHE_") and value is not None
    }


#: The values SHOPMAIL_DISPATCH accepts.
DISPATCH_MODES = ("thread", "worker", "celery", "rq")


def dispatch_mode(config) -> str:
    """How delivery starts after a commit (SHOPMAIL_DISPATCH), with SHOPMAIL_SEND_INLINE's older meaning kept:
    ``thread`` while SHOPMAIL_SEND_INLINE is false is ``worker``. An unknown value is refused at start."""
    mode = str(setting(config, "SHOPMAIL_DISPATCH")).strip().lower()
    if mode not in DISPATCH_MODES:
        raise ValueError(f"SHOPMAIL_DISPATCH={mode!r}: use one of {', '.join(DISPATCH_MODES)}.")
    if mode == "thread" and not setting(config, "SHOPMAIL_SEND_INLINE"):
        return "worker"
    return mode


def redis_url(config) -> str | None:
    """The Redis of RQ dispatch and of the workers' wake-up: SHOPMAIL_RQ_REDIS_URL, else the cache's Redis."""
    return config.get("SHOPMAIL_RQ_REDIS_URL") or config.get("SHOPMAIL_CACHE_REDIS_URL") or None


def setting(config, key):
    """``key`` from ``config`` (a Flask config or any mapping), its default when missing, converted."""
    value = config.get(key)
    if value is None:
        value = DEFAULTS.get(key)
    return None if value is None else convert(key, value)


@dataclass(frozen=True)
class SmtpOptions:
    """How shopmail talks SMTP and DNS: the fields a ``smtp.connection.Target`` takes from configuration."""

    timeout: float
    ca_file: str | None
    local_hostname: str | None
    nameservers: tuple[str, ...]

    @classmethod
    def from_config(cls, config) -> "SmtpOptions":
        """From a config mapping; empty values fall back to the defaults."""
        return cls(timeout=float(config.get("SHOPMAIL_SMTP_TIMEOUT") or DEFAULTS["SHOPMAIL_SMTP_TIMEOUT"]),
                   ca_file=config.get("SHOPMAIL_SMTP_CA_FILE") or None,
                   local_hostname=config.get("SHOPMAIL_SMTP_LOCAL_HOSTNAME") or None,
                   nameservers=tuple(parse_list(config.get("SHOPMAIL_DNS_NAMESERVERS") or ())))


@dataclass(frozen=True)
class AutoconfigOptions:
    """What auto-configuration reads: its deadline and sources, and the SMTP options of its checks."""

    deadline: float
    https_port: int
    ispdb_url: str
    guess_ports: tuple[int, ...]
    allow_private: bool
    smtp: SmtpOptions

    @classmethod
    def from_config(cls, config) -> "AutoconfigOptions":
        """From a config mapping; a missing key takes its default (an empty ``SHOPMAIL_ISPDB_URL`` disables
        the ISPDB)."""
        ispdb = config["SHOPMAIL_ISPDB_URL"] if "SHOPMAIL_ISPDB_URL" in config else DEFAULTS["SHOPMAIL_ISPDB_URL"]
        return cls(deadline=max(0.1, setting(config, "SHOPMAIL_AUTOCONFIG_DEADLINE")),
                   https_port=setting(config, "SHOPMAIL_AUTOCONFIG_HTTPS_PORT"),
                   ispdb_url=ispdb or "",
                   guess_ports=tuple(setting(config, "SHOPMAIL_AUTOCONFIG_GUESS_PORTS")),
                   allow_private=setting(config, "SHOPMAIL_AUTOCONFIG_ALLOW_PRIVATE"),
                   smtp=SmtpOptions.from_config(config))


#: The sign-in methods of an account (Account JSON "auth", CLI --auth).
AUTH_METHODS = ("password", "microsoft", "microsoft-app", "google")
#: The OAuth2 provider behind each OAuth2 method.
PROVIDER_OF = {"microsoft": "microsoft", "microsoft-app": "microsoft", "google": "google"}
#: The delegated methods also ask OpenID Connect who signed in (the id_token's ``preferred_username`` /
#: ``email``; Microsoft sends ``preferred_username`` only with ``profile``).
SCOPES = {
    "microsoft": ("https://outlook.office.com/SMTP.Send", "offline_access", "openid", "email", "profile"),
    "microsoft-app": ("https://outlook.office365.com/.default",),
    "google": ("https://mail.google.com/", "openid", "email"),
}
#: Scopes that say nothing about sending mail.
IDENTITY_SCOPES = frozenset({"offline_access", "openid", "email", "profile"})


@dataclass(frozen=True)
class OAuthProvider:
    """One OAuth2 provider's client and endpoints, for one sign-in method (``microsoft``, ``microsoft-app``,
    ``google``). ``missing`` names the settings still to set (empty: configured)."""

    method: str
    client_id: str
    client_secret: str = field(repr=False)
    authorize_url: str
    token_url: str
    device_url: str | None
    revoke_url: str | None
    #: The provider's signing keys (JWKS), to check an id_token.
    jwks_url: str | None
    scopes: tuple[str, ...]
    ca_file: str | None
    missing: tuple[str, ...]

    @property
    def name(self) -> str:
        """``microsoft`` or ``google``."""
        return PROVIDER_OF[self.method]

    @classmethod
    def from_config(cls, config, method: str) -> "OAuthProvider":
        """The provider of ``method`` as configured in ``config`` (a Flask config or any mapping)."""
        name = PROVIDER_OF[method]
        prefix = f"SHOPMAIL_OAUTH_{name.upper()}_"
        client_id = (config.get(prefix + "CLIENT_ID") or "").strip()
        secret = (config.get(prefix + "CLIENT_SECRET") or "").strip()
        needed = [prefix + "CLIENT_ID"] if not client_id else []
        # Google always needs the secret; Microsoft's delegated flow can run as a public client.
        if not secret and method != "microsoft":
            needed.append(prefix + "CLIENT_SECRET")
        if name == "microsoft":
            base = "{}/{}/oauth2/v2.0/".format(
                str(setting(config, prefix + "AUTHORITY")).rstrip("/"), setting(config, prefix + "TENANT"))
            authorize, token, device = base + "authorize", base + "token", base + "devicecode"
            revoke, jwks = None, base.replace("/oauth2/v2.0/", "/discovery/v2.0/keys")
        else:
            authorize, token = setting(config, prefix + "AUTH_URL"), setting(config, prefix + "TOKEN_URL")
            device, revoke = None, setting(config, prefix + "REVOKE_URL") or None
            jwks = setting(config, prefix + "JWKS_URL") or None
        return cls(method, client_id, secret, authorize, token, device, revoke, jwks, SCOPES[method],
                   config.get("SHOPMAIL_OAUTH_CA_FILE") or None, tuple(needed))
