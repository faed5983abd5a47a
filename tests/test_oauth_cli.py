"""`flask shopmail account add --auth …`, `account connect` (app-only, no browser) and `account test` for
OAuth2 accounts, with --json; no token ever printed."""

from __future__ import annotations

import json

import pytest

from tests.test_oauth_connect import MAILBOX


@pytest.fixture
def db_backend():
    return "sqlite"


def _add(runner, server, auth, *extra):
    return runner.invoke(args=["shopmail", "account", "add", "--address", MAILBOX, "--host", server.host,
                               "--port", str(server.port), "--security", "starttls", "--auth", auth, *extra])


def test_app_only_account_is_tested_and_saved_from_the_terminal(oauth_app, runner, oauth_smtp, oauth_server):
    added = _add(runner, oauth_smtp, "microsoft-app", "--json")
    assert added.exit_code == 0, added.output
    data = json.loads(added.stdout)
    assert data["saved"] and data["test"]["ok"] and data["account"]["auth"] == "microsoft-app"
    account_id = data["account"]["id"]

    tested = runner.invoke(args=["shopmail", "account", "test", str(account_id)])
    assert tested.exit_code == 0 and "XOAUTH2" in tested.output
    connected = runner.invoke(args=["shopmail", "account", "connect", str(account_id), "--json"])
    assert connected.exit_code == 0, connected.output
    assert json.loads(connected.stdout)["ok"] is True
    shown = runner.invoke(args=["shopmail", "account", "show", str(account_id)])
    assert "OAuth2 (microsoft-app)" in shown.output
    printed = added.output + tested.output + connected.output + shown.output
    assert oauth_server.issued and not [t for t in oauth_server.issued if t in printed]


def test_microsoft_account_connects_with_a_device_code(oauth_app, runner, oauth_smtp, oauth_server):
    added = _add(runner, oauth_smtp, "microsoft")
    assert added.exit_code == 0, added.output
    assert "Sin conectar" in added.output
    account_id = added.output.split("Cuenta guardada: ")[1].split()[0]
    tested = runner.invoke(args=["shopmail", "account", "test", account_id, "--json"])
    assert tested.exit_code == 1
    assert json.loads(tested.stdout)["reason"] == "oauth_reconnect_required"
    assert "account connect" in json.loads(tested.stdout)["hint"]  # the terminal's way, not the panel's button

    connected = runner.invoke(args=["shopmail", "account", "connect", account_id, "--json"])
    assert connected.exit_code == 0, connected.output
    assert json.loads(connected.stdout)["ok"] is True  # stdout: one JSON document, the test
    (device,) = oauth_server.devices.values()
    assert f"{oauth_server.url}/devicelogin" in connected.stderr and device["user_code"] in connected.stderr
    assert f"Conectado como {MAILBOX}" in connected.stderr
    assert not [t for t in oauth_server.issued if t in connected.output]


def test_refusing_the_device_code_is_consent_denied(oauth_app, runner, oauth_smtp, oauth_server):
    oauth_server.device_answer = "no"
    account_id = _add(runner, oauth_smtp, "microsoft", "--json")
    account_id = json.loads(account_id.stdout)["account"]["id"]
    refused = runner.invoke(args=["shopmail", "account", "connect", str(account_id), "--json"])
    assert refused.exit_code == 1
    assert json.loads(refused.stdout)["reason"] == "oauth_consent_denied"


def test_google_connects_in_the_panel(oauth_app, runner, oauth_smtp):
    added = json.loads(_add(runner, oauth_smtp, "google", "--json").stdout)
    refused = runner.invoke(args=["shopmail", "account", "connect", str(added["account"]["id"])])
    assert refused.exit_code == 1 and "panel" in refused.output


def test_password_with_oauth_is_a_usage_error(oauth_app, runner, oauth_smtp):
    result = _add(runner, oauth_smtp, "google", "--password", "x")
    assert result.exit_code == 2


def test_not_configured_is_a_clear_refusal(app, runner, oauth_smtp):
    added = _add(runner, oauth_smtp, "microsoft-app", "--json")
    assert added.exit_code == 1
    assert json.loads(added.stdout)["test"]["reason"] == "oauth_not_configured"


def test_a_device_code_sign_in_as_another_mailbox_is_said(oauth_app, runner, oauth_smtp, oauth_server):
    oauth_server.user = "otra@contoso.example"
    account_id = json.loads(_add(runner, oauth_smtp, "microsoft", "--json").stdout)["account"]["id"]
    connected = runner.invoke(args=["shopmail", "account", "connect", str(account_id), "--json"])
    assert "Conectado como otra@contoso.example" in connected.stderr  # from the device flow's id_token
    assert "Ha iniciado sesión como otra@contoso.example" in connected.stderr and MAILBOX in connected.stderr
    assert connected.exit_code == 1  # and the test says why: the server refuses that mailbox's token
    assert json.loads(connected.stdout)["reason"] == "oauth_reconnect_required"
