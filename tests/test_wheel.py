"""The wheel: built from this tree, installed into a fresh virtual environment, and used by the example shop.

Nothing is fetched: the wheel is built with ``--no-isolation`` and installed with ``--no-index``. The
fresh environment sees shopmail's dependencies through a folder of links to this venv's installed
packages, leaving out shopmail itself (its editable install), so ``import shopmail`` can only find
the installed wheel. The example shop's tests then run from a copy outside the source tree.
"""

from __future__ import annotations

import os
import re
import shutil
import socket
import subprocess
import sys
import sysconfig
import time
import urllib.request
import venv
import zipfile
from pathlib import Path

import pytest

pytestmark = pytest.mark.wheel

ROOT = Path(__file__).resolve().parent.parent
SOURCES = ["src", "pyproject.toml", "setup.py", "README.md", "LICENSE"]
# Compiled catalogs are left behind too: the build must compile them itself (they are not in git).
JUNK = shutil.ignore_patterns("__pycache__", "*.pyc", "build", "*.egg-info", "*.mo")


def run(*args, cwd, env=None, timeout=300):
    """Run a command, and fail the test with its output if it does not succeed."""
    result = subprocess.run(args, cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout)
    assert result.returncode == 0, f"{args}\n{result.stdout[-4000:]}\n{result.stderr[-4000:]}"
    return result.stdout


def clean_env(**extra):
    """The environment without anything that points at this tree, this venv or a package index."""
    env = {key: value for key, value in os.environ.items()
           if not key.startswith("PIP_") and key not in {"PYTHONPATH", "VIRTUAL_ENV", "PYTHONHOME"}}
    return {**env, "PIP_CONFIG_FILE": os.devnull, "PIP_DISABLE_PIP_VERSION_CHECK": "1", **extra}


def expected_files() -> set[str]:
    """What the wheel must hold: every module, template, static file, translation, migration (with its
    ``alembic.ini`` and ``script.py.mako``) and the provider data."""
    package = ROOT / "src" / "shopmail"
    files = set()
    for path in package.rglob("*"):
        if not path.is_file() or "__pycache__" in path.parts:
            continue
        relative = path.relative_to(package.parent).as_posix()
        if path.suffix == ".py" or relative.split("/")[1] in {"templates", "static", "translations", "migrations"}:
            files.add(relative)
        if path.suffix == ".po":
            files.add(relative[:-3] + ".mo")  # compiled catalogs: Flask-Babel reads only .mo files
    files.add("shopmail/smtp/providers.json")
    return files


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> Path:
    """``python -m build --wheel --no-isolation`` on a copy of the tree (the tree itself stays untouched)."""
    base = tmp_path_factory.mktemp("wheel")
    source = base / "src"
    source.mkdir()
    for name in SOURCES:
        path = ROOT / name
        if path.is_dir():
            shutil.copytree(path, source / name, ignore=JUNK)
        else:
            shutil.copy2(path, source / name)
    run(sys.executable, "-m", "build", "--wheel", "--no-isolation", "--outdir", str(base / "dist"), str(source),
        cwd=base, env=clean_env())
    (built,) = (base / "dist").glob("shopmail-*.whl")
    return built


@pytest.fixture(scope="module")
def fresh_python(wheel, tmp_path_factory) -> Path:
    """A new venv with the wheel installed from local files, and this venv's other packages visible."""
    base = tmp_path_factory.mktemp("venv")
    env_dir = base / "venv"
    venv.create(env_dir, with_pip=False, symlinks=True)
    python = env_dir / "bin" / "python"

    deps = base / "deps"
    deps.mkdir()
    installed = Path(sysconfig.get_paths()["purelib"])
    for entry in installed.iterdir():
        name = entry.name.lower()
        if name.startswith(("shopmail", "__editable__")) or name.endswith(".pth") or name == "__pycache__":
            continue
        (deps / entry.name).symlink_to(entry)
    site = Path(run(str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])",
                    cwd=base, env=clean_env()).strip())
    (site / "_shopmail_test_deps.pth").write_text(f"{deps}\n")

    run(sys.executable, "-m", "pip", "--python", str(python), "install", "--no-index",
        "--find-links", str(wheel.parent), "shopmail", cwd=base, env=clean_env())
    return python


def test_the_wheel_holds_templates_static_migrations_translations_and_provider_data(wheel):
    names = set(zipfile.ZipFile(wheel).namelist())
    missing = expected_files() - names
    assert not missing, sorted(missing)
    assert {"shopmail/migrations/env.py", "shopmail/migrations/alembic.ini"} <= names
    assert "shopmail/templates/shopmail/page.html" in names
    assert not any(name.startswith(("tests/", "examples/", "migrations/")) for name in names)
    assert any(name.endswith(".dist-info/licenses/LICENSE") for name in names), "the MIT LICENSE file"


def test_shopmail_imports_from_the_installed_wheel(fresh_python, tmp_path):
    out = run(str(fresh_python), "-c",
              "import shopmail, flask; from shopmail.core import migrate; from importlib import resources; "
              "from babel.support import Translations; "
              "print(shopmail.__file__); print(migrate.migrations_dir()); "
              "print(resources.files('shopmail.smtp').joinpath('providers.json').is_file()); "
              "print(Translations.load(str(resources.files('shopmail') / 'translations'), ['en'], 'shopmail')"
              ".gettext('Registro de envíos').replace(' ', '_'))",
              cwd=tmp_path, env=clean_env())
    package, migrations, providers, english = out.split()
    venv_dir = fresh_python.parent.parent
    assert Path(package).is_relative_to(venv_dir), package
    assert Path(migrations) == Path(package).parent / "migrations"
    assert providers == "True"
    assert english != "Registro_de_envíos"  # the compiled English catalog is in the installed package


def test_the_readmes_production_commands_work_from_the_installed_wheel(fresh_python, tmp_path):
    """`flask --app shopmail …` and `gunicorn 'shopmail:create_app()'`, run where no source tree is."""
    readme = (ROOT / "README.md").read_text()
    assert "flask --app shopmail shopmail db-upgrade" in readme and "'shopmail:create_app()'" in readme
    env = clean_env(SHOPMAIL_INSTANCE_PATH=str(tmp_path / "instance"), SHOPMAIL_ADMIN_EMAIL="ops@tienda.example",
                    SHOPMAIL_ADMIN_PASSWORD="clave-de-ops-larga")
    for key in ("SQLALCHEMY_DATABASE_URI", "SECRET_KEY", "SHOPMAIL_ENCRYPTION_KEYS"):
        env.pop(key, None)
    flask = [str(fresh_python), "-m", "flask", "--app", "shopmail", "shopmail"]
    assert "al día" in run(*flask, "db-upgrade", cwd=tmp_path, env=env)
    assert "ops@tienda.example" in run(*flask, "ensure-admin", cwd=tmp_path, env=env)

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    server = subprocess.Popen([str(fresh_python), "-m", "gunicorn", "-w", "1", "-b", f"127.0.0.1:{port}",
                               "shopmail:create_app()"], cwd=tmp_path, env=env, stdout=subprocess.DEVNULL,
                              stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/ajustes/login", timeout=2) as reply:
                    page = reply.read().decode()
                break
            except OSError:
                assert server.poll() is None and time.monotonic() < deadline, server.communicate()[1][-3000:]
                time.sleep(0.2)
        assert "Iniciar sesión" in page
    finally:
        server.terminate()
        server.wait(timeout=10)


def test_the_example_shop_passes_its_tests_against_the_wheel(fresh_python, tmp_path):
    shop = tmp_path / "tienda"
    shutil.copytree(ROOT / "examples" / "tienda", shop, ignore=shutil.ignore_patterns("__pycache__", "instance"))
    (shop / "pytest.ini").write_text("[pytest]\naddopts = -p no:cacheprovider\n")

    # SQLite only: the PostgreSQL variants already run in the main suite; here the package is under test.
    env = clean_env(PYTEST_DISABLE_PLUGIN_AUTOLOAD="1")
    env.pop("SHOPMAIL_TEST_DATABASE_URL", None)
    out = run(str(fresh_python), "-m", "pytest", "-rs", "tests", cwd=shop, env=env)

    under_test = re.search(r"shopmail under test: (\S+)", out).group(1)
    assert Path(under_test).is_relative_to(fresh_python.parent.parent), out
    passed = int(re.search(r"(\d+) passed", out).group(1))
    assert passed >= 15 and " failed" not in out, out
