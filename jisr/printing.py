"""PDFs of the printable documents (receipt, convocation).

One template renders both the page and its PDF: `render_pdf` renders the page's own Jinja template with
`pdf=True` (base.html then keeps the document alone, styled by print.css) and WeasyPrint lays it out.
Pango shapes the Arabic with HarfBuzz and orders it right to left from `<html dir>`; the font is Debian's
DejaVu Sans (see print.css). Rendering never goes on the network: the only addresses it fetches are the
app's own static files, read from disk.

WeasyPrint is imported when a PDF is made, not with the app: without Pango (see `make pdf-deps`) only
the PDF downloads fail, not every page.
"""

import mimetypes
import unicodedata
from pathlib import Path
from urllib.parse import quote

from flask import Response, current_app, render_template, url_for
from werkzeug.security import safe_join
from werkzeug.utils import secure_filename


def static_files_only(static_root: str, static_folder: str):
    """A WeasyPrint URL fetcher that serves addresses under `static_root` from `static_folder` and refuses
    every other one: no CDN, no font or image from elsewhere, no request to an address a user typed."""
    from weasyprint.urls import URLFetcher, URLFetcherResponse

    class StaticFilesOnly(URLFetcher):
        def fetch(self, url: str, headers=None) -> URLFetcherResponse:
            if url.startswith("data:"):  # inline: nothing to fetch
                return super().fetch(url, headers)
            if url.startswith(static_root):
                name = url[len(static_root):].split("#", 1)[0].split("?", 1)[0]
                path = safe_join(static_folder, name)
                if path and Path(path).is_file():
                    mime = mimetypes.guess_type(path)[0] or "application/octet-stream"
                    return URLFetcherResponse(url, Path(path).read_bytes(), {"Content-Type": mime})
            raise ValueError(f"Only the app's static files are fetched for a PDF, not {url}")

    return StaticFilesOnly()


def render_pdf(template_name: str, **context) -> bytes:
    """The PDF of the page `template_name` renders with `context`, `pdf=True` added."""
    from PIL import ImageFile
    from weasyprint import HTML

    # Importing WeasyPrint turns Pillow's LOAD_TRUNCATED_IMAGES on for the whole process: the uploads' check
    # (jisr/documents/validation.py) would then take a cut-off JPEG. The documents embed no image: put it back.
    ImageFile.LOAD_TRUNCATED_IMAGES = False
    html = render_template(template_name, pdf=True, **context)
    static_root = url_for("static", filename="", _external=True)
    fetcher = static_files_only(static_root, current_app.static_folder)
    # Tagged: screen readers get the headings, lists and reading order, not a flat run of glyphs.
    return HTML(string=html, base_url=static_root, url_fetcher=fetcher).write_pdf(pdf_tags=True)


def pdf_response(pdf_bytes: bytes, filename: str) -> Response:
    """A download of `pdf_bytes` as `filename`: a plain ASCII name for old clients, the exact one in
    filename*, and kept in no cache (these documents carry personal data)."""
    ascii_name = secure_filename(unicodedata.normalize("NFKD", filename)) or "document.pdf"
    response = Response(pdf_bytes, mimetype="application/pdf")
    response.headers["Content-Disposition"] = (
        f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(filename, safe='')}"
    )
    response.headers["Cache-Control"] = "no-store, private"
    return response
