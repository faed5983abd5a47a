"""`flask shopmail create-admin` and `ensure-admin`."""

from tests.conftest import login


def test_create_admin_then_login(runner, client):
    result = runner.invoke(args=["shopmail", "create-admin", "Jefa@Tienda.example", "--password", "una-clave-larga"])
    assert result.exit_code == 0, result.output
    assert "una-clave-larga" not in result.output
    assert login(client, "jefa@tienda.example", "una-clave-larga").status_code == 302


def test_create_admin_password_from_stdin(runner, client):
    result = runner.invoke(args=["shopmail", "create-admin", "b@tienda.example", "--password", "-"],
                           input="desde-la-entrada\n")
    assert result.exit_code == 0, result.output
    assert login(client, "b@tienda.example", "desde-la-entrada").status_code == 302


def test_create_admin_generates_password_once(runner, client):
    result = runner.invoke(args=["shopmail", "create-admin", "c@tienda.example"])
    assert result.exit_code == 0
    password = result.output.split("Contraseña:")[1].strip()
    assert login(client, "c@tienda.example", password).status_code == 302


def test_create_admin_refuses_duplicates_and_bad_input(runner):
    assert runner.invoke(args=["shopmail", "create-admin", "d@tienda.example", "--password", "12345678"]).exit_code == 0
    dup = runner.invoke(args=["shopmail", "create-admin", "D@tienda.example", "--password", "12345678"])
    assert dup.exit_code == 1 and "Ya existe" in dup.output
    # What was typed cannot make an admin: a usage error (2), as the README documents for every command.
    bad = runner.invoke(args=["shopmail", "create-admin", "no-es-correo", "--password", "12345678"])
    assert bad.exit_code == 2 and "no es válida" in bad.output
    short = runner.invoke(args=["shopmail", "create-admin", "e@tienda.example", "--password", "corta"])
    assert short.exit_code == 2 and "8 caracteres" in short.output


def test_create_admin_speaks_the_operators_language(runner):
    english = {"LANG": "en_US.UTF-8"}
    assert runner.invoke(args=["shopmail", "create-admin", "f@tienda.example", "--password", "12345678"]).exit_code == 0
    dup = runner.invoke(args=["shopmail", "create-admin", "f@tienda.example", "--password", "12345678"], env=english)
    assert dup.exit_code == 1 and "An admin with that address already exists." in dup.output
    bad = runner.invoke(args=["shopmail", "create-admin", "nope", "--password", "12345678"], env=english)
    assert bad.exit_code == 2 and "The e-mail address is not valid." in bad.output


def test_usage_error_exits_2(runner):
    assert runner.invoke(args=["shopmail", "create-admin"]).exit_code == 2


def test_ensure_admin_from_environment_is_idempotent(runner, monkeypatch, client):
    monkeypatch.setenv("SHOPMAIL_ADMIN_EMAIL", "ops@tienda.example")
    monkeypatch.setenv("SHOPMAIL_ADMIN_PASSWORD", "clave-de-ops")
    first = runner.invoke(args=["shopmail", "ensure-admin"])
    second = runner.invoke(args=["shopmail", "ensure-admin"])
    assert first.exit_code == second.exit_code == 0
    assert "clave-de-ops" not in first.output + second.output
    assert login(client, "ops@tienda.example", "clave-de-ops").status_code == 302
