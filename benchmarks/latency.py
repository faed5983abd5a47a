"""Commit-to-accepted latency of each delivery engine (SHOPMAIL_DISPATCH), side by side.

    .venv/bin/python benchmarks/latency.py [--seconds 60] [--rate 20] [--modes thread,worker,celery,rq]
        [--database-url postgresql+psycopg://postgres@127.0.0.1:5432/test] [--redis-url redis://127.0.0.1:6379/0]
        [--broker-url amqp://guest:guest@127.0.0.1:5672//]

For each mode, in a fresh private PostgreSQL schema: orders are committed at ``--rate`` per second for
``--seconds`` (each commit queues one customer mail through the real path: outbox row, NOTIFY, after-commit
dispatch), and the SMTP sink (aiosmtpd on loopback, its own process) notes the instant it answers 250 to each
Message-ID. Printed per mode: the p50, p99 and maximum of (250 − commit), and the mails missing at the end.

* thread: this process's own delivery thread, woken at each commit (as a web process's, after its request);
* worker: 2 `flask shopmail worker` processes (LISTEN/NOTIFY; --poll 5);
* celery: `celery -A shopmail.celery_worker worker --concurrency 2` on RabbitMQ;
* rq: 2 `flask shopmail rq-worker` processes on Redis.
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from soak_support import free_port  # noqa: E402
from soak_support import normal_id  # noqa: E402
from worker_throughput import make_app  # noqa: E402
from worker_throughput import queue  # noqa: E402


def run_sink(port: int, log: str) -> None:
    """The sink: one line "<time.time()> <Message-ID>" per message, written as it answers 250."""
    from email.parser import BytesHeaderParser

    from aiosmtpd.controller import Controller

    fd = os.open(log, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)

    class Handler:
        async def handle_DATA(self, server, session, envelope):
            message_id = BytesHeaderParser().parsebytes(envelope.original_content or envelope.content)["Message-ID"]
            os.write(fd, f"{time.time():.6f} {normal_id(message_id or '-')}\n".encode())
            return "250 2.0.0 OK"

    controller = Controller(Handler(), hostname="127.0.0.1", port=port)
    controller.start()
    signal.sigwait({signal.SIGTERM})
    controller.stop()


def accepted(log: str) -> dict[str, float]:
    """Message-ID → the first instant the sink accepted it."""
    found = {}
    for line in Path(log).read_text().splitlines():
        moment, message_id = line.split(" ", 1)
        found.setdefault(message_id, float(moment))
    return found


def engine_env(app, folder: str, config: dict) -> dict:
    """The environment of a worker process on ``app``'s database (its private schema included)."""
    from sqlalchemy.engine import make_url

    url = make_url(app.config["SQLALCHEMY_DATABASE_URI"])
    options = app.config.get("SQLALCHEMY_ENGINE_OPTIONS", {}).get("connect_args", {}).get("options")
    if options:
        url = url.update_query_dict({"options": options})
    env = {key: value for key, value in os.environ.items() if not key.startswith("SHOPMAIL_")}
    env.update({"SQLALCHEMY_DATABASE_URI": url.render_as_string(hide_password=False), "SECRET_KEY": "bench",
                "SHOPMAIL_ENCRYPTION_KEYS": app.config["SHOPMAIL_ENCRYPTION_KEYS"],
                "SHOPMAIL_CACHE_DIR": f"{folder}/cache", "SHOPMAIL_INSTANCE_PATH": f"{folder}/instance",
                "SHOPMAIL_SMTP_LOCAL_HOSTNAME": "tienda.example", "PYTHONPATH": str(ROOT),
                **{key: str(value) for key, value in config.items()}})
    return env


def start_engine(mode: str, app, folder: str, config: dict) -> list[subprocess.Popen]:
    """The worker processes of ``mode`` (none for thread)."""
    env = engine_env(app, folder, config)
    flask = [sys.executable, "-m", "flask", "--app", "shopmail.app:create_app", "shopmail"]
    if mode == "worker":
        commands = [flask + ["worker", "--poll", "5"]] * 2
    elif mode == "rq":
        commands = [flask + ["rq-worker"]] * 2
    elif mode == "celery":
        commands = [[sys.executable, "-m", "celery", "-A", "shopmail.celery_worker", "worker", "--concurrency", "2",
                     "--loglevel", "WARNING", "--without-gossip", "--without-mingle", "--without-heartbeat",
                     "-n", f"bench{uuid.uuid4().hex[:6]}@%h"]]
    else:
        return []
    return [subprocess.Popen(command, env=env, cwd=folder, start_new_session=True,
                             stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL) for command in commands]


def place_orders(app, seconds: float, rate: float, prefix: str = "latency") -> dict[str, float]:
    """Commit one order's mail every 1/rate s; Message-ID → the instant its transaction committed."""
    from shopmail.core import settings
    from shopmail.core.state import session
    from shopmail.delivery import compose
    from shopmail.delivery import outbox

    committed = {}
    to = [compose.mailbox("ana@cliente.example", "Ana")]
    text = "Gracias por su compra.\n" * 40
    start = time.monotonic()
    for n in range(int(seconds * rate)):
        time.sleep(max(0.0, start + n / rate - time.monotonic()))
        with app.app_context():
            draft = compose.build(kind="order_completed", to=to, subject=f"Pedido {n}", text=text,
                                  html=f"<p>{text}</p>", reply_to=None, domain="tienda.example",
                                  dedupe_key=f"{prefix}:{n}")
            outbox.enqueue([draft], settings.get())
            session().commit()
            committed[normal_id(draft.message_id)] = time.time()
    return committed


def measure(mode: str, args, port: int, log: str) -> dict:
    """One mode: a fresh schema, its engine, the orders, the latencies."""
    from shopmail.delivery import inline

    config = {"SHOPMAIL_DISPATCH": mode, "SHOPMAIL_SEND_INLINE": mode == "thread",
              "SHOPMAIL_CELERY_BROKER_URL": args.broker_url, "SHOPMAIL_CELERY_QUEUE": f"latency-{uuid.uuid4().hex[:8]}",
              "SHOPMAIL_RQ_REDIS_URL": args.redis_url, "SHOPMAIL_RQ_QUEUE": f"latency-{uuid.uuid4().hex[:8]}"}
    with tempfile.TemporaryDirectory() as folder:
        app = make_app(args.database_url, folder, **config)
        queue(app, port, 0)  # the relay account on the sink, chosen as the sending account
        engines = start_engine(mode, app, folder, config)
        try:
            if mode == "thread":
                inline.delivery_for(app).kick()
            # The engine is up and idle before the measured orders: a first one has gone through it.
            first = place_orders(app, 1, 1, prefix="warmup")
            deadline = time.monotonic() + args.warmup
            while time.monotonic() < deadline and not set(first) <= set(accepted(log)):
                time.sleep(0.1)
            time.sleep(1.0)
            committed = place_orders(app, args.seconds, args.rate)
            deadline = time.monotonic() + 30
            while time.monotonic() < deadline and not set(committed) <= set(accepted(log)):
                time.sleep(0.2)
        finally:
            for process in engines:
                os.killpg(process.pid, signal.SIGTERM)
            for process in engines:
                process.wait(30)
            if mode == "thread":
                inline.delivery_for(app).stop()
    seen = accepted(log)
    waits = sorted((seen[mid] - at) * 1000 for mid, at in committed.items() if mid in seen)
    return {"mode": mode, "orders": len(committed), "missing": len(committed) - len(waits),
            "p50": statistics.median(waits) if waits else float("nan"),
            "p99": waits[min(len(waits) - 1, int(len(waits) * 0.99))] if waits else float("nan"),
            "max": waits[-1] if waits else float("nan")}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=60.0)
    parser.add_argument("--rate", type=float, default=20.0, help="orders per second")
    parser.add_argument("--modes", default="thread,worker,celery,rq")
    parser.add_argument("--warmup", type=float, default=90.0, help="most seconds for the engine to start")
    parser.add_argument("--database-url", default=os.environ.get("SHOPMAIL_TEST_DATABASE_URL",
                                                                  "postgresql+psycopg://postgres@127.0.0.1:5432/test"))
    parser.add_argument("--redis-url", default="redis://127.0.0.1:6379/0")
    parser.add_argument("--broker-url", default="amqp://guest:guest@127.0.0.1:5672//")
    args = parser.parse_args()

    port = free_port()
    with tempfile.TemporaryDirectory() as folder:
        log = f"{folder}/sink.log"
        sink = multiprocessing.Process(target=run_sink, args=(port, log), daemon=True)
        sink.start()
        time.sleep(1.0)
        try:
            results = [measure(mode, args, port, log) for mode in args.modes.split(",")]
        finally:
            os.kill(sink.pid, signal.SIGTERM)
            sink.join(10)
    print(f"commit → 250 at the sink, {args.rate:g} orders/s for {args.seconds:g} s, PostgreSQL, one mail per order")
    print(f"{'mode':8} {'orders':>7} {'missing':>8} {'p50 ms':>8} {'p99 ms':>8} {'max ms':>8}")
    for r in results:
        print(f"{r['mode']:8} {r['orders']:7d} {r['missing']:8d} {r['p50']:8.1f} {r['p99']:8.1f} {r['max']:8.1f}")
    print("goal: p50 ≤ 100 ms and p99 ≤ 1000 ms for every mode")
    sys.exit(1 if any(r["missing"] for r in results) else 0)


if __name__ == "__main__":
    main()
