"""Per-connection subscription rules, pure (no socket, no loop)."""

from __future__ import annotations

from weex_events.channel_table import ChannelState, ChannelTable, Command
from weex_events.events import Channel
from weex_events.protocol import Reply

BTC = Channel("ticker", "BTCUSDT")
ETH = Channel("ticker", "ETHUSDT")


def table(max_ops: int = 240) -> ChannelTable:
    return ChannelTable(lambda ch: f"{ch.symbol}@{ch.kind}", max_ops)


def drain(t: ChannelTable, now: float = 0.0) -> list[Command]:
    out = []
    while isinstance(step := t.next_command(now), Command):
        out.append(step)
    return out


def test_one_channel_per_command_and_acks_activate() -> None:
    """Each wanted channel gets its own SUBSCRIBE; an ack makes it active."""
    t = table()
    assert t.add(BTC) and t.add(ETH) and not t.add(BTC)
    sent = drain(t)
    assert [(c.action, c.param) for c in sent] == [
        ("subscribe", "BTCUSDT@ticker"),
        ("subscribe", "ETHUSDT@ticker"),
    ]
    answer = t.answer(Reply(sent[0].req_id, True))
    assert answer is not None and answer.event == "subscribed"
    assert t.state[BTC] is ChannelState.ACTIVE and t.state[ETH] is ChannelState.PENDING


def test_released_before_sending_sends_nothing() -> None:
    """Wanting and releasing before the writer runs sends no command at all."""
    t = table()
    t.add(BTC)
    t.remove(BTC)
    assert drain(t) == []


def test_unsubscribe_only_what_this_socket_subscribed() -> None:
    """After a new socket, releasing a channel not yet re-sent sends nothing."""
    t = table()
    t.add(BTC)
    (sub,) = drain(t)
    t.answer(Reply(sub.req_id, True))
    t.remove(BTC)
    (unsub,) = drain(t)
    assert unsub.action == "unsubscribe"
    t.add(ETH)
    drain(t)
    t.new_socket()  # ETH queued again, but not yet sent on the new socket
    t.remove(ETH)
    assert drain(t) == []


def test_rejected_channel_is_never_sent_again() -> None:
    """A reject fails the channel for good, across new sockets."""
    t = table()
    t.add(BTC)
    (sub,) = drain(t)
    answer = t.answer(Reply(sub.req_id, False, "invalid symbol : BTCUSDT"))
    assert answer is not None and answer.event == "subscription_failed"
    assert t.failures[BTC] == "invalid symbol : BTCUSDT" and t.rejections == 1
    t.new_socket()
    assert drain(t) == []
    t.remove(BTC)
    assert drain(t) == []  # never unsubscribe what the server refused


def test_hourly_budget_paces_commands() -> None:
    """With a budget of 2, the third command waits until the first is an hour old."""
    t = table(max_ops=2)
    for ch in (BTC, ETH, Channel("trade", "SOLUSDT")):
        t.add(ch)
    assert len(drain(t, now=100.0)) == 2
    assert t.next_command(now=160.0) == 3600.0 - 60.0
    (third,) = drain(t, now=3700.0)
    assert third.param == "SOLUSDT@trade"
    t.new_socket()  # a new socket has a fresh budget, not the old one's
    assert len(drain(t, now=3701.0)) == 2
    assert t.next_command(now=3701.0) == 3600.0


def test_v2_replies_match_by_channel_name() -> None:
    """Replies without an id (V2) match by wire name, unsubscribes included."""
    t = table()
    t.add(BTC)
    drain(t)
    ok = t.answer(Reply(None, True, channel="BTCUSDT@ticker", action="subscribe"))
    assert ok is not None and ok.event == "subscribed"
    t.remove(BTC)
    drain(t)
    gone = t.answer(Reply(None, True, channel="BTCUSDT@ticker", action="unsubscribe"))
    assert gone is not None and gone.event == "unsubscribed" and gone.channel == BTC


def test_unmatched_replies() -> None:
    """An ack of a ping needs nothing; a reject of something unknown is reported."""
    t = table()
    assert t.answer(Reply(t.next_id(), True)) is None
    answer = t.answer(Reply(None, False, "unrecognized message"))
    assert answer is not None and answer.event == "rejected"
