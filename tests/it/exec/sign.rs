//! `exec --profile sign` (issue 32): the Python client (clients/python) as the bot, checking
//! Kraken's documented vector end to end with the nonce fixed by the test clock; the bot gets
//! the public key and the socket, never the secret; a withdrawal is refused unless
//! `--allow-withdraw`; the service ends with the bot; `history --signatures` shows the journal.

use crate::common::*;
use serde_json::Value;
use std::fs;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::Command;

/// Kraken's documented example (docs.kraken.com, "Authentication").
const SECRET: &str =
    "kQH5HW/8p1uGOVjbgWA7FunAmGO8lsSUXNsu3eow76sz84Q18fWxnyRzBHCd3pd5nE9qa99HAZtuZuj6F1huXg==";
const NONCE: &str = "1616492376594";
const BODY: &str = "ordertype=limit&pair=XBTUSD&price=37500&type=buy&volume=1.25";
const API_SIGN: &str =
    "4/dpxb3iT4tp/ZCVEwSnEsLxx0bqyhLpdfOpc6fn7OR8+UClSV5n9E6aSS8MPtnRfp32bAb0nmbRn6H8ndwLUQ==";

const BOT: &str = r#"
import json, os, sys
from keycellar_sign import Signer, SignError
signer = Signer()
answer = signer.sign("POST", "/0/private/AddOrder", body=sys.argv[1])
try:
    signer.sign("POST", "/0/private/Withdraw", body="asset=XBT&key=mine&amount=1")
    withdraw = "signed"
except SignError as e:
    withdraw = e.kind
print(json.dumps({"answer": answer, "withdraw": withdraw, "env": dict(os.environ)}))
"#;

/// The run's directories: state (journal, nonces) and runtime (socket, locks: the test's
/// own, [`TestVault::runtime`]).
struct Dirs {
    state: PathBuf,
    runtime: PathBuf,
}

fn dirs(tv: &TestVault) -> Dirs {
    let state = tv.dir.path().join("state");
    fs::create_dir(&state).unwrap();
    fs::set_permissions(&state, fs::Permissions::from_mode(0o700)).unwrap();
    Dirs {
        state,
        runtime: tv.runtime(),
    }
}

fn keycellar(tv: &TestVault, dirs: &Dirs) -> Command {
    let mut cmd = Command::new(assert_cmd::cargo::cargo_bin("keycellar"));
    cmd.env_remove("KEYCELLAR_VAULT")
        .env("XDG_STATE_HOME", &dirs.state)
        .env("KEYCELLAR_TEST_USER_DIRS", tv.user.path())
        .env("KEYCELLAR_TEST_CLOCK_MS", NONCE)
        .arg("--vault")
        .arg(&tv.vault)
        .arg("--passphrase-file")
        .arg(&tv.pass_file);
    cmd
}

fn run_bot(tv: &TestVault, dirs: &Dirs, extra: &[&str]) -> Value {
    let bot = tv.file("bot.py", BOT);
    let clients = Path::new(env!("CARGO_MANIFEST_DIR")).join("clients/python");
    let out = keycellar(tv, dirs)
        .args(["exec", "k", "--profile", "sign", "--no-masking"])
        .args(extra)
        .args(["--", "python3"])
        .arg(&bot)
        .arg(BODY)
        .env("PYTHONPATH", &clients)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

/// A vault whose entry `k` holds Kraken's documented example secret.
fn vector_vault() -> TestVault {
    let tv = TestVault::new();
    let secret = tv.file("kraken-vector-secret", SECRET);
    tv.cmd()
        .args(["add", "k", "--exchange", "kraken", "--key", KRAKEN_KEY])
        .arg("--secret-file")
        .arg(&secret)
        .assert()
        .success();
    tv
}

#[test]
fn the_python_client_signs_krakens_vector_through_exec_profile_sign() {
    let tv = vector_vault();
    let dirs = dirs(&tv);
    let seen = run_bot(&tv, &dirs, &[]);
    let answer = &seen["answer"];
    assert_eq!(answer["nonce"], NONCE);
    assert_eq!(answer["body"], format!("nonce={NONCE}&{BODY}"));
    assert_eq!(answer["headers"]["API-Sign"], API_SIGN);
    assert_eq!(answer["headers"]["API-Key"], KRAKEN_KEY);
    assert_eq!(
        seen["withdraw"], "refused",
        "withdrawals are refused by default"
    );

    let env = seen["env"].as_object().unwrap();
    assert_eq!(env["KRAKEN_API_KEY"], KRAKEN_KEY);
    let socket = PathBuf::from(env["KEYCELLAR_SIGN_SOCK"].as_str().unwrap());
    assert!(socket.starts_with(&dirs.runtime), "{socket:?}");
    assert!(!socket.exists(), "the service ended with the bot");
    let all = serde_json::to_string(env).unwrap();
    assert!(
        !all.contains(SECRET) && !all.contains(&SECRET[..16]),
        "no secret"
    );

    let history = keycellar(&tv, &dirs)
        .args(["--json", "history", "k", "--signatures"])
        .output()
        .unwrap();
    assert!(history.status.success());
    let history: Value = serde_json::from_slice(&history.stdout).unwrap();
    let records = history["signatures"].as_array().unwrap();
    let outcomes: Vec<&str> = records
        .iter()
        .map(|r| r["outcome"].as_str().unwrap())
        .collect();
    assert_eq!(outcomes, ["signed", "refused"], "{history}");
    assert_eq!(records[0]["nonce"], NONCE);
    assert_eq!(records[1]["path"], "/0/private/Withdraw");
    let text = keycellar(&tv, &dirs)
        .args(["history", "k", "--signatures"])
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&text.stdout);
    assert!(
        text.contains("signed") && text.contains("/0/private/AddOrder"),
        "{text}"
    );
    assert!(!text.contains(SECRET));

    // Nonces keep rising across runs; --allow-withdraw lets the withdrawal be signed.
    let again = run_bot(&tv, &dirs, &["--allow-withdraw"]);
    let nonce: u64 = again["answer"]["nonce"].as_str().unwrap().parse().unwrap();
    assert!(nonce > NONCE.parse().unwrap(), "{nonce}");
    assert_eq!(again["withdraw"], "signed");
}

#[test]
fn sign_options_need_the_sign_profile() {
    let tv = TestVault::new();
    tv.add_kraken("k").success();
    let out = tv
        .cmd()
        .args(["exec", "k", "--allow-withdraw", "--", "true"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
}

/// A bot that leaves a process behind holding its output: the process connects while the
/// bot runs, waits until the bot has ended (it is reparented), then asks for a signature on
/// that connection and on a new one; it prints what each got.
const ORPHAN_BOT: &str = r#"
import json, os, socket, sys, time
path = os.environ["KEYCELLAR_SIGN_SOCK"]
request = b'{"v":1,"op":"sign","method":"POST","path":"/0/private/AddOrder","body":"pair=XBTUSD&type=buy&ordertype=market&volume=1"}\n'
ready_r, ready_w = os.pipe()
bot = os.getpid()
if os.fork() == 0:
    early = socket.socket(socket.AF_UNIX); early.connect(path)
    os.write(ready_w, b"x")
    while os.getppid() == bot:
        time.sleep(0.01)
    def ask(s):
        try:
            s.sendall(request)
            line = s.makefile("rb").readline()
            return json.loads(line).get("ok") and "signed" or "refused" if line else "closed"
        except OSError:
            return "closed"
    late = socket.socket(socket.AF_UNIX)
    try:
        late.connect(path)
        late_answer = ask(late)
    except OSError:
        late_answer = "closed"
    with open(sys.argv[1], "w") as out:
        out.write(json.dumps({"early": ask(early), "late": late_answer}))
    os._exit(0)
os.read(ready_r, 1)
"#;

#[test]
fn a_process_the_bot_leaves_behind_gets_no_signature() {
    let tv = TestVault::new();
    tv.add_kraken("k").success();
    let dirs = dirs(&tv);
    let bot = tv.file("orphan.py", ORPHAN_BOT);
    let seen = tv.dir.path().join("seen.json");
    let out = keycellar(&tv, &dirs)
        .args(["exec", "k", "--profile", "sign", "--", "python3"])
        .arg(&bot)
        .arg(&seen)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let seen: Value = serde_json::from_str(&fs::read_to_string(&seen).unwrap()).unwrap();
    for (connection, answer) in seen.as_object().unwrap() {
        assert_ne!(
            answer, "signed",
            "{connection} connection signed after the bot ended"
        );
    }
}

/// The signing journal and nonce stores are found from the uid, not the environment: a run
/// with another `XDG_STATE_HOME` continues the first run's nonces (an attacker pass had two
/// such runs issue thousands of the same nonces), and a FIFO planted where the journal is
/// makes the next run fail at once instead of hanging.
#[test]
fn runs_in_other_environments_share_nonces_and_a_planted_fifo_is_refused() {
    let tv = vector_vault();
    let first = run_bot(&tv, &dirs(&tv), &[]);
    assert_eq!(first["answer"]["nonce"], NONCE);
    let other = Dirs {
        state: tv.dir.path().join("other-state"),
        runtime: tv.runtime(),
    };
    fs::create_dir(&other.state).unwrap();
    let second = run_bot(&tv, &other, &[]);
    let nonce: u64 = second["answer"]["nonce"].as_str().unwrap().parse().unwrap();
    assert!(
        nonce > NONCE.parse().unwrap(),
        "the nonce went back: {nonce}"
    );

    let journal = fs::read_dir(tv.runtime())
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .find(|p| {
            p.file_name()
                .unwrap()
                .to_string_lossy()
                .starts_with("journal-")
        })
        .expect("the journal is in the runtime directory");
    fs::remove_file(&journal).unwrap();
    assert!(
        Command::new("mkfifo")
            .arg(&journal)
            .status()
            .unwrap()
            .success()
    );
    let mut run = keycellar(&tv, &other)
        .args(["exec", "k", "--profile", "sign", "--", "true"])
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    // Only a failure waits this long: a run that opens the FIFO blocks for ever.
    let mut waited = 0;
    let status = loop {
        if let Some(status) = run.try_wait().unwrap() {
            break status;
        }
        if waited == 600 {
            run.kill().unwrap();
            panic!("exec hung on the journal FIFO");
        }
        std::thread::sleep(std::time::Duration::from_millis(100));
        waited += 1;
    };
    assert_eq!(status.code(), Some(1), "refused as an I/O failure");
}

/// A bot that takes away the lock file its signing service holds the key with (any process
/// of the user can: the runtime directory is the user's), after one signature, in the way
/// `argv[3]` names: removes it, hides it and puts it back, or moves the whole directory
/// away and makes a new one where starts look.
const LOCK_TAKING_BOT: &str = r#"
import glob, json, os, socket, sys
runtime, seen, how = sys.argv[1], sys.argv[2], sys.argv[3]
path = os.environ["KEYCELLAR_SIGN_SOCK"]
request = b'{"v":1,"op":"sign","method":"POST","path":"/0/private/AddOrder","body":"pair=XBTUSD&type=buy&ordertype=market&volume=1"}\n'
def ask():
    s = socket.socket(socket.AF_UNIX)
    s.connect(path)
    s.sendall(request)
    return json.loads(s.makefile("rb").readline())
before = ask()
[lock] = glob.glob(os.path.join(runtime, "sign-*"))
if how == "remove":
    os.remove(lock)
elif how == "hide":
    os.rename(lock, lock + ".hidden")
    os.rename(lock + ".hidden", lock)
else:
    os.rename(runtime, runtime + ".old")
    os.mkdir(runtime, 0o700)
    path = path.replace(runtime, runtime + ".old", 1)
after = ask()
with open(seen, "w") as out:
    json.dump({"before": before, "after": after}, out)
"#;

/// A signing service whose run lock was taken away (so that the next start of the key
/// finds it free, and a bot holding the secret may start beside it) signs no more, however
/// it was taken and even when it was put back: one nonce source on the key, whatever the
/// bot does to the runtime directory.
#[test]
fn a_signing_service_whose_lock_was_taken_away_signs_no_more() {
    for how in ["remove", "hide", "move-directory"] {
        let tv = TestVault::new();
        tv.add_kraken("k").success();
        let dirs = dirs(&tv);
        let bot = tv.file("taker.py", LOCK_TAKING_BOT);
        let seen = tv.dir.path().join("seen.json");
        let out = keycellar(&tv, &dirs)
            .args(["exec", "k", "--profile", "sign", "--", "python3"])
            .arg(&bot)
            .arg(&dirs.runtime)
            .arg(&seen)
            .arg(how)
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(out.status.success(), "{how}: {stderr}");
        let seen: Value = serde_json::from_str(&fs::read_to_string(&seen).unwrap()).unwrap();
        assert_eq!(seen["before"]["ok"], true, "{how}: {seen}");
        assert_eq!(
            seen["after"]["error"]["kind"], "shutting-down",
            "{how}: {seen}"
        );
    }
}
