"""The demo news web: fictional outlets served on 127.0.0.1 so the crawler can be shown, and tested,
without touching the real web. See :mod:`advocacy.demo.web`; ``python -m advocacy.demo.web`` serves it."""
from __future__ import annotations

from typing import Any

__all__ = ["DemoWeb", "DemoOutlet", "DemoPage", "DEFAULT_SITE_DIR"]


def __getattr__(name: str) -> Any:
    # Imported on first use, so that ``python -m advocacy.demo.web`` does not load the module twice.
    if name in __all__:
        from advocacy.demo import web

        return getattr(web, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
