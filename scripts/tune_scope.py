"""Choose the scope check's similarity bar (config.yml) on tests/scope/tuning.yml.

Parses every tuning message with the trained model (models/current.tar.gz),
reads what the scope check saw (DIET's intent, the neighbouring subject, the
similarity) and, for each candidate bar, counts near-misses refused, page
questions still answered and decisions given the page's answer. Wrong answers
cost more than honest refusals, so the bar favours refusing. The dev set is
never read.

    .venv/bin/python scripts/tune_scope.py
"""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path

import yaml
from rasa.core.agent import Agent

PROJECT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(PROJECT))  # the model names our components by module path
REFUSED = {"out_of_scope", "nlu_fallback"}


def parsed(agent: Agent, text: str) -> dict:
    return asyncio.run(agent.parse_message(text))


def outcome(result: dict, bar: float) -> str:
    """What the assistant would do with this message if the bar were `bar`."""
    scope = result.get("scope")
    if not scope:  # not checked: emergency, another language, or DIET unsure
        return "refuse" if result["intent"]["name"] in REFUSED else result["intent"]["name"]
    if scope.get("site_and_effect"):  # a site and an effect: no similarity bar
        return scope["intent"]
    if scope["subject"] or scope["similarity"] < bar:
        return "refuse"
    return scope["intent"]


def main() -> None:
    cases = yaml.safe_load((PROJECT / "tests" / "scope" / "tuning.yml").read_text())["cases"]
    agent = Agent.load(str(PROJECT / "models" / "current.tar.gz"))
    results = [(case, parsed(agent, case["say"])) for case in cases]
    counts = {
        kind: sum(case["expect"] == kind for case, _ in results)
        for kind in ("answer", "refuse", "decide")
    }
    print(f"tuning set: {counts}")
    for bar in (0.0, 0.2, 0.25, 0.3, 0.35, 0.4, 0.45, 0.5):
        said = [(case["expect"], outcome(result, bar)) for case, result in results]
        refused = sum(e == "refuse" and o == "refuse" for e, o in said)
        answered = sum(e == "answer" and o != "refuse" for e, o in said)
        decided = sum(e == "decide" and o == "right_for_me" for e, o in said)
        print(
            f"bar {bar:.2f}: near-misses refused {refused}/{counts['refuse']}, "
            f"page questions answered {answered}/{counts['answer']}, "
            f"decisions {decided}/{counts['decide']}"
        )


if __name__ == "__main__":
    sys.exit(main())
