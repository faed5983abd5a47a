"""What `make run` does, twice: upgrade the database, make sure an admin exists, keep the data."""

import os
import re
import subprocess
import sys
from pathlib import Path

from shopmail import create_app
from tests.conftest import login

ROOT = Path(__file__).resolve().parent.parent


def flask(instance, *args):
    env = {k: v for k, v in os.environ.items()
           if not k.startswith("SHOPMAIL_") and k not in {"SECRET_KEY", "SQLALCHEMY_DATABASE_URI"}}
    env.update(SHOPMAIL_INSTANCE_PATH=str(instance), FLASK_APP="shopmail")
    return subprocess.run([sys.executable, "-m", "flask", "shopmail", *args], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=60)


def test_second_start_keeps_data(tmp_path, monkeypatch):
    first = [flask(tmp_path, "db-upgrade"), flask(tmp_path, "ensure-admin")]
    assert all(r.returncode == 0 for r in first), [r.stderr for r in first]
    password = re.search(r"Contraseña:\s+(\S+)", first[1].stdout).group(1)
    assert "admin@example.com" in first[1].stdout

    second = [flask(tmp_path, "db-upgrade"), flask(tmp_path, "ensure-admin")]
    assert all(r.returncode == 0 for r in second), [r.stderr for r in second]
    assert "Contraseña" not in second[1].stdout  # printed once, on the first start only
    assert (tmp_path / "shopmail.sqlite").exists()

    monkeypatch.setenv("SHOPMAIL_INSTANCE_PATH", str(tmp_path))
    monkeypatch.delenv("SQLALCHEMY_DATABASE_URI", raising=False)
    app = create_app({"TESTING": True})
    assert login(app.test_client(), "admin@example.com", password).status_code == 302


def test_a_source_checkout_keeps_its_instance_folder_at_the_root_whatever_runs_the_cli():
    """`make run` and a plain `flask --app shopmail shopmail status` from the checkout share one database:
    instance/ beside pyproject.toml, not Flask's src/instance/ for a package that is not installed."""
    from shopmail.app import source_checkout_instance

    root = Path(__file__).resolve().parent.parent
    assert source_checkout_instance(root / "src" / "shopmail") == str(root / "instance")
    assert source_checkout_instance() == str(root / "instance")  # this checkout, as the CLI sees it
    site = Path("/usr/lib/python3/dist-packages/shopmail")  # an installed package: Flask's own choice
    assert source_checkout_instance(site) is None
