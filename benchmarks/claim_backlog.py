"""How long one claim of a batch takes as the queue grows (the worker claims while it sends).

    .venv/bin/python benchmarks/claim_backlog.py [--backlogs 2000,20000,50000] [--batch 100]
                                                [--database-url postgresql+psycopg://…]

For each backlog: that many queued messages, then ten claims of ``--batch`` (each committed, as the worker
does); printed is the median time of one claim. A claim should cost about the same whatever the backlog:
after an outage a shop may have tens of thousands of messages waiting.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from worker_throughput import make_app  # noqa: E402
from worker_throughput import queue  # noqa: E402


def claims(app, batch: int, times: int = 10) -> list[float]:
    from shopmail.delivery import claim

    took = []
    with app.app_context():
        for n in range(times):
            start = time.perf_counter()
            claimed = claim.claim(f"bench:{n}", batch, 300)
            took.append(time.perf_counter() - start)
            assert len(claimed) == batch
    return took


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--backlogs", default="2000,20000,50000")
    parser.add_argument("--batch", type=int, default=100)
    parser.add_argument("--database-url", help="default: SQLite in a temporary folder")
    args = parser.parse_args()
    database = "PostgreSQL" if args.database_url else "SQLite"
    for backlog in (int(part) for part in args.backlogs.split(",")):
        with tempfile.TemporaryDirectory() as folder:
            app = make_app(args.database_url, folder)
            queue(app, 2525, backlog)
            if args.database_url:  # what autovacuum does after such a load: the planner then knows the queue
                from sqlalchemy import text

                from shopmail.core.state import session
                with app.app_context():
                    session().execute(text("ANALYZE shopmail_outbox"))
                    session().commit()
            took = claims(app, args.batch)
        print(f"{database}: {backlog:6d} queued → one claim of {args.batch}: "
              f"{statistics.median(took) * 1000:6.1f} ms (median of {len(took)})")


if __name__ == "__main__":
    main()
