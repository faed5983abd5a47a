"""A stand-in for the shop's card processor, with the test cards processors publish.

``4000 0000 0000 0002`` is declined, as with real processors' test modes; any other number that
passes the Luhn check is charged.
"""

from __future__ import annotations

from decimal import Decimal

DECLINED_CARD = "4000000000000002"


class PaymentDeclined(Exception):
    """The card was refused; the message is for the customer."""


def digits(card_number: str) -> str:
    return "".join(ch for ch in card_number or "" if ch.isdigit())


def luhn_ok(number: str) -> bool:
    """The check digit every card number carries."""
    total = 0
    for index, char in enumerate(reversed(number)):
        value = int(char)
        if index % 2:
            value = value * 2 - 9 if value > 4 else value * 2
        total += value
    return len(number) >= 12 and total % 10 == 0


def charge(amount: Decimal, card_number: str, reference: str) -> str:
    """Charge ``amount`` to the card and return the processor's reference, or raise PaymentDeclined."""
    number = digits(card_number)
    if not luhn_ok(number):
        raise PaymentDeclined("El número de tarjeta no es válido.")
    if number == DECLINED_CARD:
        raise PaymentDeclined("El banco ha rechazado el pago. No se ha cobrado nada.")
    return f"pago-{reference}"
