//! The stock-tool recipe printed on every sheet, run exactly as printed: every `$` line
//! (with its `>` continuations) taken from `pdftotext`, in one POSIX shell, with `age`
//! asking for the sheet passphrase on a terminal. From QR codes read by zbarimg, and from
//! typed lines: as `pdftotext -layout` gives them, and with CRLF line ends in lower case.

use crate::common::paper::*;
use crate::common::*;
use rexpect::session::spawn_command;
use std::fs;
use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use std::process::Command;

/// The printed commands, in order, continuation lines joined to their command.
fn printed_steps(pdf: &Path) -> Vec<String> {
    let mut steps: Vec<String> = Vec::new();
    for line in pdf_text(pdf, &["-layout"]).lines().map(str::trim) {
        if let Some(command) = line.strip_prefix("$ ") {
            steps.push(command.to_string());
        } else if let Some(continued) = line.strip_prefix("> ") {
            let last = steps.last_mut().expect("a continuation follows a command");
            last.push('\n');
            last.push_str(continued);
        }
    }
    steps.retain(|s| !s.starts_with("keycellar "));
    steps
}

/// Runs `steps` as one script in `work`, typing the sheet passphrase when age asks; returns
/// what the script printed.
fn run_steps(work: &Path, steps: &[String]) -> String {
    let script = work.join("recipe.sh");
    fs::write(&script, format!("set -e\n{}\n", steps.join("\n"))).unwrap();
    let mut sh = Command::new("sh");
    sh.arg(&script).current_dir(work);
    let mut session = spawn_command(sh, Some(60_000)).unwrap();
    session.exp_string("passphrase").unwrap();
    session.send_line(SHEET_PASSPHRASE).unwrap();
    session.exp_eof().unwrap()
}

/// The printed steps with the typed-line helper in place of the code-reading commands:
/// the recipe's own instruction ("in place of the grep commands of steps 2, 3 and 4").
fn typed_variant(steps: &[String]) -> Vec<String> {
    let helper = steps.iter().find(|s| s.starts_with("typed()")).unwrap();
    let mut typed = steps.iter().filter(|s| s.starts_with("typed ")).cloned();
    let mut out = Vec::new();
    for step in steps.iter().take_while(|s| !s.starts_with("typed()")) {
        if step.starts_with("zbarimg") {
            out.push(helper.clone());
        } else if step.starts_with("grep '^KC2") {
            out.push(typed.next().expect("a typed command for each grep"));
        } else {
            out.push(step.clone());
        }
    }
    assert!(typed.next().is_none(), "every typed command was used");
    out
}

fn assert_restored(output: &str, work: &Path) {
    assert!(output.contains("kraken-grid-bot"), "{output}");
    assert!(output.contains(KRAKEN_SECRET), "{output}");
    assert!(output.contains("\"keycellar_details\":2"), "{output}");
    assert!(output.contains("YP2B-D3HQ-448X-E7RS"), "{output}");
    let mode = fs::metadata(work.join("key.txt"))
        .unwrap()
        .permissions()
        .mode();
    assert_eq!(mode & 0o777, 0o600, "umask 077 keeps the sheet key private");
}

#[test]
fn the_printed_stock_steps_restore_from_codes_and_from_typed_lines() {
    let p = print("a4");
    let steps = printed_steps(&p.pdf);
    assert_eq!(steps[0], "umask 077", "{steps:?}");
    assert!(steps.len() >= 12, "{steps:?}");

    let codes = p.tv.dir.path().join("codes");
    render(&p.pdf, 300, &codes);
    let codes_steps: Vec<String> = steps
        .iter()
        .take_while(|s| !s.starts_with("typed()"))
        .cloned()
        .collect();
    assert_restored(&run_steps(&codes, &codes_steps), &codes);

    let layout = pdf_text(&p.pdf, &["-layout"]);
    let windows = layout.to_lowercase().replace('\n', "\r\n");
    for (name, text) in [("layout", layout), ("crlf-lower", windows)] {
        let work = p.tv.dir.path().join(name);
        fs::create_dir_all(&work).unwrap();
        fs::write(work.join("typed.txt"), text).unwrap();
        assert_restored(&run_steps(&work, &typed_variant(&steps)), &work);
    }
}
