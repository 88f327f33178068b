"""Fan-out over Redis Streams (DESIGN §7): one ingest process per account
publishes, any number of processes on any machine consume.

Needs the ``fanout`` extra (``pip install "weex_events[fanout]"``).
"""

from .entries import account_id
from .publisher import FanoutError, RedisPublisher
from .subscriber import RedisSubscriber

__all__ = ["FanoutError", "RedisPublisher", "RedisSubscriber", "account_id"]
