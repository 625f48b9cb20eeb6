"""Buys a little BTC below the market on Kraken, without ever holding the API secret.
Run: keycellar exec kraken-bot --profile sign -- python3 example_bot.py"""
import ccxt
from keycellar_ccxt import signed_by_keycellar

kraken = signed_by_keycellar(ccxt.kraken)()  # the public key comes from keycellar
usd = kraken.fetch_balance()["free"].get("USD", 0)
bid = kraken.fetch_ticker("BTC/USD")["bid"]
if usd > bid * 0.0001:
    print(kraken.create_order("BTC/USD", "limit", "buy", 0.0001, round(bid * 0.99, 1)))
