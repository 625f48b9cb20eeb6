//! keycellar: an offline, encrypted vault for cryptocurrency-exchange API keys.
//!
//! The library holds all logic; the `keycellar` command (package `keycellar-cli`, at the
//! repository root: `src/main.rs`, `src/cli/`) only parses arguments, asks on the terminal
//! and prints. docs/ARCHITECTURE.md describes the layers and what each folder may use.
//! Modules, from the bytes up:
//!
//! - [`untrusted`]: how text from outside may be quoted in a message or shown on a terminal;
//!   [`wording`]: nouns that agree with their number; [`clock`]: dates and timestamps as
//!   stored; [`error`]: the library's typed errors, one enum per kind of operation
//!   (`backup`, `input` with `paste`: a value given as one part of a key that is another
//!   thing, `problems`: the parsers' path-free problems, `unread`: what of a sheet did
//!   not come back, and why, and `unreadable`: why a sheet could not be read at all);
//!   [`secret`]: zeroizing holders for
//!   secrets; `crypto`: XChaCha20-Poly1305, SHA-256 and randomness behind a byte-level API
//!   (`sha1`: HMAC-SHA-1, for authenticator codes only);
//!   `parallel`: independent work spread over the cores; [`hygiene`]: process hardening
//!   (no core dumps).
//! - [`source`]: reading passphrases, secrets and documents from a file, a descriptor or
//!   stdin; [`kdf`]: Argon2id and its parameters (`calibrate`: measuring this machine);
//!   [`passphrase`]: what guessing a new passphrase costs (`cost`: the measured GPU model
//!   and the floor) and generated passphrases (`generate`).
//! - [`credential`]: one exchange key: `entry` (the schema), `exchange` (the exchanges and
//!   their ids), `validate` (shape checks and the one admission step), `fingerprint`,
//!   `lifecycle` (what a rotated key inherits), `exec` (what a child process is given:
//!   profiles for bots, masking of its output), `kraken_uri` (Kraken's key QR code),
//!   `details` (what a key has beyond its credential, which paper keeps apart), `expiry`
//!   (the exchanges' own rules for turning keys off, dated and sourced), `otp` (Kraken's
//!   API-key 2FA: a password or an authenticator's seed, and its RFC 6238 codes), `paste` (what a
//!   pasted value looks like: a secret given as the public key, a URI given as a secret or a
//!   file, a shortened key, an authenticator's QR code).
//! - [`vault`]: the vault file and everything beside it: `format` (the byte layout of
//!   docs/FORMAT.md), `payload` (the sealed document), `backup_log` (the vault's record of
//!   its backups), `store` (lock, atomic save, generations), `unlock` (the
//!   [`vault::Unlock`] trait: how a front end gives the vault key, by passphrase or a key
//!   it keeps), `open` (creating, and opening to read or to change), `locked` (the
//!   [`vault::LockedVault`], holding the lock: the only type that saves), `save` (sealing,
//!   the read-back check, no write when nothing changed), `rekey` (a passphrase change
//!   or `rekey` gives a new vault key), `slots` (listing, adding and removing keyslots;
//!   an age slot is wrapped from its public recipient), `run_lock` (one running bot per
//!   key, for `exec`), `runtime_dir` (the private directory the run locks live in),
//!   `entries` (the vault's operations, each of which completes or changes nothing),
//!   `verify` (fingerprints recomputed and compared, each mismatch typed), `merge` (how
//!   entries from a backup join the vault: import plans and comparisons) and the
//!   [`vault::Vault`] type.
//! - [`backup`]: copies that leave the vault: `agefile` (age encryption), `export` (the
//!   export document), `paper` (printed sheets), `handoff` (keys for a password manager:
//!   KeePass XML and `pass` entries).
//! - [`movein`]: keys read from where bot users keep them (`freqtrade` configs, with
//!   `relaxed` JSON; `env` files; `ccxt`'s keys.local.json; password managers, each entry an
//!   `item`: `keepass` XML read by the bounded `xml` reader, `bitwarden`'s JSON export,
//!   `pass` entries) into new entries and a plan of what became what (`key`: one key found,
//!   its exchange and its unique label); `strip` takes the keys out of a freqtrade config
//!   or env file once the vault holds them.
//! - [`sign`]: the signing service for bots (docs/SIGNING.md): `keys` (what an entry signs
//!   with), the exchanges' constructions (`kraken`, `binance`, `okx`, `coinbase`), the
//!   `protocol`'s lines, the `policy` every request passes, per-key `nonce` issuers, the
//!   `journal`, one request's `service`, and the socket `server`; [`ops`]: use cases over
//!   an open vault: `request` (vault operations as requests that cross a socket, and
//!   `execute`), `reply` (what each request gives back, one struct per kind), `change`
//!   (the requests that change the vault, run under its lock), `exec` (the entries `exec`
//!   hands over), `backup` (what a backup takes from the vault, and a backup compared with
//!   it), `outgoing` (a backup written, and only then its record), `make_backup` (export
//!   and print, each one call through a session), `read_backup` (an export opened, a
//!   sheet read back, a backup compared), `ui` (what a use case shows its front end),
//!   `new_vault` (a vault made from a backup's entries), `bring_in` (entries merged into
//!   a vault or made into a new one), `rotate` (a key rotated: checked, asked, made),
//!   `session` (where requests run:
//!   locally, or in an agent), `status`, `audit` (what needs attention) and `list` (which
//!   entries a listing shows).
//! - [`agent`]: unlock once (docs/AGENT.md): `socket_dir` (where sockets live, and the
//!   checks both sides make), `protocol` (the lines), `timers` (idle and absolute limits,
//!   an injected clock), `locked_key` (the key in one locked page), `state` (unlocked or
//!   locked, the checks before each use), `header` (a vault's id and keyslots without its
//!   key), `server`, `client`, `error`; [`peer`]: who is at the other end of a Unix socket; [`run`]: where `exec` keeps a running bot's
//!   state outside the vault (journal, nonces, the signing clock).
//! - [`hygiene`]: process hardening (no core dumps); `parallel`: independent work spread
//!   over the cores.
//!
//! The byte-level modules (`crypto`, `vault::format`, `vault::payload`,
//! `backup::paper::codes`) are private to the crate; the `internals` feature makes them
//! public for keycellar's own tests and fuzzers, and compiles in the fault hook that kills
//! or fails a command at any step at which it writes a file.

/// Declares a module that is public with the `internals` feature (for keycellar's own
/// tests and fuzzers) and private to the crate otherwise.
macro_rules! internal_mod {
    ($name:ident) => {
        #[cfg(feature = "internals")]
        pub mod $name;
        #[cfg(not(feature = "internals"))]
        pub(crate) mod $name;
    };
}

pub mod agent;
pub mod backup;
pub mod clock;
pub mod credential;
internal_mod!(crypto);
pub mod error;
pub mod hygiene;
pub mod kdf;
pub mod movein;
pub mod ops;
mod parallel;
pub mod passphrase;
pub mod peer;
pub mod run;
pub mod secret;
pub mod sign;
pub mod source;
pub mod untrusted;
pub mod vault;
pub mod wording;

pub use error::{Error, Result};
