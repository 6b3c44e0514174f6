"""Create a staff console account, or set its password and role:
`make staff-user NAME=... ROLE=staff|admin` (password from STAFF_PASSWORD or prompted)."""

from __future__ import annotations

import argparse
import getpass
import os
import sys

from console import auth
from console.db import connect
from console.settings import load


def read_password() -> str:
    password = os.environ.get("STAFF_PASSWORD", "")
    if password:
        return password
    if not sys.stdin.isatty():
        raise SystemExit("set STAFF_PASSWORD or run this in a terminal to be asked")
    first = getpass.getpass("Password: ")
    if getpass.getpass("Again: ") != first:
        raise SystemExit("the passwords differ")
    return first


def who() -> str:
    """Who ran the command, for the audit log: the OS account when known."""
    try:
        return f"command line ({getpass.getuser()})"
    except (KeyError, OSError):  # no name for the uid (a bare container)
        return "command line"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--name", required=True)
    parser.add_argument("--role", choices=auth.ROLES, default="staff")
    args = parser.parse_args(argv)
    try:
        auth.create_user(
            connect(load().database_url), args.name, read_password(), args.role, by=who()
        )
    except ValueError as error:
        print(f"Not saved: {error}", file=sys.stderr)
        return 2
    print(f"Account {auth.normalise_name(args.name)} ({args.role}) saved.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
