"""One turn of a staff test: what the patient gets, and why (no Rasa import
here, so the file and inbox tools start fast)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import textstat

from console.page_sources import Source

FALLBACK = "nlu_fallback"
MAX_RANKING = 10


@dataclass(frozen=True)
class Decision:
    """Which layer decided the reply: triage, scope, fallback or classifier."""

    layer: str
    detail: str


@dataclass
class Turn:
    text: str
    replies: list[dict[str, Any]]  # what the website widget shows: text, buttons
    sms: list[str]  # the SMS message(s) the patient would receive
    intent: str
    confidence: float
    ranking: list[tuple[str, float]]
    entities: list[dict[str, Any]]
    decision: Decision
    responses: list[str]  # domain.yml responses said, in order
    actions: list[str]
    sources: list[Source] = field(default_factory=list)
    grade: float | None = None

    @property
    def reply_text(self) -> str:
        return "\n\n".join(reply.get("text") or "" for reply in self.replies).strip()


def decision(parse: dict[str, Any]) -> Decision:
    """Read the components' marks in the parse data (components/scope.py and
    components/triage/component.py write them; FallbackClassifier sets
    nlu_fallback, which the scope check then leaves alone)."""
    intent = (parse.get("intent") or {}).get("name") or ""
    triage = parse.get("triage") or {}
    scope = parse.get("scope") or {}
    if triage.get("urgent"):
        families = ", ".join(triage.get("families") or []) or "none named"
        return Decision(
            "emergency layer (triage)",
            f"urgent by {triage.get('decided_by')}; families: {families}; "
            f"classifier probability {triage.get('probability')}",
        )
    if intent == "other_language":
        return Decision("emergency layer (triage)", f"language: {triage.get('language')}")
    if scope.get("subject"):
        return Decision("scope check", f"neighbouring subject: {scope['subject']}")
    if scope.get("site_and_effect"):
        return Decision("scope check", "a body site with an effect word: that site's side effects")
    if scope and intent == FALLBACK and scope.get("intent") != FALLBACK:
        return Decision(
            "scope check",
            f"similarity {scope.get('similarity')} to the examples of {scope.get('intent')} "
            "is below the bar",
        )
    confidence = round(float((parse.get("intent") or {}).get("confidence") or 0.0), 3)
    if intent == FALLBACK:
        return Decision("fallback", "the classifier's confidence is below the threshold")
    if not scope:
        return Decision("intent classifier", f"{intent} at {confidence} (not scope-checked)")
    return Decision(
        "intent classifier",
        f"{intent} at {confidence}; scope check passed (similarity {scope.get('similarity')})",
    )


def reading_grade(text: str) -> float | None:
    return round(float(textstat.flesch_kincaid_grade(text)), 1) if text.strip() else None
