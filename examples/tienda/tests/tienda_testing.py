"""Test helpers for la tienda: forms filled and sent as a browser does, the shop's CLI, signing in."""

from __future__ import annotations

from html.parser import HTMLParser
from urllib.parse import urljoin


class _Forms(HTMLParser):
    """Collects each <form>'s action and its fields' default values."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.forms: list[dict] = []
        self._select = None
        self._textarea = None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "form":
            self.forms.append({"action": a.get("action") or "", "method": (a.get("method") or "get").lower(),
                               "fields": {}})
            return
        if not self.forms or "disabled" in a:
            return
        fields = self.forms[-1]["fields"]
        name = a.get("name")
        if tag == "input" and name:
            kind = (a.get("type") or "text").lower()
            if kind in {"checkbox", "radio"}:
                if "checked" in a:
                    fields[name] = a.get("value", "y")
            elif kind not in {"submit", "button", "image", "file"}:
                fields[name] = a.get("value", "")
        elif tag == "select" and name:
            self._select = name
            fields.setdefault(name, "")
        elif tag == "option" and self._select and "selected" in a:
            fields[self._select] = a.get("value", "")
        elif tag == "textarea" and name:
            self._textarea = name
            fields[name] = ""

    def handle_data(self, data):
        if self._textarea and self.forms:
            self.forms[-1]["fields"][self._textarea] += data

    def handle_endtag(self, tag):
        if tag == "select":
            self._select = None
        elif tag == "textarea" and self._textarea:
            # Browsers drop the one line break that may follow <textarea> (WTForms writes one).
            fields = self.forms[-1]["fields"]
            value = fields[self._textarea]
            fields[self._textarea] = value[2:] if value.startswith("\r\n") else value.removeprefix("\n")
            self._textarea = None


def forms_on(page: str) -> list[dict]:
    """The forms on a page."""
    parser = _Forms()
    parser.feed(page)
    return parser.forms


def submit(client, url: str, data: dict | None = None, *, action: str | None = None, uncheck=()):
    """Open ``url``, take its POST form that sends to ``action`` (default: back to ``url``), change
    ``data``, untick ``uncheck``, and send it. Returns the response (redirects not followed)."""
    page = client.get(url)
    assert page.status_code == 200, (url, page.status_code)
    target = urljoin(url, action or url)
    forms = [f for f in forms_on(page.get_data(as_text=True))
             if f["method"] == "post" and urljoin(url, f["action"]) == target]
    assert len(forms) == 1, f"expected one form posting to {target} on {url}, found {len(forms)}"
    form = forms[0]
    fields = {key: value for key, value in form["fields"].items() if key not in set(uncheck)}
    fields.update(data or {})
    return client.post(target, data=fields)


def flask_cli(runner, *args):
    """Run ``flask …`` and insist that it worked; return what it printed."""
    result = runner.invoke(args=list(args))
    assert result.exit_code == 0, (args, result.output, result.exception)
    return result.output


def login(client, email, password):
    """Sign in through the shop's own login page."""
    response = submit(client, "/entrar", {"email": email, "password": password})
    assert response.status_code == 302, response.get_data(as_text=True)
    return client
