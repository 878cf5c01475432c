"""``python -m tests.crash_load load ...``: the command line, frozen at a named point, to be SIGKILLed.

Used only by tests/test_crash.py. It runs exactly what ``python -m etl`` runs (``etl.cli.main``)
in its own process; before that it wraps a few library functions so that, at the point named in
``LEAD_CRASH_AT``, the process writes the file named in ``LEAD_CRASH_READY`` and then sleeps
until it is killed. The points:

``validating``  the file has been read; validation is about to run (nothing written yet)
``archiving``   the archive's temporary file is written and synced, not yet renamed into place
``inserting``   inside the load transaction: old rows deleted, half the new rows inserted
                (SQLite: executemany of the first half done; PostgreSQL: the COPY stream is open
                and half its data has been sent)
``committing``  every row inserted, the COMMIT about to be sent
``committed``   the COMMIT has returned; the command has not printed its report yet

Why wrappers here rather than a hook in the pipeline: production code carries no test-only
switch, and the points can be finer than the pipeline's stages (half-way through the bulk
insert, between the last statement and COMMIT), which a stage callback cannot reach.
"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

POINTS = ("validating", "archiving", "inserting", "committing", "committed")


def _freeze(point: str) -> None:
    """Tell the test we are at ``point``, then wait to be killed."""
    ready = Path(os.environ["LEAD_CRASH_READY"])
    temporary = ready.with_name(ready.name + ".tmp")
    temporary.write_text(f"{point} {os.getpid()}\n")
    os.replace(temporary, ready)  # the test never sees a half-written signal
    while True:
        time.sleep(60)


def install(point: str) -> None:
    from sqlalchemy import Engine, event
    from sqlalchemy.orm import Session

    import etl.archive
    import etl.load
    import etl.pipeline

    if point not in POINTS:
        raise SystemExit(f"LEAD_CRASH_AT must be one of {', '.join(POINTS)}")
    inserted = {"done": False}  # set once the bulk insert of the file has run

    if point == "validating":
        validate = etl.pipeline.validate_table

        def frozen_validate(*args, **kwargs):
            _freeze(point)
            return validate(*args, **kwargs)

        etl.pipeline.validate_table = frozen_validate

    if point == "archiving":
        replace = os.replace

        def frozen_replace(source, destination, *args, **kwargs):
            if Path(source).name.startswith(".incoming-"):
                _freeze(point)
            return replace(source, destination, *args, **kwargs)

        etl.archive.os = type(sys)("os_with_frozen_replace")
        etl.archive.os.__dict__.update(os.__dict__, replace=frozen_replace)

    if point == "inserting":
        insert_sqlite = etl.load._insert_sqlite

        def half_then_freeze(connection, partner_id, submission_id, frame, **options):
            insert_sqlite(connection, partner_id, submission_id, frame.iloc[: len(frame) // 2], **options)
            _freeze(point)

        etl.load._insert_sqlite = half_then_freeze

        import psycopg

        write = psycopg.Copy.write

        def half_a_copy_then_freeze(self, buffer):
            half = len(buffer) // 2
            write(self, buffer[:half])  # psycopg hands written data to the server at once
            _freeze(point)

        psycopg.Copy.write = half_a_copy_then_freeze

    replace_months = etl.load.replace_months

    def noting_replace_months(*args, **kwargs):
        replace_months(*args, **kwargs)
        inserted["done"] = True

    etl.load.replace_months = noting_replace_months

    if point == "committing":
        @event.listens_for(Engine, "commit")
        def before_commit(_connection):
            if inserted["done"]:
                _freeze(point)

    if point == "committed":
        @event.listens_for(Session, "after_commit")
        def after_commit(_session):
            if inserted["done"]:
                _freeze(point)


if __name__ == "__main__":
    install(os.environ["LEAD_CRASH_AT"])
    from etl.cli import main

    sys.exit(main(sys.argv[1:]))
