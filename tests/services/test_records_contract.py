"""The records port's contract, run on the SQLite file and on blobs in Azurite alike: what every store
written over it relies on (create once, compare-and-set, changes that lose no write, listings by prefix
in key order, paging), including two instances writing at once."""

from __future__ import annotations

import asyncio
import time
from typing import Any

import pytest

from services.storage.places import records_in
from services.storage.records import NO_CHANGE, Records
from tests.services.conftest import OpenPlace

# Key parts as Teams and people write them: separators, percent signs, non-ASCII, an empty part.
AWKWARD_PARTS = [
    "19:abc@thread.tacv2",
    "a:1Xq/89;messageid=1700000000000",
    "msteams/users/29:1abc",
    "50%2F off",
    "한빛 물류",
    "Zürich",
    "",
    "..",
    ".",
    "...",
    " trailing ",
]


async def open_records(open_place: OpenPlace, collection: str = "things") -> Records:
    return records_in(await open_place(), collection)


async def test_a_missing_record_reads_as_none_and_is_created_once(open_place: OpenPlace) -> None:
    records = await open_records(open_place)
    assert await records.get("k") is None
    assert await records.read("k") is None
    assert await records.create({"n": 1}, "k") is True
    assert await records.create({"n": 2}, "k") is False
    assert await records.get("k") == {"n": 1}


async def test_values_come_back_as_json_would_give_them(open_place: OpenPlace) -> None:
    records = await open_records(open_place)
    await records.create({"tuple": (1, 2), "text": "é\u202e", "none": None, "float": 1.5}, "k")
    assert await records.get("k") == {"tuple": [1, 2], "text": "é\u202e", "none": None, "float": 1.5}
    made = {"t": (3,)}
    assert await records.change(lambda _: made, "k") is made
    assert await records.get("k") == {"t": [3]}


async def test_create_marked_writes_a_new_record_and_its_mark_and_nothing_over_an_old_one(
    open_place: OpenPlace,
) -> None:
    records, marks = await open_records(open_place), await open_records(open_place, "marks")
    version = await records.create_marked({"n": 1}, "a", "k", marks="marks", mark={"open": 1})
    assert version is not None
    assert await records.get("a", "k") == {"n": 1}
    mark = await marks.read("a", "k")
    assert mark is not None and mark.value == {"open": 1} and mark.version == version
    assert await records.create_marked({"n": 2}, "a", "k", marks="marks", mark={"open": 2}) is None
    assert await records.get("a", "k") == {"n": 1}
    assert await marks.read("a", "k") == mark, "the mark of a record that existed is left alone"
    # The mark's version is the one a later compare-and-set names.
    assert await marks.put({"open": 1, "answer": "handed"}, "a", "k", version=version) is not None
    assert await marks.keys() == [("a", "k")] and await records.keys() == [("a", "k")]


async def test_two_instances_creating_one_marked_record_create_and_mark_it_once(
    open_place: OpenPlace,
) -> None:
    first, second = await open_records(open_place), await open_records(open_place)
    won = await asyncio.gather(
        *(
            records.create_marked({"by": n}, "once", marks="marks", mark={"by": n})
            for n in range(10)
            for records in (first, second)
        )
    )
    assert sum(version is not None for version in won) == 1
    winner = [version is not None for version in won].index(True) // 2
    assert await second.get("once") == {"by": winner}
    assert await (await open_records(open_place, "marks")).get("once") == {"by": winner}


async def test_replace_writes_only_over_the_version_it_read(open_place: OpenPlace) -> None:
    records = await open_records(open_place)
    await records.create("first", "k")
    seen = await records.read("k")
    assert seen is not None and seen.value == "first"
    assert await records.replace("second", seen.version, "k") is True
    # The version it read is gone: a writer that read before loses, and says so.
    assert await records.replace("stale", seen.version, "k") is False
    now = await records.read("k")
    assert now is not None and now.value == "second" and now.version != seen.version
    assert await records.replace("x", "not-a-version", "k") is False
    assert await records.replace("x", now.version, "missing") is False
    assert await records.get("missing") is None


async def test_put_writes_and_gives_the_version_a_later_put_must_name(open_place: OpenPlace) -> None:
    records = await open_records(open_place)
    first = await records.put({"n": 1}, "k")
    assert first is not None
    second = await records.put({"n": 2}, "k", version=first)
    assert second is not None and second != first
    assert await records.put({"n": "stale"}, "k", version=first) is None, "written since it was read"
    found = await records.read("k")
    assert found is not None and found.value == {"n": 2} and found.version == second
    unconditional = await records.put({"n": 3}, "k")
    assert unconditional is not None and await records.put({"n": 4}, "k", version=unconditional)
    await records.delete("k")
    assert await records.put({"n": 5}, "k", version=second) is not None, "deleted since read: written again"
    assert await records.get("k") == {"n": 5}


async def test_two_instances_putting_over_one_version_let_one_win(open_place: OpenPlace) -> None:
    first, second = await open_records(open_place), await open_records(open_place)
    version = await first.put("v0", "k")
    assert version is not None
    results = await asyncio.gather(
        first.put("by first", "k", version=version), second.put("by second", "k", version=version)
    )
    assert sum(result is not None for result in results) == 1
    assert await second.get("k") == ("by first" if results[0] else "by second")


async def test_a_records_keys_keep_the_order_they_were_written_in(open_place: OpenPlace) -> None:
    """jsonpickle's references (bot state) count objects in this order."""
    records = await open_records(open_place)
    await records.put({"z": 1, "a": {"y": 2, "b": 3}}, "k")
    found = await records.get("k")
    assert found is not None and list(found) == ["z", "a"] and list(found["a"]) == ["y", "b"]


async def test_change_creates_updates_leaves_and_deletes(open_place: OpenPlace) -> None:
    records = await open_records(open_place)
    assert await records.change(lambda current: (current or 0) + 1, "n") == 1
    assert await records.change(lambda current: (current or 0) + 1, "n") == 2
    assert await records.change(lambda _: NO_CHANGE, "n") == 2
    assert await records.change(lambda _: NO_CHANGE, "absent") is None
    assert await records.get("absent") is None
    assert await records.change(lambda _: None, "n") is None
    assert await records.get("n") is None
    await records.delete("n")  # deleting what isn't there is fine


@pytest.mark.parametrize("part", AWKWARD_PARTS)
async def test_any_key_part_round_trips_and_stays_in_its_place(open_place: OpenPlace, part: str) -> None:
    records = await open_records(open_place)
    await records.create("inside", "conversation", part, "leaf")
    await records.create("beside", "conversation", part + "x", "leaf")
    await records.create("other", "conversations", part, "leaf")
    assert await records.get("conversation", part, "leaf") == "inside"
    assert await records.keys("conversation", part) == [("conversation", part, "leaf")]
    assert await records.values("conversation", part) == {("conversation", part, "leaf"): "inside"}
    assert set(await records.get_many([("conversation", part, "leaf"), ("nope",)])) == {
        ("conversation", part, "leaf")
    }


async def test_collections_do_not_see_each_other(open_place: OpenPlace) -> None:
    place = await open_place()
    mine, theirs, prefixed = (records_in(place, name) for name in ("mine", "theirs", "mine-too"))
    await mine.create(1, "k")
    await prefixed.create(3, "k")
    assert await theirs.get("k") is None
    assert await theirs.keys() == []
    assert await mine.values() == {("k",): 1}
    assert await prefixed.values() == {("k",): 3}


async def test_listings_are_in_key_order_and_limited(open_place: OpenPlace) -> None:
    records = await open_records(open_place)
    names = [f"{n:03d}" for n in range(12)]
    for name in reversed(names):
        await records.create({"name": name}, "day", name)
    await records.create("elsewhere", "night", "000")
    assert await records.keys("day") == [("day", name) for name in names]
    assert await records.keys("day", limit=3) == [("day", name) for name in names[:3]]
    assert list(await records.values("day")) == [("day", name) for name in names]
    assert len(await records.keys()) == 13


@pytest.mark.parametrize("size", [1, 5, 12, 50])
async def test_paging_visits_every_record_once_in_order(open_place: OpenPlace, size: int) -> None:
    records = await open_records(open_place)
    for n in range(12):
        await records.create(n, "p", f"{n:02d}")
    await records.create("not mine", "q", "00")
    seen: list[Any] = []
    start: str | None = None
    for _ in range(20):
        page = await records.page("p", size=size, start=start)
        assert len(page.records) <= size
        seen += page.records.values()
        if page.next is None:
            break
        start = page.next
    assert seen == list(range(12))


async def test_an_empty_listing_is_one_empty_page(open_place: OpenPlace) -> None:
    records = await open_records(open_place)
    page = await records.page("nothing", size=10)
    assert page.records == {} and page.next is None


async def test_two_instances_changing_one_record_lose_no_write(open_place: OpenPlace) -> None:
    first, second = await open_records(open_place), await open_records(open_place)

    def slowly_bumped(current: Any | None) -> Any:
        # A change that takes a moment (it runs on the SQLite thread, or between a blob's read and
        # write) widens the window in which the other instance writes: without an atomic change on
        # SQLite, or without If-Match on blobs, writes are lost.
        time.sleep(0.003)
        return {"n": (current or {"n": 0})["n"] + 1}

    async def bump(records: Records) -> None:
        await records.change(slowly_bumped, "counter")

    await asyncio.gather(*(bump(records) for _ in range(15) for records in (first, second)))
    assert await first.get("counter") == {"n": 30}
    assert await second.get("counter") == {"n": 30}


async def test_two_instances_creating_one_record_create_it_once(open_place: OpenPlace) -> None:
    first, second = await open_records(open_place), await open_records(open_place)
    won = await asyncio.gather(
        *(records.create({"by": n}, "once") for n in range(10) for records in (first, second))
    )
    assert won.count(True) == 1
    winner = won.index(True) // 2
    assert await second.get("once") == {"by": winner}


async def test_compare_and_set_across_instances_lets_one_writer_win(open_place: OpenPlace) -> None:
    first, second = await open_records(open_place), await open_records(open_place)
    await first.create("v0", "k")
    seen_first, seen_second = await first.read("k"), await second.read("k")
    assert seen_first is not None and seen_second is not None
    assert seen_first.version == seen_second.version
    results = await asyncio.gather(
        first.replace("by first", seen_first.version, "k"),
        second.replace("by second", seen_second.version, "k"),
    )
    assert sorted(results) == [False, True]
    assert await first.get("k") == ("by first" if results[0] else "by second")


async def test_what_one_instance_wrote_the_next_one_reads(open_place: OpenPlace) -> None:
    records = await open_records(open_place)
    await records.create({"kept": True}, "a", "b")
    restarted = await open_records(open_place)
    assert await restarted.get("a", "b") == {"kept": True}
    assert await restarted.keys("a") == [("a", "b")]
