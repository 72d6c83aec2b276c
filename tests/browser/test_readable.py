"""Readable and usable on a small phone: every page of PAGES at 320 CSS pixels wide, with text at 100%
and zoomed to 200%, has no sideways scrolling and no text cut off or drawn over other text; every tap
target is at least 44 x 44 CSS pixels. A desktop width with text at 200% is checked too, and there, in
Arabic, every number and left-to-right value is drawn in the order it is written (bidi.py)."""

import pytest

from .bidi import bidi_problems
from .layout import layout_problems, small_targets, zoom_text
from .pages import LANGUAGES, PAGES

CHECKED = [(page, lang) for page in PAGES for lang in LANGUAGES]


@pytest.mark.parametrize(("spec", "lang"), CHECKED, ids=[f"{p.id}-{lang}" for p, lang in CHECKED])
def test_page_reflows_at_320_pixels_and_200_percent_text(new_context, world, spec, lang):
    page = new_context(viewport={"width": 320, "height": 640}).new_page()
    spec.open(page, world, lang)
    problems = []
    for percent in (100, 200):
        zoom_text(page, percent)
        problems += [f"320px, text {percent}%: {p}" for p in layout_problems(page) + small_targets(page)]
    page.set_viewport_size({"width": 1280, "height": 800})
    problems += [f"1280px, text 200%: {p}" for p in layout_problems(page)]
    if lang == "ar":  # numbers turn round after Arabic letters: the right-to-left pages are where it happens
        problems += [f"1280px, shown in the wrong order: {p}" for p in bidi_problems(page)]
    assert not problems, f"{spec.id} in {lang}:\n" + "\n".join(problems)
