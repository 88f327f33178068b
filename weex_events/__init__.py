"""weex_events: an asyncio real-time SDK for the WEEX exchange.

Everything public is importable from here::

    from weex_events import WeexWebSocketClient, WeexConfig, StreamMessage

The embedded simulator lives in :mod:`weex_events.sim` and the pytest fixture in
:mod:`weex_events.testing`.
"""

from __future__ import annotations

from .backoff import backoff
from .client import ClientStats, WeexWebSocketClient
from .config import WeexConfig, __version__
from .errors import (
    AuthenticationError,
    ClientClosedError,
    ConfigError,
    DecodeError,
    ProtocolError,
    RateLimitError,
    RecordingError,
    RestError,
    SlowConsumerError,
    SubscriptionError,
    WeexConnectionError,
    WeexError,
)
from .events import (
    Channel,
    ConnectionEvent,
    Endpoint,
    ErrorEvent,
    RecoveryEvent,
    ResyncEvent,
    SlowConsumerEvent,
    StaleEvent,
    StreamMessage,
    SubscriptionEvent,
)
from .rest import WeexRestClient
from .streams import Stream

__all__ = [
    "AuthenticationError",
    "Channel",
    "ClientClosedError",
    "ClientStats",
    "ConfigError",
    "ConnectionEvent",
    "DecodeError",
    "Endpoint",
    "ErrorEvent",
    "ProtocolError",
    "RateLimitError",
    "RecordingError",
    "RecoveryEvent",
    "RestError",
    "ResyncEvent",
    "SlowConsumerError",
    "SlowConsumerEvent",
    "StaleEvent",
    "Stream",
    "StreamMessage",
    "SubscriptionError",
    "SubscriptionEvent",
    "WeexConfig",
    "WeexConnectionError",
    "WeexError",
    "WeexRestClient",
    "WeexWebSocketClient",
    "__version__",
    "backoff",
]
