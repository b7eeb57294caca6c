"""Passwords: argon2id hashes (argon2-cffi's defaults), checked in constant work.

An unknown e-mail, a user without a password and a wrong password all cost one argon2
verification, so the time of an answer does not say which accounts exist."""

from __future__ import annotations

from functools import lru_cache

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

from bascule.errors import ValidationFailed

MIN_LENGTH = 10
MAX_LENGTH = 1024  # argon2 takes any length; a megabyte "password" is only a way to burn CPU

_hasher = PasswordHasher()


@lru_cache(maxsize=1)
def _decoy_hash() -> str:
    return _hasher.hash("no user has this password: it only spends the verification time")


def check_strength(password: str) -> None:
    if len(password) < MIN_LENGTH:
        raise ValidationFailed(
            f"the password must have at least {MIN_LENGTH} characters",
            fields={"password": f"at least {MIN_LENGTH} characters"},
        )
    if len(password) > MAX_LENGTH:
        raise ValidationFailed(
            f"the password must have at most {MAX_LENGTH} characters",
            fields={"password": f"at most {MAX_LENGTH} characters"},
        )


def hash_password(password: str) -> str:
    check_strength(password)
    return _hasher.hash(password)


def rehash(password: str) -> str:
    """A fresh hash of a password that just matched (no strength rule: it is already theirs)."""
    return _hasher.hash(password)


def verify(stored_hash: str | None, password: str) -> bool:
    """True when ``password`` matches; a missing hash is verified against a decoy (False)."""
    if len(password) > MAX_LENGTH:
        return False
    try:
        return _hasher.verify(stored_hash or _decoy_hash(), password) and stored_hash is not None
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def needs_rehash(stored_hash: str) -> bool:
    """True when the hash was made with weaker parameters than today's."""
    return _hasher.check_needs_rehash(stored_hash)
