"""Raw clients of the simulator's spot host: probes and signed REST calls."""

from __future__ import annotations

import base64
import hashlib
import hmac
from typing import Any
from urllib.parse import urlencode

import aiohttp
import orjson
from yarl import URL

from weex_events.sim import Simulator

from .probe import Probe, greeted
from .test_private import KEY, PASSPHRASE, SECRET, ws_headers


async def spot_public(http: aiohttp.ClientSession, sim: Simulator) -> Probe:
    """A greeted probe on the spot public endpoint."""
    return await greeted(await http.ws_connect(sim.spot.ws_public_url))


async def spot_private(http: aiohttp.ClientSession, sim: Simulator) -> Probe:
    """A greeted probe on the spot private endpoint, signed as on contract."""
    headers = ws_headers(sim.spot.market.now_ms)
    return await greeted(
        await http.ws_connect(sim.spot.ws_private_url, headers=headers)
    )


async def spot_call(
    http: aiohttp.ClientSession,
    sim: Simulator,
    method: str,
    path: str,
    *,
    params: dict[str, str] | None = None,
    body: Any = None,
    secret: str = SECRET,
) -> tuple[int, Any]:
    """One signed spot REST request (WEEX-WS.md §3); (status, decoded JSON)."""
    query = urlencode(params) if params else ""
    text = "" if body is None else orjson.dumps(body).decode()
    timestamp = sim.spot.market.now_ms
    message = f"{timestamp}{method}{path}" + (f"?{query}" if query else "") + text
    digest = hmac.new(secret.encode(), message.encode(), hashlib.sha256).digest()
    headers = {
        "ACCESS-KEY": KEY,
        "ACCESS-PASSPHRASE": PASSPHRASE,
        "ACCESS-TIMESTAMP": str(timestamp),
        "ACCESS-SIGN": base64.b64encode(digest).decode(),
        "Content-Type": "application/json",
    }
    url = URL(sim.spot.rest_url + path + (f"?{query}" if query else ""), encoded=True)
    async with http.request(method, url, headers=headers, data=text or None) as r:
        return r.status, orjson.loads(await r.read())


async def spot_get(http: aiohttp.ClientSession, sim: Simulator, path: str) -> Any:
    """A public spot REST answer (status 200 asserted)."""
    async with http.get(sim.spot.rest_url + path) as resp:
        assert resp.status == 200, await resp.text()
        assert resp.content_type == "application/json"
        return await resp.json()
