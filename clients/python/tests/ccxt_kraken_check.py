"""Run by tests/signing.rs against a signing service holding Kraken's documented example key.

Builds a Kraken AddOrder with ccxt's own kraken class signed through keycellar, with ccxt's
fetch intercepted (no network), then checks:
- the API-Sign ccxt would send equals an independent computation (hashlib/hmac) over the
  path, nonce and body ccxt would send;
- the adapter never held the secret: not in the exchange object, not in anything keycellar
  answered, not in the environment.
Prints "ok" and exits 0, or fails with an assertion.
"""

import base64
import hashlib
import hmac
import os
import sys
import urllib.parse

import ccxt

sys.path.insert(0, os.path.join(os.path.dirname(__file__), ".."))
from keycellar_ccxt import signed_by_keycellar  # noqa: E402
from keycellar_sign import Signer  # noqa: E402

SECRET = "kQH5HW/8p1uGOVjbgWA7FunAmGO8lsSUXNsu3eow76sz84Q18fWxnyRzBHCd3pd5nE9qa99HAZtuZuj6F1huXg=="


class RecordingSigner(Signer):
    """Keeps every answer keycellar sent, to look for the secret in them."""

    answers = []

    def request(self, **fields):
        answer = super().request(**fields)
        self.answers.append(repr(answer))
        return answer


def main():
    signer = RecordingSigner()
    kraken = signed_by_keycellar(ccxt.kraken, signer=signer)()
    sent = []

    def fetch(url, method="GET", headers=None, body=None):
        sent.append((url, method, dict(headers or {}), body))
        return {"error": [], "result": {"txid": ["OABCDE-FGHIJ-KLMNOP"]}}

    kraken.fetch = fetch
    params = {"ordertype": "limit", "pair": "XBTUSD", "price": "37500", "type": "buy",
              "volume": "1.25"}
    kraken.private_post_addorder(params)
    (url, method, headers, body), = sent
    path = urllib.parse.urlsplit(url).path
    assert path == "/0/private/AddOrder", path
    assert method == "POST", method
    fields = urllib.parse.parse_qs(body)
    nonce = fields["nonce"][0]
    assert body.startswith(f"nonce={nonce}&"), body
    assert {k: v[0] for k, v in fields.items() if k != "nonce"} == params, body
    digest = hashlib.sha256((nonce + body).encode()).digest()
    expected = base64.b64encode(
        hmac.new(base64.b64decode(SECRET), path.encode() + digest, hashlib.sha512).digest()
    ).decode()
    assert headers["API-Sign"] == expected, (headers, expected)
    assert headers["API-Key"] == kraken.apiKey

    forms = {SECRET, SECRET.rstrip("="), base64.b64decode(SECRET).hex()}
    held = repr(vars(kraken)) + repr(vars(signer)) + "".join(signer.answers) + repr(os.environ)
    for form in forms:
        assert form not in held, "the adapter saw the secret"
    assert base64.b64decode(SECRET) not in held.encode("latin-1", "replace")
    print("ok")


if __name__ == "__main__":
    main()
