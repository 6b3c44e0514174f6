"""The container's entrypoint (Dockerfile): set a few variables, then run the command.

- Each file /run/secrets/NAME (Compose's secrets, deploy/compose/compose.yaml)
  becomes the variable NAME in upper case: the programs read environment
  variables, and the values stay out of the container's configuration.
- Some programs want URLs made of separate settings and secrets (POSTGRES_*,
  REDIS_*). They are built here, the password percent-encoded, rather than in
  each manifest's shell: REPLY_CACHE_REDIS_URL and CHANNELS_REDIS_URL (the reply
  cache and the messaging channels' shared state) when REDIS_HOST is set;
  CONSOLE_DATABASE_URL (the console's own database, CONSOLE_POSTGRES_DB) and
  CONSOLE_TRACKER_STORE_URL (the conversations, POSTGRES_DB) when
  CONSOLE_POSTGRES_DB is set.
- The argument --cors-from-clinic-origins becomes `--cors` followed by each
  origin of CLINIC_ORIGINS (separated by spaces or commas).

A variable already set is left alone. Nothing is printed: the values are secret.
Standard library only: it runs before, and outside, the project's venv.

    python3 scripts/entrypoint.py COMMAND [ARG...]
"""

from __future__ import annotations

import os
import sys
from collections.abc import Mapping
from pathlib import Path
from urllib.parse import quote

CORS_FLAG = "--cors-from-clinic-origins"
SECRETS_DIR = Path("/run/secrets")


def secrets_from_files(folder: Path) -> dict[str, str]:
    """NAME (upper case) to the content of each file in folder, without the
    trailing newline; nothing when there is no such folder (Kubernetes)."""
    if not folder.is_dir():
        return {}
    return {
        path.name.upper(): path.read_text(encoding="utf-8").rstrip("\r\n")
        for path in sorted(folder.iterdir())
        if path.is_file()
    }


def _auth(user: str, password: str) -> str:
    """The user-info part of a URL ("user:pass@"), each part percent-encoded."""
    if not user and not password:
        return ""
    secret = f":{quote(password, safe='')}" if password else ""
    return f"{quote(user, safe='')}{secret}@"


def redis_url(env: Mapping[str, str]) -> str:
    auth = _auth("", env.get("REDIS_PASSWORD", ""))
    host, port, db = env["REDIS_HOST"], env.get("REDIS_PORT", "6379"), env.get("REDIS_DB", "0")
    return f"redis://{auth}{host}:{port}/{db}"


def postgres_url(env: Mapping[str, str], database: str) -> str:
    auth = _auth(env.get("POSTGRES_USER", ""), env.get("POSTGRES_PASSWORD", ""))
    host, port = env["POSTGRES_HOST"], env.get("POSTGRES_PORT", "5432")
    return f"postgresql://{auth}{host}:{port}/{database}"


def derived_environment(env: Mapping[str, str]) -> dict[str, str]:
    """The variables to add to env (none that env already sets)."""
    derived: dict[str, str] = {}
    if env.get("REDIS_HOST"):
        url = redis_url(env)
        derived |= {"REPLY_CACHE_REDIS_URL": url, "CHANNELS_REDIS_URL": url}
    if env.get("CONSOLE_POSTGRES_DB") and env.get("POSTGRES_HOST"):
        derived["CONSOLE_DATABASE_URL"] = postgres_url(env, env["CONSOLE_POSTGRES_DB"])
        derived["CONSOLE_TRACKER_STORE_URL"] = postgres_url(env, env["POSTGRES_DB"])
    return {name: value for name, value in derived.items() if not env.get(name)}


def expanded_arguments(argv: list[str], env: Mapping[str, str]) -> list[str]:
    """argv with CORS_FLAG replaced by Rasa's --cors and the clinic's origins."""
    if CORS_FLAG not in argv:
        return argv
    origins = env.get("CLINIC_ORIGINS", "").replace(",", " ").split()
    if not origins:
        raise SystemExit(f"entrypoint: {CORS_FLAG} needs CLINIC_ORIGINS")
    at = argv.index(CORS_FLAG)
    return [*argv[:at], "--cors", *origins, *argv[at + 1 :]]


def main(argv: list[str]) -> None:
    if not argv:
        raise SystemExit(__doc__)
    secrets = secrets_from_files(SECRETS_DIR)
    os.environ.update({name: value for name, value in secrets.items() if name not in os.environ})
    os.environ.update(derived_environment(os.environ))
    command = expanded_arguments(argv, os.environ)
    os.execvp(command[0], command)


if __name__ == "__main__":
    main(sys.argv[1:])
