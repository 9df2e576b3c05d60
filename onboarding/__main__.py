"""Command line: `python -m onboarding seed-demo` and friends."""

import argparse
import sys
from pathlib import Path

from onboarding.core import database
from onboarding.operations.backup import BackupError
from onboarding.operations.startup import prepare
from onboarding.process.definition import ProcessError


def seed_demo(_args) -> int:
    import logging

    from onboarding.operations import demo

    prepare()
    # hundreds of demo history rows would each become a log line; the summary below says what happened
    logging.getLogger("onboarding").setLevel(logging.WARNING)
    with database.session() as session:
        added = demo.seed(session)
        people = demo.create_demo_users(session)
    print(f"Demo data: {added} merchants added.")
    if people:
        print("Sign in to try both sides (these passwords are shown only now; reset them on the Admin page):")
        for email, role, password in people:
            print(f"  {role:<8}  {email}  {password}")
    else:
        print("The demo users exist already; an admin can reset their passwords on the Admin page.")
    return 0


def create_user_command(args) -> int:
    from onboarding.accounts.users import SYSTEM, create_user
    from onboarding.core.errors import DomainError

    if sys.stdin.isatty():
        import getpass

        password = getpass.getpass("Password (at least 12 characters): ")
    else:
        password = sys.stdin.readline().rstrip("\r\n")  # one line, no prompt when piped
    prepare()
    try:
        with database.session() as session:
            user = create_user(
                session,
                SYSTEM,
                email=args.email,
                name=args.name or "",
                role=args.role,
                password=password,
                merchant_id=args.merchant,
            )
    except DomainError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    print(f"Created {user.role} {user.email} (id {user.id}).")
    return 0


def migrate_command(_args) -> int:
    from onboarding.process.definition import process_file

    report = prepare()
    print("Database is at the newest schema.")
    if report.merchants:
        print(
            f"Process file {process_file()} (version {report.version}): {report.merchants} merchants synced; "
            f"items added {report.added}, waived {report.waived}, retired {report.retired}, "
            f"restored {report.restored}, moved {report.moved}."
        )
    else:
        print(f"Every merchant follows the process file {process_file()} (version {report.version}).")
    return 0


def simulator_command(args) -> int:
    import uvicorn

    from web.simulator import create_app

    prepare()
    print(
        f"Sandbox simulator on http://{args.host}:{args.port} "
        f"(set PINGPONG_SANDBOX_BASE_URL=http://{args.host}:{args.port} to use it)"
    )
    uvicorn.run(create_app(), host=args.host, port=args.port, log_level="warning")
    return 0


def backup_command(args) -> int:
    from onboarding.operations.backup import backup

    manifest = backup(args.path)
    print(f"Backup written to {args.path}: {manifest['database']['kind']} database and {len(manifest['files'])} files.")
    return 0


def restore_command(args) -> int:
    from onboarding.operations.backup import restore

    manifest = restore(args.path)
    print(
        f"Restored {args.path} (taken {manifest['created_at']}): {len(manifest['files'])} files. "
        "Start the app (or run `python -m onboarding migrate`) to bring the schema up to date."
    )
    return 0


def send_reminders_command(_args) -> int:
    from onboarding.core.config import get_settings
    from onboarding.notifications import outbox, reminders

    prepare()
    with database.session() as session:
        summary = reminders.send_reminders(session)
    print(f"Queued {summary.reminders} reminders and {summary.digests} digests (nothing twice the same day).")
    if not get_settings().smtp_host:
        print("SMTP_HOST is not set: the messages stay in the outbox, readable on the Admin page, and are not sent.")
        return 0
    sent = outbox.drain()
    print(f"Sent {sent.sent} messages; {sent.retried} wait for a retry, {sent.failed} failed.")
    return 0


def bench_command(args) -> int:
    from pathlib import Path

    from tools import bench

    if args.merchants < 1:
        print("error: --merchants must be at least 1", file=sys.stderr)
        return 2
    report = bench.run(merchants=args.merchants, runs=args.runs, browser=args.browser)
    print(bench.table(report))
    if args.json:
        bench.write_json(report, Path(args.json))
        print(f"JSON written to {args.json}")
    return 0


def sandbox_account_command(args) -> int:
    import json

    from onboarding.accounts.users import SYSTEM
    from onboarding.core.errors import DomainError
    from onboarding.core.i18n import translate
    from onboarding.gateway import sandbox_accounts

    prepare()
    try:
        with database.session() as session:
            found = sandbox_accounts.sandbox_credentials(session, SYSTEM, args.merchant)
    except DomainError as error:
        print(f"error: {translate(error.key, **error.params)}", file=sys.stderr)
        return 2
    print(json.dumps(found))
    return 0


def create_token_command(args) -> int:
    from onboarding.accounts.api_tokens import create_token
    from onboarding.accounts.users import find_by_email
    from onboarding.core.access import actor_for
    from onboarding.core.errors import DomainError
    from onboarding.core.i18n import translate

    prepare()
    try:
        with database.session() as session:
            user = find_by_email(session, args.email)
            if user is None or not user.active:
                print(f"error: no active user has the e-mail address {args.email}", file=sys.stderr)
                return 2
            row, plain = create_token(session, actor_for(user), args.name)
    except DomainError as error:
        print(f"error: {translate(error.key, **error.params)}", file=sys.stderr)
        return 2
    print(f"API token {row.prefix}… created for {user.email} ({args.name}); it is shown once:")
    print(plain)
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m onboarding", description="PingPong onboarding tracker")
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("seed-demo", help="load about 25 demo merchants").set_defaults(run=seed_demo)
    create = commands.add_parser("create-user", help="create an account; the password is read from standard input")
    create.add_argument("--email", required=True)
    create.add_argument("--role", required=True, choices=["admin", "support", "merchant"])
    create.add_argument("--merchant", type=int, help="merchant id (merchant users only)")
    create.add_argument("--name", help="display name (default: from the e-mail)")
    create.set_defaults(run=create_user_command)
    commands.add_parser(
        "migrate", help="check the process file, upgrade the database and sync every merchant to the process"
    ).set_defaults(run=migrate_command)
    simulator = commands.add_parser("simulator", help="serve the PingPong sandbox simulator alone")
    simulator.add_argument("--port", type=int, default=8600)
    simulator.add_argument("--host", default="127.0.0.1")
    simulator.set_defaults(run=simulator_command)
    backup_parser = commands.add_parser("backup", help="write a consistent snapshot of database and files to PATH")
    backup_parser.add_argument("path", type=Path)
    backup_parser.set_defaults(run=backup_command)
    restore_parser = commands.add_parser("restore", help="bring a backup back into an empty data directory")
    restore_parser.add_argument("path", type=Path)
    restore_parser.set_defaults(run=restore_command)
    commands.add_parser(
        "send-reminders", help="queue today's reminders and staff digests, then send the outbox"
    ).set_defaults(run=send_reminders_command)
    bench_parser = commands.add_parser("bench", help="measure page speed and SQL statements on a large data set")
    bench_parser.add_argument("--merchants", type=int, default=10_000, help="merchants to seed (default 10000)")
    bench_parser.add_argument("--runs", type=int, default=5, help="measured renders per page (default 5)")
    bench_parser.add_argument("--json", metavar="PATH", help="also write the figures as JSON to PATH")
    bench_parser.add_argument(
        "--browser", action="store_true", help="also serve the data set and measure the pages in Debian's Chromium"
    )
    bench_parser.set_defaults(run=bench_command)
    sandbox = commands.add_parser(
        "sandbox-account", help="print a merchant's embedded sandbox credentials as JSON (created if needed)"
    )
    sandbox.add_argument("--merchant", type=int, required=True, help="merchant id")
    sandbox.set_defaults(run=sandbox_account_command)
    token = commands.add_parser("create-token", help="create an API token for a staff user (printed on the last line)")
    token.add_argument("--email", required=True, help="the staff user's e-mail address")
    token.add_argument("--name", required=True, help="what the token is for, e.g. 'CI'")
    token.set_defaults(run=create_token_command)
    args = parser.parse_args(argv)
    try:
        return args.run(args)
    except ProcessError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    except BackupError as error:
        print(f"error: {error}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
