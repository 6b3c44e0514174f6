"""Custom actions, served by the action server (no I/O at import)."""

from actions.follow_up import ActionFollowUp
from actions.several_questions import ActionAnswerEachQuestion
from actions.side_effects import ActionSideEffectsByBodySite

__all__ = ["ActionAnswerEachQuestion", "ActionFollowUp", "ActionSideEffectsByBodySite"]
