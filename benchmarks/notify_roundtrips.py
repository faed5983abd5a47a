"""What ``notify_order_completed`` costs the shop's request: database round trips, network, time.

    .venv/bin/python benchmarks/notify_roundtrips.py [--orders 200] [--database-url postgresql+psycopg://…]

Counted inside the caller's open transaction (as in a checkout view), with the settings cache cold
(first call after a save) and warm. Network connections are counted with a Python audit hook.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

import sqlalchemy as sa

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from worker_throughput import make_app  # noqa: E402  (the same app set-up, SQLite or a private PG schema)

_connections: list = []


def _audit(event, args):
    if event == "socket.connect":
        _connections.append(args[1])


def order(number: int) -> dict:
    return {"number": str(number), "customer_email": "ana@cliente.example", "customer_name": "Ana Pérez",
            "items": [{"name": "Taza de cerámica", "quantity": 2, "unit_price": "617.25"},
                      {"name": "Camiseta", "quantity": 1, "unit_price": "19.95"}],
            "total": "1254.45", "currency": "EUR", "shipping_address": ["Calle Mayor 1", "28013 Madrid"]}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--orders", type=int, default=200)
    parser.add_argument("--database-url")
    args = parser.parse_args()

    from flask import g

    from shopmail.core import settings
    from shopmail.core.state import session
    from shopmail.services import notifications

    sys.addaudithook(_audit)
    with tempfile.TemporaryDirectory() as folder:
        app = make_app(args.database_url, folder, SHOPMAIL_SEND_INLINE=True)
        engine_calls = []
        with app.app_context():
            engine = app.extensions["shopmail"].db.engine
            sa.event.listen(engine, "before_cursor_execute", lambda *a, **k: engine_calls.append(1))
            cold, warm, times = [], [], []
            settings.save(contact_email="hola@tienda.example", admin_emails=["jefa@tienda.example"])
            for number in range(args.orders):
                if number % 50 == 0:
                    settings.invalidate()  # as after an admin's save: the next read goes to the database
                session().execute(sa.text("SELECT 1"))  # the checkout's own work opened the transaction
                engine_calls.clear()
                _connections.clear()
                start = time.perf_counter()
                notifications.order_completed(order(number))
                times.append(time.perf_counter() - start)
                (cold if number % 50 == 0 else warm).append(len(engine_calls))
                assert not _connections, _connections
                session().commit()
                g.pop("shopmail_settings", None)  # a new request: settings come from the cache
    database = "PostgreSQL" if args.database_url else "SQLite"
    print(f"notify_order_completed, {args.orders} orders (customer + admin notice), {database}")
    print(f"database round trips, settings cache cold: max {max(cold)}  (calls: {len(cold)})")
    print(f"database round trips, settings cache warm: max {max(warm)}")
    print("network connections during the call: 0")
    print(f"time per call: median {statistics.median(times) * 1000:.1f} ms, "
          f"p95 {sorted(times)[int(len(times) * 0.95)] * 1000:.1f} ms (rendering two HTML + text e-mails)")


if __name__ == "__main__":
    main()
