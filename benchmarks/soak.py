"""Scale-out soak: the example shop run as production runs it, a killed worker and a mail outage.

    .venv/bin/python benchmarks/soak.py [--orders 1000] [--outage 30] [--web-workers 4] [--workers 3]
        [--database-url postgresql+psycopg://postgres@127.0.0.1:5432/test] [--redis-url redis://127.0.0.1:6379/0]
        [--dispatch worker|celery] [--broker-url amqp://guest:guest@127.0.0.1:5672//]

``--dispatch celery``: the delivery workers are ``celery -A shopmail.celery_worker worker`` processes (one pool
process each, the first with beat for the sweep) on RabbitMQ, and the killed one is a pool process holding a claim.

Starts, on this machine: a fresh PostgreSQL database (dropped at the end), the example shop
``examples/tienda`` under gunicorn (several sync workers), several ``flask shopmail worker`` processes,
Redis as shopmail's cache (a key prefix of its own, deleted at the end) and an aiosmtpd sink on loopback
(its own process, plain SMTP, no login; the sending account is added with a real SMTP test).

Then: ``--orders`` guest checkouts through HTTP from a few client threads (each one queues a customer
confirmation and an admin notice); SIGKILL to the delivery worker holding claimed mail once a third of the
orders are in; the sink stopped for ``--outage`` seconds from half-way (the second half of the orders is
placed while it is down) and restarted on the same port; Comunicaciones saved through the admin screen
several times, each followed by reads of /contacto spread over the web workers. Finally it waits for the
outbox to drain and compares the Message-IDs the sink received with the outbox rows.

Exit 1 on any lost message, a duplicate outside the killed worker's claim, a message not sent, a failed
checkout, a stale read or Redis left unused. The example shop reads its configuration from ``FLASK_*``
variables (Flask's ``from_prefixed_env``), so every key is passed under both names.
"""

from __future__ import annotations

import argparse
import collections
import json
import os
import secrets
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

from soak_support import Browser
from soak_support import connected_to
from soak_support import free_port
from soak_support import normal_id
from soak_support import settings_coherence
from soak_support import Shoppers
from soak_support import wait_for

ROOT = Path(__file__).resolve().parent.parent
SHOP = ROOT / "examples" / "tienda"
BIN = Path(sys.executable).parent
WAITING = ("queued", "retry", "held", "sending")


class Soak:
    """The whole run; ``cleanup`` undoes everything it started or created."""

    def __init__(self, args):
        from cryptography.fernet import Fernet
        from sqlalchemy.engine import make_url

        self.args, self.folder = args, Path(tempfile.mkdtemp(prefix="shopmail-soak-"))
        self.procs, self.workers, self.sink, self.web, self.db = [], [], None, None, None
        self.closing = threading.Event()
        self.sink_port, self.web_port = free_port(), free_port()
        self.base = f"http://127.0.0.1:{self.web_port}"
        self.sink_log = self.folder / "received.log"
        self.dbname = f"soak_{secrets.token_hex(4)}"
        self.admin_url = make_url(args.database_url)
        self.prefix = f"shopmail-soak-{secrets.token_hex(4)}:"
        self.password = secrets.token_urlsafe(16)
        config = {
            "SQLALCHEMY_DATABASE_URI": self.admin_url.set(database=self.dbname).render_as_string(False),
            "SECRET_KEY": "soak-" + secrets.token_urlsafe(24),
            "SHOPMAIL_CACHE_TYPE": "RedisCache", "SHOPMAIL_CACHE_REDIS_URL": args.redis_url,
            "SHOPMAIL_CACHE_KEY_PREFIX": self.prefix, "SHOPMAIL_SEND_INLINE": "false",
            "SHOPMAIL_OUTBOX_LEASE_SECONDS": str(args.lease),
            "SHOPMAIL_RETRY_BASE_SECONDS": str(args.retry_base),
            "SHOPMAIL_ENCRYPTION_KEYS": Fernet.generate_key().decode(),
            "SHOPMAIL_SMTP_LOCAL_HOSTNAME": "soak.localhost",
            # The shop's own per-address limit would refuse a thousand checkouts from one loopback client.
            "RATELIMIT_ENABLED": "false",
        }
        if args.dispatch == "celery":
            config.update({"SHOPMAIL_DISPATCH": "celery", "SHOPMAIL_CELERY_BROKER_URL": args.broker_url,
                           "SHOPMAIL_CELERY_QUEUE": f"soak-{secrets.token_hex(4)}", "SHOPMAIL_SWEEP_SECONDS": "2",
                           "SHOPMAIL_INSTANCE_PATH": str(self.folder / "instance")})
        self.env = {**os.environ, "FLASK_APP": "tienda", **config,
                    **{"FLASK_" + key: value for key, value in config.items()}}

    def libpq(self, database: str) -> str:
        """A psycopg connection string for ``database`` on the server of ``--database-url``."""
        return self.admin_url.set(drivername="postgresql", database=database).render_as_string(False)

    def sql(self, query: str, *params) -> list:
        """Rows of one query on the soak's database (autocommit)."""
        with self.db.cursor() as cur:
            cur.execute(query, params)
            return cur.fetchall() if cur.description else []

    # Starting and stopping

    def start(self, name: str, args: list) -> subprocess.Popen:
        """A process of the set-up, its output in ``name``.log; stopped by ``cleanup``."""
        with open(self.folder / f"{name}.log", "ab") as log:
            proc = subprocess.Popen(args, cwd=SHOP, env=self.env, stdout=log, stderr=subprocess.STDOUT)
        self.procs.append(proc)
        return proc

    def flask(self, *commands: list[str]) -> list[str]:
        """Run ``flask`` commands side by side; their outputs, or exit naming the one that failed."""
        procs = [subprocess.Popen([BIN / "flask", *args], cwd=SHOP, env=self.env, stdout=subprocess.PIPE,
                                  stderr=subprocess.PIPE, text=True) for args in commands]
        outputs = [proc.communicate(timeout=120) for proc in procs]
        for args, proc, (out, err) in zip(commands, procs, outputs, strict=True):
            if proc.returncode:  # args may hold the throwaway admin's password: name only the command
                raise SystemExit(f"soak: flask {' '.join(args[:2])} failed:\n{out}{err}")
        return [out for out, _err in outputs]

    def sink_up(self) -> None:
        """Start the SMTP sink on its port and wait until it listens."""
        self.sink = self.start("sink", [sys.executable, str(Path(__file__).with_name("soak_support.py")),
                                        str(self.sink_port), str(self.sink_log)])

        def listening():
            with socket.socket() as sock:
                return sock.connect_ex(("127.0.0.1", self.sink_port)) == 0

        wait_for(listening, 15, "the SMTP sink")

    def sink_down(self) -> None:
        """Stop the sink: its port refuses connections until ``sink_up``."""
        self.sink.send_signal(signal.SIGTERM)
        self.sink.wait(15)

    def setup(self) -> None:
        """The fresh database, the sink, the shop's and shopmail's tables, an admin, the sending account
        (tested against the sink), the settings; then gunicorn and the workers, waited for."""
        import psycopg

        with psycopg.connect(self.libpq(self.admin_url.database), autocommit=True) as admin:
            admin.execute(f'CREATE DATABASE "{self.dbname}"')
        self.db = psycopg.connect(self.libpq(self.dbname), autocommit=True)
        self.sink_up()
        self.flask(["db", "upgrade"])  # the shop's tables, then shopmail's beside them
        self.flask(["shopmail", "db-upgrade"])
        _seed, _user, added = self.flask(
            ["tienda", "seed"],
            ["tienda", "add-user", "admin@soak.example", "--name", "Soak", "--admin", "--password", self.password],
            ["shopmail", "account", "add", "--address", "tienda@soak.example", "--display-name", "La Tienda",
             "--host", "127.0.0.1", "--port", str(self.sink_port), "--security", "none", "--json"])
        self.web = self.start("gunicorn", [
            BIN / "gunicorn", "-w", str(self.args.web_workers), "-b", f"127.0.0.1:{self.web_port}",
            "--access-logfile", str(self.folder / "access.log"), "--access-logformat", '%(p)s "%(r)s" %(s)s %(L)s',
            *self.gunicorn_options(), "tienda:create_app()"])
        self.flask(["shopmail", "settings", "set", "--account", str(json.loads(added)["account"]["id"]),
                    "--contact-email", "hola@soak.example", "--admin-emails", "ana@soak.example, pedidos@soak.example"])
        for n in range(self.args.workers):
            self.workers.append(self.start(f"worker{n}", self.worker_command(n)))
        wait_for(self._up, 60, "gunicorn")
        port = 5672 if self.args.dispatch == "celery" else self.admin_url.port or 5432
        wait_for(lambda: all(connected_to(proc.pid, port) for proc in self.workers), 60, "the workers to start")

    def worker_command(self, n: int) -> list:
        """A delivery worker: `flask shopmail worker`, or a Celery worker (the first one with beat)."""
        if self.args.dispatch == "worker":
            return [BIN / "flask", "shopmail", "worker", "--batch", str(self.args.batch), "--poll", str(self.args.poll)]
        beat = ["--beat", "--schedule", str(self.folder / "beat")] if n == 0 else []
        return [sys.executable, "-m", "celery", "-A", "shopmail.celery_worker", "worker", "--concurrency", "1",
                "--without-gossip", "--without-mingle", "--loglevel", "WARNING", "-n", f"soak{n}@%h", *beat]

    def gunicorn_options(self) -> list[str]:
        """gunicorn 27 opens a control socket in ~/.gunicorn by default: keep ours beside our logs."""
        import gunicorn

        return ["--control-socket", str(self.folder / "gunicorn.ctl")] if gunicorn.version_info >= (27,) else []

    def _up(self) -> bool:
        try:
            return Browser(self.base).go("/")[0] == 200
        except OSError:
            return False

    def cleanup(self) -> None:
        """Stop every process started here, drop the database, delete the Redis keys and the logs."""
        self.closing.set()
        for proc in reversed(self.procs):
            if proc.poll() is None:
                proc.send_signal(signal.SIGTERM)
        for proc in self.procs:
            try:
                proc.wait(20)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
        if self.db is not None:
            self.db.close()
        import psycopg
        import redis

        try:
            with psycopg.connect(self.libpq(self.admin_url.database), autocommit=True) as admin:
                admin.execute(f'DROP DATABASE IF EXISTS "{self.dbname}" WITH (FORCE)')
        except psycopg.Error as exc:
            print(f"soak: could not drop the database {self.dbname}: {exc}", file=sys.stderr)
        try:
            cache = redis.Redis.from_url(self.args.redis_url)
            for key in cache.scan_iter(match=self.prefix + "*"):
                cache.delete(key)
        except redis.RedisError as exc:
            print(f"soak: could not delete the Redis keys {self.prefix}*: {exc}", file=sys.stderr)
        if not self.args.keep_logs:
            import shutil

            shutil.rmtree(self.folder, ignore_errors=True)

    # The run

    def kill_busy_worker(self) -> tuple[int, set[str]]:
        """SIGKILL a delivery worker, preferably one holding claimed mail; return its pid and its claim."""
        by_pid = {proc.pid: proc for proc in self.workers}

        def holder():
            for (owner,) in self.sql("SELECT DISTINCT lease_owner FROM shopmail_outbox WHERE status = 'sending'"):
                parts = (owner or "").split(":")  # host:pid:token (claim.new_owner)
                if len(parts) >= 3 and parts[-2].isdigit() and by_pid.keys() & {int(parts[-2]), _parent(int(parts[-2]))}:
                    return int(parts[-2])
            return None

        pid = wait_for(holder, 5, every=0.005) or self.workers[0].pid
        os.kill(pid, signal.SIGKILL)  # a `flask shopmail worker`, or a Celery pool process (its task is redelivered)
        if pid in by_pid:
            by_pid[pid].wait(10)
        time.sleep(0.3)  # PostgreSQL ends the dead connection's open transaction
        claimed = self.sql("SELECT message_id FROM shopmail_outbox WHERE status = 'sending' AND lease_owner LIKE %s",
                           f"%:{pid}:%")
        return pid, {normal_id(message_id) for (message_id,) in claimed}

    def load(self) -> dict:
        """The orders, the kill at a third, the outage from half-way; returns what happened when."""
        orders = self.args.orders
        shoppers = Shoppers(self.base, orders, self.args.clients)
        started = time.monotonic()
        shoppers.start()
        done = lambda: shoppers.placed + len(shoppers.errors)  # noqa: E731
        wait_for(lambda: done() >= orders // 3, 900, "a third of the orders")
        killed_after = done()
        pid, claimed = self.kill_busy_worker()
        wait_for(lambda: done() >= orders // 2, 900, "half of the orders")
        self.sink_down()
        down = time.monotonic()
        shoppers.second_half.set()
        time.sleep(max(0.0, self.args.outage - (time.monotonic() - down)))
        self.sink_up()
        back = time.monotonic()
        shoppers.join()
        finished = time.monotonic()
        return {"shoppers": shoppers, "pid": pid, "claimed": claimed, "killed_after": killed_after,
                "outage": back - down, "checkouts": finished - started, "load_end": max(back, finished)}

    def settings_check(self) -> dict:
        """Save the contact address through one web worker, then read it back through all of them."""
        found = settings_coherence(self.base, "admin@soak.example", self.password, saves=self.args.saves,
                                   reads=self.args.reads, clients=self.args.clients)
        pids = {line.split()[0] for line in (self.folder / "access.log").read_text().splitlines()
                if "/contacto?soak=after" in line}
        return {**found, "served_by": len(pids)}

    def watch_drain(self, since: float) -> dict:
        """A thread that notes when nothing waits in the outbox any more (or gives up)."""
        import psycopg

        result = {"at": None}

        def watch():
            with psycopg.connect(self.libpq(self.dbname), autocommit=True) as conn:
                shown = time.monotonic()
                while time.monotonic() - since < self.args.drain_timeout and not self.closing.is_set():
                    waiting = conn.execute("SELECT count(*) FROM shopmail_outbox WHERE status = ANY(%s)",
                                           (list(WAITING),)).fetchone()[0]
                    if waiting == 0:
                        result["at"] = time.monotonic()
                        return
                    if time.monotonic() - shown > 15:
                        print(f"soak: {waiting} messages still waiting", file=sys.stderr, flush=True)
                        shown = time.monotonic()
                    time.sleep(0.2)

        result["thread"] = threading.Thread(target=watch, daemon=True)
        result["thread"].start()
        return result

    def run(self) -> int:
        """Load, check, print the figures; 0 when nothing was lost, 1 otherwise."""
        run = self.load()
        drain = self.watch_drain(run["load_end"])
        run["coherence"] = self.settings_check()
        drain["thread"].join()
        run["drained"] = drain["at"] - run["load_end"] if drain["at"] else None
        time.sleep(0.5)  # the sink writes before it answers 250; this is only for a slow disk
        problems = self.report(run)
        for problem in problems:
            print(f"FAIL: {problem}")
        return 1 if problems else 0

    def report(self, run: dict) -> list[str]:
        """Print the figures; return what went wrong."""
        import redis

        rows = self.sql("SELECT kind, status, message_id, attempts FROM shopmail_outbox")
        expected = {normal_id(message_id) for _kind, _status, message_id, _n in rows}
        received = self.sink_log.read_text().split() if self.sink_log.exists() else []
        counts = collections.Counter(received)
        duplicates = {message_id for message_id, n in counts.items() if n > 1}
        beyond, missing = duplicates - run["claimed"], expected - set(counts)
        statuses = collections.Counter(status for _kind, status, _id, _n in rows)
        kinds = collections.Counter(kind for kind, _status, _id, _n in rows)
        shoppers, coherence = run["shoppers"], run["coherence"]
        redis_keys = sum(1 for _ in redis.Redis.from_url(self.args.redis_url).scan_iter(match=self.prefix + "*"))
        server = [float(line.split()[-1]) for line in (self.folder / "access.log").read_text().splitlines()
                  if '"POST /pedido ' in line]
        lat = shoppers.latencies or [0.0]

        def ms(values, at=0.5):
            return f"{statistics.quantiles(values, n=100)[int(at * 100) - 1] * 1000:.0f} ms" if len(values) > 1 else "-"

        print(f"orders:             {shoppers.placed} placed, {len(shoppers.errors)} failed, in {run['checkouts']:.1f} s "
              f"(per checkout: median {ms(lat)}, p95 {ms(lat, 0.95)}; server time of POST /pedido: median "
              f"{ms(server)})")
        engine = "`flask shopmail worker`" if self.args.dispatch == "worker" else "Celery workers (RabbitMQ)"
        print(f"processes:          gunicorn with {self.args.web_workers} workers, {self.args.workers} "
              f"{engine}, PostgreSQL, Redis, SMTP sink")
        print(f"killed worker:      pid {run['pid']} (SIGKILL) after {run['killed_after']} orders, holding "
              f"{len(run['claimed'])} claimed messages")
        print(f"sink outage:        {run['outage']:.1f} s, {self.args.orders - self.args.orders // 2} orders placed "
              f"while it was down")
        print(f"messages expected:  {len(rows)} (" + ", ".join(f"{k} {n}" for k, n in sorted(kinds.items())) + ")")
        print(f"received:           {len(received)}")
        print(f"distinct:           {len(counts)}")
        print(f"missing:            {len(missing)}")
        print(f"duplicates:         {len(duplicates)} (beyond the killed worker's claim: {len(beyond)})")
        print("statuses:           " + ", ".join(f"{k} {n}" for k, n in sorted(statuses.items())))
        print(f"retried:            {sum(1 for row in rows if row[3] > 1)} messages took more than one attempt")
        drained = f"{run['drained']:.1f} s" if run["drained"] is not None else "did not drain"
        print(f"time to drain:      {drained} after the last checkout and the sink's return")
        print(f"stale reads:        {coherence['stale']} of {coherence['reads']} ({self.args.saves} saves through "
              f"Comunicaciones; reads served by {coherence['served_by']} web workers)")
        print(f"redis keys:         {redis_keys} under {self.prefix}")

        dead = [f"{name} (pid {p.pid}) exited with {p.returncode}" for name, p in
                [("gunicorn", self.web), *(("delivery worker", w) for w in self.workers)]
                if p.poll() is not None and p.pid != run["pid"]]
        return [text for failed, text in [
            (shoppers.errors, f"{len(shoppers.errors)} checkouts failed: {shoppers.errors[:3]}"),
            (missing, f"{len(missing)} messages never reached the sink: {sorted(missing)[:3]}"),
            (beyond, f"{len(beyond)} duplicates outside the killed worker's claim: {sorted(beyond)[:3]}"),
            (set(counts) - expected, f"{len(set(counts) - expected)} received messages are not in the outbox"),
            (statuses["sent"] != len(rows), f"{len(rows) - statuses['sent']} messages not sent"),
            (len(rows) != 2 * shoppers.placed, f"{len(rows)} outbox rows for {shoppers.placed} orders"),
            (run["drained"] is None, "the outbox did not drain"),
            (coherence["stale"], f"{coherence['stale']} stale reads"),
            (not redis_keys, "nothing in Redis: the shop did not use it as shopmail's cache"),
        ] if failed] + dead


def _parent(pid: int) -> int:
    """The parent of ``pid`` (a Celery pool process's is the worker started here)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return pid
    return int(stat.rsplit(")", 1)[1].split()[1])


def main() -> None:
    """Parse the options, run the soak, clean up, exit 1 on any problem."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--orders", type=int, default=1000, help="guest checkouts (two messages each)")
    parser.add_argument("--outage", type=float, default=30.0, help="seconds the SMTP sink is down")
    parser.add_argument("--web-workers", type=int, default=4, help="gunicorn workers")
    parser.add_argument("--workers", type=int, default=3, help="`flask shopmail worker` processes")
    parser.add_argument("--clients", type=int, default=8, help="HTTP client threads")
    parser.add_argument("--batch", type=int, default=50, help="the workers' --batch")
    parser.add_argument("--poll", type=float, default=1.0, help="the workers' --poll")
    parser.add_argument("--lease", type=int, default=10, help="SHOPMAIL_OUTBOX_LEASE_SECONDS")
    parser.add_argument("--retry-base", type=float, default=60.0, help="SHOPMAIL_RETRY_BASE_SECONDS")
    parser.add_argument("--saves", type=int, default=5, help="contact addresses saved through the admin")
    parser.add_argument("--reads", type=int, default=200, help="reads of /contacto after each save")
    parser.add_argument("--drain-timeout", type=float, default=600.0)
    parser.add_argument("--database-url", default=os.environ.get(
        "SHOPMAIL_TEST_DATABASE_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"),
        help="a PostgreSQL server where a fresh database may be created (and dropped)")
    parser.add_argument("--redis-url", default="redis://127.0.0.1:6379/0")
    parser.add_argument("--dispatch", choices=["worker", "celery"], default="worker",
                        help="the delivery workers: `flask shopmail worker`, or Celery workers on --broker-url")
    parser.add_argument("--broker-url", default="amqp://guest:guest@127.0.0.1:5672//")
    parser.add_argument("--keep-logs", action="store_true", help="keep the processes' logs (path printed)")
    args = parser.parse_args()
    soak = Soak(args)
    code = 1
    try:
        soak.setup()
        code = soak.run()
    finally:
        soak.cleanup()
        if args.keep_logs:
            print(f"logs:               {soak.folder}")
    sys.exit(code)


if __name__ == "__main__":
    main()
