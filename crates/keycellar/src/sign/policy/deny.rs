//! Endpoints that move funds out of an account, refused by default for every entry
//! (docs/SIGNING.md section 4), and the path patterns policies are written in.
//!
//! Deny lists cannot be complete: an exchange adds endpoints. An `endpoints` allow-list in
//! the policy file is the way to be sure; these lists catch the endpoints a stolen trading
//! key is used for.

use crate::credential::exchange::Exchange;

/// Kraken spot REST (docs.kraken.com/api-reference): "Withdraw Funds" (`Withdraw`), "Request
/// Wallet Transfer" (`WalletTransfer`, spot to futures wallet), "Account Transfer"
/// (`AccountTransfer`, between subaccounts), and the Funding API under `/funding/` where
/// withdrawal addresses are saved and withdrawals created
/// (docs.kraken.com/exchange/guides/rest/funding).
const KRAKEN: &[&str] = &[
    "/0/private/Withdraw",
    "/0/private/WalletTransfer",
    "/0/private/AccountTransfer",
    "/funding/",
];

/// Binance (developers.binance.com/docs/wallet, sub_account, gift_card, pay): "Withdraw"
/// (`capital/withdraw/apply`, and the travel-rule `localentity/withdraw/apply`), "User
/// Universal Transfer" (`asset/transfer`), every sub-account transfer and the managed
/// sub-account "Deposit Assets" / "Withdrawl Assets" (`managed-subaccount/deposit`,
/// `/withdraw`), gift cards (a code carries funds to whoever redeems it) and Binance Pay.
const BINANCE: &[&str] = &[
    "/sapi/v1/capital/withdraw/apply",
    "/sapi/v1/localentity/withdraw/apply",
    "/sapi/v1/asset/transfer",
    "/sapi/v1/sub-account/",
    "/sapi/v2/sub-account/",
    "/sapi/v1/giftcard/",
    "/sapi/v1/pay/",
    "/sapi/v1/managed-subaccount/deposit",
    "/sapi/v1/managed-subaccount/withdraw",
];

/// OKX v5 (okx.com/docs-v5, Funding Account): "Withdrawal", "Lightning withdrawals", "Funds
/// transfer" (between accounts and sub-accounts), "Master accounts manage the transfers
/// between sub-accounts", and the Fiat API's "Create withdrawal order".
const OKX: &[&str] = &[
    "/api/v5/asset/withdrawal",
    "/api/v5/asset/withdrawal-lightning",
    "/api/v5/asset/transfer",
    "/api/v5/asset/subaccount/transfer",
    "/api/v5/fiat/create-withdrawal",
];

/// Coinbase (docs.cdp.coinbase.com): the Coinbase App's "Send money" (`POST
/// /v2/accounts/:id/transactions`) and everything below a transaction (the legacy API's
/// `.../transactions/:id/complete` completes a money request, which sends funds to the
/// requester), "Withdrawals" (create and commit), and Advanced Trade's "Move Portfolio Funds".
const COINBASE: &[&str] = &[
    "/v2/accounts/*/transactions",
    "/v2/accounts/*/transactions/",
    "/v2/accounts/*/withdrawals",
    "/v2/accounts/*/withdrawals/",
    "/api/v3/brokerage/portfolios/move_funds",
];

/// Binance's signature covers the parameters only, not the path, so a signature made for one
/// endpoint is good on every other: the parameters of its fund-moving endpoints are refused
/// wherever they appear (developers.binance.com: Wallet "Withdraw" `coin network address
/// addressTag amount transactionFeeFlag name walletType`; "User Universal Transfer" `type
/// asset amount fromSymbol toSymbol`; Sub Account transfers `fromEmail toEmail
/// fromAccountType toAccountType asset amount`; Gift Card `token amount baseTokenAmount`).
/// No spot or margin trading endpoint takes any of these.
const BINANCE_PARAMS: &[&str] = &[
    "address",
    "addressTag",
    "network",
    "amount",
    "walletType",
    "transactionFeeFlag",
    "withdrawOrderId",
    "fromSymbol",
    "toSymbol",
    "fromEmail",
    "toEmail",
    "fromAccountType",
    "toAccountType",
    "baseTokenAmount",
];

/// The parameters that make a request fund-moving wherever it is sent (Binance only: the
/// other exchanges' signatures bind the path).
pub(super) fn fund_moving_params(exchange: Exchange) -> &'static [&'static str] {
    match exchange {
        Exchange::Binance | Exchange::BinanceUs => BINANCE_PARAMS,
        _ => &[],
    }
}

/// The fund-moving patterns of an exchange.
pub(super) fn fund_moving(exchange: Exchange) -> &'static [&'static str] {
    match exchange {
        Exchange::Kraken => KRAKEN,
        Exchange::Binance | Exchange::BinanceUs => BINANCE,
        Exchange::Okx => OKX,
        Exchange::Coinbase => COINBASE,
        _ => &[],
    }
}

/// Whether `path` matches `pattern`, ignoring ASCII case: segment by segment, `*` standing
/// for any one segment; a pattern ending in `/` matches every path below it (and itself).
pub(crate) fn matches(pattern: &str, path: &str) -> bool {
    let below = pattern.len() > 1 && pattern.ends_with('/');
    let pattern: Vec<&str> = pattern.trim_end_matches('/').split('/').collect();
    let path: Vec<&str> = path.split('/').collect();
    let lengths_fit = if below {
        path.len() >= pattern.len()
    } else {
        path.len() == pattern.len()
    };
    lengths_fit
        && pattern
            .iter()
            .zip(&path)
            .all(|(want, got)| *want == "*" || want.eq_ignore_ascii_case(got))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn patterns_match_segments_case_insensitively() {
        assert!(matches("/0/private/Withdraw", "/0/private/withdraw"));
        assert!(!matches("/0/private/Withdraw", "/0/private/WithdrawCancel"));
        assert!(!matches("/0/private/Withdraw", "/0/private/Withdraw/x"));
        assert!(matches("/funding/", "/funding/v1/withdrawals"));
        assert!(matches("/funding/", "/funding"));
        assert!(!matches("/funding/", "/fundingx/v1"));
        assert!(matches(
            "/v2/accounts/*/transactions",
            "/v2/accounts/abc/transactions"
        ));
        assert!(!matches(
            "/v2/accounts/*/transactions",
            "/v2/accounts/transactions"
        ));
        assert!(matches(
            "/v2/accounts/*/withdrawals/",
            "/v2/accounts/a/withdrawals/b/commit"
        ));
        let coinbase = fund_moving(Exchange::Coinbase);
        let completes = "/v2/accounts/a/transactions/t/complete";
        assert!(coinbase.iter().any(|p| matches(p, completes)));
    }

    #[test]
    fn every_signing_exchange_has_a_deny_list() {
        for exchange in [
            Exchange::Kraken,
            Exchange::Binance,
            Exchange::BinanceUs,
            Exchange::Okx,
            Exchange::Coinbase,
        ] {
            assert!(!fund_moving(exchange).is_empty(), "{exchange}");
        }
    }
}
