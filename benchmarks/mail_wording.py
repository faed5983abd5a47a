"""What issue 18 adds to a checkout and to the Plantillas de correo screen. Prints numbers; run:

    .venv/bin/python benchmarks/mail_wording.py [--orders 100] [--database-url postgresql+psycopg://…]

- ``notify_order_completed`` with the shop's own wording saved, without and with a 1 MB attachment
  (time per call, database round trips with the wording cache warm, bytes stored per customer message);
- one Plantillas de correo preview (the sender's renderer on a sample order), time per render.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

import sqlalchemy as sa

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from worker_throughput import make_app  # noqa: E402  (the same app set-up, SQLite or a private PG schema)


def order(number: int) -> dict:
    return {"number": str(number), "customer_email": "ana@cliente.example", "customer_name": "Ana Pérez",
            "items": [{"name": "Taza de cerámica", "quantity": 2, "unit_price": "617.25"}],
            "total": "1234.50", "currency": "EUR", "locale": "en" if number % 2 else "es"}


def _ms(values) -> str:
    ordered = sorted(values)
    return f"median {statistics.median(ordered) * 1000:.1f} ms, p95 {ordered[int(len(ordered) * 0.95)] * 1000:.1f} ms"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--orders", type=int, default=100)
    parser.add_argument("--database-url")
    args = parser.parse_args()

    from shopmail.core import settings
    from shopmail.core.models import OutboxMessage
    from shopmail.core.state import session
    from shopmail.services import mail_preview
    from shopmail.services import notifications
    from shopmail.services import wording

    invoice = os.urandom(1024 * 1024)
    with tempfile.TemporaryDirectory() as folder:
        app = make_app(args.database_url, folder)
        with app.app_context():
            engine = app.extensions["shopmail"].db.engine
            calls = []
            sa.event.listen(engine, "before_cursor_execute", lambda *a, **k: calls.append(1))
            settings.save(contact_email="hola@tienda.example", admin_emails=["jefa@tienda.example"])
            wording.save("order_completed", "es", "Su compra {order_number} en {shop_name}",
                         "¡Gracias, {customer_name}!", "Un saludo.")
            results = {}
            for label, files in (("no attachment", ()), ("1 MB attachment", [{"filename": "f.pdf",
                                                                               "data": lambda: invoice}])):
                times, trips = [], []
                for number in range(args.orders):
                    session().execute(sa.text("SELECT 1"))
                    calls.clear()
                    start = time.perf_counter()
                    queued = notifications.order_completed(order(number + (0 if not files else 10**6)),
                                                           attachments=files)
                    times.append(time.perf_counter() - start)
                    trips.append(len(calls))
                    session().commit()
                size = session().get(OutboxMessage, queued[0].id).body
                results[label] = (times, trips, len(size))
            previews = []
            for _ in range(args.orders):
                start = time.perf_counter()
                mail_preview.preview("order_completed", "es", "Pedido {order_number}", "Hola {customer_name}", "")
                previews.append(time.perf_counter() - start)
    database = "PostgreSQL" if args.database_url else "SQLite"
    print(f"notify_order_completed with the shop's wording saved, {args.orders} orders each, {database}")
    for label, (times, trips, size) in results.items():
        print(f"  {label}: {_ms(times)}; database round trips max {max(trips)}; customer message stored: {size} bytes")
    print(f"Plantillas de correo preview (one render): {_ms(previews)}")


if __name__ == "__main__":
    main()
