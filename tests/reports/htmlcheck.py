"""Parse a rendered page and say what a browser would see: tags, attributes, scripts, text."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from html.parser import HTMLParser


@dataclass
class Script:
    attrs: dict[str, str | None]
    text: str = ""


@dataclass
class Page:
    tags: list[tuple[str, dict[str, str | None]]] = field(default_factory=list)
    scripts: list[Script] = field(default_factory=list)
    styles: list[str] = field(default_factory=list)
    text: list[str] = field(default_factory=list)  # visible text, character references decoded
    title: str = ""

    @property
    def tag_names(self) -> set[str]:
        return {t for t, _ in self.tags}

    def meta_csp(self) -> str | None:
        for t, a in self.tags:
            if t == "meta" and (a.get("http-equiv") or "").lower() == "content-security-policy":
                return a.get("content")
        return None

    def csp_directives(self) -> dict[str, list[str]]:
        csp = self.meta_csp() or ""
        out = {}
        for part in csp.split(";"):
            words = part.split()
            if words:
                out[words[0]] = words[1:]
        return out


class _Parser(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.page = Page()
        self._in: list[str] = []

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        self.page.tags.append((tag, a))
        if tag == "script":
            self.page.scripts.append(Script(a))
        if tag in ("script", "style", "title"):
            self._in.append(tag)

    def handle_endtag(self, tag):
        if self._in and self._in[-1] == tag:
            self._in.pop()

    def handle_data(self, data):
        where = self._in[-1] if self._in else None
        if where == "script":
            self.page.scripts[-1].text += data
        elif where == "style":
            self.page.styles.append(data)
        elif where == "title":
            self.page.title += data
        else:
            self.page.text.append(data)


def parse(html: str) -> Page:
    p = _Parser()
    p.feed(html)
    p.close()
    return p.page


URL_ATTRS = ("src", "href", "action", "formaction", "srcset", "poster", "data", "xlink:href", "background")
_REMOTE = re.compile(r"^\s*(?:[a-z][a-z0-9+.-]*:|//)", re.I)


def remote_refs(page: Page) -> list[str]:
    """Every URL-bearing attribute value that is not a fragment, a data: URL or a relative file."""
    out = []
    for _, a in page.tags:
        for k in URL_ATTRS:
            v = a.get(k)
            if v is None:
                continue
            if v.startswith("#") or v.startswith("data:"):
                continue
            if _REMOTE.match(v):
                out.append(v)
    return out
