"""Numbers as people type them, on a Latin, an Arabic or a Persian keyboard: Arabic-Indic (٠١٢٣٤٥٦٧٨٩) and
Eastern Arabic-Indic (۰۱۲۳۴۵۶۷۸۹) digits are the digits they look like, wherever digits are expected (national
ID, amounts, years, counts, codes, dates). Pure functions; forms use them through jisr/fields.py and
jisr.validators.digits_filter."""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation

#: Arabic-Indic and Eastern Arabic-Indic (Persian keyboard) digits; the spaces and the Arabic thousands sign.
_DIGITS = str.maketrans("٠١٢٣٤٥٦٧٨٩۰۱۲۳۴۵۶۷۸۹", "01234567890123456789")
_SPACES = re.compile(r"[\s\u00a0\u202f\u2009\u066c']+")
_CURRENCY_WORDS = re.compile(r"(?i)(dhs?|mad|dirhams?|درهم|دراهم|د\.م\.?)$")


def ascii_digits(text: str) -> str:
    """'١٢٣' and '۱۲۳' are '123'; anything else is left as it is."""
    return text.translate(_DIGITS)


def parse_amount(text: str) -> Decimal | None:
    """An amount as staff type it: "12500", "12 500", "12.500", "12500,50", "١٢٥٠٠٫٥" or "12 500 DH". A separator
    followed by exactly three digits groups thousands (amounts have at most two decimals); otherwise it is the
    decimal separator. Raises ValueError when it is not a number."""
    value = _CURRENCY_WORDS.sub("", _SPACES.sub("", ascii_digits(text or "")))
    if not value:
        return None
    if "٫" in value:  # the Arabic decimal separator says which one is meant
        whole, _sep, decimals = value.partition("٫")
        value = re.sub(r"[.,]", "", whole) + "." + decimals
    else:
        separators = [c for c in value if c in ".,"]
        if len(set(separators)) == 2:  # "1.234,50" or "1,234.50": the last one is the decimal separator
            decimal_sep = separators[-1]
            whole, _sep, decimals = value.rpartition(decimal_sep)
            value = _ungroup(whole, "," if decimal_sep == "." else ".") + "." + decimals
        elif separators:
            sep = separators[0]
            parts = value.split(sep)
            if len(parts) > 2 or (len(parts[1]) == 3 and 0 < len(parts[0].lstrip("-")) <= 3
                                  and not parts[0].lstrip("-").startswith("0")):
                value = _ungroup(value, sep)
            else:
                value = value.replace(sep, ".")
    if not re.fullmatch(r"-?\d+(\.\d+)?", value):
        raise ValueError(value)
    try:
        return Decimal(value)
    except InvalidOperation as error:  # pragma: no cover - the pattern above admits only numbers
        raise ValueError(value) from error


def _ungroup(value: str, sep: str) -> str:
    head, *groups = value.split(sep)
    if not re.fullmatch(r"-?\d{1,3}", head) or any(not re.fullmatch(r"\d{3}", g) for g in groups):
        raise ValueError(value)
    return head + "".join(groups)


def parse_count(text: str) -> int | None:
    """A whole number typed with Latin or Arabic digits; ValueError otherwise."""
    value = _SPACES.sub("", ascii_digits(text or ""))
    if not value:
        return None
    if not re.fullmatch(r"-?\d+", value):
        raise ValueError(value)
    return int(value)


#: The largest identifier the database stores (PostgreSQL's integer); the <int:…> converter stops there too.
MAX_ID = 2**31 - 1
#: Beyond any list's last page; a larger ?page= shows that (empty) page rather than overflow the OFFSET.
MAX_PAGE = 100_000


def _whole(value: str) -> int:
    text = ascii_digits(value or "").strip()
    if not re.fullmatch(r"[-+]?[0-9]{1,20}", text):
        raise ValueError(value)
    return int(text)


def page_number(value: str) -> int:
    """?page= of a list (`request.args.get("page", 1, type=page_number)`): 1 at least, at most MAX_PAGE.
    ValueError for what is not a number, so the default applies."""
    return min(max(_whole(value), 1), MAX_PAGE)


def database_id(value: str) -> int:
    """An identifier sent by a page (a query string, a checkbox): a positive number the database can hold;
    ValueError otherwise."""
    number = _whole(value)
    if not 1 <= number <= MAX_ID:
        raise ValueError(value)
    return number


def database_ids(values) -> list[int]:
    """The identifiers among `values`, in order; the others left out."""
    found = []
    for value in values:
        try:
            found.append(database_id(value))
        except (TypeError, ValueError):
            continue
    return found
