"""Layout checks in the browser: no horizontal scrolling, no text cut off or overlapping, tap targets of
at least 44 x 44 CSS pixels (WCAG 1.4.4, 1.4.10, 2.5.5)."""

from __future__ import annotations

TARGET = 44

# Problems of the page as laid out now: text outside the viewport or cut off by an ancestor that hides
# its overflow, pieces of text drawn over each other or over a form control, a page wider than the screen.
_LAYOUT = """() => {
  const problems = [];
  const W = document.documentElement.clientWidth;
  if (document.documentElement.scrollWidth > W + 1) {
    const wide = [...document.body.querySelectorAll('*')].filter(e => e.getBoundingClientRect().right > W + 1
        || e.getBoundingClientRect().left < -1).filter(e => !e.closest('.visually-hidden')).slice(-3)
        .map(e => e.outerHTML.slice(0, 120));
    problems.push(`page scrolls sideways: ${document.documentElement.scrollWidth}px for ${W}px: ${wide.join(' | ')}`);
  }
  const hidden = e => e.closest('.visually-hidden, script, style, textarea, select, option, template')
      || !e.checkVisibility({visibilityProperty: true, opacityProperty: true});
  const pieces = [];
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  for (let n = walker.nextNode(); n; n = walker.nextNode()) {
    if (!n.nodeValue.trim() || hidden(n.parentElement)) continue;
    const range = document.createRange();
    range.selectNodeContents(n);
    for (const r of range.getClientRects()) {
      if (r.width < 1 || r.height < 1) continue;
      pieces.push({r, el: n.parentElement, text: n.nodeValue.trim().slice(0, 30)});
    }
  }
  for (const p of pieces) {
    if (p.r.left < -1 || p.r.right > W + 1) problems.push(`text off screen: "${p.text}"`);
    for (let a = p.el; a && a !== document.body; a = a.parentElement) {
      const s = getComputedStyle(a);
      if (s.overflowX === 'visible' && s.overflowY === 'visible') continue;
      const b = a.getBoundingClientRect();
      if (p.r.left < b.left - 1 || p.r.right > b.right + 1 || p.r.top < b.top - 1 || p.r.bottom > b.bottom + 1) {
        problems.push(`text cut off by <${a.tagName.toLowerCase()} class="${a.className}">: "${p.text}"`);
        break;
      }
    }
  }
  const controls = [...document.querySelectorAll('input:not([type=hidden]), select, textarea')]
      .filter(e => !hidden(e)).map(e => ({r: e.getBoundingClientRect(), el: e}));
  const overlap = (a, b) => Math.min(a.right, b.right) - Math.max(a.left, b.left) > 2
      && Math.min(a.bottom, b.bottom) - Math.max(a.top, b.top) > 2;
  for (let i = 0; i < pieces.length; i++) {
    for (let j = i + 1; j < pieces.length; j++) {
      if (pieces[i].el !== pieces[j].el && overlap(pieces[i].r, pieces[j].r)) {
        problems.push(`text over text: "${pieces[i].text}" / "${pieces[j].text}"`);
      }
    }
    for (const c of controls) {
      if (overlap(pieces[i].r, c.r)) problems.push(`text over a field: "${pieces[i].text}" / #${c.el.id}`);
    }
  }
  return [...new Set(problems)];
}"""

# Targets smaller than 44 x 44. A checkbox or radio counts with its label (a tap on either works). A
# link inside a sentence (inline, with other words around it in its paragraph) is exempt, as WCAG 2.5.5
# allows; a link alone in its paragraph, list item, table cell or menu is not.
_TARGETS = """min => {
  const small = [];
  const box = els => { const rs = els.map(e => e.getBoundingClientRect());
    return {w: Math.max(...rs.map(r => r.right)) - Math.min(...rs.map(r => r.left)),
            h: Math.max(...rs.map(r => r.bottom)) - Math.min(...rs.map(r => r.top))}; };
  const inSentence = a => {
    if (getComputedStyle(a).display !== 'inline') return false;
    const block = a.parentElement.closest('p, li, dd, td, div');
    if (!block || block.closest('nav') || !block.matches('p, li, dd')) return false;
    const copy = block.cloneNode(true);
    copy.querySelectorAll('a, button, input, select, textarea, label, .visually-hidden').forEach(e => e.remove());
    return copy.textContent.trim().length > 0;
  };
  for (const el of document.querySelectorAll('a[href], button, input:not([type=hidden]), select, textarea, summary')) {
    if (el.closest('.visually-hidden') || !el.checkVisibility({visibilityProperty: true})) continue;
    if (el.matches('.skip-link') && document.activeElement !== el) continue;  // shown only when focused
    if (el.tagName === 'A' && inSentence(el)) continue;
    const parts = el.matches('input[type=checkbox], input[type=radio]') ? [el, ...el.labels] : [el];
    const {w, h} = box(parts);
    if (w < min - 0.5 || h < min - 0.5) {
      const text = (el.innerText || el.value || el.id || '').trim().replace(/\\s+/g, ' ').slice(0, 40);
      const name = `<${el.tagName.toLowerCase()}${el.id ? '#' + el.id : ''}>`;
      small.push(`${name} "${text}": ${w.toFixed(0)} x ${h.toFixed(0)}`);
    }
  }
  return small;
}"""


def layout_problems(page) -> list[str]:
    return page.evaluate(_LAYOUT)


def small_targets(page, minimum: int = TARGET) -> list[str]:
    return page.evaluate(_TARGETS, minimum)


def zoom_text(page, percent: int = 200) -> None:
    """Text zoom as a browser setting does it: the root font size grows, the viewport stays."""
    page.evaluate("p => { document.documentElement.style.fontSize = p + '%'; }", percent)
