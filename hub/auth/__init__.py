"""Authentication: EdDSA bearer JWTs, their keys, and the principal they name."""

from hub.auth.tokens import Principal, TokenVerifier, issue_token

__all__ = ["Principal", "TokenVerifier", "issue_token"]
