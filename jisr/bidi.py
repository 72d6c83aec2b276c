"""Values that read left to right inside Arabic text: phone numbers, national IDs, references, codes, e-mail
addresses, file names, amounts.

After Arabic letters, each space-separated group of digits is a run of its own, laid out right to left (the
Unicode bidirectional algorithm, rules W2 and N1): "مثلًا 06 12 34 56 78" shows as 78 56 34 12 06. Such a value is
isolated: in HTML with `<bdi dir="ltr">` (the `ltr` filter), in plain text (SMS, e-mail, messages that end up
in a page as text) between LRI and PDI, which phones and browsers honour. Exports must stay clean: a
spreadsheet cell holds the value, never the marks (`strip_isolates`).
"""

from __future__ import annotations

import re
from decimal import Decimal
from functools import lru_cache

import phonenumbers
from flask import current_app, has_app_context
from markupsafe import Markup, escape

LRI, FSI, PDI = "\u2066", "\u2068", "\u2069"  # left-to-right isolate, first-strong isolate, pop directional isolate
# Isolates, embeddings and overrides (U+202A-U+202E: an override typed into a name reverses a cell), the
# invisible direction marks.
_MARKS = re.compile("[\u202a-\u202e\u2066-\u2069\u200e\u200f\u061c]")


def isolate(value) -> str:
    """Plain text: `value` reads left to right wherever it lands (an SMS, an e-mail, a translated message)."""
    text = "" if value is None else str(value)
    return f"{LRI}{text}{PDI}" if text else ""


def isolate_auto(value) -> str:
    """Plain text: `value` isolated from its neighbours but laid out in its own direction, that of its first
    letter (FSI): a date written with the month's name, or an address staff typed in either script. LRI would lay
    "10 أبريل 2026" out left to right, so that an Arabic reader reads أبريل 2026 10."""
    text = "" if value is None else str(value)
    return f"{FSI}{text}{PDI}" if text else ""


def strip_isolates(value):
    """A value without direction marks, for a CSV or XLSX cell (non-strings are returned as they are)."""
    return _MARKS.sub("", value) if isinstance(value, str) else value


def ltr(value) -> Markup:
    """HTML: the value isolated and laid out left to right (`{{ application.reference|ltr }}`)."""
    if value is None or value == "":
        return Markup("")
    return Markup('<bdi dir="ltr">%s</bdi>') % escape(value)


def _country() -> str:
    return current_app.config.get("COUNTRY", "MA") if has_app_context() else "MA"


def display_phone(e164: str | None) -> str:
    """A stored number (E.164) as people of the country write it: +212612345678 is 06 12 34 56 78; a number of
    another country in its international form (+33 6 12 34 56 78), which says where it is."""
    if not e164:
        return ""
    try:
        number = phonenumbers.parse(e164, None)
    except phonenumbers.NumberParseException:
        return e164
    region = phonenumbers.region_code_for_number(number)
    kind = (phonenumbers.PhoneNumberFormat.NATIONAL if region == _country()
            else phonenumbers.PhoneNumberFormat.INTERNATIONAL)
    return phonenumbers.format_number(number, kind)


def phone(e164: str | None) -> Markup:
    """HTML: the number in the national format, grouped as people say it, isolated (`{{ user.phone|phone }}`)."""
    return ltr(display_phone(e164))


def example_phone() -> str:
    """The example mobile number the forms show (06 12 34 56 78 in Morocco), in plain text."""
    return _example_phone(_country())


@lru_cache(maxsize=8)
def _example_phone(country: str) -> str:
    number = phonenumbers.example_number_for_type(country, phonenumbers.PhoneNumberType.MOBILE)
    if country == "MA":  # the libphonenumber example (06 50 …) reads less like an example than this one
        number = phonenumbers.parse("+212612345678", None)
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.NATIONAL) if number else ""


def amount(value: Decimal | int | float | None) -> str:
    """An amount of dirhams as Moroccans write it, "25 000,00 DH" / "25.000,00 درهم", the number isolated so that
    it keeps its order beside Arabic words. Plain text (HTML escapes it as any text)."""
    from flask_babel import format_decimal, gettext

    if value is None:
        return ""
    number = format_decimal(Decimal(value), format="#,##0.00")
    # i18n: an amount of money in dirhams; DH is how Moroccans abbreviate dirham in French (درهم in Arabic).
    return gettext("%(amount)s DH", amount=isolate(number))
