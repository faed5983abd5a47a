"""Optional dependencies: the standalone panel and the capture SMTP server need packages a host does not."""

from __future__ import annotations

import importlib

import click


class ExtraMissing(click.ClickException):
    """An optional package is not installed; the message names the extra that brings it."""


def require(module: str, extra: str):
    """Import ``module`` or say which ``pip install 'shopmail[extra]'`` provides it."""
    try:
        return importlib.import_module(module)
    except ImportError:
        raise ExtraMissing(f"Falta el paquete opcional «{module}»: instálelo con pip install 'shopmail[{extra}]'.") \
            from None
