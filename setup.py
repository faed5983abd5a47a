"""Package list for setuptools (everything else is in pyproject.toml).

shopmail's Alembic migrations live in ``migrations/`` at the repository root and ship inside the
wheel as ``shopmail.migrations`` (see ``[tool.setuptools.package-dir]``). Package discovery in
pyproject.toml only finds directories under their own names, so the two mapped packages are
added here by name.
"""

from setuptools import find_packages
from setuptools import setup

setup(packages=find_packages(include=["shopmail", "shopmail.*"])
      + ["shopmail.migrations", "shopmail.migrations.versions"])
