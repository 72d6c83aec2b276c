"""Checks an upload by what it contains, never by its name or the browser's Content-Type.

Applicants send copies of their identity card from phones and cyber-cafés; staff open these files
later. So only three formats are accepted (PDF, JPEG, PNG), each recognised from its magic bytes
and then actually decoded, and every refusal says in the applicant's language what to do next.
"""

from __future__ import annotations

import contextlib
import io
from dataclasses import dataclass

import filetype
from babel.units import format_unit
from flask import current_app
from flask_babel import format_decimal, get_locale
from flask_babel import lazy_gettext as _l
from PIL import Image, JpegImagePlugin, PngImagePlugin

CHUNK_SIZE = 64 * 1024
#: Far above any phone photo that fits in the size limit, far below what would exhaust memory.
DEFAULT_MAX_IMAGE_PIXELS = 50_000_000
PDF_TAIL_BYTES = 1024

#: Content type -> (extension used in download names, Pillow format, header-only image class).
ACCEPTED = {
    "application/pdf": ("pdf", None, None),
    "image/jpeg": ("jpg", "JPEG", JpegImagePlugin.JpegImageFile),
    "image/png": ("png", "PNG", PngImagePlugin.PngImageFile),
}
EXTENSIONS = {"application/pdf": {"pdf"}, "image/jpeg": {"jpg", "jpeg"}, "image/png": {"png"}}

# One message per reason, each saying what to do next. Placeholders are filled after translation.
EMPTY = _l("The file is empty. Choose the file again; if the problem continues, scan or photograph "
           "the document again.")
TOO_LARGE = _l("The file is too large: the maximum is %(size)s. Take the photo at a lower resolution or "
               "scan the document again, then send it.")
WRONG_TYPE = _l("This type of file is not accepted. Send a PDF document, or a photo in JPEG or PNG format.")
CORRUPT_PDF = _l("This PDF file is damaged or incomplete and cannot be opened. Save or export it again "
                 "as PDF, then send it.")
CORRUPT_IMAGE = _l("This image is damaged or incomplete and cannot be opened. Take the photo again, or "
                   "save it again as JPEG or PNG, then send it.")
TOO_MANY_PIXELS = _l("This image has too many pixels to be checked safely (the maximum is %(megapixels)s "
                     "million pixels). Reduce its dimensions, then send it again.")


class DocumentError(Exception):
    """The upload was refused; the message (translated lazily) is shown to the applicant as is."""

    def __init__(self, message) -> None:
        super().__init__(message)
        self.message = message

    def __str__(self) -> str:
        return str(self.message)


@dataclass(frozen=True)
class CheckedFile:
    data: bytes
    content_type: str

    @property
    def extension(self) -> str:
        return ACCEPTED[self.content_type][0]

    @property
    def size(self) -> int:
        return len(self.data)


def human_size(size: int | float) -> str:
    """A byte count as people read it, in Babel's words for the current locale (5 mégaoctets,
    5 ميغابايت); the short form (8,9 كيلوبايت) where the locale's data has no long one."""
    locale = get_locale()
    unit, value = "digital-byte", size
    for candidate, factor in (("digital-megabyte", 1024 * 1024), ("digital-kilobyte", 1024)):
        if size >= factor:
            unit, value = candidate, size / factor
            break
    text = format_unit(value, unit, length="long", format="#,##0.#", locale=locale)
    if unit in text:  # CLDR lacks this long form: Babel returns the unit's id
        text = format_unit(value, unit, length="short", format="#,##0.#", locale=locale)
    return text


def max_upload_bytes() -> int:
    return int(current_app.config["MAX_UPLOAD_BYTES"])


def max_image_pixels() -> int:
    """Our limit, never above Pillow's, so Pillow's own bomb warning can never fire after our check."""
    limit = int(current_app.config.get("MAX_IMAGE_PIXELS", DEFAULT_MAX_IMAGE_PIXELS))
    return min(limit, Image.MAX_IMAGE_PIXELS) if Image.MAX_IMAGE_PIXELS else limit


def check_upload(stream) -> CheckedFile:
    """Read and check an uploaded file; raise DocumentError with a specific message if refused."""
    data = read_limited(stream, max_upload_bytes())
    content_type = detect_type(data)
    if content_type == "application/pdf":
        check_pdf(data)
    else:
        check_image(data, content_type)
    return CheckedFile(data=data, content_type=content_type)


def read_limited(stream, limit: int) -> bytes:
    """Read in chunks and stop at limit + 1 bytes: Content-Length is the client's word, not a fact."""
    if hasattr(stream, "seek"):
        with contextlib.suppress(OSError, ValueError):  # a stream that cannot rewind is read from here
            stream.seek(0)
    chunks, total = [], 0
    while total <= limit:
        chunk = stream.read(min(CHUNK_SIZE, limit + 1 - total))
        if not chunk:
            break
        chunks.append(chunk)
        total += len(chunk)
    if total == 0:
        raise DocumentError(EMPTY)
    if total > limit:
        raise DocumentError(too_large_message(limit))
    return b"".join(chunks)


def detect_type(data: bytes) -> str:
    kind = filetype.guess(data)
    if kind is None or kind.mime not in ACCEPTED:
        raise DocumentError(WRONG_TYPE)
    return kind.mime


def check_pdf(data: bytes) -> None:
    """A PDF starts with its header and ends with %%EOF; a cut-off download or copy lacks the end."""
    if not data.startswith(b"%PDF-") or b"%%EOF" not in data[-PDF_TAIL_BYTES:]:
        raise DocumentError(CORRUPT_PDF)


def check_image(data: bytes, content_type: str) -> None:
    """Decode the image for real: verify() finds broken PNG checksums, load() finds truncated data.

    The size in pixels is read from the header alone (the plugin class parses only the header)
    and checked before Pillow decodes anything, so a decompression bomb is refused with a clear
    message instead of a DecompressionBombWarning or Error.
    """
    _, pillow_format, header_class = ACCEPTED[content_type]
    try:
        with header_class(io.BytesIO(data)) as header:
            width, height = header.size
        if width * height > max_image_pixels():
            raise DocumentError(too_many_pixels_message())
        with Image.open(io.BytesIO(data), formats=[pillow_format]) as image:
            image.verify()
        with Image.open(io.BytesIO(data), formats=[pillow_format]) as image:
            if pillow_format == "JPEG":
                # Decoding at 1/8 scale still reads every byte of the data, with 1/64 of the memory.
                image.draft(image.mode, (max(1, width // 8), max(1, height // 8)))
            image.load()
    except DocumentError:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise DocumentError(too_many_pixels_message()) from None
    except Exception:  # noqa: BLE001 - Pillow raises many types on malformed input; all mean "corrupt"
        raise DocumentError(CORRUPT_IMAGE) from None


def too_large_message(limit: int) -> str:
    return TOO_LARGE % {"size": human_size(limit)}


def too_many_pixels_message() -> str:
    megapixels = format_decimal(max_image_pixels() / 1_000_000, format="#,##0.#")
    return TOO_MANY_PIXELS % {"megapixels": megapixels}


def download_extension_ok(name: str, content_type: str) -> bool:
    """Whether a file name already ends with an extension that matches the detected content."""
    _, dot, suffix = name.rpartition(".")
    return bool(dot) and suffix.lower() in EXTENSIONS[content_type]
