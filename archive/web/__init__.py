"""The web interface and JSON API: ``create_app(session_factory)`` (served by ``nianbao serve``)."""
from __future__ import annotations

from archive.web.app import create_app

__all__ = ["create_app"]
