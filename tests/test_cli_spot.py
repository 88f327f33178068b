"""The command line on spot: ``sim`` labels the spot host, ``tail --market spot``
and ``demo --market spot`` (best bid/ask, paper spot orders)."""

from __future__ import annotations

import io
import re
from decimal import Decimal

import orjson
import pytest
from rich.console import Console

from weex_events.cli import main
from weex_events.dashboard import render
from weex_events.demo_state import DemoState, sellable, spot_lot
from weex_events.events import StreamMessage


def test_sim_prints_spot_exports_labelled_and_commented(
    capsys: pytest.CaptureFixture[str],
) -> None:
    """The spot block names its own port and comments out its export lines."""
    assert main(["sim", "--seconds", "1", "--port", "0"]) == 0
    out = capsys.readouterr().out
    contract = re.search(r"^export WEEX_REST_URL=http://127\.0\.0\.1:(\d+)$", out, re.M)
    spot = re.search(r"^# export WEEX_REST_URL=http://127\.0\.0\.1:(\d+)$", out, re.M)
    assert contract is not None and spot is not None, out
    assert contract.group(1) != spot.group(1)
    port = spot.group(1)
    assert f"  spot public WebSocket:  ws://127.0.0.1:{port}/v3/ws/public\n" in out
    assert "# export WEEX_MARKET=spot\n" in out
    assert f"# export WEEX_WS_PRIVATE_URL=ws://127.0.0.1:{port}/v3/ws/private\n" in out
    # Uncommented exports configure one market only: contract.
    plain = re.findall(r"^export (WEEX_\w+)=", out, re.M)
    assert len(plain) == len(set(plain)) and "WEEX_MARKET" not in plain


def test_tail_spot_book_ticker(capsys: pytest.CaptureFixture[str]) -> None:
    """``tail --market spot book_ticker:BTCUSDT --sim`` prints best bid/ask lines."""
    argv = ["tail", "--market", "spot", "book_ticker:btcusdt", "--sim", "--count", "2"]
    assert main(argv) == 0
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == 2
    for record in map(orjson.loads, lines):
        assert record["event"] == "book_ticker:BTCUSDT"
        assert record["kind"] == "book_ticker"
        data = record["data"]
        assert Decimal(data["bid"]) < Decimal(data["ask"])
        assert isinstance(data["update_id"], int)


def test_tail_book_ticker_on_contract_exits_2(
    capsys: pytest.CaptureFixture[str],
) -> None:
    """book_ticker without ``--market spot`` is a one-line configuration error."""
    assert main(["tail", "book_ticker:BTCUSDT", "--sim", "--seconds", "5"]) == 2
    err = capsys.readouterr().err
    last = err.splitlines()[-1]
    assert last.startswith("weex-events: error: ") and "spot" in last
    assert "Traceback" not in err


def test_demo_spot_shows_best_prices_and_paper_spot_orders(
    capsys: pytest.CaptureFixture[str],
) -> None:
    """``demo --market spot`` prints best bid/ask, spot orders, fills and coins."""
    assert main(["demo", "--market", "spot", "--seconds", "5", "--plain"]) == 0
    out = capsys.readouterr().out
    assert re.search(r"^best BTCUSDT bid \S+ x \S+ \| ask \S+ x \S+$", out, re.M), out
    assert re.search(r"^ticker BTCUSDT last=", out, re.M)
    assert re.search(r"^book BTCUSDT bid ", out, re.M)
    assert re.search(r"^trade BTCUSDT (buy|sell) ", out, re.M)
    assert re.search(r"^order BTCUSDT buy market \S+ @ \S+ filled$", out, re.M)
    assert re.search(r"^fill BTCUSDT buy \S+ @ \S+ fee \S+ taker$", out, re.M)
    assert re.search(r"^account BTC balance \S+ \(OrderUpdate\)$", out, re.M)
    assert re.search(r"^account USDT balance \S+ \(OrderUpdate\)$", out, re.M)
    assert "position" not in out


def test_spot_dashboard_shows_best_prices_and_coins() -> None:
    """The live view adds bid/ask columns and one balance per coin on spot."""
    state = DemoState(("BTCUSDT",), url="ws://127.0.0.1:1/v3/ws/public")
    ticker = {"symbol": "BTCUSDT", "last": "65000.1", "change": "1.5", "volume": "9"}
    best = {"symbol": "BTCUSDT", "bid": "65000.0", "bid_size": "0.5",
            "ask": "65000.2", "ask_size": "0.7", "update_id": 1}  # fmt: skip
    for kind, data in (("ticker", ticker), ("book_ticker", best)):
        state.apply(StreamMessage(f"{kind}:BTCUSDT", kind, "BTCUSDT", data, 0, 0, {}))
    for coin, balance in (("USDT", "99350"), ("BTC", "0.00999")):
        data = {"coin": coin, "balance": balance, "available": balance, "frozen": "0"}
        state.apply(StreamMessage("account", "account", None, data, 0, 0, {}))
    screen = io.StringIO()
    Console(file=screen, width=120, height=40, color_system=None).print(
        render(state, 120, 40)
    )
    text = screen.getvalue()
    assert re.search(r"TICKERS +last +change +volume +bid +ask", text), text
    assert re.search(r"BTCUSDT +65000\.1 +1\.5% +9 +65000\.0 +65000\.2", text)
    assert "PAPER ACCOUNT BTC 0.00999 · USDT 99350" in text


def test_spot_lot_and_sellable_amounts() -> None:
    """The demo sells what it holds, rounded down to the symbol's size step."""
    info = {"symbols": [
        {"symbol": "BTCUSDT", "baseAsset": "BTC", "stepSize": "0.000001"},
        {"symbol": "ETHUSDT", "baseAsset": "ETH", "baseAssetPrecision": 5},
    ]}  # fmt: skip
    assert spot_lot(info, "BTCUSDT") == ("BTC", Decimal("0.000001"))
    assert spot_lot(info, "ETHUSDT") == ("ETH", Decimal("0.00001"))
    assert sellable("0.0099900", Decimal("0.000001")) == Decimal("0.009990")
    assert sellable("0.0000004", Decimal("0.000001")) == 0
    assert sellable(None, Decimal("0.01")) == 0
    with pytest.raises(LookupError):
        spot_lot(info, "SOLUSDT")
