"""shopmail's public blinker signals: one a host shop sends, three it may listen to.

``order_completed.send(app, order=order)`` queues the customer's confirmation and the admins'
notice, exactly like ``ShopMail.notify_order_completed(order)``, in the caller's transaction.

Delivery tells the host what happened (sender: the app; receivers run in an app context of the worker or
the inline delivery thread, after the outcome is committed; an exception in a receiver is logged and never
stops delivery)::

    from shopmail.signals import message_sent

    @message_sent.connect
    def count_sent(app, outbox_id, kind, recipients, message_id, account_id, sent_from, **extra):
        ...

- ``message_sent``: ``outbox_id``, ``kind``, ``recipients``, ``message_id``, ``account_id``, ``sent_from``.
- ``message_failed`` (failed for good): ``outbox_id``, ``kind``, ``recipients``, ``detail``.
- ``account_held`` (the account needs an admin; its mail waits): ``account_id``, ``address``, ``reason``,
  ``detail``.

Accept ``**extra``: later versions may add keywords.
"""

from __future__ import annotations

from blinker import Namespace
from flask import current_app

from shopmail.core.state import is_set_up
from shopmail.delivery.events import account_held
from shopmail.delivery.events import message_failed
from shopmail.delivery.events import message_sent
from shopmail.services import notifications

__all__ = ["order_completed", "message_sent", "message_failed", "account_held"]

_signals = Namespace()

#: Sent by the host shop when an order is completed: ``order_completed.send(app, order=order)``.
order_completed = _signals.signal("order-completed")


@order_completed.connect
def _queue_notifications(sender, order=None, **extra):
    """Queue the notifications in the current app's transaction (apps without shopmail are ignored)."""
    if order is None:
        raise TypeError("order_completed.send(app, order=order): falta el pedido.")
    if not is_set_up(current_app):
        return None
    return notifications.order_completed(order)
