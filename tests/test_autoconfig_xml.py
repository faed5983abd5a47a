"""The config-v1.1.xml parser: the whole real ISPDB corpus, placeholders, and hostile or broken documents."""


import pytest

from shopmail.smtp.autoconfig import xml as autoconfig_xml
from shopmail.smtp.autoconfig.discover import rank
from shopmail.smtp.autoconfig.model import candidate_for
from shopmail.smtp.autoconfig.model import substitute
from shopmail.smtp.autoconfig.xml import XMLError
from tests.helpers import ispdb_corpus

ISPDB = ispdb_corpus()
CORPUS = sorted(ISPDB.glob("*.xml"))


def document(servers: str, provider_extra: str = "") -> str:
    return f"""<?xml version="1.0"?>
<clientConfig version="1.1"><emailProvider id="tienda.example">
<domain>tienda.example</domain><displayName>Tienda</displayName>{provider_extra}
{servers}
</emailProvider></clientConfig>"""


def smtp(host="smtp.tienda.example", port="465", socket_type="SSL", username="%EMAILADDRESS%", auth="password-cleartext"):
    return (f'<outgoingServer type="smtp"><hostname>{host}</hostname><port>{port}</port>'
            f"<socketType>{socket_type}</socketType><authentication>{auth}</authentication>"
            f"<username>{username}</username></outgoingServer>")


def test_corpus_is_there():
    assert len(CORPUS) > 150, f"ISPDB corpus not found at {ISPDB}"


@pytest.mark.parametrize("path", CORPUS, ids=lambda p: p.name)
def test_every_ispdb_file_parses_to_usable_smtp_servers(path):
    config = autoconfig_xml.parse(path.read_bytes())
    assert config.smtp, "every ISPDB file names at least one SMTP server"
    address = f"ana.garcia@{config.domains[0] if config.domains else 'tienda.example'}"
    candidates = rank([lead for lead in config.leads("ispdb", 80)], address, None)
    assert candidates, "placeholders filled, hosts valid"
    for candidate in candidates:
        assert "%" not in candidate.host and "%" not in candidate.username
        assert candidate.security in ("ssl", "starttls", "none")
        assert 0 < candidate.port < 65536
    # Encrypted servers always come before plain ones.
    securities = [c.security for c in candidates]
    assert securities == sorted(securities, key=lambda s: s == "none")


def test_placeholders_are_substituted_in_host_and_user():
    mail_ee = autoconfig_xml.parse((ISPDB / "mail.ee.xml").read_bytes())
    candidate = candidate_for(mail_ee.leads("ispdb", 80)[0], "mari@mail.ee", None)
    assert candidate.host == "mail.ee"
    assert candidate.username == "mari@mail.ee"

    inbox = autoconfig_xml.parse((ISPDB / "inbox.lv.xml").read_bytes())
    assert candidate_for(inbox.leads("ispdb", 80)[0], "anna@inbox.lv", None).host == "mail.inbox.lv"

    local = autoconfig_xml.parse(document(smtp(username="%EMAILLOCALPART%")))
    candidate = candidate_for(local.leads("ispdb", 80)[0], "pedidos@tienda.example", "pedidos@tienda.example")
    assert candidate.user_forms == ("pedidos", "pedidos@tienda.example")


def test_known_files_give_the_published_servers():
    google = autoconfig_xml.parse((ISPDB / "googlemail.com.xml").read_bytes())
    assert [(s.host, s.port, s.security) for s in google.smtp] == [("smtp.gmail.com", 465, "ssl")]
    assert "google.com" in google.domains
    strato = autoconfig_xml.parse((ISPDB / "strato.de.xml").read_bytes())
    assert [(s.port, s.security) for s in strato.smtp] == [(465, "ssl"), (587, "starttls")]


@pytest.mark.parametrize("name", ["office365.com.xml", "hotmail.com.xml"])
def test_oauth2_only_entries_are_kept_with_a_warning(name):
    config = autoconfig_xml.parse((ISPDB / name).read_bytes())
    assert config.smtp and all(server.oauth_only for server in config.smtp)
    lead = config.leads("ispdb", 80)[0]
    assert lead.notes == (autoconfig_xml.OAUTH_ONLY_NOTE,)


def test_gmail_offers_password_too_so_no_oauth_warning():
    google = autoconfig_xml.parse((ISPDB / "googlemail.com.xml").read_bytes())
    assert not google.smtp[0].oauth_only
    assert google.leads("ispdb", 80)[0].notes == ()


def test_incoming_servers_and_other_types_are_ignored():
    text = document('<incomingServer type="imap"><hostname>imap.tienda.example</hostname><port>993</port>'
                    "<socketType>SSL</socketType></incomingServer>"
                    + smtp().replace('type="smtp"', 'type="ews"') + smtp(port="587", socket_type="STARTTLS"))
    config = autoconfig_xml.parse(text)
    assert [(s.host, s.port) for s in config.smtp] == [("smtp.tienda.example", 587)]


BILLION_LAUGHS = """<?xml version="1.0"?>
<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
<!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">]>
<clientConfig><emailProvider id="x"><outgoingServer type="smtp"><hostname>&lol4;</hostname>
<port>465</port><socketType>SSL</socketType></outgoingServer></emailProvider></clientConfig>"""

EXTERNAL_ENTITY = """<?xml version="1.0"?>
<!DOCTYPE c [<!ENTITY secret SYSTEM "file:///etc/passwd">]>
<clientConfig><emailProvider id="x"><outgoingServer type="smtp"><hostname>&secret;</hostname>
<port>465</port><socketType>SSL</socketType></outgoingServer></emailProvider></clientConfig>"""


@pytest.mark.parametrize("data", [
    b"",
    b"not xml at all",
    b"<clientConfig><emailProvider>",  # truncated
    b"<?xml version='1.0'?><html><body>404</body></html>",  # another document
    b"<clientConfig/>",  # no provider
    BILLION_LAUGHS.encode(),
    EXTERNAL_ENTITY.encode(),
    b"\xff\xfe\x00garbage",
    b'<?xml version="1.0" encoding="x-unknown"?><clientConfig/>',
    b"<clientConfig><emailProvider>" + b"x" * (autoconfig_xml.MAX_BYTES + 1) + b"</emailProvider></clientConfig>",
], ids=["empty", "text", "truncated", "html", "no-provider", "billion-laughs", "external-entity", "binary",
        "bad-encoding", "huge"])
def test_hostile_or_broken_documents_raise_xmlerror(data):
    with pytest.raises(XMLError):
        autoconfig_xml.parse(data)


@pytest.mark.parametrize("server", [
    smtp(port="abc"),
    smtp(port="0"),
    smtp(port="70000"),
    smtp(port="-1"),
    smtp(port="<b>465</b>"),
    smtp(socket_type="RAINBOW"),
    smtp(host=""),
    smtp(host="smtp..tienda.example"),
    smtp(host="smtp tienda.example"),
    smtp(host="<x>smtp.tienda.example</x>"),
    smtp(host="a" * 300 + ".example"),
    '<outgoingServer type="smtp"><port>465</port><socketType>SSL</socketType></outgoingServer>',
], ids=["port-text", "port-zero", "port-big", "port-negative", "port-element", "socket-type", "no-host",
        "empty-label", "space", "host-element", "host-long", "missing-host"])
def test_wrong_types_skip_the_server_not_the_document(server):
    config = autoconfig_xml.parse(document(server + smtp(port="587", socket_type="STARTTLS")))
    assert [(s.host, s.port, s.security) for s in config.smtp] == [("smtp.tienda.example", 587, "starttls")]


def test_deep_nesting_and_many_servers_do_not_crash():
    deep = "<x>" * 20000 + "</x>" * 20000
    servers = "".join(smtp(port=str(1000 + i)) for i in range(500))
    config = autoconfig_xml.parse(document(servers, provider_extra=deep))
    assert len(config.smtp) == autoconfig_xml.MAX_SERVERS


def test_a_username_with_control_characters_is_not_used():
    config = autoconfig_xml.parse(document(smtp(username="ana&#10;RCPT TO:x")))
    assert config.smtp[0].username is None


def test_unknown_placeholder_falls_back_to_the_usual_forms():
    config = autoconfig_xml.parse(document(smtp(username="%EMAILADDRESS")))  # as in a real ISPDB typo
    candidate = candidate_for(config.leads("ispdb", 80)[0], "ana@tienda.example", None)
    assert candidate.user_forms == ("ana@tienda.example", "ana")


def test_namespaced_document_is_read():
    text = document(smtp()).replace("<clientConfig version=\"1.1\">",
                                    '<clientConfig xmlns="http://example.invalid/ns" version="1.1">')
    assert autoconfig_xml.parse(text).smtp[0].host == "smtp.tienda.example"


def test_substitute():
    assert substitute("%EMAILLOCALPART%.%EMAILDOMAIN%", "ana@tienda.example") == "ana.tienda.example"
    assert substitute("%EMAILADDRESS%", "ana@tienda.example") == "ana@tienda.example"
    assert substitute("%EMAILUSER%", "ana@tienda.example") is None
