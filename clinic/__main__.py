"""python -m clinic origins: the web pages clinic.yml lets embed the chat, one
line, separated by spaces (empty when it names none); scripts/run.sh reads it."""

from __future__ import annotations

import sys

from clinic.settings import current


def main(argv: list[str]) -> int:
    if argv != ["origins"]:
        print(__doc__, file=sys.stderr)
        return 2
    print(" ".join(current().origins))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
