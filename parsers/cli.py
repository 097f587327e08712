"""`nianbao parse`: one document in, its record out."""
from __future__ import annotations

commands: list = []  # filled in by the parser work (issue 2)
