"""Patients' conversations written the way the Rasa server writes them: the
real model and Rasa's SQL tracker store (the table the inbox reads).

Usage: python patient_turns.py TRACKERS_DB ACTION_URL TURNS_JSON ([[sender, text], ...])
"""

from __future__ import annotations

import asyncio
import json
import sys
from pathlib import Path

from assistant_server import MODEL
from rasa.core.agent import Agent
from rasa.core.channels.channel import CollectingOutputChannel, UserMessage
from rasa.core.tracker_store import SQLTrackerStore
from rasa.utils.endpoints import EndpointConfig


async def main(database: str, action_url: str, turns: list[list[str]]) -> None:
    agent = Agent.load(
        str(MODEL),
        tracker_store=SQLTrackerStore(dialect="sqlite", db=database),
        action_endpoint=EndpointConfig(action_url),
    )
    for sender, text in turns:
        await agent.handle_message(UserMessage(text, CollectingOutputChannel(), sender_id=sender))


if __name__ == "__main__":
    turns = json.loads(Path(sys.argv[3]).read_text(encoding="utf-8"))
    asyncio.run(main(sys.argv[1], sys.argv[2], turns))
