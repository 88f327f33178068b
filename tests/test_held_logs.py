"""Log records held while the demo's screen is up: bounded, then printed in order.

No event loop and no terminal: a stream that says it is a terminal stands in
for one (the demo in a real pseudo-terminal is in ``test_dashboard.py``).
"""

from __future__ import annotations

import io
import logging
from collections.abc import Iterator

import pytest
from hypothesis import given
from hypothesis import strategies as st

from weex_events.held_logs import HeldLine, HeldLogs, hold_terminal_logs


class TerminalText(io.StringIO):
    """Text written to "a terminal": what a user would see on it."""

    def isatty(self) -> bool:
        return True


@pytest.fixture
def logger() -> Iterator[logging.Logger]:
    log = logging.getLogger("weex_events.test_held_logs")
    log.setLevel(logging.DEBUG)
    log.propagate = False  # only the handlers the test adds
    present = list(log.handlers)
    try:
        yield log
    finally:
        for handler in [h for h in log.handlers if h not in present]:
            log.removeHandler(handler)
        log.propagate = True
        log.setLevel(logging.NOTSET)


def handler_on(stream: io.StringIO, logger: logging.Logger) -> logging.Handler:
    handler = logging.StreamHandler(stream)
    handler.setFormatter(logging.Formatter("%(levelname)s %(name)s: %(message)s"))
    logger.addHandler(handler)
    return handler


@given(
    st.lists(st.text(st.characters(exclude_categories=["Cs"]), max_size=40)),
    st.integers(1, 8),
    st.integers(0, 12),
    st.integers(1, 200),
)
def test_held_logs_keep_a_bounded_tail_and_release_everything_in_order(
    texts: list[str], tail: int, rows: int, memory: int
) -> None:
    """The view sees at most the newest ``tail`` lines; release writes all, in order."""
    held = HeldLogs(tail=tail, memory=memory)  # a small memory spools to disk
    for i, text in enumerate(texts):
        held.show(HeldLine(logging.INFO, f"{i} {text}"))
        held.keep(0, f"{i} {text}\n")
    assert held.count == len(texts)
    shown = held.recent(rows)
    assert len(shown) == min(rows, tail, len(texts))
    assert [line.text for line in shown] == [
        f"{i} {text}" for i, text in enumerate(texts)
    ][len(texts) - len(shown) :]
    out = io.StringIO()
    held.release(0, out)
    assert out.getvalue() == "".join(f"{i} {t}\n" for i, t in enumerate(texts))
    held.release(0, out)  # released once: nothing twice
    assert out.getvalue() == "".join(f"{i} {t}\n" for i, t in enumerate(texts))
    assert len(held.recent(10_000)) <= tail


def test_records_for_a_terminal_are_held_then_written_in_order(
    logger: logging.Logger,
) -> None:
    """While held, nothing reaches the terminal; after, every record does, in order."""
    terminal = TerminalText()
    handler_on(terminal, logger)
    before = list(logger.handlers)
    with hold_terminal_logs(logger, tail=2) as held:
        for i in range(5):
            logger.info("record %d", i)
        logger.warning("last one\nwith a second line")
        assert terminal.getvalue() == ""
        assert held.count == 6
        assert [line.text.split(" ", 1)[1] for line in held.recent(5)] == [
            "INFO test_held_logs: record 4",
            "WARNING test_held_logs: last one",
        ]
        assert held.recent(1)[0].level == logging.WARNING
        assert logger.handlers != before
    name = "weex_events.test_held_logs"
    assert terminal.getvalue() == (
        "".join(f"INFO {name}: record {i}\n" for i in range(5))
        + f"WARNING {name}: last one\nwith a second line\n"
    )
    assert logger.handlers == before  # put back in its place
    logger.info("after")
    assert terminal.getvalue().endswith(f"INFO {name}: after\n")


def test_handlers_not_on_a_terminal_keep_writing(logger: logging.Logger) -> None:
    """A log file (or ``2>file``) goes on receiving records live; nothing is held."""
    log_file = io.StringIO()
    handler_on(log_file, logger)
    with hold_terminal_logs(logger) as held:
        logger.info("live")
        assert log_file.getvalue().endswith("live\n")
    assert held.count == 0
    assert log_file.getvalue().count("live") == 1


def test_held_records_pass_the_handlers_level_and_filters(
    logger: logging.Logger,
) -> None:
    """A record the handler would have dropped is neither shown nor printed later."""
    terminal = TerminalText()
    handler = handler_on(terminal, logger)
    handler.setLevel(logging.INFO)
    handler.addFilter(lambda record: "secret" not in record.getMessage())
    with hold_terminal_logs(logger) as held:
        logger.debug("too low")
        logger.info("a secret")
        logger.info("kept")
    assert held.count == 1
    assert terminal.getvalue() == "INFO weex_events.test_held_logs: kept\n"


def test_ancestors_and_last_resort_on_a_terminal_are_held(
    logger: logging.Logger, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A parent's terminal handler and ``logging.lastResort`` are held and restored."""
    parent = logging.getLogger("weex_events")
    terminal = TerminalText()
    parent_handler = handler_on(terminal, parent)
    last_terminal = TerminalText()
    last_resort = logging.StreamHandler(last_terminal)
    last_resort.setLevel(logging.WARNING)
    monkeypatch.setattr(logging, "lastResort", last_resort)
    orphan = logging.getLogger("test_held_logs_orphan")  # no handler anywhere
    monkeypatch.setattr(orphan, "propagate", False)
    logger.propagate = True
    try:
        with hold_terminal_logs(logger) as held:
            logger.info("to the parent")
            orphan.warning("to the last resort")
            assert terminal.getvalue() == last_terminal.getvalue() == ""
        assert held.count == 2
        assert terminal.getvalue().endswith("to the parent\n")
        assert last_terminal.getvalue() == "to the last resort\n"
        assert logging.lastResort is last_resort
        assert parent_handler in parent.handlers
    finally:
        parent.removeHandler(parent_handler)


def test_records_are_written_when_the_block_fails(logger: logging.Logger) -> None:
    """An error inside the block still puts the handler back and prints the held."""
    terminal = TerminalText()
    handler_on(terminal, logger)
    with pytest.raises(RuntimeError), hold_terminal_logs(logger):
        logger.error("before the failure")
        raise RuntimeError("view failed")
    assert terminal.getvalue().endswith("before the failure\n")
