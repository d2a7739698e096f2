"""Password hashes and random secrets.

A password hash is stored as ``scrypt$N$r$p$salt$hash`` (salt and hash in base64): the cost parameters
travel with each hash, so they can be raised for new hashes while old ones still verify, and an old hash
is replaced by a stronger one the next time its owner signs in (:func:`needs_rehash`).

Session cookies and API tokens are random secrets of 256 bits. Only their SHA-256 digest is stored: with
that much entropy a fast digest is enough, and a stolen accounts database gives nobody a usable secret.
They are looked up by digest rather than compared: what the lookup's timing could reveal is part of a
digest, which says nothing about the secret.
"""
from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
import unicodedata

# 2**15 x 8 x 128 bytes = 32 MiB and about 0.1 s per hash on one core: expensive for a guesser, bearable
# for a sign-in.
SCRYPT_N = 2 ** 15
SCRYPT_R = 8
SCRYPT_P = 1
_SALT_BYTES = 16
_KEY_BYTES = 32
_SECRET_BYTES = 32


def _scrypt(password: str, salt: bytes, *, n: int, r: int, p: int, length: int) -> bytes:
    # NFC, so that "é" typed as one code point or as "e" + accent is the same password on every keyboard.
    data = unicodedata.normalize("NFC", password).encode("utf-8")
    return hashlib.scrypt(data, salt=salt, n=n, r=r, p=p, dklen=length, maxmem=256 * n * r + (1 << 20))


def hash_password(password: str, *, n: int = SCRYPT_N, r: int = SCRYPT_R, p: int = SCRYPT_P) -> str:
    salt = secrets.token_bytes(_SALT_BYTES)
    key = _scrypt(password, salt, n=n, r=r, p=p, length=_KEY_BYTES)
    return "$".join(["scrypt", str(n), str(r), str(p), base64.b64encode(salt).decode(), base64.b64encode(key).decode()])


def _parse(stored: str) -> tuple[int, int, int, bytes, bytes] | None:
    try:
        scheme, n, r, p, salt, key = stored.split("$")
        if scheme != "scrypt":
            return None
        return int(n), int(r), int(p), base64.b64decode(salt), base64.b64decode(key)
    except ValueError:
        return None


def verify_password(password: str, stored: str) -> bool:
    parsed = _parse(stored)
    if parsed is None:
        return False
    n, r, p, salt, key = parsed
    return hmac.compare_digest(_scrypt(password, salt, n=n, r=r, p=p, length=len(key)), key)


def needs_rehash(stored: str, *, n: int = SCRYPT_N, r: int = SCRYPT_R, p: int = SCRYPT_P) -> bool:
    parsed = _parse(stored)
    return parsed is None or parsed[0] < n or parsed[1] < r or parsed[2] < p


# Checked against when the username is unknown, so that a wrong username takes as long as a wrong password.
_DECOY: dict[tuple[int, int, int], str] = {}


def decoy_hash(*, n: int = SCRYPT_N, r: int = SCRYPT_R, p: int = SCRYPT_P) -> str:
    key = (n, r, p)
    if key not in _DECOY:
        _DECOY[key] = hash_password(secrets.token_urlsafe(16), n=n, r=r, p=p)
    return _DECOY[key]


def new_secret(prefix: str = "") -> str:
    return prefix + secrets.token_urlsafe(_SECRET_BYTES)


def secret_digest(secret: str) -> str:
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


def same_secret(given: str, expected: str) -> bool:
    """Constant-time comparison of two secrets given as text."""
    return hmac.compare_digest(given.encode("utf-8"), expected.encode("utf-8"))
