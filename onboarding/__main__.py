"""Command line: `python -m onboarding seed-demo` and friends."""

import argparse
import sys

from models.db import session_for
from onboarding.config import get_settings
from onboarding.process import ProcessError
from onboarding.startup import prepare


def seed_demo(_args) -> int:
    from onboarding import demo

    prepare()
    with session_for(get_settings().resolved_database_url) as session:
        added = demo.seed(session)
    print(f"Demo data: {added} merchants added.")
    return 0


def migrate_command(_args) -> int:
    prepare()
    print("Database is at the newest schema.")
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m onboarding", description="PingPong onboarding tracker")
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("seed-demo", help="load about 25 demo merchants").set_defaults(run=seed_demo)
    commands.add_parser("migrate", help="check the process file and upgrade the database").set_defaults(
        run=migrate_command)
    args = parser.parse_args(argv)
    try:
        return args.run(args)
    except ProcessError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
