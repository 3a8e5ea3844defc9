"""gunicorn configuration for test_worker_killed.py: a worker can be made to hold still in the middle of a request,
right after it has inserted a registration or a booking and before it commits, so the test kills it exactly there.

The test asks by creating the file `hold-<table>` in HOLD_DIR. The first worker to insert into that table takes the
file (an atomic rename to `held-<table>-<pid>`, so only one worker ever holds), writes into it the row's key, and
sleeps until the test's SIGKILL arrives. Every other worker and request runs as in production.
"""

from __future__ import annotations

import os
import time
from pathlib import Path

TABLES = ("registrations", "bookings")
KEYS = ("user_id", "booth_id", "exhibitor_id")


def post_worker_init(worker):
    from sqlalchemy import event
    from sqlalchemy.engine import Engine

    folder = Path(os.environ["HOLD_DIR"])

    @event.listens_for(Engine, "after_cursor_execute")
    def hold_still(connection, cursor, statement, parameters, context, executemany):
        for table in TABLES:
            if statement.startswith(f"INSERT INTO {table} "):
                held = folder / f"held-{table}-{os.getpid()}"
                try:
                    os.rename(folder / f"hold-{table}", held)
                except FileNotFoundError:
                    return
                held.write_text(" ".join(f"{key}={parameters.get(key)}" for key in KEYS if key in parameters))
                time.sleep(60)  # the test kills this worker long before
