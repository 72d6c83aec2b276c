"""Helpers of tests/test_bad_input.py: a form read from its page as a browser would send it, hostile values for
its fields (hypothesis strategies), a fingerprint of the database, and what a refusal must show."""

from __future__ import annotations

import hashlib
import html
import io
import json
import re
from dataclasses import dataclass, field
from html.parser import HTMLParser
from urllib.parse import urlsplit

import sqlalchemy as sa
from hypothesis import strategies as st
from journey import png_bytes

from jisr.validators import BIDI_CONTROLS

# -- the form as the page draws it -------------------------------------------------------------------------

@dataclass
class Control:
    name: str
    kind: str  # an <input> type, "select", "multiple" (a <select multiple>), "textarea"
    sent: list[str] = field(default_factory=list)  # what the browser sends untouched
    options: list[str] = field(default_factory=list)  # radios', checkboxes' and selects' values


@dataclass
class Form:
    action: str
    multipart: bool
    controls: dict[str, Control]

    def sent(self) -> dict[str, list[str]]:
        return {name: list(control.sent) for name, control in self.controls.items() if control.sent}


class _Forms(HTMLParser):
    def __init__(self, page_path: str) -> None:
        super().__init__(convert_charrefs=True)
        self.page_path = page_path
        self.forms: list[Form] = []
        self._form: Form | None = None
        self._select: Control | None = None
        self._textarea: Control | None = None

    def _control(self, name: str, kind: str) -> Control:
        return self._form.controls.setdefault(name, Control(name, kind))

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "form":
            action = urlsplit(a.get("action") or self.page_path)
            self._form = Form(action.path + (f"?{action.query}" if action.query else ""),
                              a.get("enctype") == "multipart/form-data", {})
            self.forms.append(self._form)
            return
        if tag == "option" and self._select is not None:
            value = a.get("value") or ""
            self._select.options.append(value)
            if "selected" in a:
                self._select.sent.append(value)
            return
        if self._form is None or not a.get("name") or "form" in a:
            return
        name = a["name"]
        if tag == "input":
            kind = (a.get("type") or "text").lower()
            if kind in ("submit", "button", "reset", "image"):
                return
            control = self._control(name, kind)
            value = a.get("value", "on" if kind in ("checkbox", "radio") else "")
            if kind in ("checkbox", "radio"):
                control.options.append(value)
                if "checked" in a:
                    control.sent.append(value)
            elif kind != "file":
                control.sent = [value]
        elif tag == "select":
            self._select = self._control(name, "multiple" if "multiple" in a else "select")
        elif tag == "textarea":
            self._textarea = self._control(name, "textarea")
            self._textarea.sent = [""]

    def handle_startendtag(self, tag, attrs):
        self.handle_starttag(tag, attrs)

    def handle_data(self, data):
        if self._textarea is not None:
            self._textarea.sent[0] += data

    def handle_endtag(self, tag):
        if tag == "form":
            self._form = None
        elif tag == "textarea" and self._textarea is not None:
            self._textarea.sent[0] = self._textarea.sent[0].removeprefix("\n")
            self._textarea = None
        elif tag == "select" and self._select is not None:
            if self._select.kind == "select" and not self._select.sent and self._select.options:
                self._select.sent = [self._select.options[0]]
            self._select = None


def read_forms(page: str, page_path: str, action: str) -> list[Form]:
    """The forms of `page` that post to `action` (its path; a page may hold several, e.g. an answer and an
    upload)."""
    parser = _Forms(page_path)
    parser.feed(page)
    found = [form for form in parser.forms if form.action.split("?")[0] == action.split("?")[0]]
    assert found, f"no form posts to {action} on {page_path}: {[f.action for f in parser.forms]}"
    return found


# -- hostile values --------------------------------------------------------------------------------------------

BIDI = ["\u202a", "\u202b", "\u202c", "\u202d", "\u202e", "\u2066", "\u2067", "\u2068", "\u2069", "\u200e",
        "\u200f", "\u061c"]
ARABIC_INDIC = str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩")
PERSIAN = str.maketrans("0123456789", "۰۱۲۳۴۵۶۷۸۹")
NUMBERS = ["-1", "0", "-0", "1.5", "1,5", "١٫٥", "2147483648", "-2147483649", "9" * 30, "-" + "9" * 30, "1e309",
           "1e-400", "NaN", "sNaN", "Infinity", "-Infinity", "0x1f", "1_000", " 12 ", "²", "½", "١٢٣", "۱۲۳", "12abc"]
DATES = ["0000-00-00", "0001-01-01", "1899-12-31", "9999-12-31", "10000-01-01", "2026-02-30", "2026-13-01",
         "2026-1-1", "31/12/2026", "٢٠٢٦-٠٥-١٧", "۲۰۲۶-۰۵-۱۷", "2026-05-17T10:00", "-2026-05-17", "today"]
TIMES = ["24:00", "23:59:59", "-1:00", "99:99", "٠٩:٣٠", "۰۹:۳۰", "9h30", "12:00 PM", ":"]
ODD = ["", " ", "\r\n", "\x00", "null", "None", "undefined", "[]", "{}", "<script>alert(1)</script>", "&#x202e;",
       "' OR 1=1 --", "../../../etc/passwd", "%00", "\ufeff", "\u200b", "e\u0301"]

visible_text = st.text(st.characters(exclude_categories=["Cs"]), max_size=40)


def _with_bidi(draw, base: str) -> str:
    control = draw(st.sampled_from(BIDI))
    at = draw(st.integers(0, len(base)))
    return base[:at] + control + base[at:] if draw(st.booleans()) else control + base + "\u202c"


@st.composite
def hostile(draw, base: str = "") -> str:
    """A value for any field: the valid one spoiled, or something else entirely."""
    kind = draw(st.sampled_from(["bidi", "nul", "long", "digits", "number", "date", "time", "odd", "text",
                                 "arabic"]))
    if kind == "bidi":
        return _with_bidi(draw, base or draw(visible_text))
    if kind == "nul":
        return draw(st.sampled_from([base + "\x00", "\x00" + base, base.replace(" ", "\x00"), "\x00"]))
    if kind == "long":
        return draw(st.sampled_from(["x", "ا", base or "9", "1"])) * draw(st.sampled_from([10_000, 10_001]))
    if kind == "digits":
        value = base if re.search(r"\d", base) else str(draw(st.integers(0, 10**8)))
        return value.translate(draw(st.sampled_from([ARABIC_INDIC, PERSIAN])))
    if kind == "number":
        return draw(st.one_of(st.sampled_from(NUMBERS), st.integers(-10**40, 10**40).map(str)))
    if kind == "date":
        return draw(st.one_of(st.sampled_from(DATES), st.dates().map(lambda d: d.isoformat())))
    if kind == "time":
        return draw(st.sampled_from(TIMES))
    if kind == "odd":
        return draw(st.sampled_from(ODD))
    if kind == "arabic":
        return draw(st.sampled_from(["فاطمة", "العلوي", "مشروع", "٠١٢٣٤٥٦٧٨٩", "۰۱۲۳۴۵۶۷۸۹"]))
    return draw(visible_text)


FILE_NAMES = ["cnie.png", "\u202egnp.exe", "a\x00.png", "x" * 300 + ".png", "", "../../etc/passwd", "بطاقة.png",
              "CON", ".png"]


@st.composite
def upload(draw):
    """A file field's value: a real image under any name, bytes that are not one, an empty file."""
    content = draw(st.sampled_from(["png", "png", "junk", "empty", "pdf-lie"]))
    data = {"png": png_bytes, "junk": lambda: b"\x00\xff" * 64, "empty": lambda: b"",
            "pdf-lie": lambda: b"%PDF-1.4 not really"}[content]()
    return (io.BytesIO(data), draw(st.sampled_from(FILE_NAMES)),
            draw(st.sampled_from(["image/png", "application/pdf", "text/plain"])))


EXTRA_NAMES = ["csrf_token", "id", "user_id", "role", "status", "incubator_id", "is_admin", "version", "switch_lang",
               "more", "later", "applicant_id", "reference", "created_by_id", "submit"]


@st.composite
def submission(draw, form: Form, valid: dict[str, str | list[str]]):
    """What is posted: every control kept, left out, spoiled, or sent several times; maybe fields the form does
    not have, maybe a file where a value is expected. Returns (data as a list of pairs, multipart)."""
    base = form.sent()
    for name, value in valid.items():
        base[name] = list(value) if isinstance(value, list | tuple) else [value]
    names = sorted(set(base) | set(form.controls))
    pairs: list[tuple[str, object]] = []
    multipart = form.multipart
    for name in names:
        control = form.controls.get(name)
        kept = base.get(name, [])
        if control is not None and control.kind == "file":
            mode = draw(st.sampled_from(["file", "file", "missing", "text"]))
            if mode == "file":
                pairs.append((name, draw(upload())))
            elif mode == "text":
                pairs.append((name, draw(hostile())))
            continue
        mode = draw(st.sampled_from(["keep", "keep", "keep", "missing", "hostile", "hostile", "list", "option"]))
        first = kept[0] if kept else ""
        if mode == "keep":
            pairs.extend((name, value) for value in kept)
        elif mode == "hostile":
            pairs.append((name, draw(hostile(first))))
        elif mode == "list":
            pairs.extend((name, value) for value in [first, draw(hostile(first)), first])
        elif mode == "option" and control is not None and control.options:
            pairs.extend((name, value) for value in draw(st.lists(st.sampled_from(control.options), max_size=3)))
        elif mode == "option":
            pairs.extend((name, value) for value in kept)
        if mode != "missing" and draw(st.integers(0, 30)) == 0:  # a file where a value is expected
            pairs.append((name, (io.BytesIO(b"x"), "x.txt", "text/plain")))
            multipart = True
    for name in draw(st.lists(st.sampled_from(EXTRA_NAMES), max_size=2, unique=True)):
        value = draw(st.one_of(st.sampled_from(["ar", "fr", "1", "admin"]), hostile()))
        pairs.append((name, value))
    return pairs, multipart


# -- the database's fingerprint --------------------------------------------------------------------------------

def fingerprint(db) -> dict[str, str]:
    """A digest of every table's rows: two equal fingerprints mean nothing was added, changed or removed."""
    digests = {}
    for table in db.metadata.sorted_tables:
        rows = sorted(repr(tuple(row)) for row in db.session.execute(sa.select(table)))
        digests[table.name] = hashlib.sha256("\n".join(rows).encode()).hexdigest()
    db.session.rollback()  # no transaction left open between requests
    return digests


def changed_tables(before: dict[str, str], after: dict[str, str]) -> list[str]:
    return sorted(name for name in after if before.get(name) != after[name])


#: Texts the app writes itself, where isolates are how a phone number stays readable inside an Arabic SMS.
GENERATED = {("outbox_messages", "body"), ("outbox_messages", "subject")}


def hidden_controls(db, tables) -> list[tuple[str, str, str]]:
    """(table, column, value) of every stored text in `tables` holding a bidi control or a NUL character."""
    found = []
    for table in db.metadata.sorted_tables:
        if table.name not in tables:
            continue
        for column in table.columns:
            if (table.name, column.name) in GENERATED:
                continue
            if not isinstance(column.type, sa.String | sa.Text | sa.JSON):
                continue
            for (value,) in db.session.execute(sa.select(column).where(column.is_not(None))):
                text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False, default=str)
                if BIDI_CONTROLS.search(text) or "\x00" in text:
                    found.append((table.name, column.name, text[:80]))
    db.session.rollback()
    return found


# -- what a refusal shows --------------------------------------------------------------------------------------

ARABIC_LETTER = re.compile("[\u0621-\u064a]")
_MESSAGES = [
    re.compile(r'<p class="field-error"[^>]*><span class="visually-hidden">[^<]*</span>(.*?)</p>', re.S),
    re.compile(r'<p class="flash flash-error">(.*?)</p>', re.S),
    re.compile(r'<div class="error-summary"[^>]*><h2>[^<]*</h2><p>(.*?)</p>', re.S),  # a refusal without a form
    re.compile(r'<p class="(?:notice" role="alert|card warning)">(.*?)</p>', re.S),  # a step or page refused
]
_ERROR_PAGE = re.compile(r"<h1>(.*?)</h1>\s*<p>(.*?)</p>\s*<p><a href=\"/\">", re.S)


def shown_errors(page: str) -> list[str]:
    """The error messages a page shows its reader: under fields, in error flashes, or as an error page."""
    messages = [html.unescape(re.sub(r"<[^>]+>", "", m)).strip() for pattern in _MESSAGES
                for m in pattern.findall(page)]
    found = _ERROR_PAGE.search(page)
    if found:
        messages.extend(html.unescape(part).strip() for part in found.groups())
    return [m for m in messages if m]


def short(pairs) -> list:
    """What was posted, each value cut to 60 characters, for a readable failure."""
    return [(name, value[:60] + "…" if isinstance(value, str) and len(value) > 60 else value)
            for name, value in pairs]


def page_language(page: str) -> str | None:
    found = re.search(r'<html lang="([a-z]+)"', page)
    return found.group(1) if found else None
