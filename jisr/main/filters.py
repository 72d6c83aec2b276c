"""Template helpers: Babel's own formatting, bilingual labels for coded values."""

import hashlib
from datetime import UTC
from functools import lru_cache
from pathlib import Path

from babel.numbers import format_decimal as babel_decimal
from babel.numbers import get_group_symbol
from flask import current_app, url_for
from flask_babel import format_date, format_decimal, get_locale

from jisr import bidi
from jisr.labels import label, label_items
from jisr.timeutil import aware


def register(app) -> None:
    app.jinja_env.filters["date"] = lambda value, fmt="long": format_date(value, fmt) if value else ""
    # Dates and times to the minute, in the programme's time zone, never with seconds or a raw offset.
    app.jinja_env.filters["datetime"] = minute
    app.jinja_env.filters["minute"] = minute
    app.jinja_env.filters["ltr"] = bidi.ltr
    app.jinja_env.filters["phone"] = bidi.phone
    app.jinja_env.filters["money"] = bidi.amount
    app.jinja_env.globals["example_phone"] = bidi.example_phone
    app.jinja_env.filters["number"] = number
    app.jinja_env.filters["label"] = label
    # `codes|map("label_of", kind)`: a list of coded values in the reader's words.
    app.jinja_env.filters["label_of"] = lambda code, kind: label(kind, code)
    app.jinja_env.filters["iso"] = iso_datetime
    app.jinja_env.globals["label"] = label
    app.jinja_env.globals["number_formatter"] = number_formatter
    app.jinja_env.globals["label_items"] = label_items
    app.jinja_env.globals["form_errors"] = form_errors
    app.jinja_env.globals["static_url"] = static_url


def number(value, decimals: int | None = None) -> str:
    """A number as the reader's country writes it; `decimals`: exactly that many (`2.5|number(1)` is "2,5").
    Whole numbers take a short cut where the locale groups digits by three like Python (the dashboards write
    thousands of them: Babel's own formatting costs some 20 µs each)."""
    if value is None:
        return ""
    if decimals is None and type(value) is int and value >= 0:
        group = _thousands(str(get_locale()))
        if group is not None:
            return f"{value:,}".replace(",", group)
    return format_decimal(value, format=f"#,##0.{'0' * decimals}" if decimals else None)


def number_formatter():
    """`number` bound to the reader's locale once, for a template writing hundreds of figures:
    `{% set figure = number_formatter() %}{{ figure(n) }}` (looking the locale up costs more than formatting)."""
    group = _thousands(str(get_locale()))

    def figure(value) -> str:
        if group is not None and type(value) is int and value >= 0:
            return f"{value:,}".replace(",", group)
        return number(value)

    return figure


@lru_cache(maxsize=16)
def _thousands(locale: str) -> str | None:
    """The locale's group symbol when Python's grouping by three, with it, writes whole numbers exactly as Babel
    does (checked on a few numbers); None otherwise (Babel formats them)."""
    group = get_group_symbol(locale=locale)
    samples = (0, 7, 999, 1000, 12345, 1234567, 10**12)
    if all(babel_decimal(n, locale=locale) == f"{n:,}".replace(",", group) for n in samples):
        return group
    return None


def minute(value) -> str:
    """A date and time to the minute, in the reader's locale and the programme's time zone, without seconds or
    a raw offset (a deadline reads "15 janvier 2027 à 17:00", not "…17:00:00 +0100")."""
    if not value:
        return ""
    from babel import dates
    from flask_babel import get_locale, get_timezone

    local, locale = aware(value).astimezone(get_timezone()), get_locale()
    return dates.get_datetime_format("long", locale=locale).format(
        dates.format_time(local, "short", tzinfo=local.tzinfo, locale=locale),
        dates.format_date(local.date(), "long", locale=locale))


def iso_datetime(value) -> str:
    """Machine-readable UTC time for <time datetime>: whole seconds, explicit zone."""
    return aware(value).astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ") if value else ""


def form_errors(form) -> list[tuple[str, str, str]]:
    """Flatten a form's errors (FieldList and FormField included) for the error summary."""
    found: list[tuple[str, str, str]] = []

    def walk(field):
        if hasattr(field, "entries"):  # FieldList: its own messages, then its rows'
            for message in field.errors:
                if not isinstance(message, dict):
                    found.append((field.id, str(field.label.text), message))
            for entry in field.entries:
                walk(entry)
        elif hasattr(field, "form") and hasattr(field.form, "_fields") and field.type == "FormField":
            for sub in field.form:
                walk(sub)
        elif field.errors:
            found.append((field.id, str(field.label.text), str(field.errors[0])))

    for field in form:
        walk(field)
    return found


@lru_cache(maxsize=64)
def _fingerprint(path: str) -> str:
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()[:12]


def static_url(filename: str) -> str:
    """A static asset's address carrying its content hash, so it can be cached for a year and still
    change the moment the file does."""
    folder = current_app.static_folder
    return url_for("static", filename=filename, v=_fingerprint(str(Path(folder) / filename)))
