"""Owners on notices: each owner who is a member there is @mentioned once per card by a span a TextBlock
holds exactly and an entity naming their object id; everyone else is named without one; any name the
roster holds (markup, templates, invisible characters, Korean, nothing printable) keeps the two matched."""

from __future__ import annotations

import re
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st
from microsoft_teams.cards import TextBlock

from cards.mentions import MOST_MENTIONS, mention_name, owner_lines, with_mentions
from cards.parts import card, card_payload
from locales.translator import ENGLISH, Translator
from services.domain.models import Customer, Owner
from tests.cards.examples import CARDS

CONTOSO = Customer("c-contoso", "t-contoso", "Contoso Ltd", "contoso.com", "Reseller", True)
WOODGROVE = Customer("c-woodgrove", "t-woodgrove", "Woodgrove Bank", "woodgrove.com", "Reseller", True)
NAMES = st.one_of(
    st.text(max_size=80),
    st.sampled_from(
        [
            "<at>Admin</at>",
            "Ana **bold** [x](https://evil.example)",
            "{{DATE(2017-02-14T06:08:39Z, SHORT)}}",
            "\u202eAna\u200b",
            "김지수",
            "<>",
            "",
            "x" * 300,
            "Ben_Ito ~~gone~~ `code` \\",
        ]
    ),
)


def _texts(node: Any) -> list[str]:
    if isinstance(node, dict):
        own = [node["text"]] if node.get("type") == "TextBlock" else []
        return own + [t for value in node.values() for t in _texts(value)]
    if isinstance(node, list):
        return [t for value in node for t in _texts(value)]
    return []


def _entities(payload: dict[str, Any]) -> list[dict[str, Any]]:
    return list(payload.get("msteams", {}).get("entities", []))


@settings(max_examples=60, deadline=None)
@given(
    names=st.lists(NAMES, min_size=1, max_size=6),
    members=st.sets(st.integers(0, 5)),
    korean=st.booleans(),
)
def test_every_mention_matches_a_span_on_the_card_and_names_a_member_once(
    names: list[str], members: set[int], korean: bool
) -> None:
    owners = [Owner(f"aad-{n}", name) for n, name in enumerate(names)]
    # The first owner looks after both customers: mentioned where first named, named after that.
    owned = [(CONTOSO, owners), (WOODGROVE, [owners[0], *owners[1:2]])]
    mentionable = {f"aad-{n}" for n in members}
    t = Translator("ko") if korean else ENGLISH
    lines = owner_lines(owned, mentionable, t)
    payload = card_payload(with_mentions(card(list(lines.blocks)), lines.mentions))
    texts = _texts(payload["body"])
    ids = [e["mentioned"]["id"] for e in _entities(payload)]
    assert len(ids) == len(set(ids)), "one mention per person per card"
    assert set(ids) <= mentionable
    for entity in _entities(payload):
        span = entity["text"]
        assert re.fullmatch(r"<at>[^<>]+</at>", span)
        assert sum(text.count(span) for text in texts) >= 1, span
    for owner in owners:
        if owner.object_id in mentionable and mention_name(owner.name):
            assert owner.object_id in ids
    spans = {e["text"] for e in _entities(payload)}
    assert sum(text.count("<at>") for text in texts) == sum(
        text.count(span) for text in texts for span in spans
    ), "every <at> on the card has its entity"


def test_owners_who_are_not_members_are_named_without_a_mention() -> None:
    ana, ben = Owner("aad-ana", "Ana Bowman"), Owner("aad-ben", "Ben Ito")
    lines = owner_lines([(CONTOSO, [ana, ben])], {"aad-ana"}, ENGLISH)
    payload = card_payload(with_mentions(card(list(lines.blocks)), lines.mentions))
    assert _texts(payload["body"]) == ["Owners: <at>Ana Bowman</at>, Ben Ito"]
    assert _entities(payload) == [
        {
            "type": "mention",
            "text": "<at>Ana Bowman</at>",
            "mentioned": {"id": "aad-ana", "name": "Ana Bowman"},
        }
    ]


def test_no_one_mentionable_means_no_msteams_entities_at_all() -> None:
    lines = owner_lines([(CONTOSO, [Owner("aad-ana", "Ana Bowman")])], (), ENGLISH)
    payload = card_payload(with_mentions(card(list(lines.blocks)), lines.mentions))
    assert "msteams" not in payload and _texts(payload["body"]) == ["Owners: Ana Bowman"]


def test_a_card_mentions_at_most_its_share_of_people_and_names_the_rest() -> None:
    crowd = [Owner(f"aad-{n}", f"Person {n}") for n in range(MOST_MENTIONS + 5)]
    lines = owner_lines([(CONTOSO, crowd)], {o.object_id for o in crowd}, ENGLISH)
    assert len(lines.mentions) == MOST_MENTIONS
    assert f"Person {MOST_MENTIONS + 4}" in str(lines.blocks[0].text)
    assert f"<at>Person {MOST_MENTIONS + 4}</at>" not in str(lines.blocks[0].text)


def test_the_notice_and_the_digest_carry_their_owners_lines_and_mentions() -> None:
    for name in ("incident_notice_owners", "incident_notice_owners_ko", "notice_digest_owners"):
        payload = card_payload(CARDS[name]())
        texts = _texts(payload["body"])
        assert [e["mentioned"]["id"] for e in _entities(payload)] == [
            "a1b2c3d4-0000-4000-8000-000000000001",
            "aad-chloe",
        ], name
        assert any("Ben Ito" in t and "<at>Ben" not in t for t in texts), name


def test_without_owners_a_notice_is_as_it_was() -> None:
    plain = card_payload(CARDS["incident_notice"]())
    assert "msteams" not in plain and not any("<at>" in t for t in _texts(plain["body"]))


def test_a_mention_whose_span_a_cut_took_away_is_left_off_the_card() -> None:
    """A card over Teams' size has its longest texts cut (cards/parts.py): an entity whose `<at>` span no
    longer stands whole on the card would name no one there, so it goes too."""
    people = [Owner(f"aad-{n}", f"Person {n} " + "x" * 50) for n in range(10)]
    lines = owner_lines([(CONTOSO, people)], {p.object_id for p in people}, ENGLISH)
    padding = [TextBlock(text="y" * 450, wrap=True) for _ in range(60)]
    payload = card_payload(with_mentions(card([*padding, *lines.blocks]), lines.mentions))
    texts = "\n".join(_texts(payload["body"]))
    kept = _entities(payload)
    assert len(kept) < len(people), "the owners' line was cut"
    assert all(e["text"] in texts for e in kept)
