"""What the outbox item's ``attachments`` field costs `outbox list --json`. Prints numbers; run:

    .venv/bin/python benchmarks/outbox_json.py [--messages 100] [--database-url postgresql+psycopg://…]

Half the customer messages carry a 1 MB invoice; each order also queues the admins' notice (no
attachment). Times ``statuses.to_dict`` per message of each kind, and the whole `outbox list --json`
command over the newest ``--messages`` rows.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from mail_wording import _ms  # noqa: E402  (median and p95, as the other benchmarks print them)
from worker_throughput import make_app  # noqa: E402  (the same app set-up, SQLite or a private PG schema)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=100)
    parser.add_argument("--database-url")
    args = parser.parse_args()

    from sqlalchemy import select

    from shopmail.core import settings
    from shopmail.core.models import OutboxMessage
    from shopmail.core.state import session
    from shopmail.delivery import statuses
    from shopmail.services import notifications

    invoice = os.urandom(1024 * 1024)
    with tempfile.TemporaryDirectory() as folder:
        app = make_app(args.database_url, folder)
        with app.app_context():
            settings.save(contact_email="hola@tienda.example", admin_emails=["jefa@tienda.example"])
            for number in range(args.messages // 2):
                files = [{"filename": f"factura-{number}.pdf", "content_type": "application/pdf",
                          "data": invoice}] if number % 2 else []
                notifications.order_completed({
                    "number": str(number), "customer_email": "ana@cliente.example", "customer_name": "Ana",
                    "items": [{"name": "Taza", "quantity": 1, "unit_price": "9.50"}], "total": "9.50",
                    "currency": "EUR"}, attachments=files)
                session().commit()
            timings = {"with a 1 MB attachment": [], "without attachments": []}
            for row in session().scalars(select(OutboxMessage)):
                start = time.perf_counter()
                item = statuses.to_dict(row)
                elapsed = time.perf_counter() - start
                timings["with a 1 MB attachment" if item["attachments"] else "without attachments"].append(elapsed)
        runner = app.test_cli_runner()
        start = time.perf_counter()
        result = runner.invoke(args=["shopmail", "outbox", "list", "--json", "--limit", str(args.messages)])
        whole = time.perf_counter() - start
        assert result.exit_code == 0, result.output
    database = "PostgreSQL" if args.database_url else "SQLite"
    print(f"outbox item JSON with attachments, {database}")
    for label, values in timings.items():
        print(f"  statuses.to_dict, {label} ({len(values)} messages): {_ms(values)}")
    print(f"  outbox list --json --limit {args.messages}: {whole * 1000:.0f} ms in all")


if __name__ == "__main__":
    main()
