"""`account delete` asks "¿…? [y/N]" on a terminal: a real `flask shopmail` process on a pseudo-terminal."""

import os
import pty
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _env(instance) -> dict:
    env = {k: v for k, v in os.environ.items()
           if not k.startswith("SHOPMAIL_") and k not in {"SECRET_KEY", "SQLALCHEMY_DATABASE_URI"}}
    env.update(SHOPMAIL_INSTANCE_PATH=str(instance), FLASK_APP="shopmail")
    return env


def flask(instance, *args):
    return subprocess.run([sys.executable, "-m", "flask", "shopmail", *args], cwd=ROOT, env=_env(instance),
                          capture_output=True, text=True, timeout=60)


def on_terminal(instance, answer: str, *args) -> tuple[int, str]:
    """Run the command with a pseudo-terminal as stdin and stdout, type ``answer``; (exit code, what it printed)."""
    main, child = pty.openpty()
    process = subprocess.Popen([sys.executable, "-m", "flask", "shopmail", *args], cwd=ROOT, env=_env(instance),
                               stdin=child, stdout=child, stderr=child)
    os.close(child)
    os.write(main, answer.encode() + b"\n")
    output = b""
    while True:
        try:
            chunk = os.read(main, 4096)
        except OSError:  # the process closed its end
            break
        if not chunk:
            break
        output += chunk
    os.close(main)
    return process.wait(timeout=60), output.decode(errors="replace")


def test_delete_asks_on_a_terminal_and_no_keeps_the_account(tmp_path):
    assert flask(tmp_path, "db-upgrade").returncode == 0
    added = flask(tmp_path, "account", "add", "--address", "borrar@tienda.example", "--host", "smtp.tienda.example",
                  "--port", "587", "--skip-test")
    assert added.returncode == 0, added.stderr
    code, output = on_terminal(tmp_path, "n", "account", "delete", "1")
    assert "¿Eliminar la cuenta 1 (borrar@tienda.example)? [y/N]" in output and code == 1
    assert flask(tmp_path, "account", "show", "1").returncode == 0
    code, output = on_terminal(tmp_path, "y", "account", "delete", "1")
    assert code == 0 and "Cuenta 1 eliminada." in output
    assert flask(tmp_path, "account", "show", "1").returncode == 1
