"""A client of keycellar's signing service (docs/SIGNING.md), standard library only.

A bot started with `keycellar exec LABEL --profile sign -- BOT` finds the socket in
KEYCELLAR_SIGN_SOCK. It sends the request it wants to make and gets back the headers (and,
for Kraken, the body with its nonce) to send; the secret stays in keycellar.

    from keycellar_sign import Signer
    signer = Signer()
    answer = signer.sign("POST", "/0/private/Balance")
    requests.post("https://api.kraken.com/0/private/Balance",
                  data=answer["body"], headers=answer["headers"])
"""

import json
import os
import socket
import threading

PROTOCOL_VERSION = 1


class SignError(Exception):
    """keycellar refused or failed a request: `kind` is the protocol's error kind
    (`refused`, `unknown-label`, ...), `rule` the policy rule of a refusal."""

    def __init__(self, kind, message, rule=None):
        super().__init__(f"keycellar {kind}: {message}")
        self.kind = kind
        self.message = message
        self.rule = rule


class Signer:
    """One connection to the signing service. Thread-safe: requests are sent one at a time."""

    def __init__(self, path=None, label=None):
        path = path or os.environ.get("KEYCELLAR_SIGN_SOCK")
        if not path:
            raise SignError("no-socket", "KEYCELLAR_SIGN_SOCK is not set; start the bot "
                            "with keycellar exec LABEL --profile sign -- BOT")
        self.label = label
        self._path = path
        self._lock = threading.Lock()
        self._connect()

    def _connect(self):
        self._socket = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self._socket.connect(self._path)
        self._file = self._socket.makefile("rwb")

    def _exchange(self, line):
        try:
            self._file.write(line + b"\n")
            self._file.flush()
            return self._file.readline()
        except (BrokenPipeError, ConnectionResetError):
            return b""

    def request(self, **fields):
        """Sends one request object and returns the answer object; raises SignError. The
        service closes a connection left idle (docs/SIGNING.md): then it reconnects once."""
        line = json.dumps({"v": PROTOCOL_VERSION, **fields}, separators=(",", ":")).encode()
        with self._lock:
            reply = self._exchange(line)
            if not reply:
                self.close()
                try:
                    self._connect()
                except OSError:
                    raise SignError("closed", "the signing service is gone")
                reply = self._exchange(line)
        if not reply:
            raise SignError("closed", "the signing service closed the connection")
        answer = json.loads(reply)
        if not answer.get("ok"):
            error = answer.get("error", {})
            raise SignError(error.get("kind", "unknown"), error.get("message", ""),
                            error.get("rule"))
        return answer

    def keys(self):
        """The public parts of the run's keys: [{label, exchange, api_key}]."""
        return self.request(op="keys")["keys"]

    def sign(self, method, path, body="", query="", label=None, host=None):
        """Signs one request. Kraken: `body` without nonce; the answer's `body` is what to
        send. Binance: append the answer's `signature`. OKX, Coinbase: send the answer's
        `headers`."""
        fields = {"op": "sign", "method": method, "path": path}
        label = label or self.label
        if label:
            fields["label"] = label
        if body:
            fields["body"] = body
        if query:
            fields["query"] = query
        if host:
            fields["host"] = host
        return self.request(**fields)

    def close(self):
        self._file.close()
        self._socket.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
