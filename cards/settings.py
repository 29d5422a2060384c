"""What `import <json>` answers: the problems found, each at its path, or what would change with
Apply and Cancel. (`export` is a message, not a card: Teams renders its code block with a copy button.)"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from microsoft_teams.cards import AdaptiveCard, CardElement, Container, TextBlock

from cards.actions import flow_submit, run_command
from cards.parts import card, heading, plain, safe, subtle
from locales.translator import Translator

# Problems listed one by one; past this the card says how many more (each is named after a fix anyway).
MOST_PROBLEMS = 40
# Changes listed per kind; past this the card says how many more (five kinds of change fit the card).
MOST_CHANGES = 15


@dataclass(frozen=True)
class SettingsProblem:
    """What is wrong (`text`) at `path` in the document (it quotes what was pasted: field names too)."""

    path: str
    text: str


@dataclass(frozen=True)
class ChangeSection:
    """One kind of change (subscriptions added, owners, …) and a line for each (customer and owner names)."""

    title: str
    lines: tuple[str, ...]


def settings_problems_card(problems: Sequence[SettingsProblem], t: Translator) -> AdaptiveCard:
    body: list[CardElement] = [
        heading(t("import.problems_title")),
        subtle(t.count("import.problems_count", len(problems))),
    ]
    for problem in problems[:MOST_PROBLEMS]:
        line = f"{problem.path}: {problem.text}" if problem.path else problem.text
        body.append(TextBlock(text=safe(line), wrap=True, spacing="Small", font_type="Monospace"))
    if len(problems) > MOST_PROBLEMS:
        body.append(plain(t("import.more", count=len(problems) - MOST_PROBLEMS)))
    body.append(plain(t("import.problems_hint"), is_subtle=True, spacing="Medium"))
    return card(body, fallback=t("import.problems_title"))


def settings_changes_card(
    key: str, flow: str, sections: Sequence[ChangeSection], notes: Sequence[str], t: Translator
) -> AdaptiveCard:
    """`notes`: said under the changes (that owners are shared, that nothing changes before Apply)."""
    body: list[CardElement] = [heading(t("import.changes_title")), subtle(t("import.changes_subtitle"))]
    for section in sections:
        body.append(
            Container(
                separator=True,
                spacing="Medium",
                items=[
                    TextBlock(text=safe(section.title), weight="Bolder", wrap=True),
                    *(plain(line, spacing="None") for line in section.lines[:MOST_CHANGES]),
                    *(
                        [plain(t("import.more", count=len(section.lines) - MOST_CHANGES), spacing="None")]
                        if len(section.lines) > MOST_CHANGES
                        else []
                    ),
                ],
            )
        )
    body += [plain(note, is_subtle=True, spacing="Medium") for note in notes]
    actions = [flow_submit(flow, t("import.apply"), key), run_command(t("escalation_card.cancel"), "cancel")]
    return card(body, actions, fallback=t("import.changes_title"))
