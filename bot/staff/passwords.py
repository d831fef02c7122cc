"""Staff passwords: argon2id hashes (argon2-cffi) and the policy a new password must meet."""
from __future__ import annotations

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

MIN_PASSWORD_LENGTH = 12
MAX_PASSWORD_LENGTH = 1024

# Long enough to pass the length rule, yet the first thing anyone tries.
COMMON_PASSWORDS = frozenset(
    {
        "123456789012", "1234567890123", "12345678901234", "123456123456", "111111111111",
        "000000000000", "aaaaaaaaaaaa", "abcdefghijkl", "abcdefghijklmnop", "qwertyuiopas",
        "qwertyuiop123", "qwertyqwerty", "1q2w3e4r5t6y", "1qaz2wsx3edc", "asdfghjkl123",
        "password1234", "password12345", "password123!", "passwordpassword", "passw0rd1234",
        "iloveyou1234", "letmein12345", "welcome12345", "changeme1234", "administrator",
        "admin1234567", "adminadmin12", "superman1234", "trustno11234", "monkey123456",
        "football1234", "baseball1234", "sunshine1234", "princess1234", "starwars1234",
        "dragon123456", "master123456", "facebook1234", "messenger123", "bankbank1234",
        "support12345", "supportstaff", "motdepasse12", "azertyuiop12", "azertyazerty",
    }
)


class WeakPassword(ValueError):
    """The password does not meet the policy; the message says why (never the password)."""


def check_password_policy(password: str, username: str = "") -> None:
    """Raises WeakPassword unless `password` is acceptable for a staff account."""
    if len(password) < MIN_PASSWORD_LENGTH:
        raise WeakPassword(f"the password must have at least {MIN_PASSWORD_LENGTH} characters")
    if len(password) > MAX_PASSWORD_LENGTH:
        raise WeakPassword(f"the password must have at most {MAX_PASSWORD_LENGTH} characters")
    lowered = password.lower()
    if lowered in COMMON_PASSWORDS or len(set(lowered)) <= 2:
        raise WeakPassword("this password is too common; choose another")
    if username and username.lower() in lowered:
        raise WeakPassword("the password must not contain the username")


class PasswordHashing:
    """argon2id with argon2-cffi's recommended parameters (RFC 9106 low-memory profile)."""

    def __init__(self, hasher: PasswordHasher | None = None) -> None:
        self._hasher = hasher or PasswordHasher()
        self._dummy_hash = self._hasher.hash("dummy password for unknown usernames")

    def hash(self, password: str) -> str:
        return self._hasher.hash(password)

    def verify(self, password_hash: str, password: str) -> bool:
        """True when `password` matches; False on a mismatch or a hash that cannot be read."""
        try:
            return self._hasher.verify(password_hash, password)
        except (VerifyMismatchError, VerificationError, InvalidHashError):
            return False

    def needs_rehash(self, password_hash: str) -> bool:
        return self._hasher.check_needs_rehash(password_hash)

    def waste_time(self, password: str) -> None:
        """Verifies against a dummy hash, so that an unknown username costs as much as a known one."""
        self.verify(self._dummy_hash, password)
