"""`advocacy serve`, `advocacy users` and `advocacy tokens`: thin commands with one-line errors."""
import json

import click
import pytest
from click.testing import CliRunner

from advocacy.cli import main
from advocacy.web.accounts import ROLES, Accounts
from advocacy.web.server import is_loopback

PASSWORD = "a long enough passphrase"


def run(data_dir, *args, input=None):
    return CliRunner().invoke(main, ["--data-dir", str(data_dir), *args], input=input, catch_exceptions=False)


def test_the_commands_offer_the_roles_accounts_know():
    for path in (("users", "add"), ("users", "set-role")):
        command = main
        for name in path:
            command = command.commands[name]
        role = next(p for p in command.params if p.name == "role")
        assert isinstance(role.type, click.Choice) and tuple(role.type.choices) == ROLES


def test_users_from_creation_to_removal(tmp_path):
    added = run(tmp_path, "users", "add", "Amina", "--role", "admin", "--display-name", "Amina Tazi",
                input=f"{PASSWORD}\n{PASSWORD}\n")
    assert added.exit_code == 0 and "Created amina (admin)." in added.output
    assert PASSWORD not in added.output
    assert run(tmp_path, "users", "add", "omar", "--password-stdin", input=PASSWORD + "\n").exit_code == 0
    listed = json.loads(run(tmp_path, "users", "list", "--json").output)
    assert [(u["username"], u["role"], u["display_name"]) for u in listed] == [
        ("amina", "admin", "Amina Tazi"), ("omar", "viewer", "omar")]
    assert Accounts(tmp_path / "accounts.db").authenticate("omar", PASSWORD).role == "viewer"

    assert "omar is now an analyst." in run(tmp_path, "users", "set-role", "omar", "analyst").output
    last = run(tmp_path, "users", "remove", "amina", "--yes")
    assert last.exit_code == 1 and "last administrator" in last.output and len(last.output.splitlines()) == 1
    assert run(tmp_path, "users", "remove", "omar", input="y\n").exit_code == 0
    assert [u["username"] for u in json.loads(run(tmp_path, "users", "list", "--json").output)] == ["amina"]


@pytest.mark.parametrize("args, given, message", [
    (("users", "add", "sara", "--password-stdin"), "short\n", "at least 10 characters"),
    (("users", "add", "sara smith", "--password-stdin"), PASSWORD + "\n", "cannot be a username"),
    (("users", "set-role", "nobody", "admin"), None, "no user named 'nobody'"),
    (("users", "set-password", "nobody", "--password-stdin"), PASSWORD + "\n", "no user named 'nobody'"),
    (("tokens", "add", "nobody", "--name", "x"), None, "no user named 'nobody'"),
    (("tokens", "revoke", "42"), None, "no API token with id 42"),
])
def test_account_mistakes_are_one_line(tmp_path, args, given, message):
    result = run(tmp_path, *args, input=given)
    assert result.exit_code == 1 and message in result.output and "Traceback" not in result.output


def test_a_password_asked_twice_must_match(tmp_path):
    result = run(tmp_path, "users", "add", "sara", input=f"{PASSWORD}\nsomething else\n{PASSWORD}\n{PASSWORD}\n")
    assert result.exit_code == 0 and "do not match" in result.output.lower()


def test_tokens_are_printed_once_then_listed_without_themselves(tmp_path):
    run(tmp_path, "users", "add", "amina", "--password-stdin", input=PASSWORD + "\n")
    made = run(tmp_path, "tokens", "add", "amina", "--name", "reporting sheet")
    assert made.exit_code == 0
    secret = made.output.strip().splitlines()[-1]
    assert secret.startswith("am_") and Accounts(tmp_path / "accounts.db").user_for_token(secret).username == "amina"
    listed = run(tmp_path, "tokens", "list", "amina")
    assert "reporting sheet" in listed.output and secret not in listed.output
    token_id = json.loads(run(tmp_path, "tokens", "list", "--json").output)[0]["id"]
    assert run(tmp_path, "tokens", "revoke", str(token_id)).exit_code == 0
    assert Accounts(tmp_path / "accounts.db").user_for_token(secret) is None


def test_serve_refuses_an_address_others_can_reach(tmp_path, monkeypatch):
    import uvicorn

    started = []
    monkeypatch.setattr(uvicorn, "run", lambda app, **options: started.append(options))
    refused = run(tmp_path, "serve", "--host", "0.0.0.0")
    assert refused.exit_code == 1 and "--allow-remote" in refused.output and "HTTPS" in refused.output
    assert started == []
    served = run(tmp_path, "serve", "--port", "0")
    assert served.exit_code == 0 and "advocacy users add NAME --role admin" in served.output
    assert started == [{"host": "127.0.0.1", "port": 0, "proxy_headers": True, "forwarded_allow_ips": "127.0.0.1",
                        "log_level": "info"}]
    assert run(tmp_path, "serve", "--host", "0.0.0.0", "--allow-remote", "--port", "0").exit_code == 0
    assert started[-1]["host"] == "0.0.0.0"


def test_serve_with_several_processes_hands_them_its_settings(tmp_path, monkeypatch):
    import uvicorn

    from advocacy.web import server

    started = []
    monkeypatch.setattr(uvicorn, "run", lambda app, **options: started.append((app, options)))
    monkeypatch.delenv(server.SETTINGS_VARIABLE, raising=False)
    monkeypatch.setenv("ADVOCACY_WEB_LANGUAGE", "fr")
    served = run(tmp_path, "serve", "--port", "0", "--workers", "3")
    assert served.exit_code == 0 and "3 worker processes" in served.output
    (target, options), = started
    assert target == "advocacy.web.server:app_from_environment"
    assert options["factory"] is True and options["workers"] == 3 and options["host"] == "127.0.0.1"
    # What each worker process builds: the same settings, the same data directory.
    app = server.app_from_environment()
    assert app.state.settings.data_dir == tmp_path.resolve()
    assert app.state.settings.get("web", "language") == "fr"
    for wrong in ("0", "many"):
        refused = run(tmp_path, "serve", "--workers", wrong)
        assert refused.exit_code == 2 and "--workers" in refused.output


@pytest.mark.parametrize("host, loopback", [("127.0.0.1", True), ("::1", True), ("[::1]", True),
                                            ("localhost", True), ("0.0.0.0", False), ("::", False),
                                            ("192.168.1.20", False), ("no-such-host.invalid", False)])
def test_which_addresses_only_this_machine_reaches(host, loopback):
    assert is_loopback(host) is loopback


def test_a_disabled_user_is_out_at_once_and_back_when_enabled(tmp_path):
    accounts = Accounts(tmp_path / "accounts.db", scrypt_n=2 ** 10)
    accounts.add_user("amina", PASSWORD, role="admin")
    accounts.add_user("omar", PASSWORD, role="analyst")
    secret, _ = accounts.add_token("omar", "sheet")
    session, _ = accounts.start_session("omar")
    disabled = run(tmp_path, "users", "disable", "omar")
    assert disabled.exit_code == 0 and "omar is disabled" in disabled.output
    assert accounts.user_for_token(secret) is None and accounts.session(session) is None
    assert json.loads(run(tmp_path, "users", "list", "--json").output)[1]["disabled"] is True
    last = run(tmp_path, "users", "disable", "amina")
    assert last.exit_code == 1 and "last administrator" in last.output and len(last.output.splitlines()) == 1
    assert run(tmp_path, "users", "disable", "nobody").output.strip().endswith("no user named 'nobody'")
    assert run(tmp_path, "users", "enable", "omar").exit_code == 0
    assert accounts.user_for_token(secret).username == "omar"
