"""Probar SMTP is rate-limited per admin, with a Spanish message, in memory and on Redis."""

import os
import uuid

import pytest

from tests.helpers import make_account

REDIS_URL = os.environ.get("SHOPMAIL_TEST_REDIS_URL", "redis://127.0.0.1:6379/15")


def _probe_until_limited(admin, account_id):
    codes = [admin.post(f"/ajustes/cuentas/{account_id}/probar", data={}).status_code for _ in range(3)]
    return codes


@pytest.mark.sqlite_only
@pytest.mark.app_config(SHOPMAIL_RATE_LIMIT="2 per minute")
def test_probe_rate_limited_in_spanish(admin, app, closed_port):
    account_id = make_account(app, host="127.0.0.1", port=closed_port)
    assert _probe_until_limited(admin, account_id) == [200, 200, 429]
    body = admin.post(f"/ajustes/cuentas/{account_id}/probar", data={}).get_data(as_text=True)
    assert "Demasiadas pruebas seguidas" in body
    json_reply = admin.post(f"/ajustes/cuentas/{account_id}/probar", data={},
                            headers={"Accept": "application/json"})
    assert json_reply.status_code == 429 and json_reply.get_json()["reason"] == "rate_limited"


@pytest.mark.sqlite_only
@pytest.mark.app_config(SHOPMAIL_RATE_LIMIT="2 per minute", SHOPMAIL_CACHE_TYPE="RedisCache",
                        SHOPMAIL_CACHE_REDIS_URL=REDIS_URL,
                        SHOPMAIL_CACHE_KEY_PREFIX=f"shopmail-test-{uuid.uuid4().hex[:8]}:",
                        SHOPMAIL_RATELIMIT_STORAGE_URI="")
def test_limits_live_in_redis(admin, app, closed_port):
    import redis

    try:
        redis.Redis.from_url(REDIS_URL, socket_timeout=1).ping()
    except redis.RedisError:
        pytest.skip("Redis is not running")
    from shopmail import create_app

    account_id = make_account(app, host="127.0.0.1", port=closed_port)
    assert _probe_until_limited(admin, account_id)[:2] == [200, 200]
    # A second app (another process or machine in production) shares the counter through Redis.
    from tests.conftest import AdminClient
    from tests.conftest import login

    other = create_app({**app.config, "TESTING": True})
    other.test_client_class = AdminClient
    client = other.test_client()
    login(client)
    client.refresh_csrf()
    assert client.post(f"/ajustes/cuentas/{account_id}/probar", data={}).status_code == 429


@pytest.mark.sqlite_only
@pytest.mark.app_config(SHOPMAIL_RATE_LIMIT="3 per minute")
def test_full_check_on_estado_counts_against_the_same_budget(client, app, smtp_server, smtp_ca_file, dns_server):
    """Issue 14, finding 8: every action that touches the network is counted (the full check logs in)."""
    from shopmail.core import migrate
    from shopmail.core import settings
    from shopmail.core.models import Base
    from shopmail.services.admins import create_admin
    from tests.conftest import ADMIN_EMAIL
    from tests.conftest import ADMIN_PASSWORD
    from tests.conftest import login

    with app.app_context():  # the doctor tests the account only on an up-to-date database
        Base.metadata.drop_all(app.extensions["shopmail"].db.engine)
        migrate.upgrade()
        create_admin(ADMIN_EMAIL, ADMIN_PASSWORD)
    login(client)
    client.refresh_csrf()
    admin = client
    app.config.update(SHOPMAIL_SMTP_CA_FILE=smtp_ca_file, SHOPMAIL_DNS_NAMESERVERS=[dns_server.address])
    server = smtp_server(security="starttls", users={"tienda@example.com": "clave-secreta"})
    account_id = make_account(app, host="127.0.0.1", port=server.port)
    with app.app_context():
        settings.save(sending_account_id=account_id)
    codes = [admin.post("/ajustes/estado/", data={}).status_code for _ in range(3)]
    codes.append(admin.post(f"/ajustes/cuentas/{account_id}/probar", data={}).status_code)
    assert codes == [200, 200, 200, 429]
    limited = admin.post("/ajustes/estado/", data={})
    assert limited.status_code == 429 and "Demasiadas pruebas seguidas" in limited.get_data(as_text=True)
    assert len(server.auth_attempts) == 3  # the server saw one login per counted check, no more
