"""Grouping the inbox's questions (console/inbox.py grouped()) and the export
of the groups as Rasa NLU suggestions. The pairs below chose inbox.SIMILAR."""

from __future__ import annotations

from pathlib import Path

from rasa.shared.nlu.training_data.loading import load_data

from console.inbox import SIMILAR, Item, export_yaml, grouped

PARAPHRASES = [
    ["how much will it cost", "how much does the treatment cost"],
    ["where do I park", "where can I park my car"],
    ["can I drive after treatment", "can i drive home after my treatment"],
    ["what dose of radiation will I get with igrt",
     "Hi, my name is [NAME]. What dose of radiation will I get with IGRT?"],
]  # fmt: skip
UNRELATED = ["will I lose my hair", "what does radiation cost", "the thing with the stuff"]


def items(texts: list[str]) -> list[Item]:
    return [Item(i + 1, text, "scope check", "2026-11-29") for i, text in enumerate(texts)]


def test_paraphrases_are_grouped_and_unrelated_questions_kept_apart() -> None:
    assert 0 < SIMILAR < 1
    texts = [text for pair in PARAPHRASES for text in pair] + UNRELATED + ["how much will it cost"]
    groups = grouped(items(texts))
    found = [sorted(item.text for item in group.members) for group in groups]
    assert len(groups) == len(PARAPHRASES) + len(UNRELATED)
    for pair in PARAPHRASES[1:]:
        assert sorted(pair) in found
    # Most frequent first: the cost question was asked three times.
    assert found[0] == sorted([*PARAPHRASES[0], "how much will it cost"])
    assert groups[0].representative.text == "how much will it cost"
    for text in UNRELATED:
        assert [text] in found


def test_no_questions_no_groups() -> None:
    assert grouped([]) == []


def test_the_export_loads_with_rasa_and_says_it_is_a_suggestion(tmp_path: Path) -> None:
    texts = [text for pair in PARAPHRASES for text in pair] + [
        "call me at [PHONE](evenings)",
        "two\nlines: with # and - dashes",
    ]
    text = export_yaml(grouped(items(texts)))
    assert "never trained automatically" in text
    assert text.splitlines()[0].startswith("#")
    path = tmp_path / "suggested_nlu.yml"
    path.write_text(text, encoding="utf-8")
    data = load_data(str(path))
    assert data.intents == {f"suggested_group_{n}" for n in range(1, 7)}
    examples = {message.get("text") for message in data.intent_examples}
    assert "two lines: with # and - dashes" in examples
    assert "call me at [PHONE] (evenings)" in examples
    assert not data.entity_examples
    empty = tmp_path / "empty.yml"
    empty.write_text(export_yaml([]), encoding="utf-8")
    assert load_data(str(empty)).intent_examples == []
