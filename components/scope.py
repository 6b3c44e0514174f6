"""Rasa NLU component: is the question one the page answers? Two signals that
do not trust DIET's softmax score:

1. Neighbouring subjects (knowledge/scope/neighbouring_subjects.yml): a question
   about another treatment, a skin product, the dose or schedule, daily life,
   pregnancy, costs, prognosis or the assistant itself is out of scope, even if
   it also says "side effects" or "radiation". The intent becomes
   `out_of_scope`.
2. Distance from the training data: the message's cosine similarity (hashed
   word and character n-grams) to the nearest training example of the intent
   DIET chose. Below `min_similarity`, the message is like nothing the intent
   was taught, however confident DIET is: the intent becomes `nlu_fallback`,
   whose action still answers a follow-up and otherwise says "I don't know".

A body site named with an effect word ("kidney rt, complications?") is a
side-effects question, answered from that site's row, when DIET chose side
effects, a site mention or was unsure: two signals that need no similar
training example.

Personal decisions (`right_for_me`) about other treatments or where to be
treated are exempt: "IGRT or chemo for me?" gets the page's answer about
deciding with the radiation oncologist. Runs before triage, so an urgent message still wins.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import spacy
import yaml
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.shared.nlu.constants import ENTITIES, INTENT, TEXT
from rasa.shared.nlu.training_data.message import Message
from spacy.matcher import PhraseMatcher

from components.intents import set_intent
from components.nearest_examples import NearestExamples, NearestExamplesComponent
from components.text_features import normalise

SUBJECTS_FILE = (
    Path(__file__).resolve().parents[1] / "knowledge" / "scope" / "neighbouring_subjects.yml"
)
OUT_OF_SCOPE = "out_of_scope"
FALLBACK = "nlu_fallback"
SCOPE_KEY = "scope"
# The classifier's refusals, which a treatment decision overrides.
REFUSALS = {"out_of_scope", "nlu_fallback"}
# Intents whose messages are not questions about the page's facts.
NOT_CHECKED = {OUT_OF_SCOPE, FALLBACK, "emergency", "other_language"}
DECISION = "right_for_me"
# A firm decision cue overrides any intent but these ("thanks, can I quit
# halfway?" is a decision, not a thank-you).
NOT_OVERRIDDEN = {DECISION, "emergency", "other_language"}
SITE_MENTION = "inform_body_site"
SIDE_EFFECTS = "ask_side_effects"
# A personal decision is answered by the page (decide with the radiation
# oncologist) whatever its background: another treatment, the cost, a
# prognosis, daily life, a pregnancy or an effect the page does not list
# ("stage 4 - is it worth it?", "can I pause for a holiday?"). Products,
# doses, the scans' own radiation, remedies and the assistant stay refused.
DECISION_SUBJECTS = {
    "other_treatments",
    "costs_and_admin",
    "prognosis",
    "daily_life",
    "pregnancy_fertility",
    "effects_the_page_does_not_list",
}


@dataclass(frozen=True)
class SubjectFinder:
    """Finds a neighbouring subject that the message is about."""

    nlp: Any
    subjects: PhraseMatcher
    context: PhraseMatcher
    context_after: PhraseMatcher
    anchors: PhraseMatcher
    decision_cues: PhraseMatcher
    firm_decision_cues: PhraseMatcher
    page_facts: PhraseMatcher
    page_facts_outweigh: frozenset[str]
    effect_questions: PhraseMatcher

    def find(self, text: str, intent: str | None = None) -> str | None:
        """The neighbouring subject the message is about, if any. A fact the
        page states for the intent outweighs some subjects (`page_facts`)."""
        doc = self.nlp.make_doc(normalise(text))
        states_fact = bool(intent) and any(
            self.nlp.vocab.strings[label] == intent for label, _, _ in self.page_facts(doc)
        )
        cue_ends = {end for _, _, end in self.context(doc)}
        cue_starts = {start for _, start, _ in self.context_after(doc)}
        anchored = bool(self.anchors(doc))
        for label, start, end in self.subjects(doc):
            subject = self.nlp.vocab.strings[label]
            if states_fact and subject in self.page_facts_outweigh:
                continue
            # "I had chemo last year, what are IGRT's side effects?" and
            # "surgery wasn't an option, so what will radiation do?" are about IGRT.
            background = any(0 <= start - cue_end <= 3 for cue_end in cue_ends) or any(
                0 <= cue_start - end <= 2 for cue_start in cue_starts
            )
            if anchored and background:
                continue
            return subject
        return None

    def is_treatment_decision(self, text: str) -> bool:
        """A choice about the course of IGRT: stopping, pausing, delaying,
        choosing it over something else, whether it is worth it."""
        doc = self.nlp.make_doc(normalise(text))
        return bool(self.anchors(doc)) and bool(self.decision_cues(doc))

    def is_treatment_choice(self, text: str) -> bool:
        """Either kind of decision about the course of treatment."""
        return self.is_treatment_decision(text) or self.is_firm_decision(text)

    def asks_about_effects(self, text: str) -> bool:
        """Names a side effect or asks what to expect: with a body site, a
        side-effects question rather than a diagnosis to note."""
        return bool(self.effect_questions(self.nlp.make_doc(normalise(text))))

    def is_firm_decision(self, text: str) -> bool:
        """Stopping, pausing or skipping one's own treatment, whatever the
        classifier heard ("should i pause treatment because of the diarrhoea")."""
        return bool(self.firm_decision_cues(self.nlp.make_doc(normalise(text))))


@cache
def subject_finder() -> SubjectFinder:
    data = yaml.safe_load(SUBJECTS_FILE.read_text(encoding="utf-8"))
    nlp = spacy.blank("en")

    def phrases(groups: dict[str, list[str]]) -> PhraseMatcher:
        matcher = PhraseMatcher(nlp.vocab, attr="LOWER")
        for name, words in groups.items():
            matcher.add(name, [nlp.make_doc(normalise(str(word))) for word in words])
        return matcher

    return SubjectFinder(
        nlp,
        phrases(data["subjects"]),
        phrases({"context": data["context"]}),
        phrases({"context_after": data["context_after"]}),
        phrases({"anchor": data["anchors"]}),
        phrases({"decision": data["decision_cues"]}),
        phrases({"firm_decision": data["firm_decision_cues"]}),
        phrases(data["page_facts"]),
        frozenset(data["page_facts_outweigh"]),
        phrases({"effect_question": data["effect_questions"]}),
    )


@DefaultV1Recipe.register([DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER], is_trainable=True)
class ScopeCheck(NearestExamplesComponent):
    @staticmethod
    def get_default_config() -> dict[str, Any]:
        return {"min_similarity": 0.3}

    def __init__(
        self,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        examples: NearestExamples | None = None,
    ) -> None:
        self._min_similarity = float(config["min_similarity"])
        super().__init__(config, model_storage, resource, examples)
        self._subjects = subject_finder()

    def process(self, messages: list[Message]) -> list[Message]:
        for message in messages:
            self.check(message)
        return messages

    def check(self, message: Message) -> None:
        intent = (message.get(INTENT) or {}).get("name")
        text = message.get(TEXT) or ""
        if intent not in NOT_OVERRIDDEN and self._subjects.is_firm_decision(text):
            set_intent(message, DECISION)
            return
        if intent in REFUSALS and self.decides_treatment(text):
            # The classifier refused ("IGRT or brachytherapy for me?", "can I
            # pause for a holiday?"), but it is the page's decision answer.
            set_intent(message, DECISION)
            return
        if self.asks_about_a_sites_effects(message, intent, text):
            # A site named with an effect ("his throat, will it be sore?") asks
            # for that row of the page's table: two signals of their own, so
            # the similarity bar does not apply.
            set_intent(message, SIDE_EFFECTS)
            scope = {"intent": SIDE_EFFECTS, "subject": None, "site_and_effect": True}
            message.set(SCOPE_KEY, scope, add_to_output=True)
            return
        if intent in NOT_CHECKED or intent is None:
            return
        subject = self._subjects.find(text, intent)
        if intent == DECISION and subject in DECISION_SUBJECTS:
            subject = None  # choosing between treatments is the page's decision answer
        similarity = self.similarity(text, intent)
        message.set(
            SCOPE_KEY,
            {"intent": intent, "subject": subject, "similarity": round(similarity, 3)},
            add_to_output=True,
        )
        if subject:
            set_intent(message, OUT_OF_SCOPE)
        elif similarity < self._min_similarity:
            set_intent(message, FALLBACK)

    def asks_about_a_sites_effects(self, message: Message, intent: str | None, text: str) -> bool:
        """A body site and an effect word, with no neighbouring subject, in a
        side-effects question, a site mention or a message the classifier was
        unsure of. A confident out_of_scope stays refused ("is manuka honey
        good for mouth sores?")."""
        if intent not in {SIDE_EFFECTS, SITE_MENTION, FALLBACK}:
            return False
        names_a_site = any(e.get("entity") == "body_site" for e in message.get(ENTITIES) or [])
        return (
            names_a_site
            and self._subjects.asks_about_effects(text)
            and self._subjects.find(text, SIDE_EFFECTS) is None
        )

    def decides_treatment(self, text: str) -> bool:
        if not self._subjects.is_treatment_decision(text):
            return False
        subject = self._subjects.find(text)
        return subject is None or subject in DECISION_SUBJECTS

    def similarity(self, text: str, intent: str) -> float:
        """Cosine similarity to the nearest training example of the intent."""
        return self._examples.similarity(text, intent)
