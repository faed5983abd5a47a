"""The panel's screens, in navigation order (the home page shows their cards in the same order).

A new screen is a package under ``panel/`` with a ``SCREEN`` and one line here.
"""

from shopmail.panel import accounts
from shopmail.panel import audit
from shopmail.panel import communications
from shopmail.panel import outbox
from shopmail.panel import status
from shopmail.panel import wording

SCREENS = (accounts.SCREEN, communications.SCREEN, wording.SCREEN, outbox.SCREEN, status.SCREEN, audit.SCREEN)
