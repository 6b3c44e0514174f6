"""Custom actions, served by `rasa run actions`."""

from actions.side_effects import ActionSideEffectsByBodySite
from actions.unclear_message import ActionUnclearMessage

__all__ = ["ActionSideEffectsByBodySite", "ActionUnclearMessage"]
