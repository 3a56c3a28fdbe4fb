"""Alembic environment: runs on the connection that :func:`o2opt.live.db.open_database` opens."""

from alembic import context

from o2opt.live.db import Base

connection = context.config.attributes["connection"]
context.configure(connection=connection, target_metadata=Base.metadata,
                  render_as_batch=connection.dialect.name == "sqlite")
with context.begin_transaction():
    context.run_migrations()
