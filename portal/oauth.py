"""The OAuth 2.0 provider's settings for the FHIR referral exchange (docs/fhir-referrals.md)."""

from __future__ import annotations

from typing import Any


def oauth2_provider(*, token_seconds: int) -> dict[str, Any]:
    """``OAUTH2_PROVIDER``: client credentials only, tokens that last ``token_seconds``."""
    return {
        "ACCESS_TOKEN_EXPIRE_SECONDS": token_seconds,
        "SCOPES": {
            "system/*.read": "Read the referrals this client may see",
            "system/*.write": "Submit and update referrals",
        },
        "DEFAULT_SCOPES": ["system/*.read", "system/*.write"],
        # Only client credentials are used; hold every other flow to the OAuth 2.0 Security BCP
        # (RFC 9700) too, and keep tokens hashed at rest.
        "COMPLIANT_BCP_RFC9700_IMPLICIT_GRANT": True,
        "COMPLIANT_BCP_RFC9700_PASSWORD_GRANT": True,
        "COMPLIANT_BCP_RFC9700_PKCE_METHOD": True,
        "COMPLIANT_BCP_RFC9700_ACCESS_TOKEN_TRANSPORT": True,
        "COMPLIANT_BCP_RFC9700_AUTHZ_RESPONSE_ISS": True,
        "COMPLIANT_BCP_RFC9700_TOKEN_STORAGE": True,
        "COMPLIANT_BCP_RFC9700_REFRESH_TOKEN": True,
        "COMPLIANT_BCP_RFC9700_REDIRECT_URI_SCHEME": True,
        "REFRESH_TOKEN_REUSE_PROTECTION": True,
        "ALLOWED_REDIRECT_URI_SCHEMES": ["https"],
    }
