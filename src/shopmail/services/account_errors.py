"""Why an action on an account was refused (the message is the Spanish text shown on the field)."""

from __future__ import annotations


class AccountError(Exception):
    """An action on an account was refused; the message says why, in Spanish."""

    def __init__(self, message: str, field: str | None = None):
        super().__init__(message)
        self.field = field


class Conflict(AccountError):
    """The account changed since the form was loaded."""


class NotFound(AccountError):
    """No account with that id."""


class PasswordRequired(AccountError):
    """A kept password would go to another server than the one it was saved for: it must be typed."""
