"""What the command says: help text, hints, one line per error, honoured WEEX_*."""

from __future__ import annotations

import re
import signal
import socket
import subprocess
import sys

import pytest

from tests.test_cli import ROOT, WEEX_VARS, child_env, read_until
from weex_events.cli import main
from weex_events.dashboard import demo_environment
from weex_events.errors import ConfigError


@pytest.fixture(autouse=True)
def clean_env(monkeypatch: pytest.MonkeyPatch) -> None:
    """No WEEX_* variable of the developer's shell leaks into a test."""
    for name in WEEX_VARS:
        monkeypatch.delenv(name, raising=False)


@pytest.mark.parametrize("command", ["demo", "sim", "tail"])
def test_each_command_help_has_a_description(
    command: str, capsys: pytest.CaptureFixture[str]
) -> None:
    """``COMMAND --help`` explains the command, not only its options."""
    assert main([command, "--help"]) == 0
    out = capsys.readouterr().out
    usage, _, rest = out.partition("\n\n")
    assert usage.startswith(f"usage: weex-events {command}")
    assert not rest.lstrip().startswith(("options:", "positional arguments:")), out


def test_demo_help_names_the_variables_it_honours(
    capsys: pytest.CaptureFixture[str],
) -> None:
    """``demo --help`` says which WEEX_* variables the demo uses."""
    assert main(["demo", "--help"]) == 0
    out = " ".join(capsys.readouterr().out.split())
    assert "WEEX_PROTOCOL and WEEX_NUMBER_TYPE" in out


def test_sim_on_a_busy_port_suggests_port_0(capsys: pytest.CaptureFixture[str]) -> None:
    """A port in use is a one-line error that suggests ``--port 0``."""
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        assert main(["sim", "--port", str(port), "--seconds", "5"]) == 1
    err = capsys.readouterr().err
    assert f"cannot listen on 127.0.0.1:{port}" in err and "--port 0" in err
    assert len(err.strip().splitlines()) == 1, err


def test_tail_unknown_symbol_is_reported_once(
    capsys: pytest.CaptureFixture[str],
) -> None:
    """A refused symbol is one error line, not a log line and an error line."""
    assert main(["tail", "ticker:NOPEUSDT", "--sim", "--seconds", "30"]) == 2
    err = capsys.readouterr().err
    assert [line for line in err.splitlines() if "NOPEUSDT" in line] == [
        line for line in err.splitlines() if line.startswith("weex-events: error:")
    ]
    assert len(err.strip().splitlines()) == 1, err


def test_tail_unknown_symbol_is_logged_with_verbose(
    capsys: pytest.CaptureFixture[str],
) -> None:
    """With -v the library's own log line about the refusal is shown as well."""
    assert main(["-v", "tail", "ticker:NOPEUSDT", "--sim", "--seconds", "30"]) == 2
    err = capsys.readouterr().err
    assert sum("NOPEUSDT" in line for line in err.splitlines()) == 2, err


def test_tail_wrong_credentials_are_reported_once(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """Refused credentials give one error line and status 1."""
    proc = subprocess.Popen(
        [sys.executable, "-m", "weex_events", "sim", "--port", "0", "--seconds", "60"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=child_env(),
        cwd=ROOT,
    )
    try:
        out = read_until(proc, lambda t: "WEEX_PASSPHRASE=" in t, timeout=30)
        exports = dict(re.findall(r"export (WEEX_\w+)=(\S+)", out))
        for name, value in exports.items():
            monkeypatch.setenv(name, value)
        monkeypatch.setenv("WEEX_SECRET_KEY", "not-the-secret")
        assert main(["tail", "order", "--seconds", "30"]) == 1
        err = capsys.readouterr().err
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.communicate(timeout=30)
    assert len(err.strip().splitlines()) == 1, err
    assert err.startswith("weex-events: error:") and "credentials" in err
    assert "not-the-secret" not in err


def test_demo_environment_honours_protocol_and_names_the_rest() -> None:
    """The demo takes WEEX_PROTOCOL/WEEX_NUMBER_TYPE and lists what it ignores."""
    env = {
        "WEEX_PROTOCOL": "V2",
        "WEEX_NUMBER_TYPE": "float",
        "WEEX_API_KEY": "k",
        "WEEX_WS_PUBLIC_URL": "ws://elsewhere:1/x",
        "WEEX_MARKET": "",
        "HOME": "/root",
    }
    overrides, ignored = demo_environment(env)
    assert overrides == {"protocol": "v2", "number_type": float}
    assert ignored == ["WEEX_API_KEY", "WEEX_WS_PUBLIC_URL"]
    with pytest.raises(ConfigError) as info:
        demo_environment({"WEEX_PROTOCOL": "v9"})
    assert info.value.name == "WEEX_PROTOCOL"


def test_demo_refuses_a_bad_protocol_variable(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """``WEEX_PROTOCOL=v9 weex-events demo`` fails naming the variable (status 2)."""
    monkeypatch.setenv("WEEX_PROTOCOL", "v9")
    assert main(["demo", "--seconds", "5", "--plain"]) == 2
    assert "WEEX_PROTOCOL" in capsys.readouterr().err


def test_demo_runs_v2_and_says_what_it_ignores(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """WEEX_PROTOCOL=v2 runs the demo on V2; credentials in the env are named
    as ignored on stderr."""
    monkeypatch.setenv("WEEX_PROTOCOL", "v2")
    monkeypatch.setenv("WEEX_API_KEY", "someone-elses-key")
    monkeypatch.setenv("WEEX_SECRET_KEY", "s")
    monkeypatch.setenv("WEEX_PASSPHRASE", "p")
    assert main(["demo", "--seconds", "2", "--plain"]) == 0
    captured = capsys.readouterr()
    assert "/v2/ws/public" in captured.out.splitlines()[0]
    assert "ignoring WEEX_API_KEY, WEEX_PASSPHRASE, WEEX_SECRET_KEY" in captured.err
