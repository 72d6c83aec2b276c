"""Numbers and left-to-right values shown in the order they are written. After Arabic letters, each
space-separated group of digits is a right-to-left run of its own (Unicode bidi rules W2 and N1), so
"مثلًا 06 12 34 56 78" is drawn as 78 56 34 12 06 unless the number is isolated; this reads the order
from the layout itself, so it holds whatever way a page isolates its values (bdi, dir, class, LRI…PDI)."""

from __future__ import annotations

# Problems of the page as laid out now, one per value drawn out of order. Two kinds of value:
# (a) a number written as groups of digits (ASCII, Arabic-Indic or Persian) separated by a space, U+00A0 or
#     U+202F ("06 12 34 56 78", "12 345", "12/03/2026 10:30": a group may hold . , : / - between digits), in
#     text that is not an isolated value; its parts are its groups;
# (b) an isolated left-to-right value: a bdi[dir=ltr], any element with dir="ltr" or class "ltr" (the outermost
#     one when they nest), or a span of text between U+2066 LRI and U+2069 PDI; its parts are its words (split on
#     white space). A word with right-to-left letters is read in its own direction, so it is left out.
# Each part is measured with Range.getBoundingClientRect(); a part must start to the right of the part before
# it when both are on the same line. A part wrapped to another line is not compared with the one before it:
# lines are broken in the written order, so their order says nothing about the bidi order within a line.
# Hidden text (as in layout.py), <script>, <style>, <template>, <option> and form controls' values are left out.
_BIDI = """() => {
  const D = '0-9\\u0660-\\u0669\\u06f0-\\u06f9';
  const GROUP = `[${D}]+(?:[.,:/\\\\-\\u066b\\u066c][${D}]+)*`;
  const NUMBER = new RegExp(`${GROUP}(?:[ \\u00a0\\u202f]${GROUP})+`, 'g');
  const RTL = /(?=\\p{L})[\\p{Script=Arabic}\\p{Script=Hebrew}\\p{Script=Syriac}\\p{Script=Thaana}]/u;  // letters
  const VALUE = '[dir=ltr i], .ltr';  // bdi[dir=ltr] included
  const hidden = e => e.closest('.visually-hidden, script, style, textarea, select, option, template')
      || !e.checkVisibility({visibilityProperty: true, opacityProperty: true});
  const outermostValue = e => { let v = null;
    for (; e && e !== document.body; e = e.parentElement) if (e.matches(VALUE)) v = e;
    return v; };
  const part = (node, start, text) => { const r = document.createRange();
    r.setStart(node, start); r.setEnd(node, start + text.length);
    return {text, r: r.getBoundingClientRect(), rtl: RTL.test(text)}; };
  const words = (node, from, to) => [...node.nodeValue.slice(from, to).matchAll(/\\S+/g)]
      .map(m => part(node, from + m.index, m[0]));
  const clean = s => s.replace(/[\\u2066-\\u2069]/g, '').replace(/\\s+/g, ' ').trim();
  const name = e => `<${e.tagName.toLowerCase()}${e.id ? '#' + e.id : ''}`
      + `${[...e.classList].map(c => '.' + c).join('')}>`;
  const sameLine = (a, b) => Math.min(a.bottom, b.bottom) - Math.max(a.top, b.top) > Math.min(a.height, b.height) / 2;
  const problems = [];
  const check = (label, parts, el) => {
    parts = parts.filter(p => p.r.width >= 1 && p.r.height >= 1);
    const wrong = parts.some((p, i) => i > 0 && !p.rtl && !parts[i - 1].rtl && sameLine(parts[i - 1].r, p.r)
        && p.r.left <= parts[i - 1].r.left + 0.5);
    if (!wrong) return;
    const lines = [];
    for (const p of parts) {
      let line = lines.find(l => sameLine(l[0].r, p.r));
      if (!line) lines.push(line = []);
      line.push(p);
    }
    const shown = lines.sort((a, b) => a[0].r.top - b[0].r.top)
        .map(l => l.sort((a, b) => a.r.left - b.r.left).map(p => p.text).join(' ')).join(' / ');
    problems.push(`"${clean(label)}": shown as ${clean(shown)} (in ${name(el)})`);
  };
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  for (let n = walker.nextNode(); n; n = walker.nextNode()) {
    const text = n.nodeValue;
    if (!/[0-9\\u0660-\\u0669\\u06f0-\\u06f9\\u2066]/.test(text) || hidden(n.parentElement)) continue;
    if (outermostValue(n.parentElement)) continue;  // checked word by word below
    const isolates = [...text.matchAll(/\\u2066([^\\u2066-\\u2069]*)\\u2069/g)]
        .map(m => [m.index + 1, m.index + 1 + m[1].length]);
    for (const [from, to] of isolates) check(text.slice(from, to), words(n, from, to), n.parentElement);
    for (const m of text.matchAll(NUMBER)) {
      if (isolates.some(([from, to]) => m.index >= from && m.index < to)) continue;
      const before = clean(text.slice(0, m.index)).split(' ').pop();
      const groups = [...m[0].matchAll(new RegExp(GROUP, 'g'))].map(g => part(n, m.index + g.index, g[0]));
      check(`${before} ${m[0]}`, groups, n.parentElement);
    }
  }
  for (const el of document.body.querySelectorAll(VALUE)) {
    if (outermostValue(el) !== el || hidden(el)) continue;
    const parts = [];
    const inner = document.createTreeWalker(el, NodeFilter.SHOW_TEXT);
    for (let n = inner.nextNode(); n; n = inner.nextNode()) {
      const dir = n.parentElement.closest('[dir]');
      if (hidden(n.parentElement) || (el.contains(dir) && dir !== el && dir.dir !== 'ltr')) continue;
      parts.push(...words(n, 0, n.nodeValue.length));
    }
    check(el.textContent, parts, el);
  }
  return [...new Set(problems)];
}"""


def bidi_problems(page) -> list[str]:
    """Values drawn out of their written order: '"مثلًا 06 12 34 56 78": shown as 78 56 34 12 06 (in <p>)'."""
    return page.evaluate(_BIDI)
