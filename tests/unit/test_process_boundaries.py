"""Each process loads only what it runs: the action server only the core bank's client, production no dev tools."""
import subprocess
import sys
from typing import List


def modules_loaded_by(code: str) -> List[str]:
    """The modules a fresh interpreter has loaded after running `code`."""
    return subprocess.run(
        [sys.executable, "-c", code + "\nimport sys\nprint(' '.join(sorted(sys.modules)))"],
        capture_output=True, text=True, check=True,
    ).stdout.split()


def test_the_action_server_needs_only_the_core_bank():
    loaded = modules_loaded_by(
        "import importlib, pkgutil, actions\n"
        "for m in pkgutil.walk_packages(actions.__path__, 'actions.'): importlib.import_module(m.name)"
    )
    assert "actions.transfers" in loaded  # every action module was imported
    forbidden = ("bot.channels", "bot.handoff", "bot.archive", "bot.staff", "bot.web", "bot.devtools")
    assert [m for m in loaded if m.startswith(forbidden)] == []


def test_the_action_server_launcher_needs_only_rasa_sdk_and_the_settings():
    assert [m for m in modules_loaded_by("import bot.action_server") if m.startswith("bot")] == [
        "bot", "bot.action_server", "bot.settings",
    ]


def test_python_m_bot_actions_loads_the_actions_and_no_other_part_of_the_branch():
    loaded = modules_loaded_by(
        "import sanic\nsanic.Sanic.run = lambda app, **kwargs: None  # all but listening\n"
        "from bot.__main__ import main\nassert main(['actions', '--port', '5055']) == 0"
    )
    assert "bot.action_server" in loaded and "actions.transfers" in loaded
    forbidden = ("bot.channels", "bot.handoff", "bot.archive", "bot.staff", "bot.web", "bot.devtools")
    assert [m for m in loaded if m.startswith(forbidden)] == []


PRODUCTION_ENTRY_POINTS = ["bot.web.app", "bot.channels.messenger", "bot.channels.web_chat",
                           "bot.rasa_server.tracker_store", "bot.archive.broker"]


def test_production_code_loads_no_dev_tool():
    """One interpreter imports them all: what none of them loads together, none loads alone (each fresh interpreter
    costs seconds of Rasa's imports)."""
    loaded = modules_loaded_by("\n".join(f"import {module}" for module in PRODUCTION_ENTRY_POINTS))
    assert set(PRODUCTION_ENTRY_POINTS) <= set(loaded)
    assert [m for m in loaded if m.startswith("bot.devtools")] == []
