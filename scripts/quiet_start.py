"""Run a Python module as `python -m` does, without third-party deprecation warnings.

PYTHONWARNINGS alone does not silence them: importing Sanic adds a "once"
filter for DeprecationWarning in front of it, and other libraries add theirs.
So Sanic is imported first, deprecation notices are ignored after it and
dropped when shown anyway, and then the module runs. Every other category of
warning still shows.

    python scripts/quiet_start.py rasa run --port 5005 ...
    python scripts/quiet_start.py actions.server --port 5055

For `rasa`, it also applies scripts/rasa_speedups.py first.
"""

from __future__ import annotations

import os
import runpy
import sys
import warnings
from typing import Any

import sanic  # noqa: F401  (its filter is installed on import: see above)

warnings.filterwarnings("ignore", category=DeprecationWarning)
_show_warning = warnings.showwarning


def _show_unless_deprecated(
    message: Warning | str, category: type[Warning], *args: Any, **kwargs: Any
) -> None:
    # Libraries imported later add their own filters in front of ours; this
    # drops a deprecation notice that still gets through them.
    if not issubclass(category, DeprecationWarning):
        _show_warning(message, category, *args, **kwargs)


warnings.showwarning = _show_unless_deprecated

if __name__ == "__main__":
    if len(sys.argv) < 2:
        sys.exit(__doc__)
    module = sys.argv[1]
    sys.argv = [module, *sys.argv[2:]]
    # As `python -m` does: modules are found from the working directory.
    sys.path[0] = os.getcwd()
    if module == "rasa":
        from scripts import rasa_speedups

        rasa_speedups.apply()
    runpy.run_module(module, run_name="__main__", alter_sys=True)
