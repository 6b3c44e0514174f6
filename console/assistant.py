"""The assistant, loaded in this process, for staff tests.

The Rasa Agent runs here with an in-memory tracker store, so a staff test never
reads or writes a patient's conversation; custom actions go to the running
action server (with its shared secret). For every turn it returns what the
website and SMS would show, and why: intent ranking, entities, which layer
decided, the responses said and the page passages behind them.
"""

from __future__ import annotations

import logging
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import textstat
from rasa.core.agent import Agent
from rasa.core.channels.channel import CollectingOutputChannel, UserMessage
from rasa.shared.core.events import ActionExecuted, BotUttered, UserUttered
from rasa.utils.endpoints import EndpointConfig

from console.page_sources import Source, find_sources
from console.sms_preview import sms_messages

logger = logging.getLogger(__name__)

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


class Assistant:
    def __init__(self, model: Path, action_url: str, action_token: str) -> None:
        headers = {"Authorization": f"Bearer {action_token}"} if action_token else {}
        self.model = model
        # No tracker store given: Rasa's in-memory one, never the patients'.
        self.agent = Agent.load(
            str(model), action_endpoint=EndpointConfig(action_url, headers=headers)
        )

    @property
    def responses(self) -> list[str]:
        return sorted(self.agent.domain.responses)

    async def converse(self, messages: list[str]) -> list[Turn]:
        """One fresh conversation through every message, forgotten afterwards."""
        sender = f"console-{uuid.uuid4().hex}"
        turns = []
        try:
            for text in messages:
                turns.append(await self._turn(sender, text))
        finally:
            self._forget(sender)
        return turns

    async def _turn(self, sender: str, text: str) -> Turn:
        output = CollectingOutputChannel()
        await self.agent.handle_message(UserMessage(text, output, sender_id=sender))
        tracker = await self.agent.tracker_store.retrieve(sender)
        events = list(tracker.events) if tracker else []
        last_user = max(
            (i for i, event in enumerate(events) if isinstance(event, UserUttered)), default=-1
        )
        after = events[last_user + 1 :]
        parse = events[last_user].parse_data if last_user >= 0 else {}
        replies = [dict(message) for message in output.messages]
        turn = Turn(
            text=text,
            replies=replies,
            sms=await sms_messages(replies),
            intent=(parse.get("intent") or {}).get("name") or "",
            confidence=round(float((parse.get("intent") or {}).get("confidence") or 0.0), 3),
            ranking=[
                (entry["name"], round(float(entry["confidence"]), 3))
                for entry in (parse.get("intent_ranking") or [])[:MAX_RANKING]
            ],
            entities=[
                {
                    "entity": e.get("entity"),
                    "value": e.get("value"),
                    "extractor": e.get("extractor"),
                }
                for e in parse.get("entities") or []
            ],
            decision=decision(parse),
            responses=[
                str(event.metadata.get("utter_action"))
                for event in after
                if isinstance(event, BotUttered) and event.metadata.get("utter_action")
            ],
            actions=[
                str(event.action_name)
                for event in after
                if isinstance(event, ActionExecuted)
                and event.action_name
                and event.action_name != "action_listen"
            ],
        )
        turn.sources = [
            source for reply in replies for source in find_sources(reply.get("text") or "")
        ]
        turn.grade = reading_grade(turn.reply_text)
        return turn

    def _forget(self, sender: str) -> None:
        store = getattr(self.agent.tracker_store, "_tracker_store", self.agent.tracker_store)
        getattr(store, "store", {}).pop(sender, None)
