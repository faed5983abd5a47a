"""Delivery worker throughput vs. a raw smtplib loop, against a local aiosmtpd sink.

    .venv/bin/python benchmarks/worker_throughput.py [--messages 2000] [--batch 100] [--rounds 5]
                                                     [--database-url postgresql+psycopg://…]
                                                     [--data-delay-ms 0] [--unrecorded-max N]

The sink runs in its own process (plain SMTP on 127.0.0.1, no TLS, no login: a relay), so it does
not share the GIL with the code being measured. Printed, in messages per second:

* raw smtplib: ``sendmail`` in a loop over one connection — the limit a worker could reach — with
  exactly the bytes the worker sends (the queued rows with the account's From line);
* connect-per-message: the same, with a new connection for every message (first 300 messages);
* worker: 2,000 queued outbox rows delivered by ``deliver_due`` (claim with a lease, one reused
  connection per batch, each accepted message recorded beside the sending, at most
  SHOPMAIL_UNRECORDED_MAX of them waiting for their record), and its ratio to the raw loop.

With the default instant sink, both sides mostly measure CPU on the machine that also runs the sink
and the database; ``--data-delay-ms`` makes the sink pause before its 250 as a real server does while it
stores the message.
"""

from __future__ import annotations

import argparse
import multiprocessing
import smtplib
import socket
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))


def _sink(port, counter, ready, data_delay=0.0):
    import asyncio

    from aiosmtpd.controller import Controller

    class Handler:
        async def handle_DATA(self, server, session, envelope):
            if data_delay:  # a real server stores (and fsyncs) the message before its 250
                await asyncio.sleep(data_delay)
            with counter.get_lock():
                counter.value += 1
            return "250 OK"

    controller = Controller(Handler(), hostname="127.0.0.1", port=port)
    controller.start()
    ready.set()
    while True:
        time.sleep(3600)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def stored_messages(app) -> list[bytes]:
    """Exactly the bytes the worker will send: the queued rows with the account's From line."""
    from sqlalchemy import select

    from shopmail.core.models import OutboxMessage
    from shopmail.core.state import session
    from shopmail.delivery import compose

    _value, from_line = compose.from_header("Tienda", "tienda@tienda.example")
    with app.app_context():
        bodies = session().scalars(select(OutboxMessage.body).where(OutboxMessage.status == "queued")
                                   .order_by(OutboxMessage.id)).all()
    return [compose.with_sender(bytes(body), from_line) for body in bodies]


def raw_loop(port: int, bodies: list[bytes]) -> float:
    """sendmail over one connection; messages per second."""
    start = time.perf_counter()
    with smtplib.SMTP("127.0.0.1", port, local_hostname="tienda.example") as smtp:
        for body in bodies:
            smtp.sendmail("tienda@tienda.example", ["ana@cliente.example"], body)
    return len(bodies) / (time.perf_counter() - start)


def connect_per_message(port: int, bodies: list[bytes]) -> float:
    """A new connection for every message; messages per second."""
    start = time.perf_counter()
    for body in bodies:
        with smtplib.SMTP("127.0.0.1", port, local_hostname="tienda.example") as smtp:
            smtp.sendmail("tienda@tienda.example", ["ana@cliente.example"], body)
    return len(bodies) / (time.perf_counter() - start)


def make_app(database_url: str | None, folder: str, **config):
    """The standalone app on SQLite in ``folder``, or on PostgreSQL in a private, temporary schema."""
    import uuid

    from shopmail import create_app
    from shopmail.core.models import Base

    settings = {
        "SQLALCHEMY_DATABASE_URI": database_url or f"sqlite:///{folder}/bench.sqlite",
        "SECRET_KEY": "bench", "SHOPMAIL_ENCRYPTION_KEYS": "ZmDfcTF7_60GrrY167zsiPd67pEvs0aGOv2oasOM1Pg=",
        "SHOPMAIL_CACHE_DIR": f"{folder}/cache", "SHOPMAIL_SEND_INLINE": False,
        "SHOPMAIL_SMTP_LOCAL_HOSTNAME": "tienda.example", **config,
    }
    if database_url:
        from sqlalchemy import create_engine
        from sqlalchemy import text

        schema = f"bench_{uuid.uuid4().hex[:8]}"
        with create_engine(database_url, isolation_level="AUTOCOMMIT").connect() as conn:
            conn.execute(text(f'CREATE SCHEMA "{schema}"'))
        settings["SQLALCHEMY_ENGINE_OPTIONS"] = {"connect_args": {"options": f"-csearch_path={schema}"}}
        import atexit

        def drop():
            with create_engine(database_url, isolation_level="AUTOCOMMIT").connect() as conn:
                conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))

        atexit.register(drop)
    app = create_app(settings)
    with app.app_context():
        engine = app.extensions["shopmail"].db.engine
        Base.metadata.create_all(engine)
    return app


def queue(app, port: int, count: int, offset: int = 0) -> None:
    """A relay account on the sink (once), and ``count`` queued customer mails."""
    from sqlalchemy import select

    from shopmail.core import settings
    from shopmail.core.models import Account
    from shopmail.core.state import session
    from shopmail.delivery import compose
    from shopmail.delivery import outbox

    with app.app_context():
        if session().scalar(select(Account.id).limit(1)) is None:
            account = Account(address="tienda@tienda.example", display_name="Tienda", username="",
                              password_sealed=None, host="127.0.0.1", port=port, security="none",
                              verify_cert=False, last_test_ok=True)
            session().add(account)
            session().commit()
            settings.save(sending_account_id=account.id, contact_email="hola@tienda.example")
        snap = settings.get()
        text = "Gracias por su compra.\n" * 40
        to = [compose.mailbox("ana@cliente.example", "Ana")]
        for start in range(offset, offset + count, 500):
            drafts = [compose.build(kind="order_completed", to=to, subject=f"Pedido {n}", text=text,
                                    html=f"<p>{text}</p>", reply_to=None, domain="tienda.example",
                                    dedupe_key=f"bench:{n}") for n in range(start, min(offset + count, start + 500))]
            outbox.enqueue(drafts, snap, kick=False)
            session().commit()


def worker_run(app, batch: int) -> tuple[float, int]:
    from shopmail.delivery import worker

    with app.app_context():
        start = time.perf_counter()
        report = worker.deliver_due(batch=batch)
        return time.perf_counter() - start, report.sent


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=2000)
    parser.add_argument("--batch", type=int, default=100)
    parser.add_argument("--rounds", type=int, default=5, help="alternating rounds; the best of each is shown")
    parser.add_argument("--database-url", help="default: SQLite in a temporary folder")
    parser.add_argument("--data-delay-ms", type=float, default=0.0,
                        help="the sink's pause before answering the end of a message (a real server stores the "
                             "message first; Postfix fsyncs its queue file): 0 = an instant answer")
    parser.add_argument("--unrecorded-max", type=int, default=None,
                        help="SHOPMAIL_UNRECORDED_MAX for the worker (default: the configured default)")
    args = parser.parse_args()

    port, counter, ready = _free_port(), multiprocessing.Value("i", 0), multiprocessing.Event()
    sink = multiprocessing.Process(target=_sink, args=(port, counter, ready, args.data_delay_ms / 1000), daemon=True)
    sink.start()
    ready.wait(10)
    raw, naive, worker, cpu_raw, cpu_worker = [], [], [], [], []
    try:
        with tempfile.TemporaryDirectory() as folder:
            extra = {} if args.unrecorded_max is None else {"SHOPMAIL_UNRECORDED_MAX": args.unrecorded_max}
            app = make_app(args.database_url, folder, **extra)
            for round_ in range(args.rounds):
                queue(app, port, args.messages, offset=round_ * args.messages)
                bodies = stored_messages(app)
                naive.append(connect_per_message(port, bodies[:300]))
                cpu = time.process_time()
                raw.append(raw_loop(port, bodies))  # right before the worker: both see the same machine load
                cpu_raw.append((time.process_time() - cpu) / len(bodies))
                cpu = time.process_time()
                before = counter.value
                seconds, sent = worker_run(app, args.batch)
                time.sleep(0.2)
                assert counter.value - before == sent == args.messages, (counter.value - before, sent)
                worker.append(sent / seconds)
                cpu_worker.append((time.process_time() - cpu) / sent)
    finally:
        sink.terminate()
    database = "PostgreSQL" if args.database_url else "SQLite"
    print(f"messages: {args.messages} per round, rounds: {args.rounds}, batch: {args.batch}, database: {database}, "
          f"sink's end-of-data pause: {args.data_delay_ms:g} ms")
    print(f"raw smtplib, one connection:  {max(raw):8.0f} msg/s   (rounds: {_list(raw)})")
    print(f"connect per message:          {max(naive):8.0f} msg/s   (rounds: {_list(naive)})")
    print(f"shopmail worker:              {max(worker):8.0f} msg/s   (rounds: {_list(worker)})")
    ratios = [w / r for w, r in zip(worker, raw, strict=True)]
    print(f"worker / raw: best vs best {max(worker) / max(raw):.2f}×, median of rounds "
          f"{statistics.median(ratios):.2f}× (rounds: {', '.join(f'{x:.2f}×' for x in ratios)})")
    print(f"CPU of this process per message: raw loop {statistics.median(cpu_raw) * 1000:.2f} ms, worker "
          f"{statistics.median(cpu_worker) * 1000:.2f} ms (recording every row); the sink runs in its own process")


def _list(values) -> str:
    return ", ".join(f"{value:.0f}" for value in values)


if __name__ == "__main__":
    main()
