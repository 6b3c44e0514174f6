"""Rule-based triage: symptom concepts (spaCy Matcher), their scope (negated,
past, asked about) and the combinations that make a family urgent.

Data: knowledge/triage/lexicon.yml, concepts.yml, scope_cues.yml.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from enum import Enum
from functools import cache
from pathlib import Path

import spacy
import yaml
from spacy.matcher import Matcher, PhraseMatcher
from spacy.tokens import Doc

from components.text_features import normalise
from components.triage.language import Language, detect_language
from components.triage.other_languages import other_language_red_flags
from components.triage.patterns import as_phrases, compile_pattern

TRIAGE_DIR = Path(__file__).resolve().parents[2] / "knowledge" / "triage"
FEVER_CONCEPT = ("infection", "fever_high")
# "fever", "temp": the word alone, which a normal reading answers.
FEVER_WORD = ("infection", "fever")
# Families whose concepts only mark a question about a symptom (concepts.yml).
ASKED_ONLY = "side_effect_symptoms"
# The concept of a red flag found by knowledge/triage/other_languages.yml.
OTHER_LANGUAGE_CONCEPT = "other_language"
NUMBER = re.compile(r"^(\d{2,3})(?:[.,](\d))?(°?[cf])?$")


class Scope(str, Enum):
    PRESENT = "present"
    NEGATED = "negated"
    PAST = "past"
    ASKED = "asked"
    IDIOM = "idiom"


@dataclass(frozen=True)
class Finding:
    family: str
    concept: str
    scope: Scope
    # Only says when ("today", "just now"), not what is happening.
    timing: bool = False


@dataclass(frozen=True)
class RuleVerdict:
    findings: tuple[Finding, ...]
    urgent_families: tuple[str, ...]
    reassuring: bool = False  # "it passed", "fine now", "mild"

    @property
    def urgent(self) -> bool:
        return bool(self.urgent_families)

    @property
    def symptom_present(self) -> bool:
        """A symptom reported as happening now, though not urgent by itself.
        A time word ("tonight") counts only when no symptom was named: next to
        symptoms that are all past or negated it says nothing about them."""
        symptoms = [f for f in self._triage_findings if not f.timing]
        return any(f.scope is Scope.PRESENT for f in symptoms or self._triage_findings)

    @property
    def only_out_of_scope(self) -> bool:
        """Symptoms were named, but every one is negated, past or asked about."""
        return bool(self._triage_findings) and not self.symptom_present

    @property
    def _triage_findings(self) -> list[Finding]:
        return [f for f in self.findings if f.family != ASKED_ONLY]

    @property
    def symptom_question(self) -> bool:
        return any(f.scope is Scope.ASKED for f in self.findings)


def load(name: str) -> dict:
    return yaml.safe_load((TRIAGE_DIR / name).read_text(encoding="utf-8"))


class TriageRules:
    def __init__(self) -> None:
        self._nlp = spacy.blank("en")
        self._families = load("concepts.yml")["families"]
        cues = load("scope_cues.yml")
        self._cues = cues
        classes = load("lexicon.yml")["classes"]
        self._matcher = Matcher(self._nlp.vocab)
        self._phrase_matcher = PhraseMatcher(self._nlp.vocab, attr="NORM")
        for family, spec in self._families.items():
            for concept, concept_spec in spec["concepts"].items():
                self._add_concept(f"{family}/{concept}", concept_spec["patterns"], classes)
        # One matcher for every kind of cue (the label says which): one pass.
        self._cue_matcher = self._phrases(
            {
                "negation_before": cues["negation"]["before"],
                "negation_after": cues["negation"]["after"],
                "pseudo": cues["negation"]["pseudo"],
                "history": cues["history"]["cues"],
                "history_present": cues["history"]["present"],
                "question": cues["question"]["cues"],
                "question_present": cues["question"]["present"],
                "fever_context": cues["fever_threshold"]["context"],
                "idiom": cues["idioms"],
                "reassurance": cues["reassurance"],
            }
        )
        # Token sequences: "and i" ends a clause where "and" alone does not
        # ("no fever and chills" is one).
        self._boundaries = {tuple(self._norms(word)) for word in cues["clause_boundaries"]}
        self._year = re.compile(cues["history"]["year"])

    def _add_concept(self, label: str, patterns: list[str], classes: dict) -> None:
        fixed: list[Doc] = []
        flexible = []
        for pattern in patterns:
            for specs in compile_pattern(pattern, classes, self._norms):
                phrases = as_phrases(specs)
                if phrases is None:
                    flexible.append(specs)
                else:
                    fixed += [self._phrase_doc(words) for words in phrases]
        if flexible:
            self._matcher.add(label, flexible)
        if fixed:
            self._phrase_matcher.add(label, fixed)

    def _phrase_doc(self, norms: list[str]) -> Doc:
        doc = Doc(self._nlp.vocab, words=norms)
        for token, norm in zip(doc, norms, strict=True):
            token.norm_ = norm
        return doc

    def _norms(self, text: str) -> list[str]:
        return [token.norm_ for token in self._nlp.make_doc(normalise(text))]

    def _phrases(self, kinds: dict[str, Iterable[str]]) -> PhraseMatcher:
        matcher = PhraseMatcher(self._nlp.vocab, attr="NORM")
        for kind, words in kinds.items():
            matcher.add(kind, [self._nlp.make_doc(normalise(str(word))) for word in words])
        return matcher

    def _cues_in(self, doc: Doc) -> dict[str, list[tuple[int, int]]]:
        found: dict[str, list[tuple[int, int]]] = defaultdict(list)
        for label, start, end in self._cue_matcher(doc):
            found[self._nlp.vocab.strings[label]].append((start, end))
        return found

    def assess(self, text: str, language: Language | None = None) -> RuleVerdict:
        """What the rules find; `language` (detected here when not given)
        decides which other-language phrases count."""
        doc = self._nlp.make_doc(normalise(text))
        matches = [*self._matcher(doc), *self._phrase_matcher(doc)]
        cues = self._cues_in(doc)
        symptoms = [(start, end) for label, start, end in matches if not self._is_timing(label)]
        context = _ScopeContext(doc, self, cues, symptoms)
        findings = {
            Finding(
                *self._nlp.vocab.strings[label].split("/"),
                context.scope(start, end),
                timing=self._is_timing(label),
            )
            for label, start, end in matches
        }
        fevers, normal_readings = self._temperatures(doc, cues["fever_context"])
        findings |= {Finding(*FEVER_CONCEPT, context.scope(i, i + 1)) for i in fevers}
        # A figure of speech reassures as much as "it passed" does, and so does a
        # normal temperature reading ("her temp is 37.1") when nothing else is
        # reported happening now.
        reassuring = bool(cues["reassurance"] or cues["idiom"]) or (
            normal_readings and not fevers and not self._reports_a_symptom(findings)
        )
        # Another language: its red flags are urgent with no scope (the reply
        # to such a message is otherwise only "I can only answer in English").
        language = language or detect_language(text)
        elsewhere = other_language_red_flags().families(text, language)
        reported = findings | {
            Finding(family, OTHER_LANGUAGE_CONCEPT, Scope.PRESENT) for family in elsewhere
        }
        urgent = self._urgent_families(findings)
        urgent += tuple(family for family in elsewhere if family not in urgent)
        return RuleVerdict(tuple(sorted(reported, key=str)), urgent, reassuring)

    def _is_timing(self, label: int) -> bool:
        """A concept that only says when ("just", "since yesterday"): it is not
        a symptom, so it does not hide a scope cue ("just had") it overlaps."""
        family, concept = self._nlp.vocab.strings[label].split("/")
        return bool(self._families[family]["concepts"][concept].get("timing"))

    def _temperatures(
        self, doc: Doc, context_cues: list[tuple[int, int]]
    ) -> tuple[list[int], bool]:
        """Token positions of temperatures at or above the fever threshold, and
        whether a temperature below it was given."""
        threshold = self._cues["fever_threshold"]
        context = {i for start, end in context_cues for i in range(start, end)}
        fevers, normal = [], False
        for token in doc:
            match = NUMBER.match(token.lower_)
            if not match or not any(abs(token.i - i) <= 4 for i in context):
                continue
            value = float(f"{match[1]}.{match[2] or 0}")
            if threshold["celsius"] <= value <= 43 or threshold["fahrenheit"] <= value <= 108:
                fevers.append(token.i)
            elif 35 <= value < threshold["celsius"] or 95 <= value < threshold["fahrenheit"]:
                normal = True
        return fevers, normal

    def _reports_a_symptom(self, findings: set[Finding]) -> bool:
        """Something other than a temperature word or a time is happening now."""
        return any(
            finding.scope is Scope.PRESENT
            and (finding.family, finding.concept) != FEVER_WORD
            and not finding.timing
            for finding in findings
        )

    def _urgent_families(self, findings: set[Finding]) -> tuple[str, ...]:
        urgent = []
        for family, spec in self._families.items():
            here = {
                f.concept
                for f in findings
                if f.family == family
                and (
                    f.scope is Scope.PRESENT or (f.scope is Scope.ASKED and _asked_counts(spec, f))
                )
            }
            alone = any(spec["concepts"][concept].get("alone") for concept in here)
            combined = any(
                all(_satisfied(item, here) for item in combination)
                for combination in spec.get("urgent_when", [])
            )
            if alone or combined:
                urgent.append(family)
        return tuple(urgent)


def _asked_counts(family: dict, finding: Finding) -> bool:
    """Some red flags are reported as questions ("is it normal for my stoma to
    turn black?"): asked about, they are still happening."""
    concept = family["concepts"].get(finding.concept, {})
    return bool(family.get("urgent_when_asked") or concept.get("urgent_when_asked"))


def _satisfied(item: str | list[str], concepts: set[str]) -> bool:
    return bool(concepts & set(item)) if isinstance(item, list) else item in concepts


class _ScopeContext:
    """NegEx-style scope of one message: which clause each token is in, and
    where the cues are."""

    def __init__(
        self,
        doc: Doc,
        rules: TriageRules,
        matches: dict[str, list[tuple[int, int]]],
        symptoms: list[tuple[int, int]],
    ) -> None:
        self._doc = doc
        cues = rules._cues
        self._negation_window = cues["negation"]["window"]
        self._history_window = cues["history"]["window"]
        # Negation carries over commas ("no fever, chills or cough"); the other
        # scopes stop at them.
        self._clause = _clauses(doc, rules._boundaries)
        self._phrase = _clauses(doc, rules._boundaries | {(",",)})
        # A cue inside a symptom ("can not breathe") or inside a pseudo-negation
        # ("not sure") is not a cue.
        pseudo = {i for s, e in matches["pseudo"] for i in range(s, e)}
        pseudo |= {i for s, e in symptoms for i in range(s, e)}
        self._cues: dict[str, list[tuple[int, int]]] = defaultdict(
            list,
            {
                name: [(s, e) for s, e in found if not set(range(s, e)) & pseudo]
                for name, found in matches.items()
            },
        )
        self._cues["idiom"] = list(matches["idiom"])
        self._cues["history"] += [(t.i, t.i + 1) for t in doc if rules._year.match(t.text)]

    def scope(self, start: int, end: int) -> Scope:
        if any(s < end and start < e for s, e in self._cues["idiom"]):
            return Scope.IDIOM
        if self._negated(start, end):
            return Scope.NEGATED
        if self._in_phrase_with("history", start, end, self._history_window) and not (
            self._in_phrase_with("history_present", start, end, len(self._doc))
        ):
            return Scope.PAST
        if self._asked(start, end):
            return Scope.ASKED
        return Scope.PRESENT

    def _negated(self, start: int, end: int) -> bool:
        clause = self._clause[start]
        before = any(
            e <= start and start - e <= self._negation_window and self._clause[s] == clause
            for s, e in self._cues["negation_before"]
        )
        after = any(
            s >= end and s - end <= 3 and self._clause[s] == clause
            for s, e in self._cues["negation_after"]
        )
        return before or after

    def _asked(self, start: int, end: int) -> bool:
        phrase = self._phrase[start]
        asked = any(self._phrase[s] == phrase for s, _ in self._cues["question"])
        return asked and not self._in_phrase_with("question_present", start, end, len(self._doc))

    def _in_phrase_with(self, cue: str, start: int, end: int, window: int) -> bool:
        phrase = self._phrase[start]
        return any(
            self._phrase[s] == phrase and (start - e <= window and s - end <= window)
            for s, e in self._cues[cue]
        )


def _clauses(doc: Doc, boundaries: set[tuple[str, ...]]) -> list[int]:
    """Each token's clause number: a new clause starts at each boundary."""
    norms = [token.norm_ for token in doc]
    lengths = {len(boundary) for boundary in boundaries}
    clause, ids = 0, []
    for i in range(len(norms)):
        if any(tuple(norms[i : i + n]) in boundaries for n in lengths):
            clause += 1
        ids.append(clause)
    return ids


@cache
def triage_rules() -> TriageRules:
    return TriageRules()
