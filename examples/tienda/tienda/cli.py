"""`flask tienda …`: demo products and users for trying the shop."""

from __future__ import annotations

from decimal import Decimal

import click
from flask.cli import AppGroup
from sqlalchemy import select

from .auth import create_user
from .models import db
from .models import Product
from .models import User

tienda_cli = AppGroup("tienda", help="La tienda de ejemplo: productos y usuarios.")

DEMO_PRODUCTS = [("Camiseta de algodón", "19.95"), ("Taza de cerámica", "8.50"), ("Bolsa de tela", "12.00")]


@tienda_cli.command("seed")
def seed():
    """Add the demo products (once)."""
    if db.session.scalar(select(Product.id).limit(1)) is None:
        db.session.add_all(Product(name=name, price=Decimal(price)) for name, price in DEMO_PRODUCTS)
        db.session.commit()
    click.echo("Productos de ejemplo listos.")


@tienda_cli.command("add-user")
@click.argument("email")
@click.option("--name", default="")
@click.option("--admin", "is_admin", is_flag=True, help="Puede entrar en la administración (y en shopmail).")
@click.password_option()
def add_user(email, name, is_admin, password):
    """Add a customer or, with --admin, an employee."""
    if db.session.scalar(select(User.id).where(User.email == email.strip().lower())) is not None:
        raise click.ClickException(f"Ya existe un usuario {email}.")
    create_user(email, password, name=name, is_admin=is_admin)
    db.session.commit()
    click.echo(f"Usuario creado: {email}{' (administrador)' if is_admin else ''}")
