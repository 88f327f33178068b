"""Signed REST requests on the simulator: the signature check and the JSON body.

Contract's trading routes (``sim.trading_rest``) and spot's (``sim.spot_rest``)
serve their signed endpoints through :class:`SignedRequests`, which checks
WEEX-WS.md §3 signing before anything else: ``ACCESS-SIGN`` must be
Base64(HMAC-SHA256(secret, timestamp + METHOD + path + ``?query`` + body)), with
the path and query exactly as sent and the body as the exact text received, and
the timestamp within 30 s (``sim.accounts``: HTTP 401, codes -1040/-1046/-1047).
It then reads the body (empty means ``{}``): anything but a JSON object is HTTP
400 -1142, the simulator's pick in WEEX's -1140..-1142 parameter range. The
action's answer is sent as JSON; an :class:`~weex_events.sim.orders.OrderRejected`
it raises becomes HTTP 400 with WEEX's V3 body ``{"code","msg"}``.

Imports: stdlib, ``aiohttp``, ``orjson`` and ``sim.accounts``/``sim.frames``/
``sim.orders``/``sim.rest``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import orjson
from aiohttp import web

from . import frames
from .accounts import AuthFailure, Keyring
from .orders import OrderRejected, illegal
from .rest import MISSING_PARAMETER

__all__ = [
    "MALFORMED_BODY",
    "Action",
    "SignedRequests",
    "body_text",
    "json_response",
    "missing",
    "order_fields",
    "refusal",
]

#: A body that is not a JSON object.
MALFORMED_BODY = -1142

#: A signed endpoint's work: ``(api_key, request, body)`` to the answer's JSON.
Action = Callable[[str, web.Request, dict[str, Any]], Any]


def json_response(body: Any, status: int = 200) -> web.Response:
    """``body`` as an ``application/json`` response."""
    return web.Response(
        body=orjson.dumps(body), status=status, content_type="application/json"
    )


def refusal(exc: OrderRejected) -> web.Response:
    """HTTP 400 with WEEX's V3 error body for ``exc``."""
    return json_response(frames.rest_error(exc.code, exc.msg), status=400)


def missing(name: str) -> OrderRejected:
    """The -1140 refusal of a mandatory parameter that was not sent."""
    return OrderRejected(
        MISSING_PARAMETER,
        f"Mandatory parameter '{name}' was not sent, was empty/null, or malformed.",
    )


def body_text(body: dict[str, Any], name: str, *, required: bool) -> str | None:
    """A string field of a JSON body; numbers are accepted as their JSON text.

    Raises:
        OrderRejected: -1140 if ``required`` and absent or empty, -1141 if not a
            string or number.
    """
    value = body.get(name)
    if value is None or value == "":
        if required:
            raise missing(name)
        return None
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        raise illegal(name)
    return str(value)


def order_fields(body: dict[str, Any]) -> dict[str, Any]:
    """The fields of a place-order body both markets share, as ``place_order``
    keywords, read (and refused with -1140/-1141) in the order WEEX checks them."""
    return {
        "symbol": body_text(body, "symbol", required=True) or "",
        "side": body_text(body, "side", required=True) or "",
        "quantity": body_text(body, "quantity", required=True) or "",
        "type": body_text(body, "type", required=True) or "",
        "price": body_text(body, "price", required=False),
        "time_in_force": body_text(body, "timeInForce", required=False),
        "client_order_id": body_text(body, "newClientOrderId", required=False),
    }


class SignedRequests:
    """Runs actions behind the signature check (module doc).

    Args:
        keyring: the API keys accepted, and the sign clock.
        server_ms: the simulated time now (read per request).
        clock: real time in ms for the sign clock.
    """

    def __init__(
        self,
        keyring: Keyring,
        server_ms: Callable[[], int],
        clock: Callable[[], int],
    ) -> None:
        self._keyring = keyring
        self._server_ms = server_ms
        self._clock = clock

    async def run(self, request: web.Request, action: Action) -> web.Response:
        """Check ``request``'s signature and body, then answer ``action``'s result."""
        raw = await request.read()
        text = raw.decode("utf-8", "replace")
        url = request.rel_url
        query = url.raw_query_string
        # WEEX-WS.md §3: timestamp + METHOD + path + ("?" + query) + exact body.
        signed = request.method + url.raw_path + (f"?{query}" if query else "") + text
        try:
            api_key = self._keyring.verify(
                request.headers,
                signed,
                server_ms=self._server_ms(),
                real_ms=self._clock(),
            )
        except AuthFailure as exc:
            error = frames.rest_error(exc.code, exc.msg)
            return json_response(error, status=exc.status)
        try:
            body: Any = orjson.loads(raw) if raw.strip() else {}
        except orjson.JSONDecodeError:
            body = None
        if not isinstance(body, dict):
            return refusal(OrderRejected(MALFORMED_BODY, "Malformed request body."))
        try:
            return json_response(action(api_key, request, body))
        except OrderRejected as exc:
            return refusal(exc)
