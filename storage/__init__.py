"""SQLModel tables, Alembic migrations, repositories and the plan import."""
