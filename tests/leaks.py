"""Walk everything an exception exposes and look for secrets in it.

What error trackers (Sentry) and rich tracebacks print: the exception, its
``__cause__``/``__context__`` chain, their ``str`` and ``repr``, their attributes,
and the ``repr`` of every local variable of every traceback frame.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from pathlib import Path
from types import TracebackType

_TESTS = str(Path(__file__).parent)


def _chain(exc: BaseException) -> Iterator[BaseException]:
    seen: set[int] = set()
    todo = [exc]
    while todo:
        item = todo.pop()
        if id(item) in seen:
            continue
        seen.add(id(item))
        yield item
        for linked in (item.__cause__, item.__context__):
            if linked is not None:
                todo.append(linked)
        todo.extend(e for e in getattr(item, "exceptions", ()) if e is not None)


def _frames(tb: TracebackType | None) -> Iterator[TracebackType]:
    while tb is not None:
        yield tb
        tb = tb.tb_next


def exposed_texts(exc: BaseException) -> Iterator[tuple[str, str]]:
    """``(where, text)`` for everything printable reachable from ``exc``."""
    for n, item in enumerate(_chain(exc)):
        name = f"chain[{n}] {type(item).__name__}"
        yield f"{name} str", str(item)
        yield f"{name} repr", repr(item)
        yield f"{name} args", repr(item.args)
        for attr, value in vars(item).items() if hasattr(item, "__dict__") else ():
            yield f"{name}.{attr}", repr(value)
        for tb in _frames(item.__traceback__):
            frame = tb.tb_frame
            if frame.f_code.co_filename.startswith(_TESTS):
                continue  # the test's own frame holds what it compares against
            where = f"{name} frame {frame.f_code.co_qualname}"
            for local, value in frame.f_locals.items():
                try:
                    text = repr(value)
                except Exception as failure:  # a repr may fail; say so
                    text = f"<repr failed: {failure!r}>"
                yield f"{where} local {local}", text


def assert_no_secret(exc: BaseException, secrets: Iterable[str]) -> None:
    """Fail naming the place where one of ``secrets`` shows up."""
    wanted = [s for s in secrets if s]
    assert wanted
    checked = 0
    for where, text in exposed_texts(exc):
        checked += 1
        for secret in wanted:
            assert secret not in text, f"a secret shows in {where}"
    assert checked
