"""`python -m engine` and the installed `iku` script (`run`): the command line, started so
that Ctrl-C never shows a traceback."""

from __future__ import annotations

import signal

# Until the command runs, Ctrl-C ends the process at once, as the shell expects (status
# 130), with nothing to clean up yet: importing the libraries is most of a short run's time,
# and a KeyboardInterrupt raised inside an import would print a traceback.
signal.signal(signal.SIGINT, signal.SIG_DFL)


def run() -> int:
    """The console script's entry point (pyproject.toml, [project.scripts])."""
    from engine.cli import main  # under SIG_DFL, see above
    from engine.errors import EXIT_INTERRUPTED

    # From here on an interrupt is a KeyboardInterrupt again, so that `finally` blocks remove
    # temporary files; main() turns it into status 130 without a traceback.
    signal.signal(signal.SIGINT, signal.default_int_handler)
    try:
        return main()
    except KeyboardInterrupt:  # one that came while main() was reporting something else
        return EXIT_INTERRUPTED
    finally:
        # Nothing is left to clean up: an interrupt during the interpreter's exit just ends it.
        signal.signal(signal.SIGINT, signal.SIG_DFL)


if __name__ == "__main__":
    raise SystemExit(run())
