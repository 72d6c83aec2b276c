"""PDFs of the printable documents: the receipt downloads in both languages, its Arabic is shaped and laid
out right to left, its reference left to right, and nobody downloads someone else's.

The PDFs are read back glyph by glyph with pdfminer.six: each glyph's text (from the PDF's ToUnicode map),
its glyph id and its position on the page. A PDF stores glyphs in visual order, so a line of Arabic read
from right to left must spell the text as typed; the same letter in two joining positions must be two
different glyphs, or the Arabic was not shaped.
"""

import logging
import unicodedata
from dataclasses import dataclass
from io import BytesIO

import pytest
from flask_babel import force_locale, gettext
from pdfminer.pdfdevice import PDFTextDevice
from pdfminer.pdffont import PDFUnicodeNotDefined
from pdfminer.pdfinterp import PDFPageInterpreter, PDFResourceManager
from pdfminer.pdfpage import PDFPage

from jisr.printing import pdf_response, static_files_only

NAME_AR = "فاطمة العلوي"  # make_file's applicant


@dataclass
class Glyph:
    text: str
    cid: int
    font: str
    x: float
    y: float


class _GlyphRecorder(PDFTextDevice):
    """A pdfminer device that only notes each glyph drawn, with no layout analysis to reorder anything."""

    def __init__(self, rsrcmgr) -> None:
        super().__init__(rsrcmgr)
        self.glyphs: list[Glyph] = []

    def render_char(self, matrix, font, fontsize, scaling, rise, cid, ncs, graphicstate) -> float:
        try:
            text = font.to_unichr(cid)
        except PDFUnicodeNotDefined:
            text = "\ufffd"
        self.glyphs.append(Glyph(text, cid, font.fontname, x=matrix[4], y=round(matrix[5], 1)))
        return font.char_width(cid) * fontsize * scaling


@dataclass
class Page:
    width: float
    lines: list[list[Glyph]]  # top to bottom, each line's glyphs from left to right

    def line_with(self, logical: str) -> list[Glyph]:
        """The line where `logical` appears, read in the direction its script is written."""
        for line in self.lines:
            if logical in visual(line) or logical in right_to_left(line):
                return line
        raise AssertionError(f"{logical!r} not on the page:\n" + "\n".join(visual(line) for line in self.lines))


def visual(glyphs: list[Glyph]) -> str:
    return "".join(g.text for g in glyphs)


def right_to_left(glyphs: list[Glyph]) -> str:
    """The glyphs read from right to left. A glyph for several letters (lam-alef) keeps them in order."""
    return "".join(g.text for g in reversed(glyphs))


def read_pdf(data: bytes) -> Page:
    resources = PDFResourceManager()
    device = _GlyphRecorder(resources)
    interpreter = PDFPageInterpreter(resources, device)
    pages = list(PDFPage.get_pages(BytesIO(data)))
    assert len(pages) == 1, "the receipt fits on one page"
    interpreter.process_page(pages[0])
    rows: dict[float, list[Glyph]] = {}
    for glyph in device.glyphs:
        rows.setdefault(glyph.y, []).append(glyph)
    lines = [sorted(row, key=lambda g: g.x) for _, row in sorted(rows.items(), reverse=True)]
    return Page(width=float(pages[0].mediabox[2]), lines=lines)


def span(line: list[Glyph], logical: str, rtl: bool) -> list[Glyph]:
    """The glyphs of `logical` within `line`, in logical order."""
    ordered = list(reversed(line)) if rtl else line
    text = [g.text for g in ordered]
    for start in range(len(ordered)):
        if "".join(text[start:]).startswith(logical):
            end = start
            while len("".join(text[start:end])) < len(logical):
                end += 1
            return ordered[start:end]
    raise AssertionError(f"{logical!r} not in {visual(line)!r}")


def translated(app, message: str, lang: str) -> str:
    with app.test_request_context(), force_locale(lang):
        return gettext(message)


@pytest.fixture
def receipt(client, auth, make_file, caplog):
    """download(lang) -> the response for the signed-in applicant's receipt PDF."""
    application = make_file()
    auth.login_as(application.applicant)

    def download(lang: str):
        with caplog.at_level(logging.WARNING, logger="weasyprint"):
            response = client.get(f"/applications/{application.id}/receipt.pdf?lang={lang}")
        assert not caplog.records, "WeasyPrint warned (a stylesheet, font or address it could not use)"
        return response

    download.application = application
    return download


@pytest.mark.parametrize("lang", ["ar", "fr"])
def test_receipt_pdf_is_a_private_download(receipt, lang):
    response = receipt(lang)
    reference = receipt.application.reference
    assert response.status_code == 200
    assert response.mimetype == "application/pdf"
    assert response.data.startswith(b"%PDF-")
    assert response.headers["Content-Disposition"] == (
        f"attachment; filename=\"jisr-receipt-{reference}.pdf\"; filename*=UTF-8''jisr-receipt-{reference}.pdf"
    )
    assert response.headers["Cache-Control"] == "no-store, private"


def test_arabic_receipt_is_shaped_and_right_to_left(app, receipt):
    page = read_pdf(receipt("ar").data)
    everything = "".join(visual(line) for line in page.lines)
    assert not [c for c in everything if unicodedata.name(c, "").startswith("ARABIC LETTER")
                and unicodedata.normalize("NFKC", c) != c], "text layer in presentation forms, not letters"
    fonts = {g.font.split("+")[-1] for line in page.lines for g in line}  # subset prefix "ABCDEF+" left out
    assert fonts <= {"DejaVu-Sans", "DejaVu-Sans-Bold", "DejaVu-Sans-Mono"}, "print.css's font, nothing else"

    title = translated(app, "Receipt of your application", "ar")
    label = translated(app, "Reference", "ar")
    assert all(unicodedata.bidirectional(c) in ("AL", "WS") for c in title + label), "pure Arabic expected"
    for text in (title, NAME_AR, label):
        line = page.line_with(text)
        assert text in right_to_left(line)
        assert text not in visual(line)  # laid out left to right would read as typed from the left

    # Shaped: each letter takes its joining form, so the same letter is two glyphs in two positions.
    name = span(page.line_with(NAME_AR), NAME_AR, rtl=True)
    letters = [(g.text, g.cid) for g in name]
    assert letters[1][0] == letters[6][0] == "ا" and letters[1][1] != letters[6][1]  # final, isolated alef
    assert letters[7][0] == letters[9][0] == "ل" and letters[7][1] != letters[9][1]  # initial, medial lam

    # Right to left as a page: the title starts at the right margin, the label stands right of its value.
    title_glyphs = page.line_with(title)
    assert page.width - title_glyphs[-1].x < title_glyphs[0].x
    reference = receipt.application.reference
    reference_line = page.line_with(reference)
    assert reference in visual(reference_line)  # JISR-2026-… reads left to right, intact
    label_line = page.line_with(label)
    assert min(g.x for g in span(label_line, label, rtl=True)) > max(
        g.x for g in span(reference_line, reference, rtl=False))


def test_french_receipt_is_left_to_right_with_the_arabic_name_right_to_left(app, receipt):
    page = read_pdf(receipt("fr").data)
    title = translated(app, "Receipt of your application", "fr")
    title_glyphs = page.line_with(title)
    assert title in visual(title_glyphs)
    assert title_glyphs[0].x < page.width - title_glyphs[-1].x  # starts at the left margin
    name_line = page.line_with(NAME_AR)
    assert NAME_AR in right_to_left(name_line)
    latin = span(name_line, "Fatima", rtl=False)
    assert latin[0].x > max(g.x for g in span(name_line, NAME_AR, rtl=True))  # Arabic name first, on the left
    reference = receipt.application.reference
    assert reference in visual(page.line_with(reference))


def test_pdf_leaves_out_the_site_and_the_page_links_to_it(app, client, receipt):
    page = read_pdf(receipt("fr").data)
    everything = " ".join(visual(line) for line in page.lines)
    for message in ("Follow my file", "Skip to main content", "Sign out", "Download the receipt (PDF)"):
        assert translated(app, message, "fr") not in everything
    html = client.get(f"/applications/{receipt.application.id}/receipt?lang=fr").get_data(as_text=True)
    assert f'href="/applications/{receipt.application.id}/receipt.pdf"' in html
    assert 'class="site-header"' in html and 'class="pdf"' not in html


def test_someone_elses_receipt_is_not_found(client, auth, make_file):
    application, other = make_file(), make_file()
    auth.login_as(other.applicant)
    assert client.get(f"/applications/{application.id}/receipt.pdf").status_code == 404


def test_signed_out_visitor_is_sent_to_sign_in(client, make_file):
    application = make_file()
    response = client.get(f"/applications/{application.id}/receipt.pdf")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/account/login")


def test_making_a_pdf_leaves_uploads_refusing_a_cut_off_image(receipt):
    from journey import png_bytes
    from PIL import ImageFile

    from jisr.documents.validation import DocumentError, check_image

    receipt("ar")
    assert not ImageFile.LOAD_TRUNCATED_IMAGES  # WeasyPrint turns it on when imported
    with pytest.raises(DocumentError):
        check_image(png_bytes()[:-30], "image/png")


def test_pdf_fetcher_serves_static_files_and_nothing_else(app):
    fetcher = static_files_only("http://localhost/static/", app.static_folder)
    response = fetcher("http://localhost/static/print.css?v=1")
    assert b"@page" in response.read()
    response.close()
    for url in ("https://fonts.googleapis.com/css2?family=Noto+Naskh+Arabic", "file:///etc/passwd",
                "http://localhost/static/../__init__.py", "http://localhost/applications/1/receipt"):
        with pytest.raises(ValueError):
            fetcher(url)


def test_pdf_response_names_the_file_in_ascii_and_exactly(app):
    response = pdf_response(b"%PDF-1.7", "reçu فاطمة.pdf")
    assert response.headers["Content-Disposition"] == (
        "attachment; filename=\"recu_.pdf\"; filename*=UTF-8''re%C3%A7u%20%D9%81%D8%A7%D8%B7%D9%85%D8%A9.pdf"
    )
