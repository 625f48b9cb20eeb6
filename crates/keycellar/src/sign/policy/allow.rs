//! What a policy limiting pairs or volumes allows when it lists no `endpoints`
//! (docs/SIGNING.md section 3): the endpoints that place, amend and cancel orders (all
//! checked against the pairs and volumes) and the read-only ones. Not conversions, spread
//! or block trades, nor tokens for another API (Kraken's `GetWebSocketsToken`: orders sent
//! over the WebSocket would pass no check); list them in `endpoints` to allow them.

use crate::credential::exchange::Exchange;

/// Kraken spot REST (docs.kraken.com/api-reference): Trading and Account Data.
const KRAKEN: &[&str] = &[
    "/0/private/AddOrder",
    "/0/private/AddOrderBatch",
    "/0/private/AmendOrder",
    "/0/private/EditOrder",
    "/0/private/CancelOrder",
    "/0/private/CancelOrderBatch",
    "/0/private/CancelAll",
    "/0/private/CancelAllOrdersAfter",
    "/0/private/Balance",
    "/0/private/BalanceEx",
    "/0/private/TradeBalance",
    "/0/private/OpenOrders",
    "/0/private/ClosedOrders",
    "/0/private/QueryOrders",
    "/0/private/OrderAmends",
    "/0/private/TradesHistory",
    "/0/private/QueryTrades",
    "/0/private/OpenPositions",
    "/0/private/Ledgers",
    "/0/private/QueryLedgers",
    "/0/private/TradeVolume",
];

/// Binance spot (binance-spot-api-docs rest-api.md): Trading and Account endpoints. A
/// Binance signature is good on any path, so this list is a second line only: the
/// parameters are what [`unchecked_trade_params`] and the pair and volume checks hold.
const BINANCE: &[&str] = &[
    "/api/v3/order",
    "/api/v3/order/test",
    "/api/v3/order/cancelReplace",
    "/api/v3/order/oco",
    "/api/v3/orderList/*",
    "/api/v3/orderList",
    "/api/v3/sor/order",
    "/api/v3/sor/order/test",
    "/api/v3/openOrders",
    "/api/v3/allOrders",
    "/api/v3/openOrderList",
    "/api/v3/allOrderList",
    "/api/v3/account",
    "/api/v3/account/commission",
    "/api/v3/myTrades",
    "/api/v3/myPreventedMatches",
    "/api/v3/myAllocations",
    "/api/v3/rateLimit/order",
];

/// OKX v5 (okx.com/docs-v5): Trade (orders, algo orders, fills) and Trading Account reads.
const OKX: &[&str] = &[
    "/api/v5/trade/order",
    "/api/v5/trade/batch-orders",
    "/api/v5/trade/amend-order",
    "/api/v5/trade/amend-batch-orders",
    "/api/v5/trade/cancel-order",
    "/api/v5/trade/cancel-batch-orders",
    "/api/v5/trade/order-algo",
    "/api/v5/trade/amend-algos",
    "/api/v5/trade/cancel-algos",
    "/api/v5/trade/orders-pending",
    "/api/v5/trade/orders-history",
    "/api/v5/trade/orders-history-archive",
    "/api/v5/trade/orders-algo-pending",
    "/api/v5/trade/orders-algo-history",
    "/api/v5/trade/fills",
    "/api/v5/trade/fills-history",
    "/api/v5/account/balance",
    "/api/v5/account/positions",
    "/api/v5/account/config",
    "/api/v5/account/bills",
    "/api/v5/account/trade-fee",
    "/api/v5/account/max-size",
    "/api/v5/account/max-avail-size",
];

/// Binance Convert (developers.binance.com, Convert: "Send Quote Request" `fromAsset toAsset
/// fromAmount toAmount`, "Accept Quote" `quoteId`): trades no pair or volume check reads.
const BINANCE_TRADE_PARAMS: &[&str] =
    &["quoteId", "fromAsset", "toAsset", "fromAmount", "toAmount"];

/// The trading and read-only endpoints of an exchange (Coinbase: none, since keycellar
/// holds no pair or volume limit for it).
pub(super) fn trading(exchange: Exchange) -> &'static [&'static str] {
    match exchange {
        Exchange::Kraken => KRAKEN,
        Exchange::Binance | Exchange::BinanceUs => BINANCE,
        Exchange::Okx => OKX,
        _ => &[],
    }
}

/// Parameters that trade past the pair and volume checks, refused on any path while a
/// policy limits them (Binance only: the other exchanges' signatures bind the path).
pub(super) fn unchecked_trade_params(exchange: Exchange) -> &'static [&'static str] {
    match exchange {
        Exchange::Binance | Exchange::BinanceUs => BINANCE_TRADE_PARAMS,
        _ => &[],
    }
}
