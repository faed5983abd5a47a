"""What delivery tells the layers above it, as blinker signals declared here (imports only point down).

Each signal is sent with the current app as sender; receivers run in the sender's app context and
transaction. ``services.alerts`` and ``services.status`` listen (the extension imports them).
"""

from __future__ import annotations

from blinker import Namespace

_events = Namespace()

#: An account failed in a way only an admin can fix; its mail waits.
#: Keywords: ``account_id``, ``address``, ``reason``, ``detail``.
account_held = _events.signal("account-held")

#: A message failed for good. Keywords: ``kind``, ``recipients``, ``detail``.
message_failed = _events.signal("message-failed")

#: A worker finished a pass: its sign of life. Keywords: ``owner``, ``processed``.
worker_beat = _events.signal("worker-beat")

#: A worker stopped on request (SIGTERM/SIGINT): it is no longer alive. Keywords: ``owner``.
worker_stopped = _events.signal("worker-stopped")

#: New mail was committed to the outbox: delivery may start (``delivery.dispatch`` hands the ids to Celery or
#: RQ). Sent after the commit, in the committing app's context. Keywords: ``ids`` (the new queued messages).
mail_committed = _events.signal("mail-committed")
