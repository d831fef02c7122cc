"""`python -m bot settings get NAME`: one setting's value, as every process gets it (for the Procfiles).

Rules:
- NAME is the environment variable (RASA_API_TOKEN); the value is `Settings.from_env()`'s: the
  environment, then `.env`, then the default (bot/settings.py).
- Only the value goes to stdout: a list as its items separated by spaces (shell words, for
  `--cors $origins`), a flag as true or false.
- An unknown NAME (exit status 2) or an unusable setting (exit status 1) prints a line on stderr and
  nothing on stdout, so `x="$(python -m bot settings get NAME)" && ...` stops there.
- Secrets are printed (the Procfile hands the API token to `rasa run` this way): the output is for
  the process that asked, never for a log.
"""
from __future__ import annotations

import argparse
import sys
from typing import Any, TextIO

from bot.settings import Settings, SettingsError

EXIT_UNUSABLE = 1
EXIT_UNKNOWN = 2


def add_arguments(parser: argparse.ArgumentParser) -> None:
    commands = parser.add_subparsers(dest="settings_command", required=True, metavar="COMMAND")
    get = commands.add_parser("get", help="print one setting's value (NAME: its environment variable)")
    get.add_argument("name", metavar="NAME")


def run(args: argparse.Namespace, out: TextIO = sys.stdout, err: TextIO = sys.stderr) -> int:
    fields = {env: field for field, env in Settings.env_names().items()}
    field = fields.get(args.name)
    if field is None:
        print(f"{args.name} is not a setting (bot/settings.py)", file=err)
        return EXIT_UNKNOWN
    try:
        settings = Settings.from_env()
    except SettingsError as exc:
        print(f"settings: {exc}", file=err)
        return EXIT_UNUSABLE
    print(shell_form(getattr(settings, field)), file=out)
    return 0


def shell_form(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (tuple, list)):
        return " ".join(str(item) for item in value)
    return str(value)
