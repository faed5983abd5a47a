"""Public: shopmail's configuration helpers for a host, e.g. ``app.config.update(shopmail.config.from_environ())``.

The converter itself lives in ``shopmail.core.config``; this module keeps the documented import path.
"""

from shopmail.core.config import DEFAULTS
from shopmail.core.config import from_environ

__all__ = ["DEFAULTS", "from_environ"]
