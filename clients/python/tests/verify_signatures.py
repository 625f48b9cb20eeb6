"""Independent checks of keycellar's asymmetric signatures, with Python's `cryptography`.

    verify_signatures.py jwt PEM_FILE KEY_NAME METHOD HOST PATH < JWT
    verify_signatures.py ed25519 PEM_FILE PAYLOAD < BASE64_SIGNATURE

Exits 0 and prints "ok" when the signature verifies with the public key derived from the
private key file (and, for a JWT, the header and claims are what CDP asks for).
"""

import base64
import json
import sys

from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature


def b64url(text):
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def check_jwt(pem_file, key_name, method, host, path):
    token = sys.stdin.read().strip()
    header_b64, claims_b64, signature_b64 = token.split(".")
    header, claims = json.loads(b64url(header_b64)), json.loads(b64url(claims_b64))
    assert header["alg"] == "ES256" and header["typ"] == "JWT", header
    assert header["kid"] == key_name and len(header["nonce"]) == 32, header
    assert claims["iss"] == "cdp" and claims["sub"] == key_name, claims
    assert claims["uri"] == f"{method} {host}{path}", claims
    assert 0 < claims["exp"] - claims["nbf"] <= 120, claims
    raw = b64url(signature_b64)
    assert len(raw) == 64
    signature = encode_dss_signature(int.from_bytes(raw[:32], "big"),
                                     int.from_bytes(raw[32:], "big"))
    private = serialization.load_pem_private_key(open(pem_file, "rb").read(), None)
    private.public_key().verify(signature, f"{header_b64}.{claims_b64}".encode(),
                                ec.ECDSA(hashes.SHA256()))


def check_ed25519(pem_file, payload):
    signature = base64.b64decode(sys.stdin.read().strip())
    private = serialization.load_pem_private_key(open(pem_file, "rb").read(), None)
    private.public_key().verify(signature, payload.encode())


if __name__ == "__main__":
    {"jwt": check_jwt, "ed25519": check_ed25519}[sys.argv[1]](*sys.argv[2:])
    print("ok")
