"""Error summaries that are safe to log."""

from __future__ import annotations

import os


def error_summary(error: BaseException) -> str:
    """The exception's type and where it was raised: never its message or a
    traceback, which could carry message text, phone numbers or tokens."""
    where = ""
    traceback = error.__traceback__
    while traceback is not None and traceback.tb_next is not None:
        traceback = traceback.tb_next
    if traceback is not None:
        code = traceback.tb_frame.f_code
        where = f" ({os.path.basename(code.co_filename)}:{traceback.tb_lineno} in {code.co_name})"
    return type(error).__name__ + where
