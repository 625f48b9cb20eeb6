//! The `keycellar` binary: hardens the process, parses arguments, runs the command, and is
//! the one place where a failure becomes a message and an exit code.

mod cli;

/// mimalloc: opening a large vault allocates tens of thousands of small strings, and freeing
/// them with glibc's allocator cost a third of `list` (docs/PERFORMANCE.md).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

use clap::Parser;

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
    let cli = cli::args::Cli::parse();
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
