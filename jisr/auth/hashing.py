"""Password and code hashes: Argon2id with OWASP's parameters (19 MiB, 2 passes, 1 lane).

Why not Werkzeug's default (scrypt N=2^15): it costs ~140 ms of CPU per hash here, the largest single cost of an
applicant's registration (bench/journey_profile.py), and is still below OWASP's scrypt minimum (N=2^17), which
would cost four times more. Argon2id at OWASP's recommended setting is memory-hard at least as strong and costs
~27 ms, so an opening-day surge is not spent hashing. Hashes made earlier (scrypt, pbkdf2) are still checked, and
a password is hashed again with Argon2id at her next sign-in."""

from __future__ import annotations

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from werkzeug.security import check_password_hash

_HASHER = PasswordHasher(time_cost=2, memory_cost=19 * 1024, parallelism=1)


def hash_secret(secret: str) -> str:
    return _HASHER.hash(secret)


def verify_secret(stored: str | None, secret: str) -> bool:
    if not stored:
        return False
    if not stored.startswith("$argon2"):
        return check_password_hash(stored, secret)  # a Werkzeug hash from before
    try:
        return _HASHER.verify(stored, secret)
    except (VerificationError, InvalidHashError):
        return False


def needs_rehash(stored: str) -> bool:
    """A hash of another kind, or of weaker parameters than today's."""
    return not stored.startswith("$argon2") or _HASHER.check_needs_rehash(stored)
