"""Provider replies, as real servers send them, turned into reason codes with a Spanish message and a hint."""

import pytest

from shopmail.smtp import reasons
from shopmail.smtp.probe import probe

USER = "ventas@tienda.example"
PASSWORD = "contraseña-de-prueba"

GMAIL_534 = ("534-5.7.9 Application-specific password required. For more information, go to\r\n"
             "534 5.7.9  https://support.google.com/mail/?p=InvalidSecondFactor a1sm123456wrb.1 - gsmtp")
GMAIL_535 = ("535-5.7.8 Username and Password not accepted. For more information, go to\r\n"
             "535 5.7.8  https://support.google.com/mail/?p=BadCredentials a1sm123456wrb.2 - gsmtp")
M365_139 = ("535 5.7.139 Authentication unsuccessful, SmtpClientAuthentication is disabled for the Tenant. "
            "Visit https://aka.ms/smtp_auth_disabled for more information.")
M365_30 = "550 5.7.30 Basic authentication is not supported for Client Submission."
M365_3 = "535 5.7.3 Authentication unsuccessful [AM0PR02CA0001.eurprd02.prod.outlook.com]"
M365_60 = "550 5.7.60 SMTP; Client does not have permissions to send as this sender"
M365_252 = ("554 5.2.252 SendAsDenied; ventas@tienda.example not allowed to send as "
            "info@otra.example; STOREDRV.Submission.Exception:SendAsDeniedException.Mapi")
NOT_OWNED = "553 5.7.1 <info@otra.example>: Sender address rejected: not owned by user ventas@tienda.example"
RELAY_554 = "554 5.7.1 <ventas@tienda.example>: Relay access denied"
RELAY_550 = "550 5.7.1 Unable to relay for ventas@tienda.example"
STARTTLS_530 = "530 5.7.0 Must issue a STARTTLS command first."

# (replies, password used, expected reason, smtp code, enhanced code)
CASES = [
    ({"auth": GMAIL_534}, True, "app_password_required", 534, "5.7.9"),
    ({"auth": GMAIL_535}, True, "auth_failed", 535, "5.7.8"),
    ({"auth": M365_139}, True, "basic_auth_disabled", 535, "5.7.139"),
    ({"auth": M365_30}, True, "basic_auth_disabled", 550, "5.7.30"),
    ({"auth": M365_3}, True, "auth_failed", 535, "5.7.3"),
    ({"mail": STARTTLS_530}, False, "starttls_required", 530, "5.7.0"),
    ({"mail": M365_60}, True, "sender_not_allowed", 550, "5.7.60"),
    ({"data": M365_252}, True, "sender_not_allowed", 554, "5.2.252"),
    ({"mail": NOT_OWNED}, True, "sender_not_allowed", 553, "5.7.1"),
    ({"rcpt": NOT_OWNED}, True, "sender_not_allowed", 553, "5.7.1"),
    ({"rcpt": RELAY_554}, False, "relay_denied", 554, "5.7.1"),
    ({"rcpt": RELAY_550}, False, "relay_denied", 550, "5.7.1"),
    ({"greeting": "421 4.7.0 mx.example Too many concurrent SMTP connections; try again later"}, True,
     "throttled", 421, "4.7.0"),
    ({"mail": "432 4.3.2 STOREDRV.ClientSubmit; sender thread limit exceeded"}, True, "throttled", 432, "4.3.2"),
    ({"auth": "454 4.7.0 Too many login attempts, please try again later."}, True, "throttled", 454, "4.7.0"),
    ({"rcpt": "450 4.2.1 The user you are trying to contact is receiving mail too quickly"}, False,
     "throttled", 450, "4.2.1"),
    ({"rcpt": "550 5.1.1 <ventas@tienda.example>: Recipient address rejected: User unknown"}, False,
     "server_error", 550, "5.1.1"),
    ({"ehlo": "554 5.7.1 Access denied: your IP is on a blocklist"}, False, "server_error", 554, "5.7.1"),
    ({"starttls": "454 4.7.0 TLS not available due to local problem"}, True, "throttled", 454, "4.7.0"),
]


@pytest.mark.parametrize(("replies", "with_password", "reason", "code", "enhanced"), CASES,
                         ids=[f"{case[2]}-{case[3]}-{case[4]}" for case in CASES])
def test_provider_reply(smtp_server, replies, with_password, reason, code, enhanced):
    server = smtp_server(security="starttls", users={USER: PASSWORD}, replies=replies)
    target = server.target(username=USER if with_password else "", password=PASSWORD if with_password else None,
                           from_address=USER)
    result = probe(target)
    assert (result.reason, result.smtp_code, result.enhanced_code) == (reason, code, enhanced)
    assert not result.ok and result.hint
    # The admin sees the server's own words, in the failed step and in the message.
    failed = result.steps[-1]
    assert not failed.ok and failed.detail.startswith(str(code))
    assert f"«{code} {enhanced}" in result.message
    reached_auth = with_password and not {"greeting", "ehlo", "starttls"} & set(replies)
    assert server.commands.count("AUTH") == (1 if reached_auth else 0)
    assert len(server.auth_attempts) == server.commands.count("AUTH")
    assert PASSWORD not in str(result.to_dict())
    assert server.messages == []


def test_login_required_by_the_server(smtp_server):
    server = smtp_server(security="starttls", auth_required=True, users={USER: PASSWORD})
    result = probe(server.target(from_address=USER))
    assert (result.reason, result.smtp_code) == ("relay_denied", 530)
    assert "usuario y contraseña" in result.hint


def test_every_reason_has_a_spanish_message_and_hint():
    contract = {"dns_failure", "connection_refused", "timeout", "use_starttls", "use_ssl", "certificate_invalid",
                "starttls_unavailable", "starttls_required", "auth_unavailable", "auth_failed",
                "app_password_required", "basic_auth_disabled", "sender_not_allowed", "relay_denied",
                "throttled", "server_error",
                # CONTRACTS.md "Additions (2026-11-29)": OAuth2 sign-in (issue 16).
                "oauth_not_configured", "oauth_consent_denied", "oauth_reconnect_required", "oauth_scope_missing"}
    assert contract | {"ok"} == set(reasons.REASONS)
    for reason in reasons.REASONS:
        message, hint = reasons.describe(reason, host="smtp.example.com", port=587, seconds="10")
        assert message and hint and "%(" not in message


@pytest.mark.parametrize(("step", "code", "text", "kind"), [
    ("rcpt_to", 550, "5.1.1 User unknown", reasons.PERMANENT),
    ("data", 554, "5.7.1 Message rejected as spam", reasons.PERMANENT),
    ("data", 552, "5.3.4 Message size exceeds fixed limit", reasons.PERMANENT),
    ("rcpt_to", 554, "5.7.1 Relay access denied", reasons.ACCOUNT),
    ("auth", 535, "5.7.8 Username and Password not accepted", reasons.ACCOUNT),
    ("data", 554, "5.2.252 SendAsDenied", reasons.ACCOUNT),
    ("rcpt_to", 452, "4.5.3 Too many recipients", reasons.TRANSIENT),
    ("greeting", 421, "4.7.0 Try again later", reasons.TRANSIENT),
])
def test_kind_for_the_delivery_worker(step, code, text, kind):
    reason = reasons.reason_for_reply(step, code, text)
    assert reasons.kind_of(reason, code, step, text) == kind
