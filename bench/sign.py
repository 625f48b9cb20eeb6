"""Signing round trips through keycellar's socket, next to the same Kraken HMAC computed
in-process by Python (what a bot holding the secret would do). Run by bench/sign.sh.

    python3 bench/sign.py SOCKET [REQUESTS]
"""

import base64
import hashlib
import hmac
import os
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "clients", "python"))
from keycellar_sign import Signer  # noqa: E402

SECRET = base64.b64decode(
    "kQH5HW/8p1uGOVjbgWA7FunAmGO8lsSUXNsu3eow76sz84Q18fWxnyRzBHCd3pd5nE9qa99HAZtuZuj6F1huXg==")
PATH = "/0/private/AddOrder"
BODY = "ordertype=limit&pair=XBTUSD&price=37500&type=buy&volume=1.25"


def in_process(nonce):
    body = f"nonce={nonce}&{BODY}"
    digest = hashlib.sha256((str(nonce) + body).encode()).digest()
    return base64.b64encode(hmac.new(SECRET, PATH.encode() + digest, hashlib.sha512).digest())


def measure(label, call, count):
    for _ in range(min(1000, count)):  # warm-up
        call()
    times = []
    start = time.perf_counter_ns()
    for _ in range(count):
        t0 = time.perf_counter_ns()
        call()
        times.append(time.perf_counter_ns() - t0)
    total = time.perf_counter_ns() - start
    times.sort()
    p50, p99 = times[len(times) // 2], times[len(times) * 99 // 100]
    rate = count / (total / 1e9)
    print(f"| {label} | {p50 / 1000:.1f} µs | {p99 / 1000:.1f} µs | {rate:,.0f} |")


def main():
    socket_path, count = sys.argv[1], int(sys.argv[2]) if len(sys.argv) > 2 else 20000
    signer = Signer(socket_path)
    nonce = iter(range(1616492376594, 1 << 62))
    print(f"{count} requests, one client, one at a time")
    print("| what | p50 | p99 | signatures/s |")
    print("|---|---|---|---|")
    measure("keycellar socket round trip (Python client)",
            lambda: signer.sign("POST", PATH, BODY), count)
    measure("same HMAC in-process (Python hmac, secret in the bot)",
            lambda: in_process(next(nonce)), count)


if __name__ == "__main__":
    main()
