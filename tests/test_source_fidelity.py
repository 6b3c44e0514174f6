"""Every fact the bot can say is a sentence of the source page.

Responses and the reviewed list are read as a patient reads them: with the
clinic's settings (clinic.yml, or CLINIC_SETTINGS_FILE, as the assistant reads
it) filled in, so the contact sentences are checked with the real name, phone
number and hours.
"""

from __future__ import annotations

import pytest
import yaml
from page import PROJECT, normalise, page_lines, page_text, sentences

from clinic.settings import current, template_values
from knowledge.side_effects import side_effects_table


class _KeepOthers(dict):
    """Placeholders the settings do not fill ({site}, {effects}) stay as they are."""

    def __missing__(self, key: str) -> str:
        return "{" + key + "}"


SETTINGS = _KeepOthers({name: str(value) for name, value in template_values(current()).items()})


def filled(text: str) -> str:
    return text.format_map(SETTINGS)


DOMAIN = yaml.safe_load((PROJECT / "domain.yml").read_text(encoding="utf-8"))
NON_FACTUAL = {
    normalise(sentence)
    for entry in yaml.safe_load((PROJECT / "tests" / "non_factual_sentences.yml").read_text())
    for sentence in sentences(filled(entry))
}
RESPONSE_SENTENCES = sorted(
    {
        (name, sentence)
        for name, variants in DOMAIN["responses"].items()
        for variant in variants
        for sentence in sentences(filled(variant["text"]))
    }
)


def test_the_project_page_is_the_shared_source_page() -> None:
    shared = PROJECT.parent / "shared" / "source" / "igrt_patient_page.txt"
    if not shared.exists():
        pytest.skip("no ../shared/source beside this checkout")
    assert page_text() == shared.read_text(encoding="utf-8")


@pytest.mark.parametrize(("response", "sentence"), RESPONSE_SENTENCES)
def test_each_response_sentence_is_on_the_page_or_reviewed(response: str, sentence: str) -> None:
    text = normalise(sentence)
    assert text in normalise(page_text()) or text in NON_FACTUAL, (
        f"{response}: {sentence!r} is neither a sentence of the page "
        "nor in tests/non_factual_sentences.yml"
    )


def test_reviewed_list_has_no_stale_entries() -> None:
    said = {normalise(sentence) for _, sentence in RESPONSE_SENTENCES}
    assert said >= NON_FACTUAL, f"not said by any response: {sorted(NON_FACTUAL - said)}"


def page_table_rows() -> list[tuple[str, str]]:
    """(label, effects) for each row of the page's table, as printed."""
    lines = page_lines()
    start = lines.index("Part of body being treated Common side effects") + 1
    end = next(i for i in range(start, len(lines)) if lines[i].startswith("If you have"))
    labels = [row.label for row in side_effects_table().values()]
    rows = []
    for line in lines[start:end]:
        label = next(label for label in labels if line.startswith(label + " "))
        rows.append((label, line[len(label) + 1 :]))
    return rows


def test_side_effects_table_is_the_pages_table() -> None:
    ours = [(row.label, row.effects) for row in side_effects_table().values()]
    assert ours == page_table_rows()
