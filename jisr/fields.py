"""Form fields that read numbers, dates and times as people type them: with Latin digits or with the digits of an
Arabic or Persian keyboard (٠١٢٣٤٥٦٧٨٩, ۰۱۲۳۴۵۶۷۸۹), as the phone field already does. Every form uses these
instead of WTForms' own (tests/test_bad_input.py checks it)."""

from __future__ import annotations

import re
from datetime import date

from flask_babel import lazy_gettext as _l
from wtforms import fields

from jisr.numbers import ascii_digits, parse_amount

WHOLE = re.compile(r"[-+]?[0-9]+")
#: Before or after these, a date is a typing mistake (0202 for 2020), and dates near year 1 or 9999 overflow
#: when a time zone is applied.
EARLIEST, LATEST = date(1900, 1, 1), date(2999, 12, 31)


def _typed(valuelist) -> list:
    return [ascii_digits(value).strip() if isinstance(value, str) else value for value in valuelist]


class IntegerField(fields.IntegerField):
    """A whole number in Latin or Arabic digits; "1_000", "²" or "0x1f" are not numbers people type."""

    def process_formdata(self, valuelist):
        if not valuelist:
            return
        typed = _typed(valuelist)[0]
        self.data = None
        if not (isinstance(typed, str) and len(typed) <= 100 and WHOLE.fullmatch(typed)):
            raise ValueError(_l("Write a whole number in figures, for example 3."))
        self.data = int(typed)


class DecimalField(fields.DecimalField):
    """An amount in Latin or Arabic digits, with a decimal point or comma (or the Arabic ٫) and spaces or
    points between thousands: "25 000", "25.000", "١٢٥٠٠٫٥". Not NaN, nor infinity."""

    def process_formdata(self, valuelist):
        if not valuelist:
            return
        try:
            self.data = parse_amount(valuelist[0]) if isinstance(valuelist[0], str) else None
        except ValueError as error:
            self.data = None
            raise ValueError(_l("Write the amount in figures, for example 12500 or 12500,50.")) from error


class DateField(fields.DateField):
    """A date (YYYY-MM-DD, as <input type="date"> sends it, or typed by hand), between 1900 and 2999."""

    message = _l("Enter the date as on a calendar, for example 2026-11-23.")

    def process_formdata(self, valuelist):
        try:
            super().process_formdata(_typed(valuelist))
        except ValueError as error:
            raise ValueError(self.message) from error
        if self.data is not None and not EARLIEST <= self.data <= LATEST:
            self.data = None
            raise ValueError(self.message)


class TimeField(fields.TimeField):
    """A time of day, hours and minutes (09:30), in Latin or Arabic digits."""

    message = _l("Enter the time as hours and minutes, for example 09:30.")

    def process_formdata(self, valuelist):
        try:
            super().process_formdata(_typed(valuelist))
        except ValueError as error:
            raise ValueError(self.message) from error
