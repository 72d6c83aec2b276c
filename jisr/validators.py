"""Text validators shared by every form: the right script for names, no markup or hidden
direction controls in free text, lengths told in the reader's language, digits typed on an Arabic
keyboard read as digits. Messages are lazy, so they render in the reader's language."""

from __future__ import annotations

import re
import unicodedata

from flask_babel import lazy_gettext as _l
from flask_babel import ngettext
from wtforms import validators
from wtforms.validators import ValidationError

from jisr.numbers import ascii_digits

ARABIC_LETTERS = "\u0621-\u063a\u0641-\u064a\u0671-\u06d3\u06fa-\u06ff\u0750-\u077f\u08a0-\u08ff"
ARABIC_NAME = re.compile(rf"[{ARABIC_LETTERS}\u064b-\u0652\u0640]+(?:[ \-'][{ARABIC_LETTERS}\u064b-\u0652\u0640]+)*")
LATIN_NAME = re.compile(r"[A-Za-zÀ-ÖØ-öø-ÿ]+(?:[ \-'’.][A-Za-zÀ-ÖØ-öø-ÿ]+)*\.?")
MARKUP = re.compile(r"<\s*/?\s*[a-zA-Z!?]|&#?\w+;")
# Bidi overrides and isolates can disguise text (e.g. reverse a reference on screen); none is needed in input.
BIDI_CONTROLS = re.compile("[\u202a-\u202e\u2066-\u2069\u200e\u200f\u061c]")


def clean_text(value: str | None) -> str:
    """NFC-normalise and trim, collapsing runs of spaces: 'Fatima  ' and 'Fatima' are the same name."""
    if value is None:
        return ""
    return re.sub(r"[ \t]+", " ", unicodedata.normalize("NFC", value)).strip()


def strip_filter(value):
    return clean_text(value) if isinstance(value, str) else value


def digits_filter(value):
    """For text fields that hold digits (a card number, a code): '٠١٢٣' and '۰۱۲۳' are kept as '0123'."""
    return ascii_digits(value) if isinstance(value, str) else value


class Length(validators.Length):
    """WTForms' Length, its messages from our catalogue: WTForms' Arabic one lacks four of Arabic's six plural
    forms, so "at most 200 characters" was shown in English on Arabic pages."""

    def __call__(self, form, field):
        length = len(field.data) if isinstance(field.data, str) else 0
        if self.message is not None or (length >= self.min and (self.max == -1 or length <= self.max)):
            return super().__call__(form, field)
        if self.max == -1:
            message = ngettext("Use at least %(num)d character.", "Use at least %(num)d characters.", self.min)
        elif self.min == -1 or length > self.max:
            message = ngettext("Use at most %(num)d character.", "Use at most %(num)d characters.", self.max)
        else:
            message = ngettext("Use at least %(num)d character.", "Use at least %(num)d characters.", self.min)
        raise ValidationError(message)


def _has_control_chars(value: str) -> bool:
    return any(unicodedata.category(ch) == "Cc" and ch not in "\n\r\t" for ch in value)


class SafeText:
    """Free text: any script and mixed directions are fine; markup and control characters are not."""

    def __call__(self, form, field):
        value = field.data or ""
        if _has_control_chars(value) or BIDI_CONTROLS.search(value):
            raise ValidationError(_l("This text contains invisible control characters. Please retype it."))
        if MARKUP.search(value):
            raise ValidationError(_l("Please write plain text, without < > tags or codes."))


class ArabicName:
    def __call__(self, form, field):
        if field.data and not ARABIC_NAME.fullmatch(field.data):
            raise ValidationError(_l("Write this name in Arabic letters only."))


class LatinName:
    def __call__(self, form, field):
        if field.data and not LATIN_NAME.fullmatch(field.data):
            raise ValidationError(_l("Write this name in Latin letters only, as on your identity card."))
