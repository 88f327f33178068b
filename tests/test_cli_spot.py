"""``weex-events sim`` prints the spot host beside contract, labelled as spot."""

from __future__ import annotations

import re

import pytest

from weex_events.cli import main


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
