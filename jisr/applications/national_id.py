"""The national ID rule, in one place: another country changes the pattern here (or through
JISR_NATIONAL_ID_PATTERN) and nothing else.

Morocco's CNIE: one or two letters, then digits (e.g. "K123456", "AB12345")."""

import re

from flask import current_app
from flask_babel import lazy_gettext as _l

from jisr.bidi import isolate
from jisr.numbers import ascii_digits

DEFAULT_PATTERN = r"[A-Z]{1,2}[0-9]{1,6}"
FORMAT_HELP = _l("One or two letters followed by digits, as on your identity card, for example %(example)s.",
                 example=isolate("AB123456"))


def normalise(value: str | None) -> str:
    """Upper case without spaces or dashes, digits typed on an Arabic keyboard read as digits: 'ab 12-345',
    'AB١٢٣٤٥' and 'AB12345' are the same card."""
    return re.sub(r"[\s\-]", "", ascii_digits(value or "")).upper()


def is_valid(value: str) -> bool:
    pattern = current_app.config.get("NATIONAL_ID_PATTERN") or DEFAULT_PATTERN
    return re.fullmatch(pattern, value) is not None
