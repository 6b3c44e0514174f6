"""The front-desk staff console: try questions as a patient would, keep them as
checks, run suites against a model, and review unanswered questions.

A separate server from anything patients reach (python -m console, `make console`).
"""
