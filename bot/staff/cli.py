"""`python -m bot staff add|list|disable`: staff accounts from the command line.

    staff add USERNAME --name "Display Name"     asks for the password twice (or --password-stdin)
    staff list
    staff disable USERNAME                       also ends the account's console sessions
"""
from __future__ import annotations

import argparse
import getpass
import sys
from typing import Callable, Optional, TextIO

from bot.settings import Settings
from bot.staff.accounts import AccountError
from bot.staff.passwords import WeakPassword
from bot.staff.store import StaffStore

PasswordPrompt = Callable[[str], str]


def add_arguments(staff: argparse.ArgumentParser) -> None:
    commands = staff.add_subparsers(dest="staff_command", required=True, metavar="COMMAND")
    add = commands.add_parser("add", help="create a staff account (asks for the password twice)")
    add.add_argument("username")
    add.add_argument("--name", required=True, help="the name colleagues see")
    add.add_argument("--password-stdin", action="store_true", help="read the password from the first line of stdin")
    commands.add_parser("list", help="list the staff accounts")
    disable = commands.add_parser("disable", help="disable an account and end its sessions")
    disable.add_argument("username")


def run(
    args: argparse.Namespace,
    settings: Settings,
    stdin: Optional[TextIO] = None,
    out: Optional[TextIO] = None,
    prompt: PasswordPrompt = getpass.getpass,
) -> int:
    stdin = stdin or sys.stdin
    out = out or sys.stdout
    store = StaffStore.from_settings(settings)
    try:
        if args.staff_command == "add":
            password = _read_password(args.password_stdin, stdin, prompt)
            if password is None:
                print("error: the two passwords differ", file=sys.stderr)
                return 1
            agent = store.add_account(args.username, args.name, password)
            print(f"created staff account {agent.username} ({agent.display_name})", file=out)
        elif args.staff_command == "list":
            for account in store.list_accounts():
                state = "disabled" if account.disabled else "active"
                created = account.created_at.strftime("%Y-%m-%d %H:%M UTC")
                print(f"{account.username}\t{account.display_name}\t{state}\tcreated {created}", file=out)
        elif args.staff_command == "disable":
            store.disable_account(args.username)
            print(f"disabled staff account {args.username.strip().lower()}", file=out)
        return 0
    except (AccountError, WeakPassword) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    finally:
        store.close()


def _read_password(from_stdin: bool, stdin: TextIO, prompt: PasswordPrompt) -> Optional[str]:
    if from_stdin:
        return stdin.readline().rstrip("\r\n")
    first = prompt("Password: ")
    second = prompt("Password again: ")
    return first if first == second else None
