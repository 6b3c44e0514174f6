"""scripts/rasa_speedups.py loads DIET without Rasa's one training step: the
trained model must predict exactly what Rasa's own load predicts.

Loads the trained model twice (about 30 s): make test runs it, make test-fast
does not."""

from __future__ import annotations

import asyncio

import pytest
import yaml
from assistant_server import MODEL, PROJECT
from rasa.core.agent import Agent
from rasa.utils.tensorflow.models import RasaModel

from scripts import rasa_speedups

pytestmark = pytest.mark.slow


def messages() -> list[str]:
    """Page questions, near-misses, decisions and urgent messages, written blind."""
    scope = yaml.safe_load((PROJECT / "tests/scope/fourth_probe.yml").read_text())["cases"]
    triage = yaml.safe_load((PROJECT / "tests/triage/fourth_probe.yml").read_text())
    return (
        [case["say"] for case in scope[:120]]
        + [case["text"] for case in triage["urgent"][:60]]
        + [case["text"] for case in triage["not_urgent"][:60]]
    )


def rankings(agent: Agent, texts: list[str]) -> list[list[tuple[str, float]]]:
    async def parse_all() -> list[dict]:
        return [await agent.parse_message(text) for text in texts]

    return [
        [(intent["name"], round(intent["confidence"], 6)) for intent in parsed["intent_ranking"]]
        for parsed in asyncio.run(parse_all())
    ]


def test_the_quick_load_predicts_what_rasas_load_predicts(monkeypatch: pytest.MonkeyPatch) -> None:
    assert MODEL.exists(), "no trained model: run `make train` first"
    texts = messages()
    assert len(texts) > 200
    by_rasas_load = rankings(Agent.load(str(MODEL)), texts)
    monkeypatch.setattr(RasaModel, "load", RasaModel.__dict__["load"])
    rasa_speedups.apply()
    assert RasaModel.__dict__["load"].__func__ is rasa_speedups.load_to_predict
    assert rankings(Agent.load(str(MODEL)), texts) == by_rasas_load
