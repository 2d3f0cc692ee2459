"""What the account and token endpoints answer when they refuse."""

from enum import StrEnum


class AccountErrorCode(StrEnum):
    INVALID_CREDENTIALS = "invalid_credentials"
    NO_ACTIVE_ACCOUNT = "no_active_account"
    # simplejwt's own code for a bearer or refresh token that is malformed, expired or revoked
    TOKEN_NOT_VALID = "token_not_valid"  # noqa: S105 - an error code, not a secret
