"""Placing an order: the order, its lines and its e-mails go into one transaction."""

from __future__ import annotations

from decimal import Decimal

from sqlalchemy import select

from .extensions import mail
from .models import db
from .models import Order
from .models import OrderItem
from .models import Product


def cart_lines(cart: dict) -> list[tuple[Product, int]]:
    """The products in a session cart (``{product_id: quantity}``) that still exist."""
    ids = [int(pid) for pid in cart]
    products = {p.id: p for p in db.session.scalars(select(Product).where(Product.id.in_(ids)))}
    return [(products[int(pid)], int(qty)) for pid, qty in cart.items()
            if int(pid) in products and int(qty) > 0]


def cart_total(lines) -> Decimal:
    return sum((product.price * quantity for product, quantity in lines), Decimal("0"))


def place_order(lines, *, name: str, email: str, address: str, user=None) -> Order:
    """Create the order and queue its confirmation mails, without committing.

    shopmail writes the mails into the same transaction: the caller's commit stores the order and
    its mails together, and a rollback (say, the card is declined) leaves neither.
    """
    order = Order(customer_name=name.strip(), customer_email=email.strip(),
                  shipping_address=address.strip(), user_id=user.id if user else None)
    for product, quantity in lines:
        order.items.append(OrderItem(product_id=product.id, name=product.name, quantity=quantity,
                                     unit_price=product.price))
    db.session.add(order)
    db.session.flush()
    mail.notify_order_completed(order)
    return order
