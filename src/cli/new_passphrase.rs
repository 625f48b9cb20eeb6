//! Choosing a new passphrase for a vault, an export or a paper sheet: generated and shown
//! once on the terminal, typed twice on the terminal, or read from a file; in each case
//! its guessing cost is shown, and one below the library's floor is offered back (unless
//! --allow-weak-passphrase). The vault or backup that takes it checks the floor again.

use super::args::NewPassphraseArgs;
use super::prompt::{self, Asked};
use super::report::{Failure, Result, Unanswered};
use super::ui;
use keycellar::Error;
pub use keycellar::passphrase::Purpose;
use keycellar::passphrase::cost::{self, Kdf};
use keycellar::passphrase::generate;
use keycellar::passphrase::{Estimate, NewPassphrase};
use keycellar::source::InputSource;
use std::fs::OpenOptions;
use std::io::Write;

/// "the new vault passphrase", as a prompt that got no answer names it.
fn the_new(purpose: Purpose) -> &'static str {
    match purpose {
        Purpose::Vault => "the new vault passphrase",
        Purpose::Export => "the new backup passphrase",
        Purpose::Sheet => "the new paper sheet passphrase",
        Purpose::Shares => "the new share passphrase",
    }
}

/// What the terminal asks for a new passphrase for `purpose`.
fn prompt_for(purpose: Purpose) -> &'static str {
    match purpose {
        Purpose::Vault => "New vault passphrase: ",
        Purpose::Export => "Passphrase for this export, not your vault passphrase: ",
        Purpose::Sheet => "Passphrase for this paper sheet, not your vault passphrase: ",
        Purpose::Shares => "Passphrase for the shares (keep it from their holders): ",
    }
}

/// Where a new passphrase comes from and what it is for.
pub struct Request<'a> {
    /// A file, descriptor or stdin; `None` asks on the terminal (or generates).
    pub source: Option<&'a InputSource>,
    pub args: &'a NewPassphraseArgs,
    pub purpose: Purpose,
    /// The flag that gives the passphrase from a file (named when there is no terminal).
    pub flag: &'static str,
}

/// How many times a new passphrase is asked for on the terminal before giving up.
const TRIES: usize = 3;

/// The new passphrase, to be protected by `kdf`: generated, from the request's source, or
/// asked on the terminal.
pub fn choose(request: Request, kdf: Kdf) -> Result<NewPassphrase> {
    let Request {
        source,
        args,
        purpose,
        flag,
    } = request;
    if args.generate_passphrase {
        if source.is_some() {
            return Err(Failure::Usage(
                "--generate-passphrase makes the passphrase; leave out the passphrase file".into(),
            ));
        }
        return generated(args, purpose, kdf, flag);
    }
    let Some(source) = source else {
        return typed(args, purpose, kdf, flag);
    };
    let passphrase = prompt::passphrase_from(source, purpose.what())?;
    let passphrase =
        NewPassphrase::typed(passphrase, purpose).accepting_weak(args.allow_weak_passphrase);
    let estimate = checked(&passphrase, kdf)?;
    show_cost(&estimate, purpose);
    Ok(passphrase)
}

/// Asks twice on the terminal; a passphrase below the floor, an empty one or a repeat
/// that differs is said and asked again, three times at most.
fn typed(
    args: &NewPassphraseArgs,
    purpose: Purpose,
    kdf: Kdf,
    flag: &'static str,
) -> Result<NewPassphrase> {
    let asked = Asked::by(the_new(purpose), flag);
    let mut failure = Failure::PassphrasesDiffer;
    for _ in 0..TRIES {
        let first = prompt::hidden(prompt_for(purpose), asked)?;
        if first.is_empty() {
            failure = Failure::EmptyNewPassphrase;
            prompt::tell("The passphrase must not be empty; try again.");
            continue;
        }
        let first = NewPassphrase::typed(first, purpose).accepting_weak(args.allow_weak_passphrase);
        let estimate = match checked(&first, kdf) {
            Ok(estimate) => estimate,
            Err(weak) => {
                prompt::tell(&format!(
                    "{weak}; choose another (or press Ctrl-C and use --generate-passphrase)."
                ));
                failure = weak;
                continue;
            }
        };
        show_cost(&estimate, purpose);
        if *first.secret() == prompt::hidden("Repeat the passphrase: ", asked)? {
            return Ok(first);
        }
        failure = Failure::PassphrasesDiffer;
        prompt::tell("The two passphrases differ; try again.");
    }
    Err(failure)
}

/// Makes a passphrase, shows it once on the terminal (never on stdout or stderr, which
/// may be a file or a pipe), and asks for it back to be sure it was written down.
fn generated(
    args: &NewPassphraseArgs,
    purpose: Purpose,
    kdf: Kdf,
    flag: &'static str,
) -> Result<NewPassphrase> {
    let generated = generate::generate(args.words.unwrap_or(generate::DEFAULT_WORDS))?;
    let words = generated.words;
    let bits = generated.bits;
    let passphrase =
        NewPassphrase::generated(generated, purpose).accepting_weak(args.allow_weak_passphrase);
    let estimate = checked(&passphrase, kdf)?;
    let no_terminal = |_| Unanswered::GeneratedNeedsTerminal { flag };
    let mut tty = OpenOptions::new()
        .write(true)
        .open("/dev/tty")
        .map_err(no_terminal)?;
    tty.write_all(shown(&passphrase, (words, bits), &estimate).as_bytes())
        .and_then(|()| tty.flush())
        .map_err(no_terminal)?;
    for _ in 0..TRIES {
        let typed = prompt::hidden(
            "Type it back to show it is written down: ",
            Asked::only("the generated passphrase"),
        )?;
        if typed == *passphrase.secret() {
            return Ok(passphrase);
        }
        prompt::tell("That is not the passphrase shown above; compare what you wrote down.");
    }
    Err(Failure::PassphrasesDiffer)
}

/// The text shown on the terminal around a generated passphrase of `words` words and
/// `bits` bits.
fn shown(generated: &NewPassphrase, (words, bits): (usize, f64), estimate: &Estimate) -> String {
    format!(
        "\nYour new {what} (shown once: write it down now; keycellar keeps no copy):\n\n    \
         {passphrase}\n\n{words} words from the EFF large wordlist, {bits:.0} bits: {cost} \
         ({kdf}).\n\n",
        what = generated.purpose().what(),
        passphrase = generated.secret().expose(),
        cost = estimate.cost,
        kdf = estimate.kdf,
    )
}

/// One note with what guessing the passphrase costs.
fn show_cost(estimate: &Estimate, purpose: Purpose) {
    ui::note(&format!(
        "This {}: {} ({}; one GPU at ${} an hour).",
        purpose.what(),
        estimate.cost,
        estimate.kdf,
        cost::DOLLARS_PER_GPU_HOUR
    ));
}

/// The library's check of the floor, with a warning when the person accepted a passphrase
/// below it.
fn checked(passphrase: &NewPassphrase, kdf: Kdf) -> Result<Estimate> {
    let estimate = passphrase.check(kdf)?;
    if estimate.below_floor() {
        ui::warn(&format!(
            "{}; accepted because of --allow-weak-passphrase",
            Error::Input(passphrase.weakness(&estimate))
        ));
    }
    Ok(estimate)
}
