"""The [web] settings, checked when an app is built so that a wrong value is named at start-up."""
from __future__ import annotations

from advocacy.config import ConfigError

SEARCH_MODES = ("keyword", "semantic", "hybrid")


def check_web_settings(settings) -> None:
    web = settings.table["web"]
    if web["search_mode"] not in SEARCH_MODES:
        raise ConfigError(f"web.search_mode must be one of {', '.join(SEARCH_MODES)}, not {web['search_mode']!r}")
    if not 0 <= web["port"] <= 65535:
        raise ConfigError(f"web.port must be a port from 1 to 65535 (0: any free port), not {web['port']}")
    if not 1 <= web["workers"] <= 64:
        raise ConfigError(f"web.workers must be from 1 to 64 server processes, not {web['workers']}")
    if web["session_days"] <= 0:
        raise ConfigError(f"web.session_days must be above 0, not {web['session_days']}")
    for key in ("login_failures_per_user", "login_failures_per_address", "login_window_minutes"):
        if web[key] < 1:
            raise ConfigError(f"web.{key} must be 1 or more, not {web[key]}")
