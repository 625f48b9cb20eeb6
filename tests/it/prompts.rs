//! Every prompt in a real pseudo-terminal, left the ways a person leaves it: Ctrl-C ends
//! keycellar with 130 and Ctrl-D with its own message, and either way the terminal is given
//! back as it was (echo and line editing on), which `stty -a` checks in the shell that ran
//! keycellar. A PEM key pasted at the secret prompt is read whole, and none of its lines is
//! left for the shell to run.

use crate::common::*;
use rexpect::session::{PtySession, spawn_command};
use std::path::Path;
use std::process::Command;

/// How a prompt is left.
#[derive(Clone, Copy, Debug)]
enum Leave {
    CtrlC,
    CtrlD,
}

/// Runs keycellar in `sh` in a pty, then has the shell report keycellar's exit code and the
/// terminal's settings, and echo the next line it reads (what a pasted key left over would
/// be run as). The shell survives Ctrl-C (its trap runs a command, so keycellar still gets
/// the default action and its own handler).
fn spawn_in_shell(tv: &TestVault, args: &[&str]) -> PtySession {
    let script = "trap 'echo shell-saw-interrupt' INT; stty echo icanon; \"$0\" \"$@\"; \
                  echo \"exit=$?\"; stty -a | tr ' ;' '\\n\\n' | grep -x -e echo -e -echo \
                  -e icanon -e -icanon | tr '\\n' ' '; echo; IFS= read -r next; \
                  echo \"next=[$next]\"";
    let mut cmd = Command::new("sh");
    cmd.env_remove("KEYCELLAR_VAULT")
        .env("NO_COLOR", "1")
        .current_dir(tv.dir.path())
        .args(["-c", script])
        .arg(assert_cmd::cargo::cargo_bin("keycellar"))
        .arg("--vault")
        .arg(&tv.vault)
        .args(args);
    spawn_command(cmd, Some(60_000)).unwrap()
}

/// What the shell reported after keycellar ended: its exit code, the terminal modes, and
/// what it showed before.
fn after_exit(session: &mut PtySession) -> (i32, String, String) {
    let screen = session.exp_string("exit=").unwrap();
    let code = session.exp_regex(r"^\d+").unwrap().1.parse().unwrap();
    let (_, modes) = session.exp_regex(r"(-?echo|-?icanon)[ a-z-]*").unwrap();
    (code, modes, screen)
}

/// The line the shell read after keycellar: `MARKER` unless keycellar left input behind.
fn next_line(session: &mut PtySession) -> String {
    session.send_line("MARKER").unwrap();
    session.exp_string("next=[").unwrap();
    let rest = session.exp_string("]").unwrap();
    session.exp_eof().unwrap();
    rest
}

/// One prompt to leave: the command, the prompts answered before it, and its own text.
struct Case {
    args: Vec<String>,
    answers: Vec<(&'static str, String)>,
    prompt: &'static str,
}

fn case(args: &[&str], answers: &[(&'static str, &str)], prompt: &'static str) -> Case {
    Case {
        args: args.iter().map(|a| a.to_string()).collect(),
        answers: answers.iter().map(|(p, a)| (*p, a.to_string())).collect(),
        prompt,
    }
}

const VAULT: (&str, &str) = ("Vault passphrase:", PASSPHRASE);
const STRONG: &str = "quartz lantern meadow orbit velvet canyon";

/// Every prompt keycellar shows, with what it takes to reach it.
fn every_prompt(tv: &TestVault) -> Vec<Case> {
    let pass = tv.pass_file.to_str().unwrap();
    let new = ("New vault passphrase:", STRONG);
    let export = ("Passphrase for this export", STRONG);
    let fast = FAST_KDF.to_vec();
    let init = [&["init"][..], &fast].concat();
    let import_init = [&["import", "--init", "keys.age", "-i", "id.txt"][..], &fast].concat();
    let add = ["add", "okx-bot", "--exchange", "okx"];
    vec![
        case(&init, &[], "New vault passphrase:"),
        case(&init, &[new], "Repeat the passphrase:"),
        // Calibration draws a spinner first, which starts the signal thread early.
        case(&["init", "--kdf-memory", "8"], &[], "New vault passphrase:"),
        case(&["list"], &[], "Vault passphrase:"),
        case(&["passwd"], &[VAULT], "New vault passphrase:"),
        case(&["passwd"], &[VAULT, new], "Repeat the passphrase:"),
        case(&import_init, &[], "New vault passphrase:"),
        case(&add, &[], "Public API key:"),
        case(
            &add,
            &[("Public API key:", "okx-public")],
            "API secret (hidden):",
        ),
        case(
            &add,
            &[("Public API key:", "k"), ("API secret (hidden):", "s")],
            "API passphrase (hidden):",
        ),
        case(&["remove", "kraken-grid-bot"], &[VAULT], "type its label"),
        case(&["export", "-o", "p.age", "--passphrase"], &[], export.0),
        case(
            &["export", "-o", "p.age", "--passphrase"],
            &[export],
            "Repeat the passphrase:",
        ),
        case(
            &["import", "pass.age", "--dry-run"],
            &[],
            "Backup passphrase:",
        ),
        case(
            &["print", "-o", "s.pdf"],
            &[],
            "Passphrase for this paper sheet",
        ),
        case(
            &["print", "-o", "s.pdf", "--generate-passphrase"],
            &[],
            "Type it back",
        ),
        case(
            &[
                "--passphrase-file",
                pass,
                "import",
                "ssh.age",
                "-i",
                "ssh-key",
            ],
            &[],
            "passphrase",
        ),
    ]
}

/// A vault with one key, and the backups the prompts above open: `keys.age` for `id.txt`,
/// `pass.age` under a passphrase, and `ssh.age` for an SSH key under a passphrase.
fn workplace() -> TestVault {
    let tv = TestVault::new();
    tv.add_kraken("kraken-grid-bot").success();
    let dir = tv.dir.path();
    let recipient = tv.stdout(&["keygen", "-o", &dir.join("id.txt").display().to_string()]);
    let export = |name: &str, to: &[&str]| {
        tv.cmd()
            .current_dir(dir)
            .args(["export", "-o", name])
            .args(to)
            .assert()
            .success();
    };
    export("keys.age", &["-r", recipient.trim()]);
    let strong = tv.file("strong", STRONG);
    export(
        "pass.age",
        &[
            "--passphrase",
            "--backup-passphrase-file",
            strong.to_str().unwrap(),
        ],
    );
    run(tool("ssh-keygen")
        .args(["-q", "-t", "ed25519", "-N", STRONG, "-C", "", "-f"])
        .arg(dir.join("ssh-key")));
    let public = std::fs::read_to_string(dir.join("ssh-key.pub")).unwrap();
    export("ssh.age", &["-r", public.trim()]);
    tv
}

/// Takes a fresh copy of the vault for each case, so that what one case does cannot
/// change the next.
fn reset(tv: &TestVault, pristine: &Path) {
    std::fs::copy(pristine, &tv.vault).unwrap();
}

#[test]
fn every_prompt_left_with_ctrl_c_or_ctrl_d_gives_the_terminal_back() {
    let tv = workplace();
    let pristine = tv.dir.path().join("pristine.kc");
    std::fs::copy(&tv.vault, &pristine).unwrap();
    let mut wrong = Vec::new();
    for case in every_prompt(&tv) {
        for leave in [Leave::CtrlC, Leave::CtrlD] {
            reset(&tv, &pristine);
            if case.args[0] == "init" || case.args.contains(&"--init".to_string()) {
                std::fs::remove_file(&tv.vault).unwrap();
            }
            let args: Vec<&str> = case.args.iter().map(String::as_str).collect();
            let mut session = spawn_in_shell(&tv, &args);
            for (prompt, answer) in &case.answers {
                session.exp_string(prompt).unwrap();
                session.send_line(answer).unwrap();
            }
            session.exp_string(case.prompt).unwrap();
            match leave {
                Leave::CtrlC => session.send_control('c').unwrap(),
                Leave::CtrlD => session.send_control('d').unwrap(),
            }
            let (code, modes, screen) = after_exit(&mut session);
            let leftover = next_line(&mut session);
            let what = format!("{args:?} at {:?}, {leave:?}", case.prompt);
            let expected = match leave {
                Leave::CtrlC => code == 130,
                // An SSH key's passphrase is asked by age, which reports Ctrl-D its own way.
                Leave::CtrlD => {
                    code == 1 && screen.contains("input ended (Ctrl-D)")
                        || case.prompt == "passphrase" && code != 2
                }
            };
            if !expected || screen.contains("no terminal") {
                wrong.push(format!("{what}: exit {code}\n{screen}"));
            }
            if modes.split_whitespace().collect::<Vec<_>>() != ["icanon", "echo"] {
                wrong.push(format!("{what}: the terminal was left as {modes:?}"));
            }
            if leftover != "MARKER" {
                wrong.push(format!("{what}: the shell read {leftover:?}"));
            }
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n\n"));
}

/// A Coinbase CDP private key, as its download shows it (a throwaway key made for this test).
const CDP_PEM: &str = "-----BEGIN EC PRIVATE KEY-----
MHcCAQEEICZqh8QP3ZLiXyuZ/Fl/3mt7WW8y+2J9+toNAYZTwg5EoAoGCCqGSM49
AwEHoUQDQgAEe3QNTF60sY43vVFvO3YKTOhuPnvV5w2Uh+QoV0Q/0d//RkkWI0qd
JKfqWQgeYlaGAjIW75lK5tbBnEoolRK+8w==
-----END EC PRIVATE KEY-----";
const CDP_KEY: &str = "organizations/0a1b2c3d/apiKeys/8c1f5b2e-3d4a-4b6c-9e7f-0a1b2c3d4e5f";

#[test]
fn a_pasted_pem_key_is_read_whole_and_nothing_is_left_for_the_shell() {
    let tv = TestVault::new();
    let pass = tv.pass_file.to_str().unwrap().to_string();
    let add = |label: &str| {
        let args = [
            "--passphrase-file",
            &pass,
            "add",
            label,
            "--exchange",
            "coinbase",
        ];
        spawn_in_shell(&tv, &[&args[..], &["--key", CDP_KEY]].concat())
    };
    // Pasted in one piece, as a terminal pastes it.
    let mut session = add("cdp-bot");
    session.exp_string("API secret (hidden):").unwrap();
    session.send_line(CDP_PEM).unwrap();
    let (code, modes, screen) = after_exit(&mut session);
    assert_eq!(code, 0, "{screen}");
    assert!(
        modes.contains("echo") && !modes.contains("-echo"),
        "{modes}"
    );
    assert!(!screen.contains("MHcCAQEE"), "the key was shown:\n{screen}");
    assert_eq!(
        next_line(&mut session),
        "MARKER",
        "a line of the key was left"
    );
    let shown = tv.json(&["show", "cdp-bot", "--reveal"]);
    assert_eq!(shown["secret"], CDP_PEM);

    // The same fingerprint as from a file holding the key.
    let file = tv.file("cdp.pem", &format!("{CDP_PEM}\n"));
    tv.cmd()
        .args([
            "add",
            "cdp-file",
            "--exchange",
            "coinbase",
            "--key",
            CDP_KEY,
        ])
        .arg("--secret-file")
        .arg(&file)
        .assert()
        .success();
    let from_file = tv.json(&["show", "cdp-file"]);
    assert_eq!(shown["fingerprint"], from_file["fingerprint"]);

    // A BEGIN line alone, then the end of the input: refused, nothing stored.
    let before = tv.bytes();
    let mut session = add("cdp-half");
    session.exp_string("API secret (hidden):").unwrap();
    session.send_line(CDP_PEM.lines().next().unwrap()).unwrap();
    session.send_control('d').unwrap();
    let (code, _, screen) = after_exit(&mut session);
    assert_eq!(code, 1, "{screen}");
    assert!(screen.contains("no -----END line"), "{screen}");
    assert!(screen.contains("--secret-file"), "{screen}");
    assert_eq!(next_line(&mut session), "MARKER");
    assert_eq!(tv.bytes(), before);
}
