"""The README documents every command and every setting, and its quick start is what CI runs."""
import re
import tomllib
from pathlib import Path

import click

from advocacy.cli import main
from advocacy.config import default_config_text

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text(encoding="utf-8")


def commands(group: click.Group, prefix: str = "advocacy"):
    for name, command in group.commands.items():
        yield f"{prefix} {name}", command
        if isinstance(command, click.Group):
            yield from commands(command, f"{prefix} {name}")


def test_every_command_is_in_the_readme_and_has_an_example():
    for name, command in commands(main):
        assert f"`{name}" in README, f"{name} is not documented in README.md"
        assert "Example:" in (command.help or ""), f"{name} --help has no example"


def test_every_setting_is_in_the_readme():
    table = tomllib.loads(default_config_text())
    for key, value in table.items():
        names = [f"{key}.{sub}" for sub in value] if isinstance(value, dict) else [key]
        for name in names:
            assert f"`{name}`" in README, f"setting {name} is not documented in README.md"


def test_the_quick_start_has_the_two_commands_ci_runs():
    block = re.search(r"<!-- quickstart -->(.*?)<!-- /quickstart -->", README, re.S).group(1)
    lines = [line for line in block.splitlines() if re.match(r"^(\./|\.venv/)", line)]
    assert len(lines) == 2
    assert "demo" in lines[0] and "pytest" in lines[1]
    assert "quickstart" in (ROOT / ".ci" / "run").read_text()
