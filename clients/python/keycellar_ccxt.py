"""ccxt exchanges that sign through keycellar (docs/SIGNING.md): the bot never holds the secret.

    import ccxt
    from keycellar_ccxt import signed_by_keycellar
    kraken = signed_by_keycellar(ccxt.kraken)()        # or ccxt.binance, ccxt.okx, ccxt.coinbase
    kraken.create_order("BTC/USD", "limit", "buy", 0.01, 30000)

`signed_by_keycellar(cls)` returns a subclass of ccxt's own class. Its `sign()` (ccxt's hook
for authenticating a request) lets ccxt build the request as usual, with a placeholder where
the secret would be, then has keycellar sign it and replaces the placeholder signature with
keycellar's. For Coinbase the hook is `create_auth_token()`, which ccxt's `sign()` calls for
CDP keys. The public key comes from keycellar (`op: "keys"`); the secret never does.
"""

import base64
import json
import urllib.parse

from keycellar_sign import Signer

# What ccxt holds instead of a secret: shaped as ccxt expects (Kraken's is base64 of 64
# bytes, Coinbase's must look like a PEM), never a key anyone uses.
PLACEHOLDER_SECRETS = {
    "kraken": base64.b64encode(bytes(64)).decode(),
    "binance": "0" * 64,
    "okx": "keycellar-holds-the-secret",
    "coinbase": "-----BEGIN EC PRIVATE KEY-----keycellar holds the key",
}
PLACEHOLDER_PASSWORD = "keycellar-holds-the-passphrase"


def signed_by_keycellar(exchange_class, signer=None, label=None):
    """A subclass of ccxt's `exchange_class` whose private requests keycellar signs."""
    exchange_id = exchange_class.__name__
    if exchange_id not in PLACEHOLDER_SECRETS:
        raise ValueError(f"keycellar signs for {sorted(PLACEHOLDER_SECRETS)}, not {exchange_id}")

    class KeycellarSigned(exchange_class):
        def __init__(self, config=None):
            self.keycellar = signer or Signer(label=label)
            key = _key_for(self.keycellar, label, exchange_id)
            self.keycellar_label = key["label"]
            config = dict(config or {})
            config.update(apiKey=key["api_key"], secret=PLACEHOLDER_SECRETS[exchange_id])
            if exchange_id == "okx":
                config["password"] = PLACEHOLDER_PASSWORD
            super().__init__(config)

        def sign(self, path, api="public", method="GET", params={}, *rest):
            request = super().sign(path, api, method, params, *rest)
            resign = _RESIGN.get(exchange_id)
            if resign is None or not _is_signed(exchange_id, request):
                return request
            return resign(self, request)

        def create_auth_token(self, seconds, method=None, url=None, useEddsa=False):
            # Coinbase CDP: ccxt's sign() asks for a JWT here; keycellar makes it.
            parsed = urllib.parse.urlsplit(url) if url else None
            answer = self.keycellar.sign(
                method or "GET",
                parsed.path if parsed else "/",
                label=self.keycellar_label,
                host=parsed.hostname if parsed else None,
            )
            return answer["jwt"]

    KeycellarSigned.__name__ = f"{exchange_id}_signed_by_keycellar"
    return KeycellarSigned


def _key_for(signer, label, exchange_id):
    keys = [k for k in signer.keys() if label in (None, k["label"])]
    keys = [k for k in keys if k["exchange"].split("-")[0] == exchange_id]
    if len(keys) != 1:
        raise ValueError(f"keycellar holds {len(keys)} {exchange_id} keys for this run; "
                         "pass label= to choose one")
    return keys[0]


def _is_signed(exchange_id, request):
    headers = request.get("headers") or {}
    marker = {"kraken": "API-Sign", "binance": "X-MBX-APIKEY", "okx": "OK-ACCESS-SIGN"}
    return marker.get(exchange_id) in headers


def _kraken(exchange, request):
    path = urllib.parse.urlsplit(request["url"]).path
    body = request["body"] or ""
    if body.startswith("{"):
        fields = json.loads(body)
        fields.pop("nonce", None)
        body = exchange.json(fields)
    else:
        body = "&".join(p for p in body.split("&") if not p.startswith("nonce="))
    answer = exchange.keycellar.sign("POST", path, body, label=exchange.keycellar_label)
    request["body"] = answer["body"]
    request["headers"].update(answer["headers"])
    return request


def _binance(exchange, request):
    url = urllib.parse.urlsplit(request["url"])
    strip = lambda text: "&".join(p for p in text.split("&") if not p.startswith("signature="))
    query, body = strip(url.query), strip(request["body"] or "")
    answer = exchange.keycellar.sign(request["method"], url.path, body, query=query,
                                     label=exchange.keycellar_label)
    signature = urllib.parse.quote(answer["signature"], safe="")
    if "signature=" in url.query:
        request["url"] = urllib.parse.urlunsplit(
            url._replace(query=f"{query}&signature={signature}"))
    else:
        request["body"] = f"{body}&signature={signature}"
    request["headers"].update(answer["headers"])
    return request


def _okx(exchange, request):
    url = urllib.parse.urlsplit(request["url"])
    answer = exchange.keycellar.sign(request["method"], url.path, request["body"] or "",
                                     query=url.query, label=exchange.keycellar_label)
    request["headers"].update(answer["headers"])
    return request


_RESIGN = {"kraken": _kraken, "binance": _binance, "okx": _okx}
