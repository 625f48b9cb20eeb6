//! The pairs and volumes a request names, wherever it names them: form fields of the query
//! and the body (percent-decoded, as the exchange will read them; `orders[0][volume]` counts
//! as `volume`), or keys of a JSON body at any depth (batch orders are checked one by one).
//! And decimal volumes compared exactly, never as floating point.

use crate::credential::exchange::Exchange;
use serde::de::{Deserialize, Deserializer, Error as _, MapAccess, SeqAccess, Visitor};
use serde_json::Value;

/// Per exchange: the fields that name a pair, those that give a base volume, and the
/// requests that place an order (which must name both when the policy limits them).
pub(super) struct Fields {
    pub pair: &'static [&'static str],
    pub volume: &'static [&'static str],
    /// Fields that size an order in a way `max_volume` cannot bound (in the quote asset).
    pub unbounded_volume: &'static [&'static str],
    pub order_paths: &'static [&'static str],
}

/// Kraken: AddOrder, AddOrderBatch and EditOrder take `pair` and `volume`; AmendOrder
/// changes `order_qty` / `display_qty` of an order by id (docs.kraken.com/api-reference/trading).
/// Binance: `symbol` and `quantity` (`workingQuantity` / `pendingQuantity` in OTO and OTOCO
/// order lists); `quoteOrderQty` sizes an order in the quote asset.
/// OKX: `instId` and `sz` (`newSz` when amending). Coinbase Advanced Trade: `product_id` and
/// `base_size` (`size` when editing).
pub(super) fn fields(exchange: Exchange) -> Fields {
    match exchange {
        Exchange::Kraken => Fields {
            pair: &["pair"],
            volume: &["volume", "order_qty", "display_qty"],
            unbounded_volume: &[],
            order_paths: &[
                "/0/private/AddOrder",
                "/0/private/AddOrderBatch",
                "/0/private/EditOrder",
            ],
        },
        Exchange::Binance | Exchange::BinanceUs => Fields {
            pair: &["symbol"],
            volume: &["quantity", "workingQuantity", "pendingQuantity"],
            unbounded_volume: &["quoteOrderQty"],
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
            unbounded_volume: &[],
            order_paths: &[
                "/api/v5/trade/order",
                "/api/v5/trade/batch-orders",
                "/api/v5/trade/order-algo",
            ],
        },
        _ => Fields {
            pair: &["product_id"],
            volume: &["base_size", "size"],
            unbounded_volume: &[],
            order_paths: &["/api/v3/brokerage/orders"],
        },
    }
}

/// Whether a field's value makes the order's volume an amount of the quote asset, which
/// `max_volume` (a base volume) cannot bound: Kraken's order flag `viqc` ("volume in quote
/// currency") among `oflags`, and OKX's `tgtCcy` set to anything but `base_ccy` (its
/// `quote_ccy` sizes a spot market order in the quote currency). Compared without case
/// and spaces, since an exchange may be lenient where keycellar must not be.
pub(super) fn sizes_in_quote(exchange: Exchange, name: &str, value: &str) -> bool {
    match (exchange, name) {
        (Exchange::Kraken, "oflags") => value
            .split(',')
            .any(|flag| flag.trim().eq_ignore_ascii_case("viqc")),
        (Exchange::Okx, "tgtCcy") => !value.trim().eq_ignore_ascii_case("base_ccy"),
        _ => false,
    }
}

/// Every (name, value) the request carries: form fields of the query, then of the body, or
/// the values of a JSON body under their keys. A body is JSON when its first byte after JSON
/// whitespace is `{` or `[`, and a form otherwise; the exchange may read it either way (the
/// bot picks the Content-Type, which no signature covers), so a body is refused unless both
/// readings agree on what it names: a JSON body must parse (strictly, without a repeated
/// key) and hold no `&`, `=` or `;`, so that read as a form it names no field; a form body
/// must be printable ASCII without spaces, so that it never reads as JSON.
pub(super) fn fields_of(query: &str, body: &str) -> Result<Vec<(String, String)>, &'static str> {
    let mut out = form_fields(query)?;
    if is_json(body) {
        if body.contains(['&', '=', ';']) {
            return Err(
                "a JSON body must not hold \"&\", \"=\" or \";\" (write them as \\u0026, \
                 \\u003d, \\u003b): read as a form, the same bytes would name other fields",
            );
        }
        let json = serde_json::from_str::<Unique>(body).map_err(
            |_| "the body starts like JSON but is not JSON keycellar can read (or repeats a key)",
        )?;
        json_fields(None, &json.0, &mut out);
    } else if body.bytes().all(|b| b.is_ascii_graphic()) {
        out.extend(form_fields(body)?);
    } else {
        return Err("a form body must be printable ASCII without spaces (percent-encode the rest)");
    }
    Ok(out)
}

/// Whether `body` is JSON: its first byte after JSON whitespace is `{` or `[`.
pub(crate) fn is_json(body: &str) -> bool {
    body.trim_start_matches([' ', '\t', '\r', '\n'])
        .starts_with(['{', '['])
}

/// The names of a form's fields, percent-decoded, brackets kept.
pub(crate) fn form_names(text: &str) -> impl Iterator<Item = String> + '_ {
    text.split('&')
        .filter(|pair| !pair.is_empty())
        .map(|pair| percent_decode(pair.split_once('=').map_or(pair, |(name, _)| name)))
}

/// The (name, value) of each form field, once under every name a form parser may file it
/// under: its base and each non-empty bracketed part (`orders[0][volume]` is the `volume` of
/// one order of a batch, `volume[]` a `volume`, and `volume[0]` a `volume` to PHP and qs; an
/// attacker pass had `orders[0][volume][0]=100` filed as `0` alone, next to a checked
/// `orders[0][volume]=0.1`), so a policy sees the value whichever reading the exchange
/// makes. A name that is not letters, digits and `_` with bracketed parts after
/// (`volume]x`, `orders.0.volume`, a control byte) is refused: parsers differ on such names,
/// and a policy must read a field as the exchange does.
pub(crate) fn form_fields(text: &str) -> Result<Vec<(String, String)>, &'static str> {
    let mut fields = Vec::new();
    for pair in text.split('&').filter(|pair| !pair.is_empty()) {
        let (name, value) = pair.split_once('=').unwrap_or((pair, ""));
        let name = percent_decode(name);
        let mut filed = filed_names(&name).ok_or(
            "a form field's name must be letters, digits and \"_\", each bracketed part \
             after it the same (\"orders[0][volume]\", \"pair[]\")",
        )?;
        filed.sort_unstable();
        filed.dedup();
        let value = percent_decode(value);
        fields.extend(filed.into_iter().map(|n| (n.to_string(), value.clone())));
    }
    Ok(fields)
}

/// The base and the non-empty bracketed parts of `name`, when it has the form
/// `base[part][part]...`.
fn filed_names(name: &str) -> Option<Vec<&str>> {
    let word = |w: &str| w.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_');
    let (base, mut rest) = name
        .split_once('[')
        .map_or((name, ""), |(b, _)| (b, &name[b.len()..]));
    if base.is_empty() || !word(base) {
        return None;
    }
    let mut filed = vec![base];
    while !rest.is_empty() {
        let part = rest.strip_prefix('[')?;
        let (inner, after) = part.split_once(']')?;
        if !word(inner) {
            return None;
        }
        if !inner.is_empty() {
            filed.push(inner);
        }
        rest = after;
    }
    Some(filed)
}

/// The scalars of a JSON value under the key that holds them (items of an array under the
/// array's key). A number that is not an integer is marked, so that it is never taken for a
/// decimal it only approximates (`0.50000000000000001` reads as `0.5` in binary).
fn json_fields(name: Option<&str>, value: &Value, out: &mut Vec<(String, String)>) {
    let text = match value {
        Value::Object(map) => {
            for (key, inner) in map {
                json_fields(Some(key), inner, out);
            }
            return;
        }
        Value::Array(items) => {
            items.iter().for_each(|item| json_fields(name, item, out));
            return;
        }
        Value::String(text) => text.clone(),
        Value::Number(number) if number.is_u64() || number.is_i64() => number.to_string(),
        Value::Number(number) => format!("~{number}"),
        other => other.to_string(),
    };
    if let Some(name) = name {
        out.push((name.to_string(), text));
    }
}

/// A JSON value parsed with every object's keys unique: a repeated key is read as the first
/// value by some parsers and the last by others, so it is refused.
struct Unique(Value);

impl<'de> Deserialize<'de> for Unique {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Unique, D::Error> {
        deserializer.deserialize_any(UniqueVisitor).map(Unique)
    }
}

struct UniqueVisitor;

impl<'de> Visitor<'de> for UniqueVisitor {
    type Value = Value;

    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("a JSON value")
    }

    fn visit_bool<E>(self, v: bool) -> Result<Value, E> {
        Ok(Value::Bool(v))
    }

    fn visit_i64<E>(self, v: i64) -> Result<Value, E> {
        Ok(Value::from(v))
    }

    fn visit_u64<E>(self, v: u64) -> Result<Value, E> {
        Ok(Value::from(v))
    }

    fn visit_f64<E>(self, v: f64) -> Result<Value, E> {
        Ok(Value::from(v))
    }

    fn visit_str<E>(self, v: &str) -> Result<Value, E> {
        Ok(Value::String(v.to_string()))
    }

    fn visit_unit<E>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Value, A::Error> {
        let mut items = Vec::new();
        while let Some(Unique(item)) = seq.next_element()? {
            items.push(item);
        }
        Ok(Value::Array(items))
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Value, A::Error> {
        let mut object = serde_json::Map::new();
        while let Some(key) = map.next_key::<String>()? {
            if object.contains_key(&key) {
                return Err(A::Error::custom("a repeated key"));
            }
            let Unique(value) = map.next_value()?;
            object.insert(key, value);
        }
        Ok(Value::Object(object))
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
    fn form_names_parsers_read_otherwise_are_refused_and_brackets_filed_as_parsers_do() {
        // An attacker pass had these signed under a pairs/max_volume policy.
        for body in [
            "pair=XBTUSD&volume=0.1&volume]x=100",
            "orders[0][volume]=0.1&orders[0][volume]x=100",
            "pair=XBTUSD&orders.0.volume=100",
            "pair=XBTUSD&%00volume=100",
            "pair=XBTUSD&[volume]=100",
        ] {
            assert!(fields_of("", body).is_err(), "{body}");
        }
        // An index or key in brackets still files the value under its base name, and under
        // every bracketed part: a batch order's volume with an index after it too.
        let nested = fields_of("", "orders[0][volume]=0.1&orders[0][volume][0]=100").unwrap();
        assert!(
            nested.contains(&("volume".into(), "100".into())),
            "{nested:?}"
        );
        let indexed = fields_of("", "volume=0.1&volume[0]=100&pair[x]=ETHUSD").unwrap();
        assert!(
            indexed.contains(&("volume".into(), "100".into())),
            "{indexed:?}"
        );
        assert!(
            indexed.contains(&("pair".into(), "ETHUSD".into())),
            "{indexed:?}"
        );
        let filed = fields_of("", "volume=0.1&volume[]=100&pair[]=ETHUSD&close[price]=2").unwrap();
        assert!(
            filed.contains(&("volume".into(), "100".into())),
            "{filed:?}"
        );
        assert!(
            filed.contains(&("pair".into(), "ETHUSD".into())),
            "{filed:?}"
        );
        assert!(filed.contains(&("price".into(), "2".into())), "{filed:?}");
    }

    #[test]
    fn fields_are_read_from_forms_and_json_at_any_depth() {
        let form = fields_of(
            "symbol=LTCBTC",
            "quantity=1&orders%5B0%5D%5Bvolume%5D=2%2E5",
        )
        .unwrap();
        assert!(form.contains(&("symbol".into(), "LTCBTC".into())));
        assert!(form.contains(&("volume".into(), "2.5".into())));
        let json = fields_of(
            "",
            r#"{"product_id":"BTC-USD","order_configuration":{"limit_limit_gtc":{"base_size":"0.1"}}}"#,
        )
        .unwrap();
        assert!(json.contains(&("base_size".into(), "0.1".into())));
        let batch = fields_of(
            "",
            r#"[{"instId":"BTC-USDT","sz":3},{"instId":"ETH-USDT","sz":"4"}]"#,
        )
        .unwrap();
        assert_eq!(batch.iter().filter(|(n, _)| n == "sz").count(), 2);
    }

    #[test]
    fn bodies_that_read_two_ways_are_refused() {
        for body in [
            r#"{"pair":"XBTUSD","x":"&pair=ETHUSD"}"#,
            r#"{"a":1,"a":2}"#,
            r#"{"a":"\ud800"}"#,
            r#"{"a":1e400}"#,
            "[1",
            "\u{feff}{}",
            "pair=XBTUSD volume=1",
        ] {
            assert!(fields_of("", body).is_err(), "{body}");
        }
        let arrays = fields_of("", r#"{"instId":["ETH-USDT"],"sz":0.5}"#).unwrap();
        assert!(arrays.contains(&("instId".into(), "ETH-USDT".into())));
        assert!(arrays.contains(&("sz".into(), "~0.5".into())));
    }
}
