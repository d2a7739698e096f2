"""Who may use the web application: users and their roles, sign-in sessions, API tokens, and the failed
sign-ins that slow down password guessing. Everything lives in ``DATA_DIR/accounts.db``.

Nothing that would let someone in is stored in clear: passwords are scrypt hashes with a salt of their own,
session and API tokens are SHA-256 digests (see :mod:`advocacy.web.passwords`). A token is shown once, when
it is made. Every change is one SQLite transaction (WAL, synchronous=FULL), so a process killed at any
moment, even with kill -9, leaves either the whole change or nothing of it.

Roles are ordered: a ``viewer`` searches and reads; an ``analyst`` also corrects themes, saves searches
and writes briefs; an ``admin`` also manages users. There is always at least one enabled admin: removing,
demoting or disabling the last one is refused.
"""
from __future__ import annotations

import math
import re
import sqlite3
import threading
import time
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

from advocacy.web.errors import AccountError, AccountExists, AccountNotFound, SignInError, TooManyAttempts, WebError
from advocacy.web.passwords import (SCRYPT_N, decoy_hash, hash_password, needs_rehash, new_secret, secret_digest,
                                    verify_password)

ROLES = ("viewer", "analyst", "admin")
MIN_PASSWORD_LENGTH = 10
MAX_PASSWORD_LENGTH = 1024
USERNAME = re.compile(r"[a-z0-9][a-z0-9._@-]{0,63}")
TOKEN_PREFIX = "am_"          # lets people (and secret scanners) recognise an Advocacy Monitor token
SCHEMA_VERSION = 1
_TOUCH_EVERY = 60             # seconds between two writes of a session's or token's "last used" time

_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS users (
    username TEXT PRIMARY KEY,
    display_name TEXT NOT NULL,
    password TEXT NOT NULL,
    role TEXT NOT NULL CHECK (role IN ('viewer', 'analyst', 'admin')),
    created_at TEXT NOT NULL,
    disabled INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE IF NOT EXISTS sessions (
    token_hash TEXT PRIMARY KEY,
    username TEXT NOT NULL REFERENCES users(username) ON DELETE CASCADE,
    csrf_token TEXT NOT NULL,
    created_at TEXT NOT NULL,
    expires_at TEXT NOT NULL,
    last_seen TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS sessions_user ON sessions(username);
CREATE TABLE IF NOT EXISTS api_tokens (
    id INTEGER PRIMARY KEY,
    username TEXT NOT NULL REFERENCES users(username) ON DELETE CASCADE,
    name TEXT NOT NULL,
    token_hash TEXT NOT NULL UNIQUE,
    prefix TEXT NOT NULL,
    created_at TEXT NOT NULL,
    last_used TEXT,
    UNIQUE (username, name)
);
CREATE TABLE IF NOT EXISTS login_failures (username TEXT NOT NULL, address TEXT NOT NULL, at TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS login_failures_user ON login_failures(username, at);
CREATE INDEX IF NOT EXISTS login_failures_address ON login_failures(address, at);
"""


@dataclass(frozen=True)
class User:
    username: str
    display_name: str
    role: str
    created_at: str
    disabled: bool = False

    def has_role(self, role: str) -> bool:
        """True when this user's role is ``role`` or above it."""
        return ROLES.index(self.role) >= ROLES.index(role)


@dataclass(frozen=True)
class Session:
    user: User
    csrf_token: str           # to be sent back with every change made through this session
    expires_at: str


@dataclass(frozen=True)
class ApiToken:
    id: int
    username: str
    name: str
    prefix: str               # the token's first characters, to tell tokens apart in a list
    created_at: str
    last_used: str | None


@dataclass(frozen=True)
class LoginPolicy:
    """How many failed sign-ins are tolerated within ``window`` seconds. The address limit is higher
    because an office shares one public address among its staff."""
    failures_per_user: int = 5
    failures_per_address: int = 20
    window: int = 15 * 60


def _iso(moment: float) -> str:
    return datetime.fromtimestamp(moment, timezone.utc).isoformat(timespec="seconds")


def _epoch(text: str) -> float:
    return datetime.fromisoformat(text).timestamp()


def check_role(role: str) -> str:
    if role not in ROLES:
        raise AccountError(f"unknown role {role!r}; choose one of {', '.join(ROLES)}")
    return role


def check_username(username: str) -> str:
    name = (username or "").strip().lower()
    if not USERNAME.fullmatch(name):
        raise AccountError(f"{username!r} cannot be a username: use up to 64 lower-case letters, digits and . _ @ -, "
                           "starting with a letter or digit (e.g. amina or amina.tazi@ngo.example)")
    return name


def check_password(password: str, username: str = "") -> None:
    if not isinstance(password, str) or len(password) < MIN_PASSWORD_LENGTH:
        raise AccountError(f"the password is too short: use at least {MIN_PASSWORD_LENGTH} characters "
                           "(a few unrelated words make a strong one that is easy to remember)")
    if len(password) > MAX_PASSWORD_LENGTH:
        raise AccountError(f"the password is too long: use at most {MAX_PASSWORD_LENGTH} characters")
    if not password.strip() or (username and password.strip().lower() == username.lower()):
        raise AccountError("the password must not be blank or the username")


class Accounts:
    """The accounts database at ``path`` (created when missing). Safe to share between threads: each call
    borrows a connection of its own. ``clock`` returns the time in seconds; tests move it."""

    # Connections kept open between calls: every API call checks its token here, and opening a connection
    # cost more than the lookup itself.
    KEEP_CONNECTIONS = 8

    def __init__(self, path: str | Path, *, session_seconds: int = 7 * 86400, policy: LoginPolicy = LoginPolicy(),
                 scrypt_n: int = SCRYPT_N, clock=time.time):
        self.path = Path(path)
        self.session_seconds, self.policy, self.scrypt_n, self.clock = session_seconds, policy, scrypt_n, clock
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._idle: list[sqlite3.Connection] = []
        self._idle_lock = threading.Lock()
        try:
            with self._db() as db:
                db.execute("PRAGMA journal_mode=WAL")
                db.executescript(_SCHEMA)
                row = db.execute("SELECT value FROM meta WHERE key='schema_version'").fetchone()
                if row is None:
                    db.execute("INSERT INTO meta VALUES ('schema_version', ?)", (str(SCHEMA_VERSION),))
        except sqlite3.DatabaseError as exc:
            raise WebError(f"{self.path} is not a usable accounts database ({exc}); move it aside and "
                           "create the users again with `advocacy users add`") from None
        if row is not None and int(row[0]) > SCHEMA_VERSION:
            raise WebError(f"{self.path} was written by a newer Advocacy Monitor; upgrade first")

    @classmethod
    def from_settings(cls, settings) -> "Accounts":
        web = settings.table["web"]
        return cls(settings.data_dir / "accounts.db", session_seconds=int(web["session_days"] * 86400),
                   policy=LoginPolicy(web["login_failures_per_user"], web["login_failures_per_address"],
                                      web["login_window_minutes"] * 60))

    def _connection(self) -> sqlite3.Connection:
        with self._idle_lock:
            if self._idle:
                return self._idle.pop()
        db = sqlite3.connect(self.path, timeout=30, isolation_level=None, check_same_thread=False)
        db.execute("PRAGMA foreign_keys=ON")
        db.execute("PRAGMA synchronous=FULL")
        return db

    def _give_back(self, db: sqlite3.Connection, *, reusable: bool) -> None:
        with self._idle_lock:
            if reusable and not db.in_transaction and len(self._idle) < self.KEEP_CONNECTIONS:
                self._idle.append(db)
                return
        db.close()

    @contextmanager
    def _db(self, *, write: bool = False):
        db = self._connection()
        reusable = False
        try:
            if write:
                db.execute("BEGIN IMMEDIATE")
                try:
                    yield db
                except BaseException:
                    db.execute("ROLLBACK")
                    raise
                db.execute("COMMIT")
            else:
                yield db
            reusable = True
        finally:
            self._give_back(db, reusable=reusable)

    def close(self) -> None:
        """Close the connections kept open (more calls open new ones)."""
        with self._idle_lock:
            idle, self._idle = self._idle, []
        for db in idle:
            db.close()

    # -- users -------------------------------------------------------------------------------------------

    _USER_COLUMNS = "u.username, u.display_name, u.role, u.created_at, u.disabled"

    @staticmethod
    def _user(row) -> User:
        return User(row[0], row[1], row[2], row[3], bool(row[4]))

    def add_user(self, username: str, password: str, *, role: str = "viewer", display_name: str = "") -> User:
        name = check_username(username)
        check_role(role)
        check_password(password, name)
        user = User(name, (display_name or "").strip()[:100] or name, role, _iso(self.clock()))
        stored = hash_password(password, n=self.scrypt_n)
        try:
            with self._db(write=True) as db:
                db.execute("INSERT INTO users VALUES (?, ?, ?, ?, ?, 0)",
                           (user.username, user.display_name, stored, user.role, user.created_at))
        except sqlite3.IntegrityError:
            raise AccountExists(f"a user named {name!r} exists already") from None
        return user

    def get_user(self, username: str) -> User | None:
        with self._db() as db:
            row = db.execute(f"SELECT {self._USER_COLUMNS} FROM users u WHERE username=?",
                             ((username or "").strip().lower(),)).fetchone()
        return self._user(row) if row else None

    def users(self) -> list[User]:
        with self._db() as db:
            rows = db.execute(f"SELECT {self._USER_COLUMNS} FROM users u ORDER BY username")
            return [self._user(row) for row in rows]

    def _existing(self, db, username: str) -> User:
        row = db.execute(f"SELECT {self._USER_COLUMNS} FROM users u WHERE username=?",
                         ((username or "").strip().lower(),)).fetchone()
        if row is None:
            raise AccountNotFound(f"no user named {username!r}")
        return self._user(row)

    @staticmethod
    def _keep_an_admin(db, user: User, what: str) -> None:
        if user.role != "admin" or user.disabled:
            return
        others = db.execute("SELECT COUNT(*) FROM users WHERE role='admin' AND disabled=0 AND username<>?",
                            (user.username,)).fetchone()[0]
        if not others:
            raise AccountError(f"cannot {what} {user.username!r}: it is the last administrator; make another "
                               "user an admin first (`advocacy users set-role NAME admin`)")

    def update_user(self, username: str, *, role: str | None = None, display_name: str | None = None,
                    disabled: bool | None = None) -> User:
        """Change a user's role, display name or disabled flag. Disabling ends the user's sessions."""
        if role is not None:
            check_role(role)
        with self._db(write=True) as db:
            user = self._existing(db, username)
            if role is not None and role != "admin":
                self._keep_an_admin(db, user, "demote")
            if disabled:
                self._keep_an_admin(db, user, "disable")
                db.execute("DELETE FROM sessions WHERE username=?", (user.username,))
            shown = user.display_name if display_name is None else display_name.strip()[:100] or user.username
            db.execute("UPDATE users SET role=?, display_name=?, disabled=? WHERE username=?",
                       (role or user.role, shown, int(user.disabled if disabled is None else disabled), user.username))
            return self._existing(db, user.username)

    def set_role(self, username: str, role: str) -> User:
        return self.update_user(username, role=role)

    def set_password(self, username: str, password: str) -> None:
        """Replace a user's password; every session of theirs ends, API tokens stay."""
        name = (username or "").strip().lower()
        check_password(password, name)
        stored = hash_password(password, n=self.scrypt_n)
        with self._db(write=True) as db:
            user = self._existing(db, name)
            db.execute("UPDATE users SET password=? WHERE username=?", (stored, user.username))
            db.execute("DELETE FROM sessions WHERE username=?", (user.username,))

    def remove_user(self, username: str) -> None:
        """Delete a user with their sessions and API tokens."""
        with self._db(write=True) as db:
            user = self._existing(db, username)
            self._keep_an_admin(db, user, "remove")
            db.execute("DELETE FROM users WHERE username=?", (user.username,))

    # -- signing in --------------------------------------------------------------------------------------

    def authenticate(self, username: str, password: str, *, address: str = "") -> User:
        """The user whose password this is. Raises TooManyAttempts while the username or the address has
        too many recent failures (without checking the password at all), else SignInError when wrong."""
        name = (username or "").strip().lower()[:200]
        address = (address or "")[:200]
        now = self.clock()
        with self._db() as db:
            self._refuse_when_limited(db, name, address, now)
            row = db.execute("SELECT password FROM users WHERE username=?", (name,)).fetchone()
        stored = row[0] if row else decoy_hash(n=self.scrypt_n)
        right = isinstance(password, str) and len(password) <= MAX_PASSWORD_LENGTH and verify_password(password, stored)
        if not right or row is None:
            with self._db(write=True) as db:
                db.execute("DELETE FROM login_failures WHERE at<=?", (_iso(now - self.policy.window),))
                db.execute("INSERT INTO login_failures VALUES (?, ?, ?)", (name, address, _iso(now)))
            raise SignInError("wrong username or password")
        # Hashed before the write lock is taken: a hash takes a tenth of a second on purpose.
        stronger = hash_password(password, n=self.scrypt_n) if needs_rehash(stored, n=self.scrypt_n) else None
        with self._db(write=True) as db:
            user = self._existing(db, name)
            if user.disabled:
                raise SignInError("this account is disabled; ask an administrator to enable it")
            db.execute("DELETE FROM login_failures WHERE username=?", (name,))
            if stronger:
                # Only over the hash just checked: a password changed meanwhile stays changed.
                db.execute("UPDATE users SET password=? WHERE username=? AND password=?", (stronger, name, stored))
        return user

    def _refuse_when_limited(self, db, username: str, address: str, now: float) -> None:
        since = _iso(now - self.policy.window)
        for column, value, limit, whom in (("username", username, self.policy.failures_per_user, "for this account"),
                                           ("address", address, self.policy.failures_per_address,
                                            "from this address")):
            if not value:
                continue
            times = [at for (at,) in db.execute(
                f"SELECT at FROM login_failures WHERE {column}=? AND at>? ORDER BY at", (value, since))]
            if len(times) >= limit:
                # Free again once enough of the failures have aged out of the window.
                wait = max(1, math.ceil(_epoch(times[len(times) - limit]) + self.policy.window - now))
                minutes = math.ceil(wait / 60)
                raise TooManyAttempts(f"too many failed sign-ins {whom}; try again in {minutes} "
                                      f"minute{'s' if minutes != 1 else ''}", retry_after=wait)

    # -- sessions ----------------------------------------------------------------------------------------

    def start_session(self, username: str) -> tuple[str, Session]:
        """A new session for a user who just proved who they are: (the secret for the cookie, the session)."""
        secret, csrf = new_secret(), new_secret()
        now = self.clock()
        with self._db(write=True) as db:
            user = self._existing(db, username)
            db.execute("DELETE FROM sessions WHERE expires_at<=?", (_iso(now),))
            expires = _iso(now + self.session_seconds)
            db.execute("INSERT INTO sessions VALUES (?, ?, ?, ?, ?, ?)",
                       (secret_digest(secret), user.username, csrf, _iso(now), expires, _iso(now)))
        return secret, Session(user, csrf, expires)

    def session(self, secret: str | None) -> Session | None:
        """The live session of a cookie's secret, or None (unknown, expired, or its user disabled)."""
        if not secret or len(secret) > 200:
            return None
        digest, now = secret_digest(secret), self.clock()
        with self._db() as db:
            row = db.execute(f"SELECT s.csrf_token, s.expires_at, s.last_seen, {self._USER_COLUMNS} FROM sessions s "
                             "JOIN users u ON u.username = s.username WHERE s.token_hash=?", (digest,)).fetchone()
        if row is None:
            return None
        csrf, expires, last_seen, user = row[0], row[1], row[2], self._user(row[3:])
        if _epoch(expires) <= now:
            self.end_session(secret)
            return None
        if user.disabled:
            return None
        if now - _epoch(last_seen) >= _TOUCH_EVERY:
            with self._db(write=True) as db:
                db.execute("UPDATE sessions SET last_seen=? WHERE token_hash=?", (_iso(now), digest))
        return Session(user, csrf, expires)

    def end_session(self, secret: str | None) -> None:
        if secret:
            with self._db(write=True) as db:
                db.execute("DELETE FROM sessions WHERE token_hash=?", (secret_digest(secret),))

    # -- API tokens --------------------------------------------------------------------------------------

    def add_token(self, username: str, name: str) -> tuple[str, ApiToken]:
        """A new API token for ``username``: (the token, to be shown once and never again; its record)."""
        label = " ".join((name or "").split())
        if not 1 <= len(label) <= 64:
            raise AccountError("name the token in 1 to 64 characters, after what uses it (e.g. \"reporting sheet\")")
        secret = new_secret(TOKEN_PREFIX)
        now = _iso(self.clock())
        try:
            with self._db(write=True) as db:
                user = self._existing(db, username)
                cursor = db.execute("INSERT INTO api_tokens (username, name, token_hash, prefix, created_at) "
                                    "VALUES (?, ?, ?, ?, ?)", (user.username, label, secret_digest(secret),
                                                               secret[:len(TOKEN_PREFIX) + 6], now))
        except sqlite3.IntegrityError:
            raise AccountExists(f"{username!r} already has a token named {label!r}") from None
        return secret, ApiToken(cursor.lastrowid, user.username, label, secret[:len(TOKEN_PREFIX) + 6], now, None)

    def tokens(self, username: str | None = None) -> list[ApiToken]:
        """Every token, or those of ``username``; never the tokens themselves, which are not stored."""
        sql = "SELECT id, username, name, prefix, created_at, last_used FROM api_tokens"
        with self._db() as db:
            rows = (db.execute(sql + " WHERE username=? ORDER BY id", (username.strip().lower(),)) if username
                    else db.execute(sql + " ORDER BY username, id"))
            return [ApiToken(*row) for row in rows]

    def revoke_token(self, token_id: int, *, username: str | None = None) -> ApiToken:
        """Delete token ``token_id``; with ``username``, only if it is theirs (AccountNotFound otherwise)."""
        found = [t for t in self.tokens(username) if t.id == token_id]
        if not found:
            raise AccountNotFound(f"no API token with id {token_id}" + (f" for {username!r}" if username else ""))
        with self._db(write=True) as db:
            db.execute("DELETE FROM api_tokens WHERE id=?", (token_id,))
        return found[0]

    def user_for_token(self, secret: str | None) -> User | None:
        """The enabled user an API token belongs to, or None for an unknown, revoked or malformed token."""
        if not secret or not secret.startswith(TOKEN_PREFIX) or len(secret) > 200:
            return None
        digest, now = secret_digest(secret), self.clock()
        with self._db() as db:
            row = db.execute(f"SELECT t.last_used, {self._USER_COLUMNS} FROM api_tokens t JOIN users u "
                             "ON u.username = t.username WHERE t.token_hash=?", (digest,)).fetchone()
        if row is None or row[5]:
            return None
        if row[0] is None or now - _epoch(row[0]) >= _TOUCH_EVERY:
            with self._db(write=True) as db:
                db.execute("UPDATE api_tokens SET last_used=? WHERE token_hash=?", (_iso(now), digest))
        return self._user(row[1:])
