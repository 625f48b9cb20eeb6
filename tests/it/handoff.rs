//! Keys handed to a password manager and read back with the real tools from Debian, never
//! through a plaintext file: keycellar -> KeePass XML -> `keepassxc-cli import` ->
//! `keepassxc-cli export` -> `keycellar import --from keepassxc`, and keycellar -> `pass
//! insert` (a throwaway GPG key made here) -> `pass show` -> `keycellar import --from pass`,
//! each giving the same keys with the same fingerprints. After every step, no file in the
//! working directory or `$TMPDIR` holds a piece of a secret.

use crate::common::workplace::{Workplace, output_of};
use crate::common::*;
use std::collections::BTreeMap;
use std::fs;
use std::path::Path;
use std::process::Command;

const OKX_KEY: &str = "5c0c6d1e-7a2b-4c3d-8e4f-9a0b1c2d3e4f";
const OKX_SECRET: &str = "4F3E2D1C0B0A99887766554433221100";
/// XML's special characters, and spaces inside.
const OKX_PASSPHRASE: &str = "hand <over> & \"keep\" it's";

/// A Kraken key and an OKX key with an API passphrase and an account, added from stdin.
fn workplace() -> Workplace {
    let wp = Workplace::new();
    let entries = format!(
        r#"[{{"label": "kraken-grid-bot", "exchange": "kraken", "api_key": "{KRAKEN_KEY}",
             "secret": "{KRAKEN_SECRET}"}},
            {{"label": "okx-tax", "exchange": "okx", "api_key": "{OKX_KEY}",
             "secret": "{OKX_SECRET}", "api_passphrase": "{}", "account_ref": "42"}}]"#,
        OKX_PASSPHRASE.replace('"', "\\\"")
    );
    output_of(
        wp.keycellar().args(["add", "--from-json", "-"]),
        entries.as_bytes(),
    );
    wp
}

const SECRETS: [&str; 3] = [KRAKEN_SECRET, OKX_SECRET, OKX_PASSPHRASE];

/// Each label of the vault with its fingerprint.
fn fingerprints(wp: &Workplace, vault: &Path) -> BTreeMap<String, String> {
    let list = output_of(
        wp.keycellar()
            .arg("--vault")
            .arg(vault)
            .args(["--json", "list", "--all"]),
        b"",
    );
    let list: serde_json::Value = serde_json::from_slice(&list).unwrap();
    let entries = list["entries"].as_array().unwrap().iter();
    entries
        .map(|e| {
            let label = e["label"].as_str().unwrap().to_string();
            (label, e["fingerprint"].as_str().unwrap().to_string())
        })
        .collect()
}

/// Imports `text` from stdin into the vault `back.kc` (made by the first import).
fn import_back(wp: &Workplace, format: &str, text: &[u8]) {
    let back = wp.dir().join("back.kc");
    let mut cmd = wp.keycellar();
    cmd.arg("--vault").arg(&back);
    cmd.args(["import", "--from", format, "-"]);
    if !back.exists() {
        cmd.arg("--init").args(FAST_KDF);
    }
    output_of(&mut cmd, text);
}

#[test]
fn keepass_xml_through_keepassxc_and_back_keeps_every_fingerprint() {
    let wp = workplace();
    // A key file, not a password: keepassxc-cli would ask for one on the standard input,
    // where the XML comes in.
    fs::write(wp.dir().join("db.key"), b"a throwaway KeePassXC key file").unwrap();
    let xml = output_of(
        wp.keycellar().args(["export", "--format", "keepass-xml"]),
        b"",
    );
    let import = ["import", "-q", "--set-key-file", "db.key", "-t", "100"];
    let mut cmd = wp.tool("keepassxc-cli");
    output_of(cmd.args(import).args(["/dev/stdin", "db.kdbx"]), &xml);
    drop(xml);
    wp.sweep(&SECRETS, &[], "keepassxc-cli import");
    let export = ["export", "-q", "-k", "db.key", "--no-password", "db.kdbx"];
    let exported = output_of(wp.tool("keepassxc-cli").args(export), b"");
    import_back(&wp, "keepassxc", &exported);
    wp.sweep(&SECRETS, &[], "import --from keepassxc");
    let back = wp.dir().join("back.kc");
    assert_eq!(fingerprints(&wp, &back), fingerprints(&wp, &wp.tv.vault));
    let shown = output_of(
        wp.keycellar()
            .arg("--vault")
            .arg(&back)
            .args(["--json", "show", "okx-tax", "--reveal"]),
        b"",
    );
    let shown: serde_json::Value = serde_json::from_slice(&shown).unwrap();
    assert_eq!(shown["api_passphrase"], OKX_PASSPHRASE);
    assert_eq!(shown["account_ref"], "42");
}

#[test]
fn keepass_xml_goes_only_into_a_pipe() {
    let wp = workplace();
    let refused = |mut cmd: Command, why: &str| {
        let out = cmd.output().unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{stderr}");
        assert!(stderr.contains(why), "{stderr}");
    };
    let xml = wp.dir().join("keys.xml");
    let mut to_file = wp.keycellar();
    to_file
        .args(["export", "--format", "keepass-xml", "-o"])
        .arg(&xml);
    refused(to_file, "keys.xml is not a pipe");
    let mut redirected = wp.keycellar();
    redirected
        .args(["export", "--format", "keepass-xml"])
        .stdout(fs::File::create(&xml).unwrap());
    refused(redirected, "standard output is a file, not a pipe");
    assert_eq!(fs::read(&xml).unwrap(), b"", "the refused export wrote");
    fs::remove_file(&xml).unwrap();
    // A path that is a link to a pipe (`-o /dev/stdout`, `-o >(...)`) reaches the pipe.
    let mut through_link = wp.keycellar();
    through_link.args(["export", "--format", "keepass-xml", "-o", "/dev/stdout"]);
    let sent = String::from_utf8(output_of(&mut through_link, b"")).unwrap();
    assert!(sent.contains("<KeePassFile>") && sent.contains(KRAKEN_SECRET));
    wp.sweep(&SECRETS, &[], "refused exports");
    // Asked for, the file is written, 0600.
    let mut forced = wp.keycellar();
    forced.args([
        "export",
        "--format",
        "keepass-xml",
        "--force-plaintext",
        "-o",
    ]);
    output_of(forced.arg(&xml), b"");
    use std::os::unix::fs::PermissionsExt;
    assert_eq!(
        fs::metadata(&xml).unwrap().permissions().mode() & 0o777,
        0o600
    );
    assert!(
        String::from_utf8(fs::read(&xml).unwrap())
            .unwrap()
            .contains(KRAKEN_SECRET)
    );
}

/// A GPG home with a throwaway key (no passphrase) and a password store for it; its agent
/// is stopped when dropped.
struct PassStore<'a> {
    wp: &'a Workplace,
}

impl<'a> PassStore<'a> {
    fn new(wp: &'a Workplace) -> PassStore<'a> {
        let home = wp.dir().join("gnupg");
        fs::create_dir(&home).unwrap();
        use std::os::unix::fs::PermissionsExt;
        fs::set_permissions(&home, fs::Permissions::from_mode(0o700)).unwrap();
        let store = PassStore { wp };
        let uid = "keycellar test <test@keycellar.invalid>";
        let gen_key = ["--batch", "--pinentry-mode", "loopback", "--passphrase", ""];
        let mut gpg = store.tool("gpg");
        run(gpg
            .args(gen_key)
            .args(["--quick-gen-key", uid, "default", "default", "never"]));
        let keys = run(store.tool("gpg").args(["--list-keys", "--with-colons"]));
        let keys = String::from_utf8(keys).unwrap();
        let fingerprint = keys
            .lines()
            .find_map(|l| l.strip_prefix("fpr:"))
            .map(|l| l.trim_matches(':').to_string())
            .unwrap();
        run(store.tool("pass").args(["init", &fingerprint]));
        store
    }

    /// A command with this store's GPG home and password store.
    fn env(&self, mut cmd: Command) -> Command {
        cmd.env("GNUPGHOME", self.wp.dir().join("gnupg"))
            .env("PASSWORD_STORE_DIR", self.wp.dir().join("store"));
        cmd
    }

    fn tool(&self, name: &str) -> Command {
        self.env(self.wp.tool(name))
    }

    fn keycellar(&self) -> Command {
        self.env(self.wp.keycellar())
    }
}

impl Drop for PassStore<'_> {
    fn drop(&mut self) {
        let _ = self.tool("gpgconf").args(["--kill", "gpg-agent"]).output();
    }
}

#[test]
fn pass_insert_and_show_and_back_keeps_every_fingerprint() {
    let wp = workplace();
    let store = PassStore::new(&wp);
    for label in ["kraken-grid-bot", "okx-tax"] {
        let name = format!("exchanges/{label}");
        output_of(
            store
                .keycellar()
                .args(["export", "--to", "pass", &name, label]),
            b"",
        );
        wp.sweep(&SECRETS, &[], "export --to pass");
    }
    // pass replaces an entry without asking when its input is no terminal; keycellar does
    // not, unless told to.
    let again = store
        .keycellar()
        .args([
            "export",
            "--to",
            "pass",
            "exchanges/okx-tax",
            "kraken-grid-bot",
        ])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&again.stderr);
    assert!(!again.status.success() && stderr.contains("has an entry \"exchanges/okx-tax\""));
    for label in ["kraken-grid-bot", "okx-tax"] {
        let shown = output_of(
            store
                .tool("pass")
                .args(["show", &format!("exchanges/{label}")]),
            b"",
        );
        import_back(&wp, "pass", &shown);
        wp.sweep(&SECRETS, &[], "import --from pass");
    }
    assert_eq!(
        fingerprints(&wp, &wp.dir().join("back.kc")),
        fingerprints(&wp, &wp.tv.vault)
    );
}
