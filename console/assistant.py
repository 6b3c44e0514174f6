"""The assistant, loaded in this process, for staff tests.

The Rasa Agent runs here with an in-memory tracker store, so a staff test never
reads or writes a patient's conversation; custom actions go to the running
action server (with its shared secret); replies get the clinic's settings as
the Rasa server's do (clinic/nlg.py). For every turn it returns what the
website and SMS would show, and why: intent ranking, entities, which layer
decided, the responses said and the page passages behind them.
"""

from __future__ import annotations

import uuid
from pathlib import Path

from rasa.core.agent import Agent
from rasa.core.channels.channel import CollectingOutputChannel, UserMessage
from rasa.shared.core.events import ActionExecuted, BotUttered, UserUttered
from rasa.utils.endpoints import EndpointConfig

from clinic.nlg import ClinicResponses
from console.page_sources import find_sources
from console.sms_preview import sms_messages
from console.turns import MAX_RANKING, Turn, decision, reading_grade
from scripts import rasa_speedups


class Assistant:
    def __init__(self, model: Path, action_url: str, action_token: str) -> None:
        headers = {"Authorization": f"Bearer {action_token}"} if action_token else {}
        self.model = model
        # As `rasa run` loads it (scripts/quiet_start.py): the same predictions, sooner.
        rasa_speedups.apply()
        # No tracker store given: Rasa's in-memory one, never the patients'.
        self.agent = Agent.load(
            str(model),
            action_endpoint=EndpointConfig(action_url, headers=headers),
            generator=ClinicResponses(),
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
