"""Every SMTP reply shopmail reads, bounded in lines and bytes (``BoundedSMTP``).

smtplib bounds each line of a reply (8 KiB) but not their number, so a server streaming "220-AAAA..." for
ever would fill the memory (2 GB in a 5 s test): probes, sends and auto-configuration's logins all read
through this class instead.
"""

from __future__ import annotations

import smtplib

#: The most one reply may hold: a real EHLO answer has a dozen short lines.
MAX_REPLY_LINES = 100
MAX_REPLY_BYTES = 64 * 1024


class ReplyTooLong(smtplib.SMTPServerDisconnected):
    """The server's reply went past ``MAX_REPLY_LINES`` lines or ``MAX_REPLY_BYTES`` bytes (and the
    connection was closed): to code that knows only smtplib, a disconnection."""


class _ReplyBudget:
    """The socket's file, counting what one reply has used; ``ReplyTooLong`` once it is spent."""

    def __init__(self, raw):
        self.raw = raw
        self.lines = self.size = 0

    def readline(self, limit: int = -1) -> bytes:
        left = MAX_REPLY_BYTES - self.size
        line = self.raw.readline(min(limit, left + 1) if limit >= 0 else left + 1)
        self.lines += 1
        self.size += len(line)
        if self.lines > MAX_REPLY_LINES or self.size > MAX_REPLY_BYTES:
            raise ReplyTooLong(f"más de {MAX_REPLY_LINES} líneas o {MAX_REPLY_BYTES // 1024} KiB")
        return line

    def close(self) -> None:
        self.raw.close()


class BoundedSMTP(smtplib.SMTP):
    """``smtplib.SMTP`` whose every reply is bounded in lines and bytes; an overlong one closes the
    connection and raises ``ReplyTooLong``. Every SMTP reply shopmail reads goes through here."""

    def getreply(self):
        if self.file is None:  # also after STARTTLS, which drops the old file
            self.file = self.sock.makefile("rb")
        if not isinstance(self.file, _ReplyBudget):
            self.file = _ReplyBudget(self.file)
        self.file.lines = self.file.size = 0
        try:
            return super().getreply()
        except smtplib.SMTPServerDisconnected as exc:
            # smtplib turns any OSError of a read (ours too) into a disconnection, after closing.
            if isinstance(exc.__context__, ReplyTooLong):
                raise exc.__context__ from None
            raise
