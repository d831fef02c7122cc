"""`python -m bot <command>`: the branch's own processes and tools.

    core-bank                 the mock core-banking service (default port 8000)
    actions                   the action server: rasa-sdk behind ACTION_SERVER_TOKEN, on ACTION_SERVER_HOST (port 5055)
    graph-standin             a local stand-in for Meta's Graph API (default port 8081)
    web                       the branch web service: the bank's site with the web chat, the staff console (port 8080)
    sandbox                   dev only: the web service with the Messenger sandbox at /sandbox
    messenger chat            talk to the bot as a Messenger user, from the terminal
    messenger setup           set the page's Get Started button, greeting and menu (--dry-run: print them)
    messenger profile         show the page's Messenger profile as Meta has it
    eval-nlu                  train NLU on data/ and score every held-out set in tests/nlu/, per language
    knowledge check [--on D]  the knowledge base's content check (data/knowledge/, docs/knowledge-base.md)
    knowledge nlu-data OUT    every NLU example, the knowledge base's too, in one file for `rasa test nlu --nlu OUT`
    staff add|list|disable    staff console accounts (add asks for the password twice, or --password-stdin)
    archive verify|export|purge  the compliance archive: check the hash chain, export a customer, retention
    db upgrade [branch|archive|all]  bring the databases to the newest schema (the Procfile runs it first)
    settings get NAME         print one setting's value as the processes get it (the Procfiles use it)

Every command that serves checks the settings for BRANCH_PROFILE first (`Settings.check_for_profile`):
under BRANCH_PROFILE=production it refuses to start, naming each demo, missing, short or shared secret;
the development tools (graph-standin, sandbox) do not start at all there.
"""
from __future__ import annotations

import argparse
import logging
import sys
from typing import Optional, Sequence

from bot.settings import Settings, SettingsError, get_settings


def ready_to_serve(command: str, dev_tool: bool = False) -> Settings:
    """The process's settings, once they may serve in their profile (raises SettingsError naming what is wrong)."""
    settings = get_settings()
    if dev_tool and settings.production:
        raise SettingsError(f"python -m bot {command} is a development tool: it does not run under "
                            f"BRANCH_PROFILE={settings.branch_profile}")
    settings.check_for_profile()
    return settings


def _core_bank(args: argparse.Namespace) -> int:
    ready_to_serve("core-bank")
    from bot.core_bank.server import serve

    serve(host=args.host, port=args.port)
    return 0


def _actions(args: argparse.Namespace) -> int:
    settings = ready_to_serve("actions")
    from bot.action_server import serve

    serve(settings, port=args.port, host=args.host, actions=args.actions)
    return 0


def _graph_standin(args: argparse.Namespace) -> int:
    ready_to_serve("graph-standin", dev_tool=True)
    from bot.devtools.graph_standin import serve

    serve(host=args.host, port=args.port)
    return 0


def _web(args: argparse.Namespace) -> int:
    ready_to_serve("web")
    from bot.web.app import serve

    serve(host=args.host, port=args.port)
    return 0


def _sandbox(args: argparse.Namespace) -> int:
    ready_to_serve("sandbox", dev_tool=True)
    from bot.devtools.sandbox import serve

    serve(host=args.host, port=args.port)
    return 0


def _messenger_chat(args: argparse.Namespace) -> int:
    from bot.devtools.messenger_chat import chat

    return chat(psid=args.psid, standin_url=args.standin_url)


def _messenger_setup(args: argparse.Namespace) -> int:
    from bot.channels.messenger.setup import setup

    return setup(dry_run=args.dry_run)


def _messenger_profile(args: argparse.Namespace) -> int:
    from bot.channels.messenger.setup import show_profile

    return show_profile(as_json=args.json)


def _eval_nlu(args: argparse.Namespace) -> int:
    from bot.nlu.evaluation import evaluate

    return evaluate(heldout=args.heldout, out_dir=args.out, config=args.config, model=args.model)


def _knowledge_check(args: argparse.Namespace) -> int:
    from bot.knowledge.check import main

    return main(on=args.on, folder=args.folder)


def _knowledge_nlu_data(args: argparse.Namespace) -> int:
    from bot.knowledge.importer import write_nlu_data

    print(f"{write_nlu_data(args.out)} examples written to {args.out}")
    return 0


def _staff(args: argparse.Namespace) -> int:
    from bot.settings import get_settings
    from bot.staff.cli import run

    return run(args, get_settings())


def _archive(args: argparse.Namespace) -> int:
    from bot.archive.cli import run
    from bot.settings import get_settings

    return run(args, get_settings())


def _db(args: argparse.Namespace) -> int:
    from bot.db_migrations import run_cli
    from bot.settings import get_settings

    return run_cli(args, get_settings())


def _settings(args: argparse.Namespace) -> int:
    from bot.settings_cli import run

    return run(args)


def _add_actions_command(commands: "argparse._SubParsersAction[argparse.ArgumentParser]") -> None:
    actions = commands.add_parser("actions", help="run the action server (rasa-sdk behind ACTION_SERVER_TOKEN)")
    actions.add_argument("--host", default=None, help="default: the setting ACTION_SERVER_HOST (127.0.0.1)")
    actions.add_argument("--port", type=int, default=5055)
    actions.add_argument("--actions", default="actions", help="the package of the actions")
    actions.set_defaults(run=_actions)


def _action_server_parser() -> argparse.ArgumentParser:
    """The `actions` command alone: building the whole parser would load the staff and archive modules."""
    parser = argparse.ArgumentParser(prog="python -m bot", description="Facebook branch tools")
    _add_actions_command(parser.add_subparsers(dest="command", required=True, metavar="COMMAND"))
    return parser


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m bot", description="Facebook branch tools")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    core_bank = commands.add_parser("core-bank", help="run the mock core-banking service")
    core_bank.add_argument("--host", default="127.0.0.1")
    core_bank.add_argument("--port", type=int, default=8000)
    core_bank.set_defaults(run=_core_bank)

    _add_actions_command(commands)

    standin = commands.add_parser("graph-standin", help="run a local stand-in for Meta's Graph API")
    standin.add_argument("--host", default="127.0.0.1")
    standin.add_argument("--port", type=int, default=8081)
    standin.set_defaults(run=_graph_standin)

    web = commands.add_parser("web", help="run the branch web service: the bank's site with the web chat, the staff console")
    web.add_argument("--host", default="127.0.0.1")
    web.add_argument("--port", type=int, default=8080)
    web.set_defaults(run=_web)

    sandbox = commands.add_parser("sandbox", help="dev only: the web service with the Messenger sandbox at /sandbox")
    sandbox.add_argument("--host", default="127.0.0.1")
    sandbox.add_argument("--port", type=int, default=8080)
    sandbox.set_defaults(run=_sandbox)

    messenger = commands.add_parser("messenger", help="Messenger tools")
    messenger_commands = messenger.add_subparsers(dest="messenger_command", required=True, metavar="COMMAND")
    chat = messenger_commands.add_parser(
        "chat", help="chat with the bot as a Messenger user (signed webhooks, replies via the stand-in)"
    )
    chat.add_argument("--psid", default="demo-psid-1", help="the page-scoped id you chat as")
    chat.add_argument("--standin-url", default="http://127.0.0.1:8081", help="where the Graph API stand-in runs")
    chat.set_defaults(run=_messenger_chat)
    setup = messenger_commands.add_parser(
        "setup", help="set the page's Get Started button, greeting and persistent menu (Messenger Profile API)"
    )
    setup.add_argument("--dry-run", action="store_true", help="print the request body instead of sending it")
    setup.set_defaults(run=_messenger_setup)
    profile = messenger_commands.add_parser("profile", help="show the page's Messenger profile")
    profile.add_argument("--json", action="store_true", help="print Meta's answer as JSON")
    profile.set_defaults(run=_messenger_profile)

    eval_nlu = commands.add_parser("eval-nlu", help="train NLU on data/ and score every held-out set in tests/nlu/")
    eval_nlu.add_argument("--heldout", default=None,
                          help="comma-separated held-out files (default: every set in tests/nlu/, per language)")
    eval_nlu.add_argument("--out", default="var/nlu-eval", help="where the model and the report go")
    eval_nlu.add_argument("--config", default="config.yml", help="the pipeline to try (default: the project's)")
    eval_nlu.add_argument("--model", default=None,
                          help="score this trained model instead of training one (e.g. models/branch.tar.gz, as "
                               "`rasa train` left it: the same NLU when trained on the same data and config.yml)")
    eval_nlu.set_defaults(run=_eval_nlu)

    knowledge = commands.add_parser("knowledge", help="the knowledge base: check its content")
    knowledge_commands = knowledge.add_subparsers(dest="knowledge_command", required=True)
    knowledge_check = knowledge_commands.add_parser("check", help="check every topic of data/knowledge/")
    knowledge_check.add_argument("--on", default=None, metavar="YYYY-MM-DD",
                                 help="the reference date for reviews (default: HEAD's commit date; see the docs)")
    knowledge_check.add_argument("--folder", default=None, help="another folder of topics (default: data/knowledge)")
    knowledge_check.set_defaults(run=_knowledge_check)
    nlu_data = knowledge_commands.add_parser("nlu-data", help="write every NLU example (data/ and the knowledge base) "
                                                              "to one file, for rasa test nlu --nlu")
    nlu_data.add_argument("out", help="the file to write, e.g. var/nlu-all.yml")
    nlu_data.set_defaults(run=_knowledge_nlu_data)

    from bot.staff.cli import add_arguments as add_staff_arguments

    staff = commands.add_parser("staff", help="staff console accounts: add, list, disable")
    add_staff_arguments(staff)
    staff.set_defaults(run=_staff)

    from bot.archive.cli import add_arguments as add_archive_arguments

    archive = commands.add_parser("archive", help="the compliance archive: verify, export, purge")
    add_archive_arguments(archive)
    archive.set_defaults(run=_archive)

    from bot.db_migrations import add_arguments as add_db_arguments

    db = commands.add_parser("db", help="schema migrations of the branch database and the archive")
    add_db_arguments(db)
    db.set_defaults(run=_db)

    from bot.settings_cli import add_arguments as add_settings_arguments

    settings = commands.add_parser("settings", help="the settings (bot/settings.py): get one value")
    add_settings_arguments(settings)
    settings.set_defaults(run=_settings)
    return parser


def main(argv: Optional[Sequence[str]] = None) -> int:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    argv = list(sys.argv[1:] if argv is None else argv)
    parser = _action_server_parser() if argv[:1] == ["actions"] else build_parser()
    args = parser.parse_args(argv)
    try:
        return args.run(args)
    except SettingsError as exc:
        print(f"python -m bot {args.command}: {exc}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
