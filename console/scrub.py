"""Personal data out of patient messages before the inbox stores them.

A reviewed rule set (no statistical model: none is available offline for
spaCy 3.4), plus the phonenumbers library for phone numbers in any format.
It errs towards removing too much: a capitalised word that is neither the
first of a sentence nor a word of the source page or the assistant's own
vocabulary is taken for a name. Each find becomes a placeholder: [NAME],
[PHONE], [EMAIL], [DATE], [ADDRESS], [ID].
"""

from __future__ import annotations

import re
from functools import cache

import phonenumbers

from console.page_sources import page

EMAIL = re.compile(r"[\w.+'-]+@[\w-]+(?:\.[\w-]+)+", re.UNICODE)
URL = re.compile(r"\bhttps?://\S+|\bwww\.\S+", re.IGNORECASE)
SSN = re.compile(r"\b\d{3}[- ]\d{2}[- ]\d{4}\b")
MONTHS = (
    r"(?:jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|"
    r"sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)\.?"
)
DATES = [
    re.compile(r"\b\d{1,4}[/.-]\d{1,2}[/.-]\d{1,4}\b"),
    re.compile(rf"\b{MONTHS}\s+\d{{1,2}}(?:st|nd|rd|th)?(?:,?\s+\d{{2,4}})?\b", re.IGNORECASE),
    re.compile(
        rf"\b\d{{1,2}}(?:st|nd|rd|th)?\s+(?:of\s+)?{MONTHS}(?:,?\s+\d{{2,4}})?\b", re.IGNORECASE
    ),
    re.compile(
        r"\b(?:born|dob|d\.o\.b\.?|birthday)\b[:\s]+(?:in\s+|on\s+)?\S+(?:\s+\d{2,4})?",
        re.IGNORECASE,
    ),
]
STREET = (
    r"(?:street|st|avenue|ave|road|rd|boulevard|blvd|lane|ln|drive|dr|court|ct|way|place|pl|"
    r"terrace|circle|cir|highway|hwy|parkway|pkwy|square|sq)\b\.?"
)
ADDRESSES = [
    re.compile(rf"\b\d{{1,6}}\s+(?:[A-Za-z0-9'.-]+\s+){{1,4}}{STREET}", re.IGNORECASE),
    re.compile(r"\b(?:apt|apartment|suite|unit|p\.?\s?o\.?\s+box)\.?\s*#?\s*\w+", re.IGNORECASE),
    re.compile(r"\b\d{5}(?:-\d{4})?\b"),  # ZIP codes
]
RECORD_NUMBERS = [
    re.compile(
        r"\b(?:mrn|medical record|record|chart|patient|member|policy|account|insurance|id)"
        r"(?:\s+(?:number|no\.?|num|#|id))?\s*(?:is|:|#)?\s*[A-Za-z]{0,3}[-#]?\d[\w-]{2,}",
        re.IGNORECASE,
    ),
    re.compile(r"#\s*\d{3,}"),
    re.compile(r"\b(?=[A-Za-z-]*\d)(?=\d*[A-Za-z])[A-Za-z0-9-]{6,}\b"),  # letters and digits
    re.compile(r"\b\d{6,}\b"),
]
NAME_CUES = re.compile(
    r"\b(?i:my name is|name is|name's|i am|i'm|im|this is|call me|signed|regards,?|thanks,?|"
    r"thank you,?|from|dr\.?|doctor|mr\.?|mrs\.?|ms\.?|miss|nurse|"
    r"my (?:wife|husband|son|daughter|mother|mom|mum|father|dad|sister|brother|friend|partner|"
    r"aunt|uncle|grandmother|grandma|grandfather|grandpa|neighbou?r))\s+"
    r"((?:[A-Z][a-z'-]+)(?:\s+[A-Z][a-z'-]+){0,2})",
)
NAME_INTRO = re.compile(
    r"\b(?:my name is|name is|name's)\s+([a-z][a-z'-]+(?:\s+[a-z][a-z'-]+)?)",
    re.IGNORECASE,
)
CAPITALISED = re.compile(r"\b[A-Z][a-z'-]+\b")
# A name opening a sentence is told from an ordinary first word by what
# follows: a second capitalised word ("John Smith here") or "here".
OPENING_NAME = re.compile(r"\b([A-Z][a-z'-]+)(?=\s+(?:[A-Z][a-z'-]+|here)\b)")
SIGNATURE = re.compile(r"(?:^|\s)[-\u2013\u2014~]\s*([A-Z][a-z'-]+(?:\s+[A-Z][a-z'-]+)?)\s*$")
SENTENCE_START = re.compile(r"(?:^|[.!?:;\n]\s*|[\"(]\s*)$")
# Capitalised words that are not names though not on the page.
ALLOWED_WORDS = {
    "i", "igrt", "ok", "okay", "hi", "hello", "hey", "thanks", "please", "yes", "no",
    "monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday",
    "english", "spanish", "dr", "mr", "mrs", "ms", "god", "covid", "ct", "mri", "pet",
    "cbct", "x-ray", "x-rays",
}  # fmt: skip


@cache
def known_words() -> frozenset[str]:
    """Words of the source page: never names."""
    text, _ = page()
    return frozenset(word.lower() for word in re.findall(r"[A-Za-z'-]+", text)) | ALLOWED_WORDS


def _replace(text: str, spans: list[tuple[int, int, str]]) -> str:
    # Longest first at each place, so "555 Main Street" is one address.
    spans.sort(key=lambda span: (span[0], span[0] - span[1]))
    out, position = [], 0
    for start, end, label in spans:
        if start < position:  # overlaps one already replaced
            continue
        out.append(text[position:start])
        out.append(f"[{label}]")
        position = end
    out.append(text[position:])
    return "".join(out)


def _pattern_spans(text: str) -> list[tuple[int, int, str]]:
    spans: list[tuple[int, int, str]] = []
    for pattern, label in [(EMAIL, "EMAIL"), (URL, "ID"), (SSN, "ID")]:
        spans += [(m.start(), m.end(), label) for m in pattern.finditer(text)]
    for match in phonenumbers.PhoneNumberMatcher(
        text, "US", leniency=phonenumbers.Leniency.POSSIBLE
    ):
        spans.append((match.start, match.end, "PHONE"))
    for patterns, label in [(DATES, "DATE"), (ADDRESSES, "ADDRESS"), (RECORD_NUMBERS, "ID")]:
        for pattern in patterns:
            spans += [(m.start(), m.end(), label) for m in pattern.finditer(text)]
    return spans


def _name_spans(text: str) -> list[tuple[int, int, str]]:
    spans = [(m.start(1), m.end(1), "NAME") for m in NAME_CUES.finditer(text)]
    for match in NAME_INTRO.finditer(text):
        spans.append((match.start(1), match.end(1), "NAME"))
    words = known_words()
    spans += [(m.start(1), m.end(1), "NAME") for m in SIGNATURE.finditer(text)]
    for match in OPENING_NAME.finditer(text):
        if match.group(1).lower() not in words:
            spans.append((match.start(1), match.end(1), "NAME"))
    for match in CAPITALISED.finditer(text):
        if match.group().lower() in words or SENTENCE_START.search(text[: match.start()]):
            continue
        spans.append((match.start(), match.end(), "NAME"))
    return spans


def scrub(text: str) -> str:
    """The text with personal data replaced by placeholders."""
    text = _replace(text, _pattern_spans(text))
    return _replace(text, _name_spans(text))
