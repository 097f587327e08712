"""The web interface and JSON API: ``create_app(session_factory)`` (served by ``nianbao serve``)."""
from __future__ import annotations

__all__ = ["create_app"]


def __getattr__(name: str):
    # Deferred: importing FastAPI costs ~0.2 s, and `nianbao` imports this package's `cli`
    # module for every command (`nianbao parse` too), not only for `serve`.
    if name == "create_app":
        from archive.web.app import create_app

        return create_app
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
