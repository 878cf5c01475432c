"""Alembic environment: the engine comes from ``etl.migrate`` (never from an ini file)."""

from alembic import context

import etl.models  # noqa: F401
from etl.db import Base

engine = context.config.attributes["engine"]

with engine.connect() as connection:
    # Batch mode lets the same migrations alter tables on SQLite and PostgreSQL.
    context.configure(connection=connection, target_metadata=Base.metadata, render_as_batch=True,
                      compare_type=True)
    with context.begin_transaction():
        context.run_migrations()
    connection.commit()
