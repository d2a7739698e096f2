"""Accounts: hashes instead of passwords, roles, the last admin, rate limits, sessions and API tokens."""
import os
import sqlite3
import subprocess
import sys
import textwrap

import pytest

from advocacy.web.accounts import Accounts, LoginPolicy
from advocacy.web.errors import AccountError, AccountExists, AccountNotFound, SignInError, TooManyAttempts

PASSWORD = "a long enough passphrase"


class Clock:
    def __init__(self, now: float = 1_700_000_000.0):
        self.now = now

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock():
    return Clock()


@pytest.fixture
def accounts(tmp_path, clock):
    return Accounts(tmp_path / "accounts.db", scrypt_n=2 ** 10, clock=clock, session_seconds=3600,
                    policy=LoginPolicy(failures_per_user=5, failures_per_address=8, window=900))


def stored_bytes(path) -> bytes:
    """Everything SQLite has on disk for the database, write-ahead log included."""
    return b"".join(p.read_bytes() for p in path.parent.glob(path.name + "*"))


def test_passwords_are_stored_as_salted_scrypt_hashes_with_their_parameters(accounts):
    accounts.add_user("amina", PASSWORD, role="admin")
    accounts.add_user("omar", PASSWORD)
    assert PASSWORD.encode() not in stored_bytes(accounts.path)
    with sqlite3.connect(accounts.path) as db:
        hashes = dict(db.execute("SELECT username, password FROM users"))
    assert hashes["amina"].startswith("scrypt$1024$8$1$") and hashes["omar"].startswith("scrypt$1024$8$1$")
    assert hashes["amina"] != hashes["omar"]          # a salt of their own: equal passwords look different
    assert accounts.authenticate("Amina ", PASSWORD).username == "amina"


def test_a_wrong_password_and_an_unknown_user_get_the_same_refusal(accounts):
    accounts.add_user("amina", PASSWORD)
    with pytest.raises(SignInError) as wrong:
        accounts.authenticate("amina", PASSWORD + "!")
    with pytest.raises(SignInError) as unknown:
        accounts.authenticate("nobody", PASSWORD)
    assert str(wrong.value) == str(unknown.value) == "wrong username or password"


def test_a_stronger_hash_replaces_a_weaker_one_at_sign_in(accounts):
    accounts.add_user("amina", PASSWORD)
    accounts.scrypt_n = 2 ** 11
    accounts.authenticate("amina", PASSWORD)
    with sqlite3.connect(accounts.path) as db:
        assert db.execute("SELECT password FROM users").fetchone()[0].startswith("scrypt$2048$")
    assert accounts.authenticate("amina", PASSWORD).username == "amina"


@pytest.mark.parametrize("change, message", [
    (lambda a: a.add_user("omar", "short"), "at least 10 characters"),
    (lambda a: a.add_user("omar", PASSWORD, role="editor"), "unknown role 'editor'"),
    (lambda a: a.add_user("omar smith", PASSWORD), "cannot be a username"),
    (lambda a: a.add_user("omar", "omar"), "at least 10"),
    (lambda a: a.add_user("longusername", "LongUserName"), "must not be blank or the username"),
    (lambda a: a.set_role("amina", "owner"), "unknown role"),
])
def test_bad_account_input_is_refused_with_a_reason(accounts, change, message):
    accounts.add_user("amina", PASSWORD, role="admin")
    with pytest.raises(AccountError, match=message):
        change(accounts)


def test_a_username_is_taken_once_whatever_its_case(accounts):
    accounts.add_user("amina", PASSWORD)
    with pytest.raises(AccountExists, match="exists already"):
        accounts.add_user("AMINA", PASSWORD)


def test_the_last_admin_stays(accounts):
    accounts.add_user("amina", PASSWORD, role="admin")
    accounts.add_user("omar", PASSWORD, role="analyst")
    for change in (lambda: accounts.remove_user("amina"), lambda: accounts.set_role("amina", "viewer"),
                   lambda: accounts.update_user("amina", disabled=True)):
        with pytest.raises(AccountError, match="last administrator"):
            change()
    accounts.set_role("omar", "admin")
    accounts.remove_user("amina")
    assert [(u.username, u.role) for u in accounts.users()] == [("omar", "admin")]
    with pytest.raises(AccountNotFound):
        accounts.remove_user("amina")


def test_failures_per_username_make_sign_ins_wait(accounts, clock):
    accounts.add_user("amina", PASSWORD)
    for _ in range(5):
        with pytest.raises(SignInError):
            accounts.authenticate("amina", "wrong password", address="10.0.0.1")
    with pytest.raises(TooManyAttempts, match="for this account; try again in 15 minutes") as refused:
        accounts.authenticate("amina", PASSWORD, address="10.0.0.2")      # right password, other address
    assert refused.value.retry_after == 900
    clock.now += 600
    with pytest.raises(TooManyAttempts, match="try again in 5 minutes"):
        accounts.authenticate("amina", PASSWORD)
    clock.now += 301
    assert accounts.authenticate("amina", PASSWORD).username == "amina"


def test_a_success_clears_the_failures_of_that_username(accounts):
    accounts.add_user("amina", PASSWORD)
    for _ in range(4):
        with pytest.raises(SignInError):
            accounts.authenticate("amina", "wrong password")
    accounts.authenticate("amina", PASSWORD)
    for _ in range(4):
        with pytest.raises(SignInError) as refused:
            accounts.authenticate("amina", "wrong password")
        assert not isinstance(refused.value, TooManyAttempts)


def test_failures_per_address_cover_guessing_across_usernames(accounts):
    accounts.add_user("amina", PASSWORD)
    for number in range(8):
        with pytest.raises(SignInError):
            accounts.authenticate(f"user{number}", "wrong password", address="203.0.113.9")
    with pytest.raises(TooManyAttempts, match="from this address"):
        accounts.authenticate("amina", PASSWORD, address="203.0.113.9")
    assert accounts.authenticate("amina", PASSWORD, address="203.0.113.10").username == "amina"


def test_sessions_expire_and_only_their_digest_is_stored(accounts, clock):
    accounts.add_user("amina", PASSWORD)
    secret, session = accounts.start_session("amina")
    assert secret.encode() not in stored_bytes(accounts.path)
    assert accounts.session(secret).user.username == "amina" and session.csrf_token
    assert accounts.session(secret + "x") is None and accounts.session("") is None
    clock.now += 3599
    assert accounts.session(secret) is not None
    clock.now += 1
    assert accounts.session(secret) is None
    with sqlite3.connect(accounts.path) as db:
        assert db.execute("SELECT COUNT(*) FROM sessions").fetchone()[0] == 0


def test_disabling_a_user_or_changing_their_password_ends_their_sessions(accounts):
    accounts.add_user("amina", PASSWORD, role="admin")
    accounts.add_user("omar", PASSWORD)
    first, _ = accounts.start_session("omar")
    accounts.set_password("omar", "another long passphrase")
    assert accounts.session(first) is None
    second, _ = accounts.start_session("omar")
    accounts.update_user("omar", disabled=True)
    assert accounts.session(second) is None
    with pytest.raises(SignInError, match="disabled"):
        accounts.authenticate("omar", "another long passphrase")


def test_api_tokens_are_shown_once_and_can_be_revoked(accounts, clock):
    accounts.add_user("amina", PASSWORD)
    accounts.add_user("omar", PASSWORD)
    secret, token = accounts.add_token("amina", "reporting sheet")
    assert secret.startswith("am_") and secret.startswith(token.prefix) and len(secret) > 40
    assert secret.encode() not in stored_bytes(accounts.path)
    assert accounts.user_for_token(secret).username == "amina"
    assert accounts.tokens("amina")[0].last_used is not None
    with pytest.raises(AccountExists):
        accounts.add_token("amina", "reporting  sheet")
    with pytest.raises(AccountNotFound):
        accounts.revoke_token(token.id, username="omar")     # not theirs
    accounts.revoke_token(token.id, username="amina")
    assert accounts.user_for_token(secret) is None and accounts.tokens("amina") == []
    assert accounts.user_for_token("am_" + "x" * 43) is None and accounts.user_for_token("Bearer") is None


def test_a_disabled_users_tokens_stop_working(accounts):
    accounts.add_user("amina", PASSWORD, role="admin")
    accounts.add_user("omar", PASSWORD)
    secret, _ = accounts.add_token("omar", "script")
    accounts.update_user("omar", disabled=True)
    assert accounts.user_for_token(secret) is None
    accounts.update_user("omar", disabled=False)
    assert accounts.user_for_token(secret).username == "omar"


def test_a_change_killed_midway_leaves_nothing_behind(tmp_path):
    path = tmp_path / "accounts.db"
    Accounts(path, scrypt_n=2 ** 10).add_user("amina", PASSWORD, role="admin")
    script = textwrap.dedent(f"""
        import os, signal
        from advocacy.web.accounts import Accounts
        accounts = Accounts({str(path)!r}, scrypt_n=2 ** 10)
        with accounts._db(write=True) as db:
            db.execute("DELETE FROM users WHERE username='amina'")
            db.execute("INSERT INTO users VALUES ('omar', 'Omar', 'x', 'admin', '2024', 0)")
            os.kill(os.getpid(), signal.SIGKILL)
    """)
    finished = subprocess.run([sys.executable, "-c", script], env={**os.environ})
    assert finished.returncode == -9
    accounts = Accounts(path, scrypt_n=2 ** 10)
    assert [u.username for u in accounts.users()] == ["amina"]
    assert accounts.authenticate("amina", PASSWORD).role == "admin"
