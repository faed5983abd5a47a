"""The shop's own admin pages; shopmail's screens share their layout (``templates/admin/layout.html``)."""

from __future__ import annotations

from flask import Blueprint
from flask import render_template
from sqlalchemy import select

from .auth import admin_required
from .models import db
from .models import Order

bp = Blueprint("admin", __name__, url_prefix="/admin")


@bp.get("/")
@admin_required
def orders():
    placed = db.session.scalars(select(Order).order_by(Order.placed_at.desc()).limit(50)).all()
    return render_template("admin/orders.html", orders=placed)
