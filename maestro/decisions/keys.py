"""Agent API key format and hashing, shared by the key services and the authentication."""

import hashlib

KEY_PREFIX = "mk_"
# A test key says so in its secret (like a payment provider's test keys), so it is recognised
# in an agent's configuration before it is ever used: "mk_test_<12 hex>_…".
TEST_KEY_PREFIX = "mk_test_"
HEX_LENGTH = 12
# "mk_" + 12 hex characters: the part of the secret stored in clear (AgentApiKey.prefix).
PREFIX_LENGTH = len(KEY_PREFIX) + HEX_LENGTH
TEST_PREFIX_LENGTH = len(TEST_KEY_PREFIX) + HEX_LENGTH


def key_hash(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def key_prefix(secret: str) -> str | None:
    """The stored prefix of a well-formed secret, or None for anything else."""
    length = TEST_PREFIX_LENGTH if secret.startswith(TEST_KEY_PREFIX) else PREFIX_LENGTH
    if not secret.startswith(KEY_PREFIX) or len(secret) <= length + 1:
        return None
    if secret[length] != "_":
        return None
    return secret[:length]
