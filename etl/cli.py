"""``python -m etl``: a thin shell over the library. Each command calls one library function.

Exit status: 0 every file valid, loaded or already loaded; 1 some file invalid or rejected;
2 bad usage or configuration (one clear line on stderr, never a traceback).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import logging
import os
import sys
import time
from pathlib import Path

from sqlalchemy.exc import DBAPIError

from etl.errors import ConfigError, describe_os_error
from etl.report import Report

EXIT_OK, EXIT_INVALID, EXIT_USAGE = 0, 1, 2
EXIT_BROKEN_PIPE = 128 + 13  # as a shell reports a command killed by SIGPIPE


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # one line, as every other usage mistake; argparse's status is 2 too
        self.exit(EXIT_USAGE, f"error: {message} (see: {self.prog} --help)\n")


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="python -m etl",
        description="Validate and load LEAD partner files into the reporting database, and manage it.",
        epilog="Settings come from the environment: LEAD_DATABASE_URL, LEAD_PROGRAM_FILE, LEAD_DATA_DIR, "
               "LEAD_TODAY, LEAD_MAX_FILE_MB, LEAD_CA_BUNDLE (see README.md). "
               "Exit status: 0 all files valid or loaded, 1 some file invalid or rejected, "
               "2 bad usage or configuration.",
    )
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)

    for name, help_text in (("validate", "check partner files and write nothing"),
                            ("load", "validate, archive and load partner files (one transaction per file)")):
        command = commands.add_parser(name, help=help_text, description=help_text[0].upper() + help_text[1:] + ".")
        command.add_argument("--partner", required=True, metavar="CODE", help="the partner the files are from")
        command.add_argument("files", nargs="+", metavar="FILE", type=Path, help="CSV or .xlsx files")
        command.add_argument("--json", action="store_true", help="print the report as JSON")
        command.set_defaults(handler=_validate_or_load)

    pull = commands.add_parser("pull", help="load new files from every partner's inbox folder and HTTPS export",
                               description="Load new files from each partner's configured sources: the inbox "
                                           "folder LEAD_DATA_DIR/inbox/<code>/ and the HTTPS export_url. "
                                           "Idempotent: safe to run from cron every few minutes.")
    pull.add_argument("--partner", metavar="CODE", help="only this partner's sources")
    pull.add_argument("--json", action="store_true", help="print the report as JSON")
    pull.set_defaults(handler=_pull)

    template = commands.add_parser("template", help="write the partner CSV template",
                                   description="Write the partner CSV template (header and one example row).")
    template.add_argument("--output", "-o", type=Path, metavar="FILE", help="write here instead of standard output")
    template.add_argument("--partner", metavar="CODE",
                          help="use this partner's first county in the example row (default: the first partner's)")
    template.set_defaults(handler=_template)

    history = commands.add_parser("history", help="list files received, newest first",
                                  description="List files received (loaded, rejected, superseded), newest first.")
    history.add_argument("--partner", metavar="CODE", help="only this partner's files")
    history.add_argument("--limit", type=_positive, default=50, metavar="N", help="how many (default 50)")
    history.add_argument("--json", action="store_true", help="print as JSON")
    history.set_defaults(handler=_history)

    db = commands.add_parser("db", help="database schema", description="Database schema management.")
    db_commands = db.add_subparsers(dest="db_command", metavar="ACTION", parser_class=_Parser, required=True)
    upgrade = db_commands.add_parser("upgrade", help="create or migrate the database to this version",
                                     description="Create or migrate the database (LEAD_DATABASE_URL) to this "
                                                 "version and sync the program file into it.")
    upgrade.set_defaults(handler=_db_upgrade)

    backup = commands.add_parser(
        "backup", help="write a consistent copy of the database (safe while loads run)",
        description="Write a consistent copy of the database while loads keep running. SQLite: the online "
                    "backup API, checked with PRAGMA quick_check. PostgreSQL: pg_dump --format=custom (restore "
                    "with pg_restore); without pg_dump, prints the command to run and exits 2. The file appears "
                    "under its name only when complete. See docs/operations.md.")
    backup.add_argument("--output", "-o", type=Path, metavar="FILE",
                        help="where to write it (default: LEAD_DATA_DIR/backups/lead-<UTC time>.db or .dump)")
    backup.set_defaults(handler=_backup)

    demo = commands.add_parser("demo", help="generate and load the synthetic demo data",
                               description="Generate synthetic demo partner files for the program and load them "
                                           "through the pipeline. Refuses a database it did not create.")
    demo.set_defaults(handler=_demo)

    users = commands.add_parser("users", help="manage dashboard accounts",
                                description="Manage the accounts that sign in to the dashboard. Passwords are "
                                            "read from the terminal (asked twice) or, when standard input is "
                                            "not a terminal, from its first line; never from an argument.")
    user_commands = users.add_subparsers(dest="users_command", metavar="ACTION", parser_class=_Parser,
                                         required=True)
    add = user_commands.add_parser("add", help="create an account", description="Create an account.")
    add.add_argument("login")
    add.add_argument("--name", required=True, help="display name")
    add.add_argument("--role", required=True, choices=["coordinator", "partner", "leadership"])
    add.add_argument("--partner", metavar="CODE", help="the partner of a partner account")
    add.add_argument("--email", help="e-mail (used to match single sign-on)")
    add.add_argument("--no-password", action="store_true", help="single sign-on only: no local password")
    add.set_defaults(handler=_users_add)
    listing = user_commands.add_parser("list", help="list accounts", description="List accounts.")
    listing.add_argument("--json", action="store_true", help="print as JSON")
    listing.set_defaults(handler=_users_list)
    deactivate = user_commands.add_parser("deactivate", help="stop an account from signing in",
                                          description="Stop an account from signing in (it is kept).")
    deactivate.add_argument("login")
    deactivate.set_defaults(handler=_users_deactivate)
    password = user_commands.add_parser("set-password", help="set a new password (and unlock)",
                                        description="Set a new password for an account and clear its lock.")
    password.add_argument("login")
    password.set_defaults(handler=_users_set_password)
    return parser


def _positive(text: str) -> int:
    try:
        number = int(text)
    except ValueError:
        number = 0
    if number < 1:
        raise argparse.ArgumentTypeError(f"expected a whole number of at least 1, not {text!r}")
    return number


def main(argv: list[str] | None = None) -> int:
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "handler", None):
        parser.print_help()
        return EXIT_USAGE
    try:
        status = args.handler(args)
        sys.stdout.flush()  # a reader that went away is noticed here, not as a traceback at exit
        return status
    except ConfigError as error:
        print(f"error: {error}", file=sys.stderr)
        return EXIT_USAGE
    except DBAPIError as error:  # the database went away or refused mid-command: one line, not a traceback
        from etl.db import error_reason

        print(f"error: database error: {error_reason(error)}; nothing was half-written (a file being loaded "
              "is rolled back whole): run the command again", file=sys.stderr)
        return EXIT_USAGE
    except BrokenPipeError:  # the reader went away (`... | head`): nothing more to say, to anyone
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return EXIT_BROKEN_PIPE
    except OSError as error:  # a folder that cannot be written (the archive, --output), a file that went away
        print(f"error: {describe_os_error(error)}", file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130


def _runtime(upgrade: bool = False):
    from etl.runtime import open_runtime

    return open_runtime(upgrade=upgrade)


class _Progress:
    """A bar on standard error, only when it is a terminal: the files done, and within a file its
    stage and, while loading, the rows sent. Redrawn only when the whole percent or the stage changes."""

    WIDTH = 20

    def __init__(self, total: int):
        self.enabled = sys.stderr.isatty()
        self.total = total
        self.number = 0
        self.started = time.monotonic()
        self.name = ""
        self.shown: tuple[int, str] | None = None

    def file(self, name: str) -> None:
        self.number += 1
        self.name = name
        self.started = time.monotonic()

    def __call__(self, stage: str, share: float) -> None:
        if not self.enabled:
            return
        overall = (self.number - 1 + min(max(share, 0.0), 1.0)) / max(self.total, 1)
        percent = int(100 * overall)
        if (percent, stage) == self.shown:
            return
        self.shown = (percent, stage)
        filled = int(self.WIDTH * overall)
        bar = "#" * filled + "-" * (self.WIDTH - filled)
        elapsed = time.monotonic() - self.started
        sys.stderr.write(f"\r[{bar}] {percent:3d}% {self.number}/{self.total} {self.name}: {stage} "
                         f"({elapsed:.1f} s)\033[K")
        sys.stderr.flush()

    def finish(self) -> None:
        """End the bar's line, so that what is printed next starts on its own."""
        if self.enabled and self.shown is not None:
            sys.stderr.write("\n")
            sys.stderr.flush()
            self.shown = None


def _print_report(report: Report, as_json: bool) -> None:
    if as_json:
        print(report.to_json())
        return
    for file_report in report.files:
        for line in file_report.lines():
            print(line)


def _validate_or_load(args) -> int:
    from etl.pipeline import Intake, UnknownPartnerError, process_file
    from etl.read import read_file

    folders = [str(f) for f in args.files if f.is_dir()]
    if folders:
        raise ConfigError(f"a folder, not a file: {', '.join(folders)}")
    missing = [str(f) for f in args.files if not f.is_file()]
    if missing:
        raise ConfigError(f"no such file: {', '.join(missing)}")
    runtime = _runtime()
    settings = runtime.settings
    progress = _Progress(len(args.files))
    report = Report()
    try:
        for path in args.files:
            progress.file(path.name)
            try:
                report.files.append(process_file(
                    runtime.engine, runtime.program, partner_code=args.partner, filename=path.name,
                    data=read_file(path, settings.max_file_bytes),
                    intake=Intake(source="cli", received_by=_user()), archive_dir=settings.archive_dir,
                    today=settings.today, max_bytes=settings.max_file_bytes, load=args.command == "load",
                    progress=progress,
                ))
            except (OSError, DBAPIError) as error:
                # Unreadable, its archive cannot be written (before any load began), or the database
                # failed mid-file (its transaction rolled back whole). The files before it were
                # loaded: their reports are printed first, then this file is named.
                progress.finish()
                _print_report(report, args.json)
                after = "" if path == args.files[-1] else " and the files after it were not tried"
                if not isinstance(error, DBAPIError):
                    raise ConfigError(f"{path.name}: {describe_os_error(error)}; nothing of this file was loaded"
                                      + after) from None
                from etl.db import error_reason

                what = ("nothing of this file was loaded (rolled back whole)" if args.command == "load"
                        else "this file was not checked")  # validate only reads
                again = (" (files loaded already are then reported as already loaded)"
                         if args.command == "load" else "")
                raise ConfigError(f"{path.name}: database error: {error_reason(error)}; {what}{after}: "
                                  f"run the command again{again}") from None
    except UnknownPartnerError as error:
        raise ConfigError(str(error)) from None
    finally:
        progress.finish()
    _print_report(report, args.json)
    return report.exit_status


def _user() -> str:
    import getpass

    try:
        return f"cli:{getpass.getuser()}"
    except (KeyError, OSError):
        return "cli"


def _pull(args) -> int:
    from etl.sources import pull_all

    runtime = _runtime()
    if args.partner and not runtime.program.has_partner(args.partner):
        raise ConfigError(f"unknown partner {args.partner!r}")
    outcome = pull_all(runtime, partner=args.partner)
    if args.json:
        print(json.dumps(outcome.to_dict(), indent=2, ensure_ascii=False))
    else:
        for line in outcome.lines():
            print(line)
    return outcome.exit_status


def _template(args) -> int:
    from etl.contract import template_csv
    from etl.program import load_program
    from etl.settings import load_settings

    program = load_program(load_settings().program_file)
    if args.partner and not program.has_partner(args.partner):
        raise ConfigError(f"unknown partner {args.partner!r}")
    text = template_csv(program.example_county(args.partner))
    if args.output:
        args.output.write_text(text, encoding="utf-8", newline="")
        print(f"wrote {args.output}", file=sys.stderr)
    else:
        sys.stdout.write(text)
    return EXIT_OK


def _history(args) -> int:
    from etl.history import known_partner, submission_history

    runtime = _runtime()
    if args.partner and not known_partner(runtime.engine, args.partner):
        raise ConfigError(f"unknown partner {args.partner!r}")
    rows = submission_history(runtime.engine, partner=args.partner, limit=args.limit)
    if args.json:
        print(json.dumps(rows, indent=2, default=str))
        return EXIT_OK
    if not rows:
        print("no files received yet" + (f" from {args.partner}" if args.partner else ""))
        return EXIT_OK
    print(f"{'id':>6}  {'received (UTC)':<16}  {'partner':<20} {'status':<17} {'rows':>12}  {'months':<17} "
          f"{'source':<6} file")
    for row in rows:
        received = row["received_at"]  # stored in UTC; PostgreSQL gives it back in the session's zone
        received = received.astimezone(dt.UTC) if received.tzinfo else received
        print(f"{row['id']:>6}  {received:%Y-%m-%d %H:%M}  {row['partner']:<20} {row['status']:<17} "
              f"{row['rows']:>7} rows  {row['months_label']:<17} {row['source']:<6} {row['file']}")
    return EXIT_OK


def _db_upgrade(args) -> int:
    runtime = _runtime(upgrade=True)
    from etl.db import safe_url

    print(f"database {safe_url(runtime.settings.database_url)} is up to date; "
          f"program {runtime.program.name!r} synced")
    return EXIT_OK


def _backup(args) -> int:
    from etl.backup import backup_database
    from etl.settings import load_settings

    # Settings only: a backup must work even when the program file is broken or the schema is old.
    result = backup_database(load_settings(), args.output)
    print(result.summary())
    return EXIT_OK


def _demo(args) -> int:
    from etl.demo import DEMO_PASSWORD, create_demo_accounts, demo_accounts, load_demo

    runtime = _runtime(upgrade=True)
    progress = (lambda text: print(text, file=sys.stderr)) if sys.stderr.isatty() else None
    reports = load_demo(runtime.engine, runtime.program, runtime.settings, progress=progress)
    create_demo_accounts(runtime.engine, runtime.program)
    counts: dict[str, int] = {}
    for report in reports:
        counts[report.status] = counts.get(report.status, 0) + 1
    done = ", ".join(f"{n} {status}" for status, n in sorted(counts.items())) or "nothing new (already loaded)"
    print(f"demo data (synthetic) for {runtime.program.name}: {done}")
    print(f"demo accounts (this demo database only), password {DEMO_PASSWORD}:")
    for login, _name, role, partner in demo_accounts(runtime.program):
        print(f"  {login:<18} {role}" + (f" ({partner})" if partner else ""))
    return EXIT_OK


def _read_password() -> str:
    import getpass

    if sys.stdin.isatty():
        first = getpass.getpass("New password (at least 12 characters): ")
        if getpass.getpass("Again: ") != first:
            raise ConfigError("the two passwords differ")
        return first
    line = sys.stdin.readline()
    if not line:
        raise ConfigError("no password on standard input")
    return line.rstrip("\r\n")


def _account_error(error: Exception) -> ConfigError:
    return ConfigError(str(error))


def _users_add(args) -> int:
    from etl.users import AccountError, add_user

    runtime = _runtime()
    password = None if args.no_password else _read_password()
    try:
        account = add_user(runtime.engine, login=args.login, display_name=args.name, role=args.role,
                           password=password, partner_code=args.partner, email=args.email)
    except AccountError as error:
        raise _account_error(error) from None
    print(f"created {account.login} ({account.role})")
    return EXIT_OK


def _users_list(args) -> int:
    from etl.users import list_accounts

    accounts = list_accounts(_runtime().engine)
    if args.json:
        print(json.dumps([a.__dict__ for a in accounts], indent=2, default=str))
        return EXIT_OK
    for a in accounts:
        state = "active" if a.active else "inactive"
        print(f"{a.login:<24} {a.role:<12} {a.partner_code or '-':<20} {state:<8} {a.display_name}")
    if not accounts:
        print("no accounts yet: python -m etl users add LOGIN --name NAME --role coordinator")
    return EXIT_OK


def _users_deactivate(args) -> int:
    from etl.users import AccountError, set_active

    try:
        set_active(_runtime().engine, args.login, False)
    except AccountError as error:
        raise _account_error(error) from None
    print(f"deactivated {args.login}")
    return EXIT_OK


def _users_set_password(args) -> int:
    from etl.users import AccountError, set_password

    runtime = _runtime()
    try:
        set_password(runtime.engine, args.login, _read_password())
    except AccountError as error:
        raise _account_error(error) from None
    print(f"password set for {args.login}")
    return EXIT_OK
