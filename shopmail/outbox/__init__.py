"""Registro de envíos: the outbox screens, their CLI and the home page's summary of sending."""
