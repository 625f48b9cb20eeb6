//! The `keycellar` binary: hardens the process, parses arguments, runs the command, and is
//! the one place where a failure becomes a message and an exit code.

mod cli;

/// mimalloc: opening a large vault allocates tens of thousands of small strings, and freeing
/// them with glibc's allocator cost a third of `list` (docs/PERFORMANCE.md). The agent
/// switches it to wipe every freed block (`cli::zero_on_free`).
#[global_allocator]
static ALLOCATOR: cli::zero_on_free::ZeroOnFree = cli::zero_on_free::ZeroOnFree(mimalloc::MiMalloc);

use clap::Parser;
use clap::error::ErrorKind;

/// The command line, parsed. `keycellar help NAME` is read as `keycellar NAME --help`, so
/// that a mistyped NAME gets clap's "a similar subcommand exists" tip. With `--json`, a
/// usage error is a JSON document too (kind `usage`, exit code 2), so that a script never
/// parses plain text.
fn parse_arguments() -> cli::args::Cli {
    let mut args: Vec<std::ffi::OsString> = std::env::args_os().collect();
    if args.len() == 3 && args[1] == "help" {
        args.remove(1);
        args.push("--help".into());
    }
    let as_json = args
        .iter()
        .take_while(|a| *a != "--")
        .any(|a| a == "--json");
    match cli::args::Cli::try_parse_from(&args) {
        Ok(cli) => cli,
        Err(error)
            if !as_json
                || matches!(
                    error.kind(),
                    ErrorKind::DisplayHelp | ErrorKind::DisplayVersion
                ) =>
        {
            error.exit()
        }
        Err(error) => {
            let text = error.render().to_string();
            let message = text
                .lines()
                .map(str::trim)
                .filter(|l| !l.is_empty() && !l.starts_with("Usage:") && !l.starts_with("For more"))
                .collect::<Vec<_>>()
                .join(" ");
            let message = message
                .strip_prefix("error: ")
                .unwrap_or(&message)
                .to_string();
            let failure = cli::report::Failure::Usage(message);
            cli::report::report(&failure, true);
            std::process::exit(failure.exit_code());
        }
    }
}

fn main() {
    // Rust ignores SIGPIPE, so a closed pipe (`keycellar list | head`) made `println!`
    // panic. Restore the default action: the process ends quietly, like other Unix tools.
    // SAFETY: the first thing in main, before any thread exists; SIG_DFL is a valid action.
    unsafe {
        libc::signal(libc::SIGPIPE, libc::SIG_DFL);
    }
    for failure in keycellar::hygiene::harden_process() {
        cli::ui::warn(&failure);
    }
    let cli = parse_arguments();
    cli::ui::init(&cli);
    let as_json = cli.json;
    let code = match cli::run(cli) {
        Ok(code) => {
            cli::report::warnings_document();
            code
        }
        Err(failure) => {
            cli::report::report(&failure, as_json);
            failure.exit_code()
        }
    };
    std::process::exit(code);
}
