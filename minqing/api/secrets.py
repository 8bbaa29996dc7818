"""Credentials' secrets: how a key or token is made and how it is stored (only its hash is)."""

import hashlib
import secrets


def hash_secret(raw: str) -> str:
    return hashlib.sha256(raw.encode("utf-8")).hexdigest()


def new_secret(kind: str) -> str:
    return f"{kind}_{secrets.token_urlsafe(30)}"
