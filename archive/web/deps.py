"""What the routers' handlers depend on (FastAPI ``Depends``), apart from the app that
includes them, so that ``api`` and ``pages`` never import ``app`` (no import cycle)."""
from __future__ import annotations

from fastapi import Request


def get_session(request: Request):
    """One session per request, closed after (reads only: nothing is committed)."""
    with request.app.state.Session() as session:
        yield session
