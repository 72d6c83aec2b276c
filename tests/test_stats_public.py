"""The public funnel: small counts hidden, and no hidden count recoverable by subtraction (the suppression's rules
checked on random tables with hypothesis); the page open to anyone, with the programme's figures."""

from __future__ import annotations

import html as html_module
import re

from hypothesis import given
from hypothesis import strategies as st

from jisr.stats.public import PRIMARY, SECONDARY, THRESHOLD, suppress


def table(regions: list[list[int]]):
    """A country of regions of provinces: values and relations as the public page builds them."""
    values, relations = {}, []
    for r, provinces in enumerate(regions):
        for p, value in enumerate(provinces):
            values[("p", r, p)] = value
        values[("r", r)] = sum(provinces)
        relations.append((("r", r), [("p", r, p) for p in range(len(provinces))]))
    values["n"] = sum(values[("r", r)] for r in range(len(regions)))
    relations.append(("n", [("r", r) for r in range(len(regions))]))
    return values, relations


@given(st.lists(st.lists(st.integers(0, 40), min_size=1, max_size=6), min_size=1, max_size=6))
def test_every_small_count_is_hidden_and_no_sum_has_a_single_hidden_cell(regions):
    values, relations = table(regions)
    hidden = suppress(values, relations)
    assert all(hidden[c] == PRIMARY for c, v in values.items() if v < THRESHOLD)
    assert all(hidden[c] in (None, SECONDARY) for c, v in values.items() if v >= THRESHOLD)
    for total, parts in relations:
        assert sum(1 for c in [total, *parts] if hidden[c]) != 1, (total, {c: hidden[c] for c in parts})


def test_a_single_small_province_takes_the_smallest_other_with_it():
    values, relations = table([[3, 12, 40]])
    hidden = suppress(values, relations)
    assert hidden[("p", 0, 0)] == PRIMARY and hidden[("p", 0, 1)] == SECONDARY and hidden[("p", 0, 2)] is None
    # The region equals the country here: two hidden provinces, and region and country shown (52 = 3 + 12 + 40).
    assert hidden[("r", 0)] is None and hidden["n"] is None


def test_the_page_is_open_to_anyone_and_hides_small_figures(client, db, make_workspace):
    ws = make_workspace(files=3)  # three files in Errachidia: fewer than 5 there
    assert ws.files
    response = client.get("/statistics/public?lang=fr")
    assert response.status_code == 200
    page = html_module.unescape(response.get_data(as_text=True))
    row = re.search(r"<th scope=\"row\">Errachidia</th>(.*?)</tr>", page, re.S).group(1)
    assert "moins de 5" in row and "3" not in row
    national = re.search(r'id="national-title".*?</table>', page, re.S).group(0)
    assert "moins de 5" in national
