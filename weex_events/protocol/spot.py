"""Pure decoders of WEEX spot V3 frames (WEEX-WS.md §1.7).

Spot speaks the contract V3 envelope with fewer fields, no ``positions`` and one
extra push, ``bookTicker``. Each decoder is a standalone function
``decoder(norm, msg, received_at)`` of the parsed frame, the caller's
:class:`~.normalize.Normalizer` (its ``number_type``) and the receive time; it
returns what ``protocol.v3`` returns for that kind of frame: a list of
:class:`~weex_events.events.StreamMessage` (one per item) or a
:class:`~weex_events.protocol.DepthUpdate`. :data:`DECODERS` maps a push's ``e``
to its decoder; :func:`decode` parses text and dispatches. Data follows DESIGN.md
§1/§3: fields spot does not send (ticker ``mark``/``index``, order
``position_side``, fill ``realized_pnl``, ``margin_mode``) are omitted, never
faked; a malformed frame raises :class:`~weex_events.errors.DecodeError` only.

Spot specifics: ``bookTicker`` is flat and its ``u`` (``update_id``) is a ms stamp,
never a depth version (§1.7.3); ``account`` ``balance`` is WEEX's ``equity``
(§1.7.4); order status ``EXPIRED`` is canceled and a live order with
``0 < cumFillSize < size`` is ``partially_filled`` (§1.7.6); REST balances
(§1.7.5) map ``free``/``locked`` to ``available``/``frozen``, ``balance`` their sum.

Pure: no asyncio, no clock. Imports: ``errors``, ``events``, ``protocol`` (its
types), ``.normalize``, ``.numbers``, ``.symbols``, orjson.
"""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from functools import wraps
from typing import Any, TypeAlias, TypeVar

import orjson

from ..errors import DecodeError
from ..events import StreamMessage
from . import Decoded, DepthUpdate, UnknownPush, new_message
from .normalize import Field, Normalizer
from .numbers import CONTEXT, decimal_in, to_bool, to_int, to_text
from .symbols import normalize as user_symbol

__all__ = [
    "DECODERS",
    "Decoder",
    "account",
    "book_ticker",
    "decode",
    "depth",
    "fill",
    "orders",
    "rest_balances",
    "rest_depth",
    "ticker",
    "trades",
]

#: ``decoder(norm, msg, received_at)``: one spot push, parsed, to what it means.
Decoder: TypeAlias = Callable[[Normalizer, dict[str, Any], float], Decoded]
_F = TypeVar("_F", bound=Callable[..., Any])

#: The exceptions malformed input raises inside a decoder (as ``codec.MALFORMED``).
_MALFORMED = (LookupError, TypeError, ValueError, AttributeError, ArithmeticError)

# WEEX-WS.md §1.7.3 ticker: as contract without "m"/"i"; DESIGN.md §1 order.
_TICKER_FIELDS = (
    ("last", "c"), ("open", "o"), ("high", "h"), ("low", "l"), ("volume", "v"),
    ("quote_volume", "q"), ("change_abs", "p"),
)  # fmt: skip
# §1.7.6: the words of a live order (one with fills below its size is partial).
_LIVE = frozenset({"new", "pending"})


def _guarded(func: _F) -> _F:
    """Turn the malformed-input exceptions of ``func`` into :class:`DecodeError`."""

    @wraps(func)
    def wrapper(*args: Any) -> Any:
        try:
            return func(*args)
        except DecodeError:
            raise
        except _MALFORMED as exc:
            raise DecodeError(_why(args, exc), _excerpt(args)) from exc

    return wrapper  # type: ignore[return-value]


def _why(args: tuple[Any, ...], exc: BaseException) -> str:
    msg = next((a for a in args if isinstance(a, dict)), None)
    label = msg.get("e") if msg is not None else None
    what = f"spot {label!s:.30} frame" if label is not None else "spot frame"
    if isinstance(exc, KeyError):
        return f"malformed {what}: missing field {exc}"
    return f"malformed {what}: {type(exc).__name__}: {exc!s:.100}"


def _excerpt(args: tuple[Any, ...]) -> str | None:
    body = next((a for a in args if isinstance(a, dict | list)), None)
    try:
        return None if body is None else orjson.dumps(body).decode()
    except TypeError:  # an integer beyond 64 bits
        return None


def _stamp(msg: dict[str, Any], received_at: float) -> float:
    """The frame's event time ``E`` in seconds, else the receive time."""
    stamp = msg.get("E")
    if stamp is None:
        return received_at
    return to_int(stamp) / 1000


def _items(msg: dict[str, Any]) -> list[Any]:
    items = msg["d"]
    if type(items) is not list:
        raise TypeError("'d' is not a list")
    return items


# -- public pushes (WEEX-WS.md §1.7.3) ----------------------------------------------


@_guarded
def ticker(norm: Normalizer, msg: dict[str, Any], received_at: float) -> Decoded:
    """A spot ``ticker`` push: ``symbol last open high low volume quote_volume
    change change_abs trades`` (no ``mark``/``index``: spot sends none)."""
    symbol = user_symbol(msg["s"])
    item = msg["d"][0]
    if type(item) is not dict:
        raise TypeError("ticker item is not an object")
    data: dict[str, Any] = {"symbol": symbol}
    num = norm.num
    for out, src in _TICKER_FIELDS:
        value = item.get(src)
        if value is not None:
            data[out] = num(value)
    change = item.get("P")
    if change is not None:
        data["change"] = norm.percent(change)
    count = item.get("n")
    if count is not None:
        data["trades"] = to_int(count)
    stamp = _stamp(msg, received_at)
    return [
        new_message(
            f"ticker:{symbol}", "ticker", symbol, data, stamp, received_at, item
        )
    ]


@_guarded
def book_ticker(norm: Normalizer, msg: dict[str, Any], received_at: float) -> Decoded:
    """A ``bookTicker`` push: ``symbol bid bid_size ask ask_size update_id``.

    ``update_id`` is WEEX's ``u``, a millisecond stamp (§1.7.3), not a depth
    version. The raw item is the whole (flat) frame.
    """
    symbol = user_symbol(msg["s"])
    num = norm.num
    data: dict[str, Any] = {"symbol": symbol}
    for out, src in (("bid", "b"), ("bid_size", "B"), ("ask", "a"), ("ask_size", "A")):
        data[out] = num(msg[src])
    data["update_id"] = to_int(msg["u"])
    stamp, event = _stamp(msg, received_at), f"book_ticker:{symbol}"
    return [new_message(event, "book_ticker", symbol, data, stamp, received_at, msg)]


@_guarded
def trades(norm: Normalizer, msg: dict[str, Any], received_at: float) -> Decoded:
    """A ``trade``/``tradeSnapshot`` push: one message per trade, ``symbol
    trade_id price size value side time``; ``side`` is the taker's."""
    symbol = user_symbol(msg["s"])
    frame_time = _stamp(msg, received_at)
    num = norm.num
    fields: tuple[Field, ...] = (
        ("trade_id", "t", to_text),
        ("price", "p", num),
        ("size", "q", num),
        ("value", "v", num),
    )
    out = []
    for item in _items(msg):
        if type(item) is not dict:
            raise TypeError("trade item is not an object")
        data: dict[str, Any] = {"symbol": symbol}
        norm.pick(data, item, fields)
        maker = item.get("m")
        if maker is not None:
            # DESIGN.md §3: buyer is maker -> the taker sold.
            data["side"] = "sell" if to_bool(maker) else "buy"
        timestamp = frame_time
        when = item.get("T")
        if when is not None:
            data["time"] = when = to_int(when)
            timestamp = when / 1000
        out.append(
            new_message(
                "trade:" + symbol, "trade", symbol, data, timestamp, received_at, item
            )
        )
    return out


def _levels(rows: Any) -> list[tuple[str, str]]:
    if type(rows) is not list:
        raise TypeError("depth side is not a list")
    out = []
    for row in rows:
        if type(row) is not list or len(row) < 2:
            raise TypeError("depth level is not a [price, size] pair")
        out.append((to_text(row[0]), to_text(row[1])))
    return out


@_guarded
def depth(norm: Normalizer, msg: dict[str, Any], received_at: float) -> Decoded:
    """A ``depthSnapshot``/``depth`` push as a :class:`DepthUpdate`.

    Same shape and chain as contract (§1.7.3): ``U``/``u`` first/last version,
    ``l`` levels (15 when absent), ``b``/``a`` text pairs (the book applies
    ``number_type``); a side missing from the frame has no levels.
    """
    symbol = user_symbol(msg["s"])
    level = msg.get("l")
    level = 15 if level is None else to_int(level)
    snapshot = msg["e"] == "depthSnapshot" or msg.get("d") == "SNAPSHOT"
    first, last = to_int(msg["U"]), to_int(msg["u"])
    bids = _levels(msg["b"]) if "b" in msg else []
    asks = _levels(msg["a"]) if "a" in msg else []
    return DepthUpdate(
        symbol,
        level,
        snapshot,
        first,
        last,
        bids,
        asks,
        _stamp(msg, received_at),
        received_at,
        msg,
    )


# -- private pushes (WEEX-WS.md §1.7.4) ---------------------------------------------


def _private(
    kind: str,
    normalize: Callable[[Any, str | None], dict[str, Any]],
    msg: dict[str, Any],
    received_at: float,
) -> list[StreamMessage]:
    """One message per item; ``msgEvent`` ends each item's data as ``reason``."""
    reason = msg.get("msgEvent")
    if reason is not None:
        to_text(reason)
    timestamp = _stamp(msg, received_at)
    out = []
    for item in _items(msg):
        if type(item) is not dict:
            raise TypeError("private item is not an object")
        raw_symbol = item.get("symbol")
        symbol = user_symbol(raw_symbol) if raw_symbol else None
        data = normalize(item, symbol)
        if reason is not None:
            data["reason"] = reason
        event = kind if symbol is None else f"{kind}:{symbol}"
        out.append(new_message(event, kind, symbol, data, timestamp, received_at, item))
    return out


@_guarded
def account(norm: Normalizer, msg: dict[str, Any], received_at: float) -> Decoded:
    """A spot ``account`` push: per item ``coin balance available frozen reason``
    (``balance`` is WEEX's ``equity``; spot sends no margin mode)."""
    return _private(
        "account", lambda item, _: norm.account(item, "coin"), msg, received_at
    )


def _spot_status(data: dict[str, Any], item: dict[str, Any]) -> None:
    """§1.7.6: EXPIRED is canceled; a live order partly filled is partial."""
    status = data.get("status")
    if status == "expired":
        data["status"] = "canceled"
        return
    if status not in _LIVE:
        return
    size, filled = item.get("size"), item.get("cumFillSize")
    if size is None or filled is None:
        return
    if Decimal(0) < decimal_in(filled) < decimal_in(size):
        data["status"] = "partially_filled"


@_guarded
def orders(norm: Normalizer, msg: dict[str, Any], received_at: float) -> Decoded:
    """A spot ``orders`` push: per item ``order_id client_order_id symbol side
    type price size filled_size avg_price status time_in_force reduce_only
    reason`` (no ``position_side``: spot has no positions).

    A market buy placed by quote amount carries ``size`` ``"0"`` (§1.7.4); it is
    passed on as sent.
    """

    def normalize(item: Any, symbol: str | None) -> dict[str, Any]:
        data = norm.order(item, symbol)
        _spot_status(data, item)
        return data

    return _private("order", normalize, msg, received_at)


@_guarded
def fill(norm: Normalizer, msg: dict[str, Any], received_at: float) -> Decoded:
    """A spot ``fill`` push: per item ``fill_id order_id symbol side price size
    fee liquidity reason``; ``price`` is ``fillValue / fillSize`` (none is sent)
    and there is no ``realized_pnl`` on spot."""
    return _private("fill", norm.fill, msg, received_at)


#: A spot push's ``e`` -> its decoder.
DECODERS: dict[str, Decoder] = {
    "ticker": ticker,
    "bookTicker": book_ticker,
    "trade": trades,
    "tradeSnapshot": trades,
    "depth": depth,
    "depthSnapshot": depth,
    "account": account,
    "orders": orders,
    "fill": fill,
}


def decode(norm: Normalizer, frame: str | bytes, received_at: float) -> Decoded:
    """Parse one spot push and decode it with :data:`DECODERS`.

    Returns an :class:`UnknownPush` for an object whose ``e`` no decoder knows
    (control frames included: they are the contract codec's business).

    Raises:
        DecodeError: invalid JSON, not an object, or a malformed known push.
    """
    try:
        msg = orjson.loads(frame)
    except (orjson.JSONDecodeError, TypeError) as exc:
        raise DecodeError(f"invalid JSON: {exc!s:.100}", frame) from None
    if type(msg) is not dict:
        raise DecodeError("not a JSON object", frame)
    kind = msg.get("e")
    decoder = DECODERS.get(kind) if type(kind) is str else None
    if decoder is None:
        return UnknownPush(str(kind), msg)
    return decoder(norm, msg, received_at)


# -- REST bodies (WEEX-WS.md §1.7.5) -------------------------------------------------


@_guarded
def rest_balances(norm: Normalizer, body: Any) -> list[dict[str, Any]]:
    """``GET /api/v3/account/`` balances as ``account`` data, one per asset:
    ``coin balance available frozen`` (``free + locked``, ``free``, ``locked``)."""
    rows = body["balances"]
    if type(rows) is not list:
        raise TypeError("'balances' is not a list")
    out = []
    for row in rows:
        if type(row) is not dict:
            raise TypeError("balance row is not an object")
        free, locked = row["free"], row["locked"]
        total = CONTEXT.add(decimal_in(free), decimal_in(locked))
        out.append(
            {
                "coin": to_text(row["asset"]),
                "balance": norm.out(total),
                "available": norm.num(free),
                "frozen": norm.num(locked),
            }
        )
    return out


@_guarded
def rest_depth(body: Any) -> tuple[list[tuple[str, str]], list[tuple[str, str]], int]:
    """``GET /api/v3/market/depth`` as ``(bids, asks, lastUpdateId)``, levels
    as ``(price, size)`` text pairs, best first as sent."""
    return _levels(body["bids"]), _levels(body["asks"]), to_int(body["lastUpdateId"])
