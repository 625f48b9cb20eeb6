//! The pairs and volumes a request names, wherever it names them: form fields of the query
//! and the body (percent-decoded, as the exchange will read them; `orders[0][volume]` counts
//! as `volume`), or keys of a JSON body at any depth (batch orders are checked one by one).
//! And decimal volumes compared exactly, never as floating point.

use crate::credential::exchange::Exchange;
use serde_json::Value;

/// Per exchange: the fields that name a pair, those that give a base volume, and the
/// requests that place an order (which must name both when the policy limits them).
pub(super) struct Fields {
    pub pair: &'static [&'static str],
    pub volume: &'static [&'static str],
    pub order_paths: &'static [&'static str],
}

/// Kraken: AddOrder, AddOrderBatch and EditOrder take `pair` and `volume`; AmendOrder
/// changes `order_qty` / `display_qty` of an order by id (docs.kraken.com/api-reference/trading).
/// Binance: `symbol` and `quantity` (orders using only `quoteOrderQty` carry no base volume).
/// OKX: `instId` and `sz` (`newSz` when amending). Coinbase Advanced Trade: `product_id` and
/// `base_size` (`size` when editing).
pub(super) fn fields(exchange: Exchange) -> Fields {
    match exchange {
        Exchange::Kraken => Fields {
            pair: &["pair"],
            volume: &["volume", "order_qty", "display_qty"],
            order_paths: &[
                "/0/private/AddOrder",
                "/0/private/AddOrderBatch",
                "/0/private/EditOrder",
            ],
        },
        Exchange::Binance | Exchange::BinanceUs => Fields {
            pair: &["symbol"],
            volume: &["quantity"],
            order_paths: &[
                "/api/v3/order",
                "/api/v3/order/test",
                "/api/v3/sor/order",
                "/api/v3/order/cancelReplace",
                "/api/v3/order/oco",
                "/api/v3/orderList/*",
            ],
        },
        Exchange::Okx => Fields {
            pair: &["instId"],
            volume: &["sz", "newSz"],
            order_paths: &[
                "/api/v5/trade/order",
                "/api/v5/trade/batch-orders",
                "/api/v5/trade/order-algo",
            ],
        },
        _ => Fields {
            pair: &["product_id"],
            volume: &["base_size", "size"],
            order_paths: &["/api/v3/brokerage/orders"],
        },
    }
}

/// Every (name, value) the request carries: form fields of the query, then of the body, or
/// the keys of a JSON body.
pub(super) fn fields_of(query: &str, body: &str) -> Vec<(String, String)> {
    let mut out = form_fields(query);
    let json = if body.trim_start().starts_with(['{', '[']) {
        serde_json::from_str::<Value>(body).ok()
    } else {
        None
    };
    match json {
        Some(json) => json_fields(&json, &mut out),
        None => out.extend(form_fields(body)),
    }
    out
}

fn form_fields(text: &str) -> Vec<(String, String)> {
    text.split('&')
        .filter(|pair| !pair.is_empty())
        .map(|pair| {
            let (name, value) = pair.split_once('=').unwrap_or((pair, ""));
            let name = percent_decode(name);
            // `orders[0][volume]` is the `volume` of one order of a batch.
            let last = name
                .rsplit('[')
                .next()
                .map(|s| s.trim_end_matches(']').to_string())
                .unwrap_or_default();
            (last, percent_decode(value))
        })
        .collect()
}

fn json_fields(value: &Value, out: &mut Vec<(String, String)>) {
    match value {
        Value::Object(map) => {
            for (name, inner) in map {
                match inner {
                    Value::String(text) => out.push((name.clone(), text.clone())),
                    Value::Number(number) => out.push((name.clone(), number.to_string())),
                    other => json_fields(other, out),
                }
            }
        }
        Value::Array(items) => items.iter().for_each(|item| json_fields(item, out)),
        _ => {}
    }
}

/// `%XX` escapes and `+` as a space, as a form decoder reads them; a broken escape stays as
/// it is (and then matches no allowed pair and no decimal).
fn percent_decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let escaped = (bytes[i] == b'%')
            .then(|| bytes.get(i + 1..i + 3))
            .flatten()
            .and_then(|hex| std::str::from_utf8(hex).ok())
            .and_then(|hex| u8::from_str_radix(hex, 16).ok());
        match (bytes[i], escaped) {
            (_, Some(byte)) => {
                out.push(byte);
                i += 3;
            }
            (b'+', None) => {
                out.push(b' ');
                i += 1;
            }
            (byte, None) => {
                out.push(byte);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// A non-negative decimal with up to 18 fractional digits, in units of 10^-18; `None` for
/// anything else (signs, exponents, more digits, empty parts).
pub(crate) fn decimal(text: &str) -> Option<u128> {
    const SCALE: u32 = 18;
    let (whole, fraction) = text.split_once('.').unwrap_or((text, ""));
    let digits = |s: &str| s.bytes().all(|b| b.is_ascii_digit());
    if whole.is_empty() && fraction.is_empty()
        || !digits(whole)
        || !digits(fraction)
        || fraction.len() > SCALE as usize
    {
        return None;
    }
    let whole: u128 = if whole.is_empty() {
        0
    } else {
        whole.parse().ok()?
    };
    let padded = format!("{fraction:0<18}");
    let fraction: u128 = padded.parse().ok()?;
    whole.checked_mul(10u128.pow(SCALE))?.checked_add(fraction)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decimals_compare_exactly() {
        assert_eq!(decimal("1.25"), Some(1_250_000_000_000_000_000));
        assert_eq!(decimal("0.5"), decimal(".5"));
        assert_eq!(decimal("2"), decimal("2.000"));
        assert!(decimal("0.30000000000000001") > decimal("0.3"));
        for bad in [
            "",
            ".",
            "-1",
            "+1",
            "1e3",
            "1.2.3",
            "0x10",
            " 1",
            "1.0000000000000000001",
        ] {
            assert_eq!(decimal(bad), None, "{bad}");
        }
    }

    #[test]
    fn fields_are_read_from_forms_and_json_at_any_depth() {
        let form = fields_of(
            "symbol=LTCBTC",
            "quantity=1&orders%5B0%5D%5Bvolume%5D=2%2E5",
        );
        assert!(form.contains(&("symbol".into(), "LTCBTC".into())));
        assert!(form.contains(&("volume".into(), "2.5".into())));
        let json = fields_of(
            "",
            r#"{"product_id":"BTC-USD","order_configuration":{"limit_limit_gtc":{"base_size":"0.1"}}}"#,
        );
        assert!(json.contains(&("base_size".into(), "0.1".into())));
        let batch = fields_of(
            "",
            r#"[{"instId":"BTC-USDT","sz":3},{"instId":"ETH-USDT","sz":"4"}]"#,
        );
        assert_eq!(batch.iter().filter(|(n, _)| n == "sz").count(), 2);
    }
}
