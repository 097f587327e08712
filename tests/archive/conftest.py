"""Archive tests run against SQLite and PostgreSQL (fixtures `db_url`, `Session` in tests/conftest.py)."""
