"""The bidi check of bidi.py on tiny right-to-left documents (no server page): it reports a phone number
drawn mirrored after Arabic words, and passes the same number once isolated, whichever way it is isolated."""

import pytest

from .bidi import bidi_problems

DOC = """<!doctype html><html lang="ar" dir="rtl"><head><meta charset="utf-8">
<style>body {{ font: 16px "DejaVu Sans", sans-serif; }} .ltr {{ direction: ltr; unicode-bidi: isolate; }}</style>
</head><body><p>{}</p></body></html>"""

CASES = {
    "bare phone": ("مثلًا 06 12 34 56 78 نرسل إليك",
                   ['"مثلًا 06 12 34 56 78": shown as 78 56 34 12 06 (in <p>)']),
    "bare amount, Arabic-Indic digits": ("المبلغ ١٢ ٣٤٥ درهم", ['"المبلغ ١٢ ٣٤٥": shown as ٣٤٥ ١٢ (in <p>)']),
    "bdi": ('مثلًا <bdi dir="ltr">06 12 34 56 78</bdi> نرسل إليك', []),
    "span class ltr": ('مثلًا <span class="ltr">06\u00a012\u00a034\u00a056\u00a078</span>', []),
    "LRI…PDI": ("مثلًا \u206606 12 34 56 78\u2069 نرسل إليك", []),
    "reference and e-mail": ('رقم ملفك <bdi dir="ltr" class="reference">JISR-2026-000123</bdi> أو '
                             '\u2066name@example.com\u2069 للتواصل', []),
    "isolated value mirrored": ('الموعد <span dir="ltr" style="direction: rtl">12/03/2026 10:30</span>',
                                ['"12/03/2026 10:30": shown as 10:30 12/03/2026 (in <span>)']),
    "LRI…PDI around Arabic words": ("العنوان \u2066حي 12 34 الرشيدية\u2069",
                                    ['"حي 12 34 الرشيدية": shown as الرشيدية 34 12 حي (in <p>)']),
    "RLI instead of LRI": ("مثلًا \u206706 12 34\u2069", ['"مثلًا 06 12 34": shown as 34 12 06 (in <p>)']),
    "isolate wrapped on two lines": ('<span style="display: inline-block; width: 8ch"><bdi dir="ltr">'
                                     '06 12 34 56 78</bdi></span>', []),
    "bare number wrapped on two lines": ('<span style="display: inline-block; width: 8ch">06 12 34 56 78</span>',
                                         ['"06 12 34 56 78": shown as 34 12 06 / 78 56 (in <span>)']),
    "hidden": ('مثلًا <span hidden>06 12 34</span> <span style="visibility: hidden">06 12 34</span>', []),
    "words of an isolated name": ('<bdi dir="ltr">فاطمة Ait Ali 06 12</bdi>', []),
}


@pytest.mark.parametrize(("body", "expected"), CASES.values(), ids=CASES.keys())
def test_bidi_check_reports_values_shown_out_of_order(new_context, body, expected):
    page = new_context().new_page()
    page.set_content(DOC.format(body))
    assert bidi_problems(page) == expected
