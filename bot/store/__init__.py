"""The project's database: SQLAlchemy 1.4 (2.0 style) models under Alembic migrations.

SQLite file by default, PostgreSQL (or any SQLAlchemy URL) from PROMISEBOT_DATABASE_URL.
"""
