"""Join codes and teacher tokens."""
from __future__ import annotations

import hashlib
import re
import secrets

# no 0/O, 1/I/L: a code read off a projector is typed without guessing
ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
LENGTH = 6
CODE_PATTERN = re.compile(f"[{ALPHABET}]{{{LENGTH}}}")


def new_code() -> str:
    return "".join(secrets.choice(ALPHABET) for _ in range(LENGTH))


def normalized(code: str) -> str | None:
    """The code as stored (upper case), or None when it cannot be a code at all."""
    code = code.strip().upper()
    return code if CODE_PATTERN.fullmatch(code) else None


def new_token() -> str:
    return secrets.token_urlsafe(24)  # 192 random bits


def token_digest(token: str) -> str:
    """Only the digest is stored: a copy of the database does not hand out the classroom."""
    return hashlib.sha256(token.encode()).hexdigest()
