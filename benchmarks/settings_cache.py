"""Figures for the Communications settings cache (issue 5). Prints numbers; run:

    .venv/bin/python benchmarks/settings_cache.py
"""

import tempfile
import time
from pathlib import Path

from flask import g
from sqlalchemy import select

from shopmail import create_app
from shopmail.core import settings
from shopmail.core.models import Base
from shopmail.core.models import Settings
from shopmail.core.state import session

N = 2000


def main():
    tmp = Path(tempfile.mkdtemp())
    app = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp / 'bench.sqlite'}", "SECRET_KEY": "bench",
                      "SHOPMAIL_CACHE_DIR": str(tmp / "cache")})
    with app.app_context():
        Base.metadata.create_all(app.extensions["shopmail"].db.engine)
        settings.save(contact_email="hola@tienda.example", admin_emails=["a@tienda.example"])

        # What get() costs without a cache: a fresh session (one per request) reading the row.
        start = time.perf_counter()
        for _ in range(N):
            session().remove()
            settings._snapshot(settings._fields(session().scalars(select(Settings).limit(1)).first()))
        uncached = (time.perf_counter() - start) / N

        start = time.perf_counter()
        for _ in range(N):
            g.pop("shopmail_settings", None)
            settings.get()
        cached = (time.perf_counter() - start) / N

        calls = {"n": 0}
        cache = app.extensions["shopmail"].cache
        original = cache.get

        def counting_get(*args, **kwargs):
            calls["n"] += 1
            return original(*args, **kwargs)

        cache.get = counting_get
        g.pop("shopmail_settings", None)
        with app.test_request_context():
            for _ in range(100):
                settings.get()
        cache.get = original

    print(f"uncached database read:   {uncached * 1e6:8.1f} µs")
    print(f"cached get (file cache):  {cached * 1e6:8.1f} µs")
    print(f"speed-up:                 {uncached / cached:8.1f}×  (target ≥ 10×)")
    print(f"cache round trips for 100 reads in one request: {calls['n']} (target: ≤ 2)")


if __name__ == "__main__":
    main()
