"""Packaging: one version source, an SPDX license shipped as a file, classifiers."""

from __future__ import annotations

import importlib.metadata
import tomllib
from pathlib import Path

import weex_events

ROOT = Path(__file__).resolve().parents[1]
PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
PROJECT = PYPROJECT["project"]


def test_version_comes_from_the_installed_metadata() -> None:
    """weex_events.__version__ is the distribution's version, written once."""
    assert weex_events.__version__ == importlib.metadata.version("weex_events")
    assert weex_events.__version__ == PROJECT["version"]


def test_user_agent_carries_the_version() -> None:
    """The default User-Agent names the SDK and its version."""
    config = weex_events.WeexConfig()
    assert config.user_agent == f"weex-events/{weex_events.__version__}"


def test_license_is_an_spdx_string_and_the_file_ships() -> None:
    """project.license is the SPDX string form and LICENSE is in license-files."""
    assert PROJECT["license"] == "MIT"
    assert PROJECT["license-files"] == ["LICENSE"]
    assert (ROOT / "LICENSE").read_text(encoding="utf-8").startswith("MIT License")


def test_classifiers_and_urls() -> None:
    """The classifiers the index filters on are declared, with project URLs."""
    wanted = {
        "Framework :: AsyncIO",
        "Typing :: Typed",
        "Topic :: Office/Business :: Financial :: Investment",
        "Programming Language :: Python :: 3.11",
    }
    assert wanted <= set(PROJECT["classifiers"])
    assert PROJECT["urls"]
    assert all(url.startswith("https://") for url in PROJECT["urls"].values())


def test_testing_extra_is_slim() -> None:
    """The testing extra holds what the weex_sim fixture needs, nothing more."""
    names = {
        req.split(">")[0].split("[")[0]
        for req in PROJECT["optional-dependencies"]["testing"]
    }
    assert names == {"pytest", "pytest-asyncio"}
    assert any(dep.startswith("rich") for dep in PROJECT["dependencies"])


def test_readme_says_how_to_install_what_the_examples_need() -> None:
    """The README installs the examples' extra next to running them, and that
    extra holds what the examples import beyond the SDK."""
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    install = readme.index('pip install -e ".[examples]"')
    assert install < readme.index("python examples/store_stream_data.py")
    assert "import aiosqlite" in (ROOT / "examples" / "store_stream_data.py").read_text(
        encoding="utf-8"
    )
    extras = PROJECT["optional-dependencies"]
    assert any(dep.startswith("aiosqlite") for dep in extras["examples"])
    for extra in ("test", "docs", "testing", "examples", "dev", "bench"):
        assert extra in extras
