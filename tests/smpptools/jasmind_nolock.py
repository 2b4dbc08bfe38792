"""Start jasmind (the installed Jasmin 0.11.0 daemon) without its machine-wide lock.

Jasmin's own ``jasmind.py`` takes a fixed lock, ``/tmp/jasmind.lock``, so two gateways cannot run on one
machine even on different ports. The test harness gives every stack its own ports, data and log folders,
so two test runs (two worktrees, CI beside a developer) must be able to run side by side. This script
loads ``jasmind.py`` as a module (its ``__main__`` block does not run) and does what that block does,
minus the lock. Run it with the Jasmin venv's Python:

    .venv-jasmin/bin/python jasmind_nolock.py /path/to/.venv-jasmin/bin/jasmind.py --config FILE [flags]
"""

import runpy
import signal
import sys

from twisted.internet import reactor


def main() -> None:
    jasmind = runpy.run_path(sys.argv[1], run_name="jasmind")
    options = jasmind["Options"]()
    options.parseOptions(sys.argv[2:])
    daemon = jasmind["JasminDaemon"](options)
    signal.signal(signal.SIGINT, daemon.sighandler_stop)
    signal.signal(signal.SIGTERM, daemon.sighandler_stop)
    daemon.start()
    reactor.run()


if __name__ == "__main__":
    main()
