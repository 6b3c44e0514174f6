"""supervisord (PyPI `supervisor`) for the cluster: `python scripts/cluster_processes.py -c CONF`.

The same supervisord as `.venv/bin/supervisord`, started under a name of its
own: on a machine shared with other developers, a broad
`pkill -INT -f supervisord` meant for their `make run` stopped the whole
cluster in the middle of a fault test (seen here, SIGINT from outside our
process tree).
"""

import sys

from supervisor.supervisord import main

if __name__ == "__main__":
    sys.exit(main())
