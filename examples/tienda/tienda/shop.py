"""The shop front: catalogue, basket, checkout, and the contact page."""

from __future__ import annotations

from flask import abort
from flask import Blueprint
from flask import flash
from flask import redirect
from flask import render_template
from flask import session
from flask import url_for
from flask_login import current_user
from flask_wtf import FlaskForm
from sqlalchemy import select
from wtforms import EmailField
from wtforms import IntegerField
from wtforms import StringField
from wtforms import TextAreaField
from wtforms import ValidationError
from wtforms.validators import DataRequired
from wtforms.validators import Email
from wtforms.validators import NumberRange

from . import orders
from . import payments
from .models import db
from .models import Order
from .models import Product

bp = Blueprint("shop", __name__)


class AddToBasketForm(FlaskForm):
    quantity = IntegerField("Cantidad", default=1, validators=[NumberRange(min=1, max=99)])


def no_nul(form, field):
    """The shop's own database (PostgreSQL) cannot store a NUL character; shopmail copes with the rest."""
    if "\x00" in (field.data or ""):
        raise ValidationError("Contiene un carácter no válido.")


class CheckoutForm(FlaskForm):
    name = StringField("Nombre", validators=[DataRequired(), no_nul])
    email = EmailField("Correo electrónico", validators=[DataRequired(), Email(), no_nul])
    address = TextAreaField("Dirección de envío", validators=[DataRequired(), no_nul])
    card_number = StringField("Número de tarjeta", validators=[DataRequired()])


@bp.get("/")
def index():
    products = db.session.scalars(select(Product).order_by(Product.name)).all()
    return render_template("shop/index.html", products=products, form=AddToBasketForm())


@bp.post("/cesta/<int:product_id>")
def add_to_basket(product_id):
    product = db.session.get(Product, product_id) or abort(404)
    form = AddToBasketForm()
    if form.validate_on_submit():
        basket = session.setdefault("basket", {})
        basket[str(product.id)] = basket.get(str(product.id), 0) + form.quantity.data
        session.modified = True
        flash(f"«{product.name}» añadido a la cesta.", "success")
    return redirect(url_for(".index"))


@bp.route("/pedido", methods=["GET", "POST"])
def checkout():
    lines = orders.cart_lines(session.get("basket", {}))
    if not lines:
        flash("La cesta está vacía.", "error")
        return redirect(url_for(".index"))
    form = CheckoutForm(obj=current_user if current_user.is_authenticated else None)
    if form.validate_on_submit():
        order = orders.place_order(lines, name=form.name.data, email=form.email.data,
                                   address=form.address.data,
                                   user=current_user if current_user.is_authenticated else None)
        try:
            payments.charge(order.total, form.card_number.data, reference=order.number)
        except payments.PaymentDeclined as exc:
            # Nothing of this checkout is kept: not the order, not its confirmation mails.
            db.session.rollback()
            form.card_number.errors = [str(exc)]
        else:
            db.session.commit()
            session.pop("basket", None)
            session["last_order"] = order.number
            return redirect(url_for(".order_placed", number=order.number))
    return render_template("shop/checkout.html", form=form, lines=lines, total=orders.cart_total(lines))


@bp.get("/pedido/<number>")
def order_placed(number):
    if session.get("last_order") != number:
        abort(404)
    order = db.session.scalar(select(Order).where(Order.number == number)) or abort(404)
    return render_template("shop/placed.html", order=order)


@bp.get("/contacto")
def contact():
    return render_template("shop/contact.html")
