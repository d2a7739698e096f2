"""One configuration: the documented defaults in ``default_config.toml``, a user's TOML file on top,
then ``ADVOCACY_*`` environment variables. Nothing is read at import time."""
from __future__ import annotations

import copy
import os
import tomllib
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any


class ConfigError(ValueError):
    """A configuration file or value is unusable; the message names the key and what is accepted."""


def _default_table() -> dict[str, Any]:
    text = resources.files("advocacy").joinpath("default_config.toml").read_text(encoding="utf-8")
    return tomllib.loads(text)


def _merge(base: dict[str, Any], override: dict[str, Any], where: str) -> None:
    for key, value in override.items():
        if key not in base:
            raise ConfigError(f"{where}: unknown setting {key!r}; known settings: {', '.join(sorted(base))}")
        if isinstance(base[key], dict):
            if not isinstance(value, dict):
                raise ConfigError(f"{where}: {key!r} must be a table ([{key}])")
            _merge(base[key], value, f"{where} [{key}]")
        else:
            base[key] = _coerce(value, base[key], f"{where}: {key}")


def _coerce(value: Any, default: Any, where: str) -> Any:
    """Give ``value`` the type of the default, so environment strings become numbers and booleans."""
    if isinstance(default, bool):
        if isinstance(value, bool):
            return value
        text = str(value).strip().lower()
        if text in {"1", "true", "yes", "on"}:
            return True
        if text in {"0", "false", "no", "off"}:
            return False
        raise ConfigError(f"{where} must be true or false, not {value!r}")
    if isinstance(default, (int, float)):
        kind = type(default)
        try:
            if isinstance(value, bool) or (kind is int and isinstance(value, float) and not value.is_integer()):
                raise ValueError
            return kind(value)
        except (TypeError, ValueError):
            raise ConfigError(f"{where} must be {'a whole number' if kind is int else 'a number'}, not {value!r}") from None
    if isinstance(default, str):
        if not isinstance(value, str):
            raise ConfigError(f"{where} must be a string, not {value!r}")
        return value
    return value


@dataclass
class Settings:
    """The effective configuration. ``table`` mirrors the TOML layout; paths are already resolved."""
    table: dict[str, Any]
    base_dir: Path            # directory relative paths in the user's file are resolved against
    source: str               # where the settings came from, for `advocacy config show`

    def get(self, section: str, key: str) -> Any:
        return self.table[section][key]

    @property
    def data_dir(self) -> Path:
        return self._path(self.table["data_dir"])

    def path_or_none(self, section: str, key: str) -> Path | None:
        """A file setting: ``None`` when empty (meaning the built-in data file)."""
        value = self.table[section][key]
        return self._path(value) if value else None

    def _path(self, value: str) -> Path:
        path = Path(os.path.expanduser(value))
        return path if path.is_absolute() else (self.base_dir / path).resolve()

    @property
    def store_url(self) -> str:
        url = self.table["index"]["store_url"]
        if url.startswith("sqlite:///"):
            path = Path(os.path.expanduser(url[len("sqlite:///"):]))
            if not path.is_absolute():
                path = self.data_dir / path
            return f"sqlite:///{path}"
        return url

    def with_data_dir(self, data_dir: str | Path) -> "Settings":
        table = copy.deepcopy(self.table)
        table["data_dir"] = str(Path(data_dir).expanduser().resolve())
        return Settings(table, self.base_dir, self.source)


def load_settings(config_file: str | Path | None = None, *, environ: dict[str, str] | None = None) -> Settings:
    """Load the defaults, then ``config_file`` (or ``$ADVOCACY_CONFIG``), then environment overrides."""
    environ = os.environ if environ is None else environ
    table = _default_table()
    base_dir = Path.cwd()
    source = "built-in defaults"
    config_file = config_file or environ.get("ADVOCACY_CONFIG")
    if config_file:
        path = Path(config_file).expanduser()
        if not path.is_file():
            raise ConfigError(f"configuration file {path} does not exist; create one with `advocacy config init {path}`")
        try:
            user = tomllib.loads(path.read_text(encoding="utf-8"))
        except tomllib.TOMLDecodeError as exc:
            raise ConfigError(f"{path} is not valid TOML: {exc}") from None
        _merge(table, user, str(path))
        base_dir = path.resolve().parent
        source = str(path)
    for name, value in environ.items():
        if not name.startswith("ADVOCACY_") or name == "ADVOCACY_CONFIG":
            continue
        key = name[len("ADVOCACY_"):].lower()
        if key in table and not isinstance(table[key], dict):
            table[key] = _coerce(value, table[key], name)
            continue
        section, _, rest = key.partition("_")
        if section in table and isinstance(table[section], dict) and rest in table[section]:
            table[section][rest] = _coerce(value, table[section][rest], name)
    return Settings(table, base_dir, source)


def default_config_text() -> str:
    return resources.files("advocacy").joinpath("default_config.toml").read_text(encoding="utf-8")
