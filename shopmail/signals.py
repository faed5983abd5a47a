"""Signals a host shop may send instead of calling the extension.

``order_completed.send(app, order=order)`` queues the customer's confirmation and the admins'
notice, exactly like ``ShopMail.notify_order_completed(order)``, in the caller's transaction.
"""

from __future__ import annotations

from blinker import Namespace
from flask import current_app

from shopmail.core.state import is_set_up
from shopmail.services import notifications

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
