"""Tests for weex_events.private_state: exactly once, never backwards (DESIGN.md §5).

Pure: no event loop. Order histories are generated with hypothesis and fed in any
interleaving, with duplicates, as a stream and a recovery would deliver them.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from weex_events.private_items import PrivateItem, RestSnapshot
from weex_events.private_state import PrivateState


def order(
    oid: str, status: str, filled: str, t: int, *, size: Any = "1.0", **extra: Any
) -> PrivateItem:
    data = {
        "order_id": oid,
        "symbol": "BTCUSDT",
        "status": status,
        "filled_size": filled,
        "size": size,
        **extra,
    }
    return PrivateItem("order", "BTCUSDT", data, t)


def fill(fid: str, t: int, oid: str = "1") -> PrivateItem:
    data = {"fill_id": fid, "order_id": oid, "symbol": "BTCUSDT", "size": "0.1"}
    return PrivateItem("fill", "BTCUSDT", data, t)


def position(size: str, t: int, side: str = "long", **extra: Any) -> PrivateItem:
    data = {"symbol": "BTCUSDT", "side": side, "size": size, **extra}
    return PrivateItem("position", "BTCUSDT", data, t)


def balance(amount: str, t: int | None) -> PrivateItem:
    return PrivateItem("account", None, {"coin": "USDT", "balance": amount}, t)


def test_fill_id_is_delivered_once() -> None:
    """A fill id is delivered once, whichever source brings it again."""
    state = PrivateState()
    assert state.admit(fill("f1", 10))
    assert not state.admit(fill("f1", 10))
    assert state.admit(fill("f2", 11))
    assert state.counts["duplicate"] == 1


def test_pending_then_new_are_two_states_delivered_once_each() -> None:
    """pending and new at the same time are both delivered; repeats of either not."""
    state = PrivateState()
    assert state.admit(order("1", "pending", "0", 5))
    assert state.admit(order("1", "new", "0", 5))
    assert not state.admit(order("1", "new", "0", 5))
    assert not state.admit(order("1", "pending", "0", 5))


def test_terminal_status_is_final() -> None:
    """Nothing is delivered for an order after its terminal state."""
    state = PrivateState()
    assert state.admit(order("1", "canceled", "0", 5))
    assert not state.admit(order("1", "new", "0", 9))
    assert not state.admit(order("1", "filled", "1.0", 9))
    assert state.counts["final"] == 2
    assert state.open_order_ids == frozenset()


def test_older_update_and_smaller_filled_size_are_refused() -> None:
    """An update older by time, or with less filled, is not delivered."""
    state = PrivateState()
    assert state.admit(order("1", "partially_filled", "0.5", 10))
    assert not state.admit(order("1", "new", "0", 9))
    assert not state.admit(order("1", "partially_filled", "0.4", 11))
    assert state.admit(order("1", "partially_filled", "0.6", 10))
    assert state.counts["stale"] == 2


def test_filled_size_compares_by_value_whatever_the_number_type() -> None:
    """ "0.50", Decimal("0.5") and 0.5 are the same filled size."""
    state = PrivateState()
    assert state.admit(order("1", "partially_filled", "0.50", 10))
    assert not state.admit(order("1", "partially_filled", Decimal("0.5"), 10))
    assert not state.admit(order("1", "partially_filled", 0.5, 10))


def test_account_state_tracks_orders_positions_and_balances() -> None:
    """account_state shows live orders, open positions, balances, time and v."""
    state = PrivateState()
    state.admit(order("1", "new", "0", 1000), version=3)
    state.admit(order("2", "new", "0", 1001), version=4)
    state.admit(order("2", "filled", "1.0", 1002), version=5)
    state.admit(position("1.0", 1002), version=6)
    state.admit(balance("99.5", 1003), version=7)
    view = state.snapshot()
    assert list(view.open_orders) == ["1"]
    assert view.positions[("BTCUSDT", "long")]["size"] == "1.0"
    assert view.balances["USDT"]["balance"] == "99.5"
    assert (view.updated_at, view.version) == (1.003, 7)
    with pytest.raises(TypeError):
        view.open_orders["3"] = {}  # type: ignore[index]
    state.admit(position("0", 1004))
    assert state.snapshot().positions == {}
    assert view.positions  # an earlier snapshot does not change


def test_position_and_balance_are_delivered_on_change_only() -> None:
    """Same position or balance again is a duplicate; an older one is stale."""
    state = PrivateState()
    assert state.admit(position("1.0", 10, entry_price="100"))
    assert not state.admit(position("1.00", 11, entry_price="100.0"))
    assert not state.admit(position("2.0", 9))
    assert state.admit(position("2.0", 12))
    assert state.admit(balance("10", 5))
    assert not state.admit(balance("10.0", 6))
    assert not state.admit(balance("11", 4))
    assert state.admit(position("0", 3, side="short"))  # first news of it
    assert not state.admit(position("0", 3, side="short"))  # the same close again
    assert list(state.snapshot().positions) == [("BTCUSDT", "long")]


def test_reconcile_delivers_only_the_difference_in_order() -> None:
    """A REST read gives only what was missed: orders, fills, positions, balances."""
    state = PrivateState()
    state.admit(order("1", "new", "0", 100))
    state.admit(order("2", "new", "0", 101))
    state.admit(fill("f1", 102, "2"))
    state.admit(position("1.0", 102))
    state.admit(position("3.0", 90, side="short"))
    state.admit(balance("50", 102))
    snapshot = RestSnapshot(
        open_orders=(order("1", "new", "0", 100),),
        orders=(order("2", "filled", "1.0", 110), order("1", "new", "0", 100)),
        fills=(fill("f2", 110, "2"), fill("f1", 102, "2")),
        positions=(position("2.0", 110),),
        balances=(balance("40", 120),),
        server_ms=120,
    )
    missed = state.reconcile(snapshot)
    assert [
        (i.kind, i.data.get("fill_id") or i.data.get("order_id")) for i in missed
    ] == [
        ("order", "2"),
        ("fill", "f2"),
        ("position", None),
        ("position", None),
        ("account", None),
    ]
    closed = missed[3]
    assert (closed.data["side"], closed.data["size"], closed.time_ms) == (
        "short",
        "0",
        120,
    )
    assert state.reconcile(snapshot) == []  # the same read again: nothing new
    view = state.snapshot()
    assert list(view.open_orders) == ["1"] and list(view.positions) == [
        ("BTCUSDT", "long")
    ]


def test_memory_is_bounded_and_forgotten_items_stay_undelivered() -> None:
    """Past max_remembered, old fill ids are forgotten; unknown older fills refused."""
    state = PrivateState(max_remembered=3)
    for i in range(10):
        assert state.admit(fill(f"f{i}", 100 + i))
    assert state.remembered["fills"] == 3
    assert not state.admit(fill("f0", 100))  # forgotten, and not newer: refused
    assert state.counts["forgotten"] == 1
    assert state.admit(fill("f10", 110))


def test_memory_forgets_by_age() -> None:
    """Fill ids and finished orders older than retention_ms are forgotten."""
    state = PrivateState(retention_ms=1000)
    state.admit(fill("a", 0))
    state.admit(order("1", "filled", "1.0", 0))
    state.admit(fill("b", 5000), now_ms=5000)
    assert state.remembered == {"fills": 1, "finished_orders": 0}
    assert not state.admit(fill("b", 5000))
    assert not state.admit(order("1", "filled", "1.0", 0))


# -- property: any interleaving of a valid history --------------------------------

STATUS_PATHS = [
    ["pending", "new", "canceled"],
    ["pending", "new", "partially_filled", "filled"],
    ["pending", "filled"],
    ["pending", "new", "partially_filled", "partially_filled", "canceled"],
    ["pending", "rejected"],
]


@st.composite
def histories(draw: st.DrawFn) -> tuple[list[PrivateItem], dict[str, PrivateItem]]:
    """Several orders' valid update sequences and their fills."""
    items: list[PrivateItem] = []
    finals: dict[str, PrivateItem] = {}
    t = 1_000
    fills = 0
    for n in range(draw(st.integers(1, 4))):
        oid = str(700_000_000_000_000_000 + n)
        filled = Decimal(0)
        for status in draw(st.sampled_from(STATUS_PATHS)):
            t += draw(st.integers(0, 3))  # equal times happen
            if status in ("partially_filled", "filled"):
                step = Decimal(1) - filled if status == "filled" else Decimal("0.25")
                filled += step
                fills += 1
                items.append(fill(str(9_000 + fills), t, oid))
            item = order(oid, status, str(filled), t)
            items.append(item)
            finals[oid] = item
    return items, finals


@settings(max_examples=300, deadline=None)
@given(data=histories(), rnd=st.randoms(use_true_random=False))
def test_any_interleaving_delivers_fills_once_and_never_regresses(
    data: tuple[list[PrivateItem], dict[str, PrivateItem]], rnd: Any
) -> None:
    """Shuffled, duplicated history: each fill once, orders only move forward and
    end in their final state."""
    items, finals = data
    feed = items + [rnd.choice(items) for _ in range(len(items))]
    rnd.shuffle(feed)
    feed += items  # everything arrives at least once, as recovery guarantees
    state = PrivateState()
    delivered = [i for i in feed if state.admit(i)]
    fill_ids = [i.data["fill_id"] for i in delivered if i.kind == "fill"]
    assert sorted(fill_ids) == sorted(
        {i.data["fill_id"] for i in items if i.kind == "fill"}
    )
    stages = {"pending": 0, "new": 1, "partially_filled": 2}
    last: dict[str, tuple[int, Decimal, int]] = {}
    terminal: set[str] = set()
    for item in (i for i in delivered if i.kind == "order"):
        oid = item.data["order_id"]
        assert oid not in terminal
        key = (
            item.time_ms or 0,
            Decimal(item.data["filled_size"]),
            stages.get(item.data["status"], 3),
        )
        if oid in last:
            assert key > last[oid]
            assert key[0] >= last[oid][0] and key[1] >= last[oid][1]
        last[oid] = key
        if item.data["status"] in ("filled", "canceled", "rejected"):
            terminal.add(oid)
    for oid, final in finals.items():
        states = [
            i for i in delivered if i.kind == "order" and i.data["order_id"] == oid
        ]
        assert states[-1].data == final.data


def test_resume_point_is_the_last_rest_pass_else_the_last_event() -> None:
    """resume_ms: None at first, then the newest event, then the last REST pass."""
    state = PrivateState()
    assert state.resume_ms is None
    state.admit(fill("f1", 500))
    assert state.resume_ms == state.last_event_ms == 500
    state.reconcile(RestSnapshot(server_ms=400))
    state.admit(fill("f2", 900))  # a later push does not move it past unchecked time
    assert (state.resume_ms, state.last_event_ms) == (400, 900)
