"""Agent API key format and hashing, shared by the key services and the authentication."""

import hashlib

KEY_PREFIX = "mk_"
# "mk_" + 12 hex characters: the part of the secret stored in clear (AgentApiKey.prefix).
PREFIX_LENGTH = len(KEY_PREFIX) + 12


def key_hash(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def key_prefix(secret: str) -> str | None:
    """The stored prefix of a well-formed secret, or None for anything else."""
    if not secret.startswith(KEY_PREFIX) or len(secret) <= PREFIX_LENGTH + 1:
        return None
    if secret[PREFIX_LENGTH] != "_":
        return None
    return secret[:PREFIX_LENGTH]
