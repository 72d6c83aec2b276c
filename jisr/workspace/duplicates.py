"""Do two people's names, typed in Arabic or in Latin script, name the same person? Pure (no Flask, no
database), so the rules are tested on tables of real name pairs.

A name becomes *forms*: a skeleton of consonant classes that transliteration cannot tell apart (س/ص and s,
ت/ط and t, ج and j/dj/g, ش and ch/sh, خ and kh, غ and gh, و and w/ou...), and the vowels before, between
and after them (its *gaps*). Two forms match when their skeletons are equal and their vowels agree with the
tolerance each pair of scripts needs: Arabic writes only long vowels, French spellings use e for almost any
vowel and drop short ones ("Fatma", "Mhamed"). The vowels are what keep Amina apart from Imane, Karim from
Karima and Nadia from Nada, whose skeletons are the same.

The most telling pair of spellings decides. Arabic with Arabic (the civil-status spelling in the Maghreb)
is compared letter for letter after normalisation, since it alone tells Salma (سلمى) from Salima (سليمة);
two different Arabic spellings still match when each reads as the other person's Latin one (عائشة/Aicha,
عيشة/Aisha), and the same Latin spelling always matches (a typo in one Arabic entry). Without Arabic on
both sides, Arabic is compared with Latin; Latin with Latin only when neither has Arabic.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache
from itertools import islice, product
from typing import NamedTuple


class PersonNames(NamedTuple):
    """A person's names as the identity step stores them; any may be None, any may be in either script."""

    first_ar: str | None = None
    last_ar: str | None = None
    first_latin: str | None = None
    last_latin: str | None = None


class Form(NamedTuple):
    """A name as it sounds: consonant classes (capitals) and the vowel runs around them."""

    script: str  # "ar" or "latin"
    skeleton: str
    # len(skeleton) + 1 vowel runs over a i u, y (Arabic final ي/ى: a or i), ? (any vowel, or none: Latin e,
    # Arabic ع) and * (a leading alef: any vowel, but an alef all the same when two Arabic spellings meet).
    gaps: tuple[str, ...]


class NameForms(NamedTuple):
    """One name (first, last, or both joined), as forms from its Arabic and its Latin spelling."""

    arabic: tuple[Form, ...] = ()
    latin: tuple[Form, ...] = ()

    @property
    def skeletons(self) -> frozenset[str]:
        return frozenset(f.skeleton for f in self.arabic + self.latin)

    def __bool__(self) -> bool:
        return bool(self.arabic or self.latin)


class PersonForms(NamedTuple):
    first: NameForms
    last: NameForms
    full: NameForms  # first and last joined: compound names split differently between the two fields


# -- Arabic ----------------------------------------------------------------------------------------------

_ARABIC_LETTER = re.compile("[\u0600-\u06ff\u0750-\u077f\u08a0-\u08ff\ufb50-\ufdff\ufe70-\ufeff]")
# Tashkeel, Quranic marks and tatweel: never part of the name.
_TASHKEEL = re.compile("[\u0610-\u061a\u064b-\u065f\u0670\u06d6-\u06ed\u0640]")
# Letters people type interchangeably: alef with or without hamza or madda, hamza on its seat or alone,
# Persian/Urdu keyboard forms. ة and ى stay (their sound matters below); ڭ (Moroccan g) stays.
_ARABIC_LIGHT = str.maketrans({"أ": "ا", "إ": "ا", "آ": "ا", "ٱ": "ا", "ؤ": "و", "ئ": "ي", "ء": None,
                               "ی": "ي", "ې": "ي", "ک": "ك", "ھ": "ه", "ە": "ه", "ۀ": "ة", "ڤ": "ف",
                               "پ": "ب", "گ": "ڭ"})
_ARABIC_FULL = str.maketrans({"ى": "ي", "ة": "ه"})
_ARABIC_CONSONANTS = {"ب": "B", "ت": "T", "ث": "T", "ج": "J", "ح": "H", "خ": "X", "د": "D", "ذ": "D",
                      "ر": "R", "ز": "Z", "س": "S", "ش": "C", "ص": "S", "ض": "D", "ط": "T", "ظ": "D",
                      "غ": "G", "ف": "F", "ق": "K", "ك": "K", "ڭ": "J", "ل": "L", "م": "M", "ن": "N"}
_ARABIC_ARTICLES = frozenset({"ال"})
_ARABIC_PARTICLES = frozenset({"بن", "ابن", "بنت", "ولد", "ايت", "بو", "ابو", "اولاد"})


def _arabic_light(text: str) -> str:
    text = _TASHKEEL.sub("", unicodedata.normalize("NFC", text)).translate(_ARABIC_LIGHT)
    return " ".join("".join(c if _ARABIC_LETTER.match(c) or c.isspace() else " " for c in text).split())


def normalize_arabic(text: str | None) -> str:
    """Arabic as people mean it rather than as they typed it: no tashkeel or tatweel, one alef, hamza off
    its seat, ى as ي and ة as ه (typed for one another at the end of a word), single spaces."""
    return _arabic_light(text or "").translate(_ARABIC_FULL)


def _arabic_symbols(token: str) -> list[str]:
    """Sounds of one Arabic word. Short vowels are not written; و and ي are consonants only at the start."""
    out, last = [], len(token) - 1
    for i, ch in enumerate(token):
        if ch in _ARABIC_CONSONANTS:
            out.append(_ARABIC_CONSONANTS[ch])
        elif ch == "ا":
            out.append("*" if i == 0 else "a")  # a leading alef carries any vowel (أ/إ/آ were merged)
        elif ch == "و":
            out.append("W" if i == 0 else "u")
        elif ch == "ي":
            out.append("Y" if i == 0 else "y" if i == last else "i")  # final ي is often a typed ى
        elif ch == "ى":
            out.append("y")
        elif ch == "ة":
            out.append("a")
        elif ch == "ه":
            out.append("a" if i == last and last >= 2 else "H")  # a final ه is usually a typed ة
        elif ch == "ع":
            out.append("?")  # written as a vowel, or not at all, in Latin script
    return out


def _strip_arabic_article(word: str, first: bool = False) -> str | None:
    """Without its article. On a first name's first word (الزهرة, البتول, العربي) only when a real word is
    left: إلهام, typed الهام, is not هام."""
    return word[2:] if word.startswith("ال") and len(word) >= (6 if first else 4) else None


# -- Latin -----------------------------------------------------------------------------------------------

_APOSTROPHES = re.compile("['’‘`´ʼʻ]")
_LATIN_ARTICLES = frozenset({"el", "al", "l", "ul", "ad", "ed", "at", "et", "az", "ez", "as", "es", "an", "en",
                             "ar", "er", "ach", "ech", "ash", "esh"})
_LATIN_PARTICLES = frozenset({"ben", "bin", "ibn", "bent", "bint", "ould", "ait", "bou", "abou", "abu",
                              "oulad", "ouled", "id"})
_LATIN_DIGRAPHS = (("sch", "C"), ("tch", "C"), ("ch", "C"), ("sh", "C"), ("kh", "X"), ("gh", "G"),
                   ("dj", "J"), ("dh", "D"), ("ph", "F"), ("ck", "K"))
_LATIN_CONSONANTS = {"b": "B", "p": "B", "d": "D", "f": "F", "v": "F", "g": "J", "j": "J", "k": "K", "q": "K",
                     "l": "L", "m": "M", "n": "N", "r": "R", "s": "S", "t": "T", "x": "X", "z": "Z", "h": "H"}
_LATIN_VOWELS = {"a": "a", "e": "?", "i": "i", "o": "u", "u": "u"}
_VOWEL_LETTERS = frozenset("aeiou")
_ASSIMILATED_ARTICLE = re.compile(r"[ae](?=([dtrzsnl]|ch|sh)\1)")  # ez-zahra, es-saadi, ech-chaoui
_JOINED_ARTICLE = re.compile(r"(?:el|al)(?=[a-z]{3})")
_OULD = re.compile(r"oul[ae]?d")


def _latin_words(text: str) -> list[str]:
    text = text.replace("ç", "s").replace("Ç", "s").replace("ß", "ss").replace("œ", "oe").replace("æ", "ae")
    text = "".join(c for c in unicodedata.normalize("NFKD", _APOSTROPHES.sub("", text))
                   if not unicodedata.combining(c)).lower()
    return re.sub("[^a-z]+", " ", text).split()


def normalize_latin(text: str | None) -> str:
    """Latin as compared: no accents or apostrophes, lower case, words separated by single spaces."""
    return " ".join(_latin_words(text or ""))


def _latin_symbols(word: str, th_is_one_sound: bool) -> list[str]:
    """Sounds of one word in French-style transliteration. "th" is ث (Othmane) or ت+ه (Fathia): both tried."""
    out: list[str] = []
    i, n = 0, len(word)
    while i < n:
        rest, ch = word[i:], word[i]
        following = word[i + 2] if i + 2 < n else ""
        if i == 0 and rest.startswith("rh"):  # Rhita, Rhizlane: French for غ
            out.append("G")
            i += 2
            continue
        if rest.startswith("th"):
            out.append("T")
            i += 2 if th_is_one_sound else 1
            continue
        digraph = next(((len(d), c) for d, c in _LATIN_DIGRAPHS if rest.startswith(d)), None)
        if digraph:
            out.append(digraph[1])
            i += digraph[0]
            continue
        if rest.startswith(("qu", "gu")) and following in _VOWEL_LETTERS:
            out.append("K" if ch == "q" else "J")
            i += 2
            continue
        if rest.startswith("ou"):  # Ouafae, Ouidad, Ould (ولد): w; Bouchra, Fouad: u
            if i == 0 and (following in _VOWEL_LETTERS or _OULD.match(word)):
                out.append("W")
                i += 1 if following not in _VOWEL_LETTERS else 2
            else:
                out.append("u")
                i += 2
            continue
        nxt = word[i + 1] if i + 1 < n else ""
        if ch in "yw":
            consonant = i == 0 and nxt in _VOWEL_LETTERS
            out.append(("Y" if ch == "y" else "W") if consonant else ("i" if ch == "y" else "u"))
        elif ch == "c":
            out.append("S" if nxt in ("e", "i", "y") else "K")
        elif ch == "e" and i == n - 1 and out and out[-1].isupper():
            pass  # silent final e: Imane, Hanane, Amine
        elif ch == "h" and i == n - 1 and out and not out[-1].isupper():
            pass  # Fatimah, Aishah
        elif ch in _LATIN_VOWELS:
            out.append(_LATIN_VOWELS[ch])
        elif ch in _LATIN_CONSONANTS:
            out.append(_LATIN_CONSONANTS[ch])
        i += 1
    return out


def _strip_latin_article(word: str, first: bool = False) -> str | None:
    if first:  # Elham is not Ham: in Latin script an article of a first name is written apart (El Batoul)
        return None
    if _JOINED_ARTICLE.match(word):
        return word[2:]
    if _ASSIMILATED_ARTICLE.match(word):
        return word[1:]
    return None


# -- forms -----------------------------------------------------------------------------------------------

_MAX_FORMS = 32


def is_arabic(text: str | None) -> bool:
    return bool(text and _ARABIC_LETTER.search(text))


def _word_groups(words: list[str], arabic: bool, strip_from: int) -> list[list[str]]:
    """Each word with its spelling variants. Particles (ben, ait, ould, بن...) and articles written apart
    are joined to the next word, so "Ben Ali" is "Benali". A word is also tried without its article ("El
    Alaoui"/"Alaoui"/"العلوي", "Fatima Ezzahra"/"Fatima Zahra"); words before `strip_from` (a first name's
    first word) only when the article was written apart or in Arabic script, see the strip functions."""
    articles, particles = (_ARABIC_ARTICLES, _ARABIC_PARTICLES) if arabic else (_LATIN_ARTICLES, _LATIN_PARTICLES)
    strip = _strip_arabic_article if arabic else _strip_latin_article
    groups: list[list[str]] = []
    prefix = article = ""
    for index, word in enumerate(words):
        if word in particles and not article:
            prefix += word
            continue
        if word in articles and not article:
            article = word
            continue
        if article:
            variants = [article + word, word]
        else:
            variants = [word] + ([bare] if (bare := strip(word, first=index < strip_from)) else [])
        groups.append([prefix + v for v in variants])
        prefix = article = ""
    if prefix or article:  # a name that is only a particle or an article: keep it as typed
        groups.append([prefix + article])
    return groups


def _form(script: str, symbols: list[str]) -> Form:
    skeleton, gaps, run = [], [], []
    for i, s in enumerate(symbols):
        if i and symbols[i - 1] == s:
            continue  # doubled letters, also across words: Mohammed, Ben Naceur
        if s.isupper():
            gaps.append("".join(run))
            run = []
            skeleton.append(s)
        else:
            run.append(s)
    gaps.append("".join(run))
    return Form(script, "".join(skeleton), tuple(gaps))


@lru_cache(maxsize=8192)
def name_forms(text: str | None, strip_from: int = 0) -> tuple[Form, ...]:
    """Every form of a name (either script). `strip_from`: first word whose article may be left out — 0 for
    a family name, 1 for a first name."""
    if not text or not text.strip():
        return ()
    arabic = is_arabic(text)
    words = _arabic_light(text).split() if arabic else _latin_words(text)
    groups = _word_groups(words, arabic, strip_from)
    if arabic:
        spellings = [[_arabic_symbols(w) for v in group for w in ((v, v[:-1] + "ت") if v.endswith("اة") else (v,))]
                     for group in groups]  # ة after alef is also read t: حياة Hayat, نجاة Najat
    else:
        spellings = [[_latin_symbols(v, one) for v in group for one in ((True, False) if "th" in v else (True,))]
                     for group in groups]
    script = "ar" if arabic else "latin"
    forms = dict.fromkeys(_form(script, [s for word in combo for s in word])
                          for combo in islice(product(*spellings), _MAX_FORMS))
    voiced = tuple(f for f in forms if f.skeleton)  # "Aoui" left from "Alaoui" says nothing
    return voiced or tuple(forms)


def _name(arabic: str | None, latin: str | None, strip_from: int) -> NameForms:
    ar: tuple[Form, ...] = ()
    lat: tuple[Form, ...] = ()
    for text in (arabic, latin):  # by what the text is, not by which field it was typed in
        forms = name_forms(text, strip_from)
        if forms and forms[0].script == "ar":
            ar += forms
        else:
            lat += forms
    return NameForms(ar, lat)


def _joined(first: str | None, last: str | None) -> str | None:
    return f"{first} {last}" if first and first.strip() and last and last.strip() else None


@lru_cache(maxsize=4096)
def person_forms(names: PersonNames) -> PersonForms:
    names = PersonNames(*names)
    return PersonForms(
        first=_name(names.first_ar, names.first_latin, strip_from=1),
        last=_name(names.last_ar, names.last_latin, strip_from=0),
        full=_name(_joined(names.first_ar, names.last_ar), _joined(names.first_latin, names.last_latin),
                   strip_from=1),
    )


# -- comparing -------------------------------------------------------------------------------------------

def _core(gap: str) -> str:
    core = gap.replace("?", "").replace("*", "")
    return "".join(c for i, c in enumerate(core) if i == 0 or core[i - 1] != c)


def _within(short: str, long: str, wild: str = "") -> bool:
    """`short` is a subsequence of `long`, where a letter of `long` in `wild` stands for any vowel and an
    Arabic y (final ي/ى) for a or i."""
    it = iter(long)
    return all(any(c == x or x in wild or (c == "y" and x in "ai") for x in it) for c in short)


def _fits(gap: str, core: str) -> bool:
    """`core` is spelled by `gap`, where each e (?) stands for one vowel or none: Fatema, Meryem, Zeinab."""
    return "?" in gap and re.fullmatch("".join("[aiu]?" if c == "?" else c for c in gap), core) is not None


def _latin_gaps_agree(g1: str, g2: str, where: str) -> bool:
    c1, c2 = _core(g1), _core(g2)
    if c1 == c2 or _fits(g1, c2) or _fits(g2, c1):
        return True
    if where != "medial":  # at the ends a vowel tells Karim from Karima and Amina from Imane
        return False
    if not c1 or not c2:  # a short vowel dropped inside the name: Fatma, Mhamed, Rkia
        return len(c1 + c2) == 1
    return {c1, c2} in ({"ai", "i"}, {"au", "u"})  # Zaynab / Zineb


@lru_cache(maxsize=4096)
def _spells(arabic: str, latin: str) -> bool:
    """The vowels at an end of a name: `latin` spells exactly `arabic`. Arabic ?/* (ع, a leading alef) and
    Latin e may stand for a vowel or for none; Arabic y (final ي/ى) reads a or i; Latin may add a short vowel
    only before an Arabic و or ي (Alaoui for العلوي, Soumaya for سمية), not before ا or ة (Samia is not
    أسماء, Safia not صفاء)."""
    if not arabic or not latin:
        return all(c == "?" for c in latin) and all(c in "?*" for c in arabic)
    a, x = arabic[0], latin[0]
    if a in "?*" and (_spells(arabic[1:], latin) or _spells(arabic[1:], latin[1:])):
        return True
    if x == "?" and (_spells(arabic, latin[1:]) or _spells(arabic[1:], latin[1:])):
        return True
    if (a == x or a == "y" and x in "ai") and _spells(arabic[1:], latin[1:]):
        return True
    extra_before = a in "iu" or a == "y" and latin[1:2] == "i"
    return extra_before and x in "aiu" and _spells(arabic, latin[1:])


def _cross_gaps_agree(arabic: str, latin: str, where: str) -> bool:
    """Arabic writes long vowels only: each must be in the Latin spelling (e stands for any), which adds the
    short ones inside the name; at its ends the two must spell the same vowels (Karim is not كريمة)."""
    if where == "medial":
        return _within(_core(arabic), latin, wild="?")
    return _spells(arabic, latin)


def _forms_agree(f: Form, g: Form) -> bool:
    if f.skeleton != g.skeleton:
        return False
    if f.script == g.script == "ar":
        return _arabic_key(f) == _arabic_key(g)
    last = len(f.gaps) - 1
    for k, (x, y) in enumerate(zip(f.gaps, g.gaps, strict=True)):
        where = "final" if k == last else "initial" if k == 0 else "medial"
        if f.script == g.script:
            agree = _latin_gaps_agree(x, y, where)
        elif f.script == "ar":
            agree = _cross_gaps_agree(x, y, where)
        else:
            agree = _cross_gaps_agree(y, x, where)
        if not agree:
            return False
    return True


def _arabic_key(form: Form) -> tuple[str, tuple[str, ...]]:
    """Two Arabic spellings are compared letter for letter: a leading alef is an alef wherever the words
    were split ("فاطمةالزهراء" and "فاطمة الزهراء")."""
    gaps = (g.replace("*", "a") for g in form.gaps)
    return form.skeleton, tuple("".join(c for i, c in enumerate(g) if i == 0 or g[i - 1] != c) for g in gaps)


def _cross(arabic: tuple[Form, ...], latin: tuple[Form, ...]) -> bool:
    return any(_forms_agree(f, g) for f in arabic for g in latin)


def _same(x: NameForms, y: NameForms) -> bool:
    """The most telling pair of spellings decides: Arabic with Arabic, else Arabic with Latin, else Latin
    with Latin; the same Latin spelling (after normalisation) always counts."""
    if set(x.latin) & set(y.latin):
        return True
    if x.arabic and y.arabic:
        keys = {_arabic_key(f) for f in x.arabic}
        # Two Arabic spellings of one name (عائشة / عيشة) are confirmed when each reads as the other's Latin.
        return any(_arabic_key(f) in keys for f in y.arabic) or (
            bool(x.latin and y.latin) and _cross(x.arabic, y.latin) and _cross(y.arabic, x.latin))
    if x.arabic or y.arabic:
        return _cross(x.arabic, y.latin) or _cross(y.arabic, x.latin)
    return any(_forms_agree(f, g) for f in x.latin for g in y.latin)


def same_name(a: str | None, b: str | None, *, family: bool = False) -> bool:
    """Two spellings of one name, each in either script ("خديجة" / "Khadidja"); `family` for family names."""
    strip_from = 0 if family else 1
    return _same(_name(a, None, strip_from), _name(b, None, strip_from))


def names_match(a: PersonNames, b: PersonNames) -> bool:
    """Same first name and same family name, in whichever scripts each person gave them; also when the two
    were swapped between the fields, or when a compound name was split differently ("Fatima Zahra | Alaoui"
    and "Fatima | Zahra Alaoui"). A person missing her first or family name in every script matches no one."""
    x, y = person_forms(PersonNames(*a)), person_forms(PersonNames(*b))
    if not (x.first and x.last and y.first and y.last):
        return False
    if _same(x.first, y.first) and _same(x.last, y.last) or _same(x.first, y.last) and _same(x.last, y.first):
        return True
    # Joined, the end of the first name meets the start of the family name and its vowels lose their weight
    # (Amina|Alaoui would meet Amine|Alaoui): only when the fields do not line up at all.
    lined_up = x.first.skeletons & y.first.skeletons and x.last.skeletons & y.last.skeletons
    return not lined_up and _same(x.full, y.full)
