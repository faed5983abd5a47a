"""Peak memory of an SMTP test against a server streaming one endless multi-line reply (issue 14, finding 3).

    .venv/bin/python benchmarks/smtp_endless_reply.py [SECONDS]

Before the bound, smtplib kept every "220-AAAA..." line: 2.1 GB in a 5 s test. With the bound (100 lines,
64 KiB per reply) the test ends at once with "respuesta demasiado larga" and the peak stays near the
interpreter's own size. Runs on loopback only.
"""

import resource
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # the hostile server lives in tests/
from shopmail.smtp.probe import probe
from shopmail.smtp.probe import Target
from tests.fixtures.hostile_smtp import EndlessReply  # noqa: E402


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main() -> None:
    timeout = float(sys.argv[1]) if len(sys.argv) > 1 else 5.0
    before = peak_mb()
    for at in ("greeting", "ehlo"):
        server = EndlessReply(at)
        started = time.monotonic()
        result = probe(Target("127.0.0.1", server.port, "none", timeout=timeout, local_hostname="bench.test"))
        print(f"endless {at:<8}: {result.reason} in {time.monotonic() - started:.2f} s, "
              f"server sent {server.sent / 1e6:.1f} MB, peak RSS {peak_mb():.0f} MB (before: {before:.0f} MB)")
        print(f"  {result.message}")
        server.close()


if __name__ == "__main__":
    main()
