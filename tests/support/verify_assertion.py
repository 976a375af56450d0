#!/usr/bin/python3
"""Verifies a latchkey identity assertion the way an upstream would, with PyJWT.

    verify_assertion.py --token JWS --alg EdDSA|ES256|HS256 --audience AUD --issuer ISS
                        (--jwks-url URL | --secret-file FILE)

With --jwks-url the key is the one in the JWK Set whose kid the token names; with
--secret-file (HS256) it is the file's contents without trailing whitespace, as latchkey
reads it. Checks the signature, alg, typ, iss, aud, exp and that sub, iat, jti are present.
On success prints {"header": {...}, "claims": {...}} as JSON and exits 0; otherwise prints
why to stderr and exits 1. Test-only: needs Debian's python3-jwt and python3-cryptography.
"""

import argparse
import json
import sys

import jwt


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--token", required=True)
    parser.add_argument("--alg", required=True, choices=["EdDSA", "ES256", "HS256"])
    parser.add_argument("--audience", required=True)
    parser.add_argument("--issuer", required=True)
    source = parser.add_mutually_exclusive_group(required=True)
    source.add_argument("--jwks-url")
    source.add_argument("--secret-file")
    args = parser.parse_args()

    try:
        header = jwt.get_unverified_header(args.token)
        if header.get("typ") != "JWT":
            raise jwt.InvalidTokenError(f"typ is {header.get('typ')!r}, not 'JWT'")
        if args.jwks_url:
            key = jwt.PyJWKClient(args.jwks_url, cache_keys=False).get_signing_key_from_jwt(
                args.token).key
        else:
            with open(args.secret_file, "rb") as f:
                key = f.read().rstrip(b" \t\r\n")
        claims = jwt.decode(
            args.token,
            key,
            algorithms=[args.alg],
            audience=args.audience,
            issuer=args.issuer,
            options={"require": ["exp", "iat", "iss", "aud", "sub", "jti"]},
        )
    except (jwt.PyJWTError, OSError) as error:
        print(f"verify_assertion: {type(error).__name__}: {error}", file=sys.stderr)
        return 1
    print(json.dumps({"header": header, "claims": claims}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
