//! Fitting into the shell: completion scripts (clap_complete) and man pages (clap_mangen),
//! both generated from the one argument grammar so they cannot drift from it.

use super::args::{Cli, ENVIRONMENT, EXIT_CODES, VAULT_LOCATION};
use super::examples::{self, Example, FIRST_STEPS};
use super::report::{Failure, Result};
use clap::CommandFactory;
use clap_mangen::roff::{Roff, roman};
use keycellar::Error;
use keycellar::vault::store;
use std::path::{Path, PathBuf};

/// Writes the completion script for `shell` to stdout. Labels do not complete: they are
/// inside the encrypted vault, and completion must never ask for a passphrase.
pub fn completions(shell: clap_complete::Shell) -> Result<()> {
    let mut script = Vec::new();
    clap_complete::generate(shell, &mut offered(), "keycellar", &mut script);
    Ok(super::output::emit(&String::from_utf8_lossy(&script))?)
}

/// The grammar that completions offer: the top-level options and every command but the
/// hidden ones (`hygiene-check` is for the tests), which clap_complete would offer too.
fn offered() -> clap::Command {
    let all = Cli::command();
    let visible = all.get_subcommands().filter(|c| !c.is_hide_set()).cloned();
    clap::Command::new("keycellar")
        .version(env!("CARGO_PKG_VERSION"))
        .args(all.get_arguments().cloned())
        .subcommands(visible)
}

/// Writes `keycellar.1` and one page per visible command (`keycellar-add.1`, ...) into
/// `dir`, each with the conventional sections: NAME, SYNOPSIS, DESCRIPTION, OPTIONS,
/// (COMMANDS), EXIT STATUS, ENVIRONMENT, FILES, EXAMPLES, SEE ALSO.
pub fn man_pages(dir: &Path) -> Result<()> {
    if super::output::is_stdout(dir) {
        return Err(Failure::Usage(
            "man pages are one file per command; give a directory (e.g. -o \
             ~/.cargo/share/man/man1), not `-`"
                .into(),
        ));
    }
    let io = |e| Error::io(format!("cannot write man pages to {}", dir.display()), e);
    std::fs::create_dir_all(dir).map_err(io)?;
    let mut top = Cli::command().disable_help_subcommand(true);
    top.build();
    let commands: Vec<clap::Command> = top
        .get_subcommands()
        .filter(|c| !c.is_hide_set())
        .cloned()
        .collect();
    let names: Vec<String> = commands
        .iter()
        .map(|c| format!("keycellar-{}", c.get_name()))
        .collect();
    let mut pages = vec![render_page(dir, top.clone(), &names).map_err(io)?];
    for command in commands {
        pages.push(render_page(dir, command, &["keycellar".to_string()]).map_err(io)?);
    }
    // Every page is written before any is named: a failure or a kill leaves the pages of
    // one version, old or new, never half of each.
    // The pages' names are made up here: a link found at one is replaced, not followed.
    let files: Vec<(&Path, &[u8], store::Named)> = pages
        .iter()
        .map(|(path, page)| (path.as_path(), &page[..], store::Named::ByKeycellar))
        .collect();
    store::write_files(&files, true, store::Visibility::Public)?;
    super::ui::note(&format!("Wrote the man pages to {}", dir.display()));
    Ok(())
}

/// A man page and the path it goes to in `dir`.
fn render_page(
    dir: &Path,
    command: clap::Command,
    see_also: &[String],
) -> std::io::Result<(PathBuf, Vec<u8>)> {
    // The overview page shows the first steps; a command's page, its help's examples.
    let examples: Vec<String> = match command.get_name() {
        "keycellar" => FIRST_STEPS.iter().map(Example::annotated).collect(),
        name => examples::of(name).map(Example::annotated).collect(),
    };
    let man = clap_mangen::Man::new(command.clone());
    let mut page = Vec::new();
    man.render_title(&mut page)?;
    man.render_name_section(&mut page)?;
    man.render_synopsis_section(&mut page)?;
    man.render_description_section(&mut page)?;
    if command.get_arguments().any(|a| !a.is_hide_set()) {
        man.render_options_section(&mut page)?;
    }
    if command.has_subcommands() {
        man.render_subcommands_section(&mut page)?;
    }
    let mut sections = Roff::new();
    let mut section = |title: &str, text: &str| {
        sections.control("SH", [title]);
        for paragraph in text.split("\n\n") {
            sections.control("PP", []);
            sections.text([roman(paragraph.replace('\n', " "))]);
        }
    };
    section("EXIT STATUS", EXIT_CODES);
    section("ENVIRONMENT", ENVIRONMENT);
    section("FILES", VAULT_LOCATION);
    if !examples.is_empty() {
        section("EXAMPLES", &examples.join("\n\n"));
    }
    let mut references: Vec<String> = see_also.iter().map(|n| format!("{n}(1)")).collect();
    references.extend(["age(1)", "zbarimg(1)", "pdftoppm(1)"].map(String::from));
    section("SEE ALSO", &references.join(", "));
    sections.to_writer(&mut page)?;
    Ok((dir.join(man.get_filename()), page))
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::Parser;

    /// A command line as written in help or the README, without comments, pipes and
    /// redirections, parsed as the binary would.
    fn parses(line: &str) -> std::result::Result<(), String> {
        command_of(line).map(|_| ())
    }

    /// The command (`agent start` for a nested one) a line runs, parsed as the binary would.
    fn command_of(line: &str) -> std::result::Result<String, String> {
        let line = line.split(['#', '|', '>', '<']).next().unwrap_or_default();
        let words = shlex::split(line).ok_or_else(|| format!("{line}: unbalanced quotes"))?;
        Cli::try_parse_from(&words).map_err(|e| format!("{line}: {e}"))?;
        let mut names = Vec::new();
        let mut matches = &Cli::command().get_matches_from(words);
        while let Some((name, inner)) = matches.subcommand() {
            names.push(name.to_string());
            matches = inner;
        }
        Ok(names.join(" "))
    }

    /// Every visible command, nested ones as `agent start`.
    fn visible_commands() -> Vec<String> {
        let top = Cli::command();
        let mut names = Vec::new();
        for command in top.get_subcommands().filter(|c| !c.is_hide_set()) {
            names.push(command.get_name().to_string());
            for inner in command.get_subcommands().filter(|c| !c.is_hide_set()) {
                names.push(format!("{} {}", command.get_name(), inner.get_name()));
            }
        }
        names
    }

    #[test]
    fn every_example_and_first_step_parses_as_its_command() {
        for example in examples::EXAMPLES.iter().chain(FIRST_STEPS) {
            let command = command_of(example.line).unwrap();
            // A parent's example runs one of its subcommands.
            assert!(
                command == example.command || command.starts_with(&format!("{} ", example.command)),
                "{} runs {command}, but is shown for {}",
                example.line,
                example.command
            );
        }
    }

    #[test]
    fn every_visible_command_has_an_example_and_every_example_a_command() {
        let visible = visible_commands();
        for command in &visible {
            assert!(
                examples::of(command).next().is_some(),
                "{command} has no example"
            );
        }
        for example in examples::EXAMPLES {
            assert!(
                visible.contains(&example.command.to_string()),
                "{}",
                example.line
            );
        }
    }

    #[test]
    fn help_and_man_pages_show_every_example() {
        let dir = tempfile::tempdir().unwrap();
        man_pages(dir.path()).unwrap();
        let mut top = Cli::command();
        top.build();
        for example in examples::EXAMPLES {
            let mut words = example.command.split(' ');
            let first = top.find_subcommand(words.next().unwrap()).unwrap();
            let command = match words.next() {
                Some(inner) => first.find_subcommand(inner).unwrap(),
                None => first,
            };
            let help = command.get_after_help().unwrap().to_string();
            let joined = help.replace(" \\\n    ", " ");
            assert!(
                joined.contains(example.line),
                "{help}\nlacks {}",
                example.line
            );
            if !example.command.contains(' ') {
                let page = dir.path().join(format!("keycellar-{}.1", example.command));
                let page = std::fs::read_to_string(page).unwrap();
                // roff escapes `-` and wraps; compare the words.
                let words = page.replace("\\-", "-").replace("\\*(Aq", "'");
                for word in example.line.split(' ') {
                    assert!(words.contains(word), "{} lacks {word}", example.command);
                }
            }
        }
    }

    #[test]
    fn every_readme_command_parses() {
        let readme = include_str!("../../README.md");
        let mut in_shell_block = false;
        let mut checked = 0;
        let mut continued = String::new();
        for line in readme.lines() {
            if line.starts_with("```") {
                in_shell_block = line == "```sh";
                continue;
            }
            // A line ending in a backslash goes on on the next one.
            continued.push_str(line.trim().trim_end_matches('\\'));
            continued.push(' ');
            if line.ends_with('\\') {
                continue;
            }
            let command = std::mem::take(&mut continued);
            let command = command.trim();
            if in_shell_block && command.starts_with("keycellar ") && !command.contains("$(") {
                parses(command).unwrap();
                checked += 1;
            }
        }
        assert!(checked >= 20, "only {checked} README commands");
    }
}
