"""What delivery tells the layers above it, as blinker signals declared here (imports only point down).

Each signal is sent with the current app as sender; receivers run in the sender's app context and
transaction. ``services.alerts`` and ``services.status`` listen (the extension imports them).
"""

from __future__ import annotations

from blinker import Namespace

_events = Namespace()

#: A message was accepted by the server, sent once its record is committed (from the worker's recorder
#: thread, in an app context). Keywords: ``outbox_id``, ``kind``, ``recipients`` (list), ``message_id``,
#: ``account_id`` (the account that sent it), ``sent_from`` (its From header).
message_sent = _events.signal("message-sent")

#: An account failed in a way only an admin can fix; its mail waits.
#: Keywords: ``account_id``, ``address``, ``reason`` (a reason code), ``detail`` (cleaned server text).
account_held = _events.signal("account-held")

#: The Cuenta de respaldo started carrying the sending account's mail (once per switch and process).
#: Keywords: ``account_id``, ``address`` (the sending account), ``backup_account_id``, ``backup_address``,
#: ``reason`` (its held reason, or ``failing`` for temporary failures past the grace period).
backup_in_use = _events.signal("backup-in-use")

#: A message failed for good. Keywords: ``outbox_id``, ``kind``, ``recipients`` (list), ``detail``
#: (why, with the cleaned server text, in the default language), ``note`` (the same as data: ``notes.as_data``).
message_failed = _events.signal("message-failed")

#: A worker finished a pass: its sign of life. Keywords: ``owner``, ``processed``.
worker_beat = _events.signal("worker-beat")

#: A worker stopped on request (SIGTERM/SIGINT): it is no longer alive. Keywords: ``owner``.
worker_stopped = _events.signal("worker-stopped")

#: New mail was committed to the outbox: delivery may start (``delivery.dispatch`` hands the ids to Celery or
#: RQ). Sent after the commit, in the committing app's context. Keywords: ``ids`` (the new queued messages).
mail_committed = _events.signal("mail-committed")
