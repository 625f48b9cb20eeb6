//! A signing service for bench/sign.sh: Kraken's documented example key (a published test
//! key, not a real one), its stores in a temporary directory. Prints the socket path, serves
//! until standard input closes, then stops.

use keycellar::credential::entry::NewEntry;
use keycellar::credential::exchange::Exchange;
use keycellar::secret::Secret;
use keycellar::sign::{SignServer, SignServerConfig, SigningKey};
use std::io::{Read, Write};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let entry = NewEntry {
        label: "bench".into(),
        exchange: Exchange::Kraken,
        api_key: "CJbfPw4tnbf/9en/ZmpewCTKEwmmzO18LXZcHQcu7HPLWre4l8+V9I3y".into(),
        secret: Secret::new(
            "kQH5HW/8p1uGOVjbgWA7FunAmGO8lsSUXNsu3eow76sz84Q18fWxnyRzBHCd3pd5nE9qa99HAZtuZuj6F1huXg=="
                .into(),
        ),
        api_passphrase: None,
        otp_seed: None,
        key_version: None,
        account_ref: None,
        permissions: vec![],
        ip_allowlist: vec![],
        expires: None,
        created: None,
        notes: None,
        used_by: vec![],
    }
    .into_entry();
    let dir = tempfile::tempdir()?;
    let config = SignServerConfig::new(
        vec![SigningKey::from_entry(&entry)?],
        dir.path().join("journal"),
        dir.path().join("nonces"),
        dir.path().to_path_buf(),
    );
    let server = SignServer::start(config)?;
    let mut stdout = std::io::stdout();
    writeln!(stdout, "{}", server.socket_path().display())?;
    stdout.flush()?;
    std::io::stdin().read_to_end(&mut Vec::new())?;
    server.stop();
    Ok(())
}
