"""The checkout's Alembic environment: the developer's entry for the ``alembic`` command.

The design keeps a top-level ``alembic/``; the migrations themselves live in the package,
``archive/migrations/``, because a wheel ships only packages and an installed nianbao must be
able to upgrade its archive (``tests/packaging/test_wheel.py``). ``alembic.ini`` points its
``script_location`` here and its ``version_locations`` at the package's ``versions/``, so
``alembic revision``/``upgrade``/``history`` from the checkout see the very migrations that
``nianbao db upgrade`` runs. This file only runs the package's environment: there is one.
"""
from __future__ import annotations

import runpy

from archive import db

runpy.run_path(str(db.MIGRATIONS / "env.py"), run_name="archive_migrations_env")
