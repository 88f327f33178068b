"""The "Account Updates" example of the WebSocket API guide, runnable.

The code between the "documented block" markers is the block of
docs/websocket-api.rst, unchanged; the imports it needs are above it.
Configuration comes from the WEEX_* environment variables (docs/configuration.rst)::

    python examples/monitor_account.py --seconds 10
"""

# The documented code is kept as written (long lines, untyped functions).
# ruff: noqa: E501
# mypy: disable-error-code="no-untyped-def, no-untyped-call"
from weex_events import WeexConfig, WeexWebSocketClient


# fmt: off
# --- documented block: docs/websocket-api.rst, "Account Updates" ---
async def monitor_account():
    """Monitor real-time account updates"""
    config = WeexConfig.from_env()

    async with WeexWebSocketClient(config) as ws_client:
        print("💼 Monitoring account updates...")

        async for account_message in ws_client.stream_account():
            data = account_message.data
            timestamp = account_message.timestamp

            balance = data.get("balance", "N/A")
            available = data.get("available", "N/A")
            frozen = data.get("frozen", "N/A")

            print(f"{timestamp}: Balance: {balance} | Available: {available} | Frozen: {frozen}")
# --- end of documented block ---
# fmt: on


if __name__ == "__main__":
    from _runner import run

    run(monitor_account)
