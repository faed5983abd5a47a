"""Secrets are sealed with Fernet; rotation re-encrypts; a wrong key gives a clear error."""

import pytest
from cryptography.fernet import Fernet

from shopmail.core import crypto
from shopmail.core.models import Account
from shopmail.core.state import session


def test_round_trip_is_ciphertext(app):
    with app.app_context():
        token = crypto.seal("s3cr3t-pässword")
        assert b"s3cr3t" not in token
        assert crypto.unseal(token) == "s3cr3t-pässword"


def test_missing_key_names_the_setting(app):
    app.config["SHOPMAIL_ENCRYPTION_KEYS"] = ""
    with app.app_context(), pytest.raises(crypto.SecretKeyError, match="SHOPMAIL_ENCRYPTION_KEYS"):
        crypto.seal("x")


def test_malformed_key_names_the_setting(app):
    app.config["SHOPMAIL_ENCRYPTION_KEYS"] = "not-a-key"
    with app.app_context(), pytest.raises(crypto.SecretKeyError, match="SHOPMAIL_ENCRYPTION_KEYS"):
        crypto.seal("x")


def test_wrong_key_names_the_setting(app):
    with app.app_context():
        token = crypto.seal("x")
        app.config["SHOPMAIL_ENCRYPTION_KEYS"] = Fernet.generate_key().decode()
        with pytest.raises(crypto.SecretKeyError, match="SHOPMAIL_ENCRYPTION_KEYS"):
            crypto.unseal(token)


def _account(sealed):
    return Account(address="tienda@example.com", username="tienda@example.com", host="smtp.example.com",
                   port=587, security="starttls", password_sealed=sealed)


def test_rotate_key_cli_reencrypts_with_new_first_key(app, runner):
    old = app.config["SHOPMAIL_ENCRYPTION_KEYS"]
    with app.app_context():
        session().add(_account(crypto.seal("clave-vieja")))
        session().commit()
    new = Fernet.generate_key().decode()
    app.config["SHOPMAIL_ENCRYPTION_KEYS"] = f"{new},{old}"
    result = runner.invoke(args=["shopmail", "rotate-key"])
    assert result.exit_code == 0, result.output
    assert "1" in result.output
    app.config["SHOPMAIL_ENCRYPTION_KEYS"] = new  # the old key retired
    with app.app_context():
        stored = session().query(Account).one().password_sealed
        assert crypto.unseal(stored) == "clave-vieja"
        assert "clave-vieja" not in result.output


def test_rotate_key_with_wrong_keys_is_a_clear_error(app, runner):
    with app.app_context():
        session().add(_account(crypto.seal("x")))
        session().commit()
    app.config["SHOPMAIL_ENCRYPTION_KEYS"] = Fernet.generate_key().decode()
    result = runner.invoke(args=["shopmail", "rotate-key"])
    assert result.exit_code == 1
    assert "SHOPMAIL_ENCRYPTION_KEYS" in result.output
    assert "Traceback" not in result.output


def test_wrong_key_in_the_panel_and_cli_is_a_clear_message(app, admin, runner):
    from tests.helpers import make_account

    account_id = make_account(app)
    app.config["SHOPMAIL_ENCRYPTION_KEYS"] = Fernet.generate_key().decode()
    response = admin.post(f"/ajustes/cuentas/{account_id}/probar", data={})
    assert response.status_code == 500
    assert "SHOPMAIL_ENCRYPTION_KEYS" in response.get_data(as_text=True)
    result = runner.invoke(args=["shopmail", "account", "test", str(account_id)])
    assert result.exit_code == 1 and "SHOPMAIL_ENCRYPTION_KEYS" in result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)
