"""Alembic runs the migrations on the connection `bot.store.database.migrate` hands it, from
the project's one engine per URL (which creates a SQLite file's folder first)."""

from alembic import context

from bot.store.models import Base

connection = context.config.attributes["connection"]
context.configure(connection=connection, target_metadata=Base.metadata, render_as_batch=True)
with context.begin_transaction():
    context.run_migrations()
