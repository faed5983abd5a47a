"""Getting mail out: compose (messages), outbox (rows and admin actions), claim (leases), transport
(SMTP through the sending account), worker (passes), inline (no worker needed), runner (CLI loop).

Other parts of shopmail call ``resume_account(account_id)`` after a passing SMTP test.
"""

from shopmail.delivery.outbox import resume_account

__all__ = ["resume_account"]
