"""Choose the bars of the several-questions check (config.yml) on
tests/several_questions/tuning.yml.

Parses every tuning message with the trained model (models/current.tar.gz) for
the intent the classifier and the scope check chose for the whole message, then
for each pair of bars works out which answers the assistant would give, and
counts messages answered exactly, with an answer nobody asked for (the costly
mistake), and with a question left unanswered. The dev set is never read.

    .venv/bin/python scripts/tune_several_questions.py
"""

from __future__ import annotations

import asyncio
import sys
from itertools import product
from pathlib import Path

import yaml
from rasa.core.agent import Agent

PROJECT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(PROJECT))  # the model names our components by module path

from components.nearest_examples import NearestExamples  # noqa: E402
from components.several_questions import ANSWERS, INTENT_NAME, SeveralQuestions  # noqa: E402
from components.triage.examples import project_nlu_data  # noqa: E402


def whole_message_intent(result: dict) -> str:
    """The intent before the several-questions check replaced it."""
    ranking = result.get("intent_ranking") or [result["intent"]]
    top = ranking[0]["name"]
    return ranking[1]["name"] if top == INTENT_NAME and len(ranking) > 1 else top


def answers_given(check: SeveralQuestions, text: str, whole: str) -> set[str]:
    asked = check.asked_intents(text, whole) or [whole]
    return {ANSWERS[intent] for intent in asked if intent in ANSWERS}


def main() -> None:
    cases = yaml.safe_load((PROJECT / "tests" / "several_questions" / "tuning.yml").read_text())
    cases = cases["cases"]
    agent = Agent.load(str(PROJECT / "models" / "current.tar.gz"))
    wholes = [whole_message_intent(asyncio.run(agent.parse_message(c["say"]))) for c in cases]
    examples = NearestExamples.fit(project_nlu_data())
    wanted = [{ANSWERS[i] for i in case["intents"]} for case in cases]
    baseline = sum(
        ({ANSWERS[m]} if m in ANSWERS else set()) == w for m, w in zip(wholes, wanted, strict=True)
    )
    several = sum(len(w) >= 2 for w in wanted)
    print(f"tuning set: {len(cases)} messages, {several} asking two or more questions")
    print(f"one answer per message, as before: exact {baseline}/{len(cases)}")
    grid = product((0.4, 0.45, 0.5), (0.6, 0.7, 0.75, 0.8), (0.0, 0.02, 0.05))
    for similarity, beside_refusal, margin in grid:
        bars = {
            "min_similarity": similarity,
            "min_similarity_beside_refusal": beside_refusal,
            "min_margin": margin,
        }
        check = SeveralQuestions(bars, None, None, examples)
        given = [answers_given(check, c["say"], m) for c, m in zip(cases, wholes, strict=True)]
        exact = sum(g == w for g, w in zip(given, wanted, strict=True))
        extra = sum(bool(g - w) for g, w in zip(given, wanted, strict=True))
        missed = sum(bool(w - g) for g, w in zip(given, wanted, strict=True))
        print(
            f"similarity {similarity:.2f}, beside a refusal {beside_refusal:.2f}, margin "
            f"{margin:.2f}: exact {exact}/{len(cases)}, an answer not asked for {extra}, "
            f"a question unanswered {missed}"
        )


if __name__ == "__main__":
    main()
