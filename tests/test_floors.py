"""The declared minimum versions really work: a fresh venv gets exactly the floor of every dependency in
pyproject.toml (the library's and its standalone, oauth, dev, postgres, mysql and redis extras) and runs the suite's
database, delivery, translation and embedding tests with them.

Marked ``floors`` and left out of the default run (it downloads the old releases from the package index and
takes a few minutes): `make test PYTEST_ARGS="-m floors"`, which `.ci/run` does after the main suite.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import tomllib
import venv
from pathlib import Path

import pytest

pytestmark = pytest.mark.floors

ROOT = Path(__file__).resolve().parent.parent
EXTRAS = ("standalone", "oauth", "dev", "postgres", "mysql", "redis")
#: What the tests themselves need, at any version (not shopmail's dependencies).
TEST_TOOLS = ["pytest", "trustme", "dnslib", "hypothesis", "Flask-Limiter"]
#: Tests that exercise every dependency: XML parsing, forms, cache, Babel, migrations, SMTP, limits, hosts.
TESTS = ["tests/test_app.py", "tests/test_guest.py", "tests/test_embedding.py", "tests/test_limits.py",
         "tests/test_autoconfig_xml.py", "tests/test_notifications.py", "tests/test_worker.py",
         "tests/test_migrations.py", "tests/test_communications.py", "tests/test_accounts_flow.py",
         "tests/test_cli_admin.py", "tests/test_outbox.py", "tests/test_devsmtp.py", "tests/test_crypto.py",
         "tests/test_oauth_connect.py", "examples/tienda/tests"]


def floors() -> list[str]:
    """Every ``name>=version`` requirement of shopmail and its extras, pinned to ``name==version``."""
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    requirements = list(project["dependencies"])
    for extra in EXTRAS:
        requirements += project["optional-dependencies"][extra]
    pinned = []
    for requirement in requirements:
        if requirement.startswith("shopmail["):
            continue  # an extra of shopmail itself (standalone includes oauth): pinned through EXTRAS
        match = re.fullmatch(r"([A-Za-z0-9_.\[\]-]+)>=([0-9.]+)", requirement)
        assert match, f"every dependency declares a floor: {requirement!r}"
        name, version = match.groups()
        if name == "psycopg":
            name = "psycopg[binary]"  # the tests need a driver they can load; the floor is the same release
        pinned.append(f"{name}=={version}")
    return pinned


def test_every_dependency_declares_a_floor():
    assert len(floors()) >= 15


def test_the_suite_passes_with_the_declared_minimum_versions(tmp_path):
    env_dir = tmp_path / "floors"
    venv.create(env_dir, with_pip=True, symlinks=True)
    python = env_dir / "bin" / "python"
    install = subprocess.run([str(python), "-m", "pip", "install", "--quiet", *floors(), *TEST_TOOLS],
                             capture_output=True, text=True, timeout=900)
    assert install.returncode == 0, install.stderr[-4000:]
    installed = subprocess.run([str(python), "-m", "pip", "freeze"], capture_output=True, text=True).stdout
    for pin in floors():
        name, version = pin.split("==")
        name = re.sub(r"\[.*\]", "", name).lower().replace("_", "-")
        assert re.search(rf"(?im)^{re.escape(name)}==0*{re.escape(version)}(\.0)*$", installed.replace("_", "-")), \
            f"{pin} not installed:\n{installed}"

    # The source tree's shopmail (its catalogs compiled by `make`) with nothing but the floors around it.
    env = {key: value for key, value in os.environ.items() if key not in {"PYTHONPATH", "VIRTUAL_ENV"}}
    env["PYTHONPATH"] = os.pathsep.join(map(str, (ROOT / "src", ROOT, ROOT / "examples" / "tienda")))
    # The example shop's own `flask db check` needs Flask-Migrate 4.0.5: the shop's requirement, not shopmail's.
    skip_shop_only = "examples/tienda/tests/test_tienda_migrations.py::test_the_shops_autogenerate_leaves_shopmail_tables_alone"
    result = subprocess.run([str(python), "-m", "pytest", "-q", "-x", "-p", "no:cacheprovider",
                             "-m", "not wheel and not soak and not floors", "--deselect", skip_shop_only, *TESTS],
                            cwd=ROOT, env=env, capture_output=True, text=True, timeout=1500)
    assert result.returncode == 0, result.stdout[-6000:] + result.stderr[-2000:]
    assert " passed" in result.stdout and " failed" not in result.stdout
    print(sys.version, result.stdout.splitlines()[-1])
