"""Run by tests/signing.rs against a service holding a Binance key ("b", Binance's documented
HMAC example secret), an OKX key ("o", a made-up secret and passphrase) and a Coinbase CDP
key ("c", an EC key whose PEM file is in CB_PEM). ccxt's own binance, okx and coinbase
classes sign one private request each through the adapter (fetch intercepted), and each
signature is checked independently (hmac, hashlib, and cryptography for the JWT).
"""

import base64
import hashlib
import hmac
import io
import os
import sys
import urllib.parse

import ccxt

sys.path.insert(0, os.path.join(os.path.dirname(__file__), ".."))
from keycellar_ccxt import signed_by_keycellar  # noqa: E402
from keycellar_sign import Signer  # noqa: E402
import verify_signatures  # noqa: E402

BINANCE_SECRET = "NhqPtmdSJYdKjVHjA7PZj4Mge3R5YNiP1e3UZjInClVN65XAbvqqM6A7H5fATj0j"
OKX_SECRET, OKX_PASSPHRASE = "22582BD0CFF14C41EDBF1AB98506286D", "Pass-phrase1"


def captured(exchange_class, label, call):
    exchange = signed_by_keycellar(exchange_class, signer=Signer(), label=label)()
    sent = []
    exchange.fetch = lambda url, method="GET", headers=None, body=None: sent.append(
        (url, method, dict(headers or {}), body)) or {}
    call(exchange)
    return sent[-1]


def binance():
    url, _, headers, body = captured(ccxt.binance, "b", lambda b: b.private_get_account())
    query = urllib.parse.urlsplit(url).query
    payload, _, signature = query.rpartition("&signature=")
    expected = hmac.new(BINANCE_SECRET.encode(), (payload + (body or "")).encode(),
                        hashlib.sha256).hexdigest()
    assert signature == expected, (url, expected)
    assert headers["X-MBX-APIKEY"] == "binance-public-key"


def okx():
    url, method, headers, body = captured(
        ccxt.okx, "o", lambda o: o.private_get_account_balance({"ccy": "BTC"}))
    parts = urllib.parse.urlsplit(url)
    prehash = headers["OK-ACCESS-TIMESTAMP"] + method + parts.path + "?" + parts.query + (body or "")
    expected = base64.b64encode(
        hmac.new(OKX_SECRET.encode(), prehash.encode(), hashlib.sha256).digest()).decode()
    assert headers["OK-ACCESS-SIGN"] == expected, (headers, prehash)
    assert headers["OK-ACCESS-PASSPHRASE"] == OKX_PASSPHRASE


def coinbase():
    _, _, headers, _ = captured(ccxt.coinbase, "c",
                                lambda c: c.v3_private_get_brokerage_accounts())
    jwt = headers["Authorization"].removeprefix("Bearer ")
    sys.stdin = io.StringIO(jwt)
    verify_signatures.check_jwt(os.environ["CB_PEM"], "organizations/o/apiKeys/k", "GET",
                                "api.coinbase.com", "/api/v3/brokerage/accounts")


if __name__ == "__main__":
    binance()
    okx()
    coinbase()
    print("ok")
