"""A separate service verifying Troupe's access tokens with nothing but the published
JWKS, using an independent library (PyJWT and its PyJWKClient).

usage: verify.py JWKS_URL TOKEN   -> prints the token's sub and kid; exit 1 if invalid
"""
import sys

import jwt
from jwt import PyJWKClient


def main() -> int:
    url, token = sys.argv[1], sys.argv[2]
    try:
        signing_key = PyJWKClient(url, cache_keys=False).get_signing_key_from_jwt(token)
        claims = jwt.decode(
            token,
            signing_key.key,
            algorithms=["EdDSA"],
            audience="troupe-api",
            issuer="troupe",
            options={"require": ["exp", "iat", "sub", "sid"]},
        )
    except jwt.PyJWTError as e:
        print(f"invalid: {type(e).__name__}: {e}")
        return 1
    print(claims["sub"], signing_key.key_id)
    return 0


if __name__ == "__main__":
    sys.exit(main())
