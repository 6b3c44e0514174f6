"""Rasa NLU component: a message that asks two or three of the page's
questions ("what is igrt and will my hair fall out?") gets each answered, in
the order asked, instead of only the one DIET ranked first.

The message is split where a question ends or a new one starts ("?", a new
line, a numbered item, "also", or "and" or a comma before a question word).
Each part is classified by its nearest training examples
(components/nearest_examples.py): a part counts when it is close to one
answerable intent (`min_similarity`), clearly closer to it than to any intent
with another answer (`min_margin`), and names no neighbouring subject the page
does not cover. When two or more different answers are asked for, the intent
becomes `several_questions` and the answers are listed under
`several_questions` in the parse data for actions/several_questions.py.

A message refused as a whole for a neighbouring subject ("how much does it
cost and what are the side effects?") still gets its page questions answered
when a part is very close to one (`min_similarity_beside_refusal`), then "I
don't know" for the rest. A "thanks" or "hi" in front of a question no longer
hides it. The bars were chosen on tests/several_questions/tuning.yml
(scripts/tune_several_questions.py), never on the dev set. Runs after the scope
check and before triage, so an urgent message still wins.
"""

from __future__ import annotations

import re
from typing import Any

from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.shared.nlu.constants import INTENT, TEXT
from rasa.shared.nlu.training_data.message import Message

from components.intents import set_intent
from components.nearest_examples import NearestExamples, NearestExamplesComponent
from components.scope import subject_finder

INTENT_NAME = "several_questions"
OUTPUT_KEY = "several_questions"
# Questions the page answers. Side effects and hair loss share one answer (the
# side-effects table, whose "any part" row names hair loss).
ANSWERS = {
    "what_is_igrt": "what_is_igrt",
    "energy_sources": "energy_sources",
    "benefits": "benefits",
    "cancer_types": "cancer_types",
    "why_done": "why_done",
    "risks_general": "risks_general",
    "ask_side_effects": "side_effects",
    "hair_loss": "side_effects",
    "side_effects_manageable": "side_effects_manageable",
    "late_side_effects": "late_side_effects",
    "prepare": "prepare",
    "radiation_oncologist": "radiation_oncologist",
    "imaging_types": "imaging_types",
    "during_session": "during_session",
    "results": "results",
    "right_for_me": "right_for_me",
}
MAX_ANSWERS = 3
OUT_OF_SCOPE = "out_of_scope"
# Whole-message intents a clear page question among the parts overrides: the
# classifier was unsure, refused for a neighbouring subject, or heard only the
# "thanks" or "hi" in front of the question.
OVERRIDABLE = {"nlu_fallback", OUT_OF_SCOPE, "greet", "thank", "goodbye"}
QUESTION_WORDS = (
    "what|whats|what's|wat|how|is|are|can|could|do|does|did|will|would|should|when|"
    "where|why|who|which|any|r|u|wil|wud"
)
BREAKS = re.compile(
    r"\?+|\n+|;|\s\+\s"
    r"|(?:^|\s)\(?\d[).:]\s*"
    r"|\b(?:also|plus|oh and|and another thing|another thing|second question|secondly)\b[,:]?"
    r"|,\s*then\b"
    rf"|(?:\s(?:and|n|&)|,(?:\s*and)?)\s+(?=(?:{QUESTION_WORDS})\b)",
    re.IGNORECASE,
)


def question_parts(text: str) -> list[str]:
    """The parts of a message that may each be a question (two words or more)."""
    parts = (part.strip(" ,.!:-") for part in BREAKS.split(text))
    return [part for part in parts if len(part.split()) >= 2]


@DefaultV1Recipe.register([DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER], is_trainable=True)
class SeveralQuestions(NearestExamplesComponent):
    @staticmethod
    def get_default_config() -> dict[str, Any]:
        return {"min_similarity": 0.45, "min_similarity_beside_refusal": 0.75, "min_margin": 0.05}

    def __init__(
        self,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        examples: NearestExamples | None = None,
    ) -> None:
        self._min_similarity = float(config["min_similarity"])
        self._min_similarity_beside_refusal = float(config["min_similarity_beside_refusal"])
        self._min_margin = float(config["min_margin"])
        super().__init__(config, model_storage, resource, examples)

    def process(self, messages: list[Message]) -> list[Message]:
        for message in messages:
            intent = (message.get(INTENT) or {}).get("name")
            intents = self.asked_intents(message.get(TEXT) or "", intent)
            if len(intents) >= 2:
                set_intent(message, INTENT_NAME)
                message.set(OUTPUT_KEY, {"intents": intents}, add_to_output=True)
            elif intents and intents[0] != intent:
                set_intent(message, intents[0])  # "thanks! and what is igrt?"
        return messages

    def asked_intents(self, text: str, whole: str | None) -> list[str]:
        """One intent per different answer asked for, in the order asked.
        The classifier's intent for the whole message stands for a part no
        intent is clearly close to. When the whole message was refused for a
        neighbouring subject, its clear page questions are still answered,
        followed by `out_of_scope` for the rest."""
        parts = question_parts(text)
        if len(parts) < 2 or not (whole in ANSWERS or whole in OVERRIDABLE):
            return []
        # When the classifier was unsure, a part about a subject the page does
        # not cover refuses the message as a whole refusal does: "is 60 Gy a
        # lot? that's what my letter says" is not answered by its second half.
        off_page = [subject_finder().find(part) is not None for part in parts]
        refused = whole == OUT_OF_SCOPE or (whole in OVERRIDABLE and any(off_page))
        bar = self._min_similarity_beside_refusal if refused else self._min_similarity
        chosen: list[str | None] = [
            None if off else self.part_intent(part, bar)
            for part, off in zip(parts, off_page, strict=True)
        ]
        if whole in ANSWERS and ANSWERS[whole] not in {ANSWERS[i] for i in chosen if i}:
            unclear = next((i for i, intent in enumerate(chosen) if intent is None), None)
            if unclear is None:
                return []  # every part disagrees with the whole: trust neither
            chosen[unclear] = whole
        intents = _one_per_answer(chosen)[:MAX_ANSWERS]
        if refused and intents:
            intents.append(OUT_OF_SCOPE)
        return intents

    def part_intent(self, part: str, bar: float) -> str | None:
        """The answerable intent this part, about no neighbouring subject, is
        clearly closest to, if any."""
        ranked = self._examples.ranked(part)
        if not ranked or ranked[0][0] not in ANSWERS:
            return None
        best, score = ranked[0]
        # Side effects and hair loss share an answer: the margin is to the
        # nearest intent with another one.
        runner_up = next((s for i, s in ranked if ANSWERS.get(i, i) != ANSWERS[best]), 0.0)
        close = score >= bar and score - runner_up >= self._min_margin
        return best if close else None


def _one_per_answer(chosen: list[str | None]) -> list[str]:
    intents, answers = [], set()
    for intent in chosen:
        if intent and ANSWERS[intent] not in answers:
            intents.append(intent)
            answers.add(ANSWERS[intent])
    return intents
