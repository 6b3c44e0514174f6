"""How the two nets are combined into one triage decision.

The rules know clinical structure (negation, past events, questions about side
effects, combinations); the classifier knows phrasings the rules have never
seen. Either can raise the alarm, but how sure the classifier must be depends
on what the rules found:
- the rules found an urgent presentation: urgent, whatever the classifier says;
- the rules found a symptom happening now that is not urgent by itself
  ("vomiting", "confused"): urgent from `symptom_probability`, a low bar;
- the rules found nothing: urgent from `unknown_probability`;
- every symptom the rules found is negated, past or asked about, or the
  message reassures ("it passed", "fine now", "mild"): urgent only from
  `scoped_probability`, a high bar, so that "no chest pain, just curious"
  stays a question;
- the rules found no symptom in a choice about the course of treatment
  (stopping, delaying, choosing, persuading a relative: components/scope.py):
  the same high bar, so that "I can't decide between radiotherapy and surgery,
  help me choose" gets the decision answer, not the emergency one.
The bars are tuned for recall on cross-validated predictions over the triage
examples (scripts/tune_triage.py), never on the dev set.
"""

from __future__ import annotations

from dataclasses import dataclass

from components.triage.language import Language
from components.triage.rules import RuleVerdict


@dataclass(frozen=True)
class Thresholds:
    symptom_probability: float = 0.4
    unknown_probability: float = 0.5
    scoped_probability: float = 0.9


@dataclass(frozen=True)
class TriageDecision:
    urgent: bool
    decided_by: str  # "rules", "classifier" or "none"
    families: tuple[str, ...]
    probability: float
    language: Language
    symptom_question: bool

    def as_output(self) -> dict:
        return {
            "urgent": self.urgent,
            "decided_by": self.decided_by,
            "families": list(self.families),
            "probability": round(self.probability, 3),
            "language": self.language.value,
            "symptom_question": self.symptom_question,
        }


def decide(
    verdict: RuleVerdict,
    probability: float,
    language: Language,
    bars: Thresholds,
    treatment_choice: bool = False,
) -> TriageDecision:
    if verdict.urgent:
        urgent, decided_by = True, "rules"
    else:
        urgent = probability >= _bar(verdict, bars, treatment_choice)
        decided_by = "classifier" if urgent else "none"
    return TriageDecision(
        urgent=urgent,
        decided_by=decided_by,
        families=verdict.urgent_families,
        probability=probability,
        language=language,
        symptom_question=verdict.symptom_question and not urgent,
    )


def _bar(verdict: RuleVerdict, bars: Thresholds, treatment_choice: bool) -> float:
    if verdict.reassuring or verdict.only_out_of_scope:
        return bars.scoped_probability
    if verdict.symptom_present:
        return bars.symptom_probability
    if treatment_choice:
        return bars.scoped_probability
    return bars.unknown_probability
