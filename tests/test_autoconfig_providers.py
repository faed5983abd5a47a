"""The bundled provider table: matches by domain, MX and host; user forms; answers without the network."""

import pytest

from shopmail.services.autoconfig import discover
from shopmail.smtp.autoconfig import providers
from shopmail.smtp.autoconfig.model import SECURITIES
from shopmail.smtp.autoconfig.model import valid_hostname


def offline_config(dns_server, **extra):
    """Any network step would reach the test DNS server, which counts every query."""
    return {"SHOPMAIL_DNS_NAMESERVERS": [dns_server.address], "SHOPMAIL_ISPDB_URL": "",
            "SHOPMAIL_AUTOCONFIG_GUESS_PORTS": [], "SHOPMAIL_AUTOCONFIG_DEADLINE": 2.0, **extra}


REQUIRED = ["Gmail", "Outlook.com", "Microsoft 365", "Yahoo", "iCloud", "Zoho Mail (zoho.com)",
            "Zoho Mail (zoho.eu)", "IONOS", "OVH", "GoDaddy", "Hostinger", "STRATO", "Amazon SES (eu-west-1)",
            "SendGrid", "Mailgun (EE. UU.)", "Mailgun (UE)", "Brevo", "Postmark", "Mailjet"]


@pytest.mark.parametrize("name", REQUIRED)
def test_the_table_covers_the_providers_shops_use(name):
    assert any(name in provider.name for provider in providers.all_providers())


def test_every_entry_is_well_formed():
    ids = set()
    for provider in providers.all_providers():
        assert provider.id not in ids
        ids.add(provider.id)
        assert provider.servers
        for server in provider.servers:
            assert valid_hostname(server.host) and server.security in SECURITIES and 0 < server.port < 65536
            assert server.security != "none"
        assert provider.username in ("", "apikey") or provider.username.startswith("%EMAIL")
        assert all(note.strip() for note in provider.notes)


TABLE_HITS = [
    ("Ana@Gmail.com", "smtp.gmail.com", 465, "ssl", "Ana@gmail.com"),
    ("ana@hotmail.es", "smtp-mail.outlook.com", 587, "starttls", "ana@hotmail.es"),
    ("ana@tienda.onmicrosoft.com", "smtp.office365.com", 587, "starttls", "ana@tienda.onmicrosoft.com"),
    ("ana@yahoo.es", "smtp.mail.yahoo.com", 465, "ssl", "ana@yahoo.es"),
    ("ana@icloud.com", "smtp.mail.me.com", 587, "starttls", "ana@icloud.com"),
    ("ana@zohomail.eu", "smtp.zoho.eu", 465, "ssl", "ana@zohomail.eu"),
    ("ana@zohomail.com", "smtp.zoho.com", 465, "ssl", "ana@zohomail.com"),
]


def test_domain_hit_answers_from_the_table_without_any_network(dns_server):
    config = offline_config(dns_server)
    for address, host, port, security, username in TABLE_HITS:
        result = discover(address, config=config)
        assert (result.found, result.host, result.port, result.security) == (True, host, port, security)
        assert result.username == username
        assert result.source == "providers" and not result.verified
        assert result.elapsed_ms < 50
    assert dns_server.zone.queries == []


NO_DNS = {"SHOPMAIL_DNS_NAMESERVERS": ["127.0.0.1:9"], "SHOPMAIL_ISPDB_URL": "",
          "SHOPMAIL_AUTOCONFIG_GUESS_PORTS": [], "SHOPMAIL_AUTOCONFIG_DEADLINE": 1.0}


def test_gmail_says_an_app_password_is_needed():
    result = discover("tienda@gmail.com", config=NO_DNS).to_dict()
    assert any("contraseña de aplicación" in note for note in result["notes"])
    assert result["provider"] == "Gmail / Google Workspace"
    assert [(c["port"], c["security"]) for c in result["candidates"]] == [(465, "ssl"), (587, "starttls")]


def test_microsoft_365_says_password_login_is_being_retired():
    result = discover("ana@tienda.onmicrosoft.com", config=NO_DNS)
    assert any("retirando" in note and "autenticación básica" in note for note in result.notes)


@pytest.mark.parametrize(("mx", "provider_id"), [
    ("aspmx.l.google.com", "google"),
    ("smtp.google.com", "google"),
    ("tienda-example.mail.protection.outlook.com", "microsoft365"),
    ("tienda-example.olc.protection.outlook.com", "outlook"),
    ("mx01.ionos.es", "ionos-es"),
    ("mx00.ionos.de", "ionos-de"),
    ("mx1.mail.ovh.net", "ovh"),
    ("mailstore1.secureserver.net", "godaddy"),
    ("mx1.hostinger.com", "hostinger"),
    ("smtpin.rzone.de", "strato"),
    ("mx.zoho.eu", "zoho-eu-org"),
    ("mx.zoho.com", "zoho-com-org"),
    ("mxa.mailgun.org", "mailgun-us"),
    ("mxa.eu.mailgun.org", "mailgun-eu"),
    ("inbound-smtp.eu-west-1.amazonaws.com", "amazon-ses-eu-west-1"),
    ("mta5.am0.yahoodns.net", "yahoo"),
    ("mx01.mail.icloud.com", "icloud"),
])
def test_mx_patterns(mx, provider_id):
    assert providers.by_mx(mx).id == provider_id


def test_mx_patterns_do_not_match_lookalikes():
    assert providers.by_mx("google.com.tienda.example") is None
    assert providers.by_mx("evilgoogle.com") is None
    assert providers.by_domain("notgmail.com") is None


def test_amazon_ses_has_an_entry_per_region():
    hosts = {p.servers[0].host for p in providers.all_providers() if p.id.startswith("amazon-ses-")}
    assert {"email-smtp.eu-west-1.amazonaws.com", "email-smtp.us-east-1.amazonaws.com",
            "email-smtp.eu-central-1.amazonaws.com"} <= hosts
    assert providers.by_host("email-smtp.eu-central-1.amazonaws.com").name == "Amazon SES (eu-central-1)"


@pytest.mark.parametrize(("host", "typed", "expected"), [
    ("smtp.sendgrid.net", "pedidos@tienda.example", ("apikey",)),  # fixed name, whatever was typed
    ("email-smtp.eu-west-1.amazonaws.com", "AKIAEXAMPLE", ("AKIAEXAMPLE",)),  # the provider's credential
    ("email-smtp.eu-west-1.amazonaws.com", None, ()),  # nothing to fill: the admin must type it
    ("smtp.gmail.com", None, ("pedidos@tienda.example",)),
])
def test_user_forms(host, typed, expected):
    from shopmail.smtp.autoconfig.model import candidate_for

    lead = providers.by_host(host).leads()[0]
    assert candidate_for(lead, "pedidos@tienda.example", typed).user_forms == expected


def test_sending_services_are_found_by_their_host_for_the_form():
    assert "apikey" in providers.by_host("smtp.sendgrid.net").notes[0]
    assert providers.by_host("smtp-relay.brevo.com").name.startswith("Brevo")
    assert providers.by_host("in-v3.mailjet.com").username == ""
    assert providers.by_host("smtp.tienda.example") is None
