"""Keyboard-only helpers: Tab, Shift+Tab, Enter, Space and arrow keys, never a click, and checks of
what the keyboard shows (focus order, a visible focus indicator, no trap, the error summary)."""

from __future__ import annotations

from playwright.sync_api import TimeoutError as PlaywrightTimeout

# The focused element: its position in the document, a description, and its focus indicator now. The
# element focused at the previous call is measured again, now that it is not focused, so the indicator
# can be compared with the element's normal look.
_FOCUS = """() => {
  const el = document.activeElement;
  const look = e => { const s = getComputedStyle(e);
    return {outline: s.outlineStyle !== 'none' && parseFloat(s.outlineWidth) > 0
              ? `${s.outlineWidth} ${s.outlineStyle} ${s.outlineColor}` : '',
            shadow: s.boxShadow === 'none' ? '' : s.boxShadow}; };
  const describe = e => {
    const text = (e.getAttribute('aria-label') || e.innerText || e.value || '').trim().replace(/\\s+/g, ' ');
    return `<${e.tagName.toLowerCase()}${e.id ? '#' + e.id : ''}${e.name ? ' name=' + e.name : ''}`
         + `${e.type && e.tagName === 'INPUT' ? ' type=' + e.type : ''}> ${text.slice(0, 40)}`; };
  const all = document.getElementsByTagName('*');
  const r = el.getBoundingClientRect();
  const now = {pos: Array.prototype.indexOf.call(all, el), desc: describe(el), look: look(el),
               body: el === document.body || el === document.documentElement,
               inViewport: r.width > 0 && r.height > 0 && r.bottom > 0 && r.right > 0
                           && r.top < innerHeight && r.left < innerWidth};
  let before = null;
  const prev = window.__keyboardPrevious;
  if (prev && prev.el !== el && prev.el.isConnected && prev.el !== document.body) {
    before = {desc: prev.desc, focused: prev.look, blurred: look(prev.el)};
  }
  window.__keyboardPrevious = {el, desc: now.desc, look: now.look};
  return {...now, before};
}"""

# Elements Tab should reach, in document order: one stop per radio group (its checked radio, else its
# first), nothing hidden, disabled or taken out with tabindex=-1.
_TABBABLE = """() => {
  const all = document.getElementsByTagName('*');
  const found = [], groups = new Set();
  const sel = 'a[href], button, input:not([type=hidden]), select, textarea, [tabindex], summary';
  for (const el of document.querySelectorAll(sel)) {
    if (el.disabled || el.tabIndex < 0 || !el.checkVisibility({visibilityProperty: true})) continue;
    if (el.type === 'radio' && el.name) {
      if (groups.has(el.name)) continue;
      groups.add(el.name);
      const group = [...document.querySelectorAll(`input[type=radio][name="${el.name}"]`)];
      const chosen = group.find(r => r.checked) || group[0];
      found.push(Array.prototype.indexOf.call(all, chosen));
      continue;
    }
    found.push(Array.prototype.indexOf.call(all, el));
  }
  return {order: found.sort((a, b) => a - b),
          positive: [...document.querySelectorAll('[tabindex]')].filter(e => e.tabIndex > 0).map(e => e.outerHTML)};
}"""


def focused(page) -> dict:
    return page.evaluate(_FOCUS)


def press(page, key: str) -> dict:
    page.keyboard.press(key)
    return focused(page)


def check_indicator(info: dict) -> list[str]:
    """A focused element must show a ring (outline or box-shadow) that its normal look does not have."""
    problems = []
    before = info.get("before")
    if before and (before["focused"]["outline"] or before["focused"]["shadow"]):
        if before["focused"] == before["blurred"]:
            problems.append(f"{before['desc']}: looks the same focused and not focused ({before['focused']})")
    if not info["body"] and not (info["look"]["outline"] or info["look"]["shadow"]):
        problems.append(f"{info['desc']}: no visible focus indicator")
    if not info["body"] and not info["inViewport"]:
        problems.append(f"{info['desc']}: focused but not on screen")
    return problems


def check_tab_cycle(page, label: str) -> None:
    """Tab through everything and back to the start: on a page just loaded the first Tab reaches the
    skip link; the order follows the document; every stop shows its focus; focus is never trapped."""
    tabbable = page.evaluate(_TABBABLE)
    assert not tabbable["positive"], f"{label}: positive tabindex breaks the order: {tabbable['positive']}"
    expected = tabbable["order"]
    if page.evaluate("document.activeElement === document.body"):  # just loaded, nothing focused yet
        first = press(page, "Tab")
        assert "skip-link" in page.evaluate("document.activeElement.className"), f"{label}: first Tab: {first['desc']}"
    else:  # focus somewhere (an error summary): Tab round to the skip link first
        first = tab_to(page, "a.skip-link")
        page.evaluate("() => { delete window.__keyboardPrevious; }")
        first = focused(page)
    seen, problems, info = [first["pos"]], check_indicator(first), first
    for _ in range(4 * len(expected) + 10):  # a date field has several stops (its day, month, year)
        info = press(page, "Tab")
        problems += check_indicator(info)
        if info["pos"] == first["pos"]:
            break
        if not info["body"] and info["pos"] != seen[-1]:
            seen.append(info["pos"])
    else:
        raise AssertionError(f"{label}: focus never came back to the start (trapped at {info['desc']})")
    assert not problems, f"{label}:\n" + "\n".join(problems)
    assert seen == expected, f"{label}: Tab order {seen} is not the document order {expected}"
    # And backwards: Shift+Tab from the start goes to the last stop, then the one before.
    back = [press(page, "Shift+Tab") for _ in range(3)]
    stops = [b["pos"] for b in back if not b["body"]]
    assert stops[:2] == [expected[-1], expected[-2]], f"{label}: Shift+Tab order {stops} (expected end {expected[-2:]})"
    page.keyboard.press("Tab")  # to the start again (skip link)
    while not page.evaluate("document.activeElement.classList.contains('skip-link')"):
        page.keyboard.press("Tab")


def tab_to(page, selector: str, backwards: bool = False, limit: int = 120) -> dict:
    """Tab (or Shift+Tab) until the focused element matches `selector`."""
    for _ in range(limit):
        if page.evaluate("s => document.activeElement.matches(s)", selector):
            return focused(page)
        page.keyboard.press("Shift+Tab" if backwards else "Tab")
    raise AssertionError(f"Tab never reached {selector}; stuck on {focused(page)['desc']}")


def type_into(page, selector: str, text: str) -> None:
    tab_to(page, selector)
    page.keyboard.type(text)


def choose_option(page, selector: str, value: str, limit: int = 120) -> None:
    """A closed <select> reached by Tab: arrow keys until the wanted option is chosen."""
    tab_to(page, selector)
    for key in ["ArrowDown"] * limit + ["ArrowUp"] * limit:
        if page.evaluate("s => document.activeElement.value", selector) == str(value):
            return
        page.keyboard.press(key)
    raise AssertionError(f"{selector}: option {value} not reachable with the arrow keys")


def choose_radio(page, name: str, value: str) -> None:
    """Tab into the radio group, then arrow keys until `value` is checked."""
    tab_to(page, f"input[type=radio][name={name}]")
    page.keyboard.press("Space")
    for _ in range(10):
        if page.evaluate("() => document.activeElement.checked && document.activeElement.value") == value:
            return
        page.keyboard.press("ArrowDown")
    raise AssertionError(f"radio {name}={value} not reachable with the arrow keys")


def tick(page, selector: str) -> None:
    tab_to(page, selector)
    if not page.evaluate("() => document.activeElement.checked"):
        page.keyboard.press("Space")
    assert page.evaluate("() => document.activeElement.checked"), selector


def type_date(page, selector: str, iso: str) -> None:
    """A date field in the browser's own order of day, month and year (mm/dd/yyyy in Chromium's en-US)."""
    tab_to(page, selector)
    year, month, day = iso.split("-")
    for order in ((month, day, year), (day, month, year), (year, month, day)):
        page.keyboard.type("".join(order))
        if page.evaluate("s => document.querySelector(s).value", selector) == iso:
            return
        page.keyboard.press("Shift+Tab")
        page.keyboard.press("Shift+Tab")
    raise AssertionError(f"{selector}: could not type the date {iso}")


def activate(page, selector: str, key: str = "Enter") -> None:
    """Tab to a link or button and press Enter (or Space), waiting for the page it opens."""
    tab_to(page, selector)
    with page.expect_navigation():
        page.keyboard.press(key)


def check_error_summary(page, label: str, follow_links: bool = True) -> None:
    """After a refused form: focus on the error summary; each of its links moves focus to its field;
    every invalid field says so (aria-invalid) and is described by its error message."""
    try:  # autofocus is applied at the browser's next rendering step, which may come just after the load event
        page.wait_for_function("document.activeElement.id === 'error-summary'", timeout=3000)
    except PlaywrightTimeout:
        raise AssertionError(f"{label}: focus on {focused(page)['desc']}") from None
    invalid = page.evaluate("""() => [...document.querySelectorAll('[aria-invalid=true]')].map(e => ({
        id: e.id, errors: (e.getAttribute('aria-describedby') || '').split(/\\s+/)
          .map(i => document.getElementById(i)).filter(x => x && x.classList.contains('field-error'))
          .map(x => x.innerText.trim())}))""")
    assert invalid, f"{label}: no field marked aria-invalid"
    missing = [f["id"] for f in invalid if not (f["errors"] and all(f["errors"]))]
    targets = page.evaluate("() => [...document.querySelectorAll('#error-summary a')].map(a => a.hash.slice(1))")
    # A group (radio buttons, a list of members) describes its error on its fieldset.
    groups = page.evaluate("""() => [...document.querySelectorAll('fieldset[aria-describedby]')].filter(f =>
        f.getAttribute('aria-describedby').split(/\\s+/).some(i => document.getElementById(i)?.classList
          .contains('field-error'))).flatMap(f => [...f.querySelectorAll('[aria-invalid=true]')].map(e => e.id))""")
    missing = [m for m in missing if m not in groups]
    assert not missing, f"{label}: invalid fields not described by their error: {missing}"
    if not follow_links:
        return
    for index, target in enumerate(targets):
        link = f"#error-summary li:nth-child({index + 1}) a"
        tab_to(page, link, backwards=index > 0)
        page.keyboard.press("Enter")
        active = page.evaluate("() => document.activeElement.id")
        assert active == target, f"{label}: the link to #{target} moved focus to #{active}"
        assert page.evaluate("""t => { const e = document.getElementById(t);
            const describedBy = (e.getAttribute('aria-describedby') || '').split(/\\s+/)
              .some(i => document.getElementById(i)?.classList.contains('field-error'));
            return e.getAttribute('aria-invalid') === 'true' || (e.tagName === 'FIELDSET' && describedBy) }""",
                             target), f"{label}: #{target} does not say it is invalid"
