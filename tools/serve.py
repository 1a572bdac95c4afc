"""Run the web server (gunicorn) and the background worker (`manage.py db_worker`)
together, as `make run` does: one command, both stopped on Ctrl-C, and both stopped
when either ends (a server without its worker would leave every job queued).

    python tools/serve.py [--bind 127.0.0.1:8000] [--workers 2]

The environment is passed on unchanged: both read the same KAOHE_* settings (the
secret key, hence the ballot key, the database)."""

from __future__ import annotations

import argparse
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from types import FrameType

ROOT = Path(__file__).resolve().parent.parent
# How long a job may take to finish after Ctrl-C before the worker is killed (its
# transaction then rolls back: nothing half written).
GRACE_SECONDS = 30


def commands(bind: str, workers: int) -> dict[str, list[str]]:
    python = sys.executable
    return {
        "worker": [python, "manage.py", "db_worker", "--interval", "1"],
        "web": [
            python,
            "-m",
            "gunicorn",
            "kaohe.wsgi:application",
            "--bind",
            bind,
            "--workers",
            str(workers),
            "--access-logfile",
            "-",
            # Without the public survey pages' lines: their paths carry a household's
            # code, which with the address and the second could name a respondent.
            "--logger-class",
            "kaohe.core.logs.AccessLogger",
        ],
    }


def serve(bind: str, workers: int) -> int:
    stopping = False

    def stop(signum: int, frame: FrameType | None) -> None:
        nonlocal stopping
        stopping = True

    signal.signal(signal.SIGINT, stop)
    signal.signal(signal.SIGTERM, stop)
    # Each child in its own session: Ctrl-C in the terminal reaches this supervisor
    # only, which then sends each child one SIGTERM (the worker finishes its job; a
    # second signal would abort it).
    procs = {
        name: subprocess.Popen(  # noqa: S603 (our own argv)
            argv, cwd=ROOT, env=os.environ.copy(), start_new_session=True
        )
        for name, argv in commands(bind, workers).items()
    }
    code = 0
    try:
        while not stopping:
            for name, proc in procs.items():
                if proc.poll() is not None:
                    print(f"serve: {name} ended (exit {proc.returncode}); stopping", flush=True)
                    code = proc.returncode or 1
                    stopping = True
            time.sleep(0.3)
    finally:
        for proc in procs.values():
            if proc.poll() is None:
                proc.send_signal(signal.SIGTERM)
        deadline = time.monotonic() + GRACE_SECONDS
        for proc in procs.values():
            try:
                proc.wait(timeout=max(deadline - time.monotonic(), 0.1))
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
    return code


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else "")
    parser.add_argument("--bind", default="127.0.0.1:8000")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn worker processes")
    args = parser.parse_args()
    return serve(args.bind, args.workers)


if __name__ == "__main__":
    sys.exit(main())
