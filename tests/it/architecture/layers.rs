//! The library's layers as the table of docs/ARCHITECTURE.md lists them, bottom first (the
//! one statement of the order: this test reads it from there). Every `crate::` path of the
//! library's code is read, not only `use` lines: a module uses only modules of its own row
//! or of rows above it in the table, and no two modules use each other. And the library
//! depends on no crate that only a front end needs.

use super::{LIB, is_front_end, root, sources};
use std::collections::BTreeSet;
use std::fs;

/// The top-level library modules of each row of the layer table, in the table's order.
fn layer_rows() -> Vec<Vec<String>> {
    let doc = fs::read_to_string(root().join("docs/ARCHITECTURE.md")).unwrap();
    let section = doc.split("## Layers").nth(1).expect("a Layers section");
    let section = section.split("\n## ").next().unwrap();
    section
        .lines()
        .filter(|line| line.starts_with("| `src/"))
        .map(|row| {
            let cell = row.split('|').nth(1).unwrap();
            cell.split('`')
                .skip(1)
                .step_by(2)
                .filter(|path| !is_front_end(path))
                .filter_map(|path| top_module(path.strip_prefix("src/")?))
                .collect()
        })
        .filter(|row: &Vec<String>| !row.is_empty())
        .collect()
}

/// `crypto` for `crypto.rs`, `vault` for `vault/` or `vault/open.rs`; `None` for the root.
fn top_module(relative: &str) -> Option<String> {
    let first = relative.split('/').next()?;
    let name = first.strip_suffix(".rs").unwrap_or(first);
    (!name.is_empty() && name != "lib").then(|| name.to_string())
}

/// The first segment of every `crate::` path in `code`, with the line it is on; a group
/// (`crate::{a::b, c}`) gives each of its members.
fn crate_paths(code: &str) -> Vec<(usize, String)> {
    let mut found = Vec::new();
    for (number, line) in code.lines().enumerate() {
        let line = line.split("//").next().unwrap();
        for (at, _) in line.match_indices("crate::") {
            let rest = &line[at + "crate::".len()..];
            let names: Vec<&str> = match rest.strip_prefix('{') {
                Some(group) => group.split([',', '}']).collect(),
                None => vec![rest],
            };
            for name in names {
                let name: String = name
                    .trim()
                    .chars()
                    .take_while(|c| c.is_ascii_lowercase() || *c == '_')
                    .collect();
                if !name.is_empty() {
                    found.push((number + 1, name));
                }
            }
        }
    }
    found
}

/// Every use of another top-level module by the library's code: (user, used, where).
fn uses() -> Vec<(String, String, String)> {
    let mut found = Vec::new();
    for (path, text) in sources().iter().filter(|(p, _)| !is_front_end(p)) {
        let Some(user) = top_module(path.strip_prefix(LIB).unwrap()) else {
            continue;
        };
        for (line, used) in crate_paths(text) {
            if used != user {
                found.push((user.clone(), used, format!("{path}:{line}")));
            }
        }
    }
    found
}

#[test]
fn every_module_uses_only_its_own_layer_and_those_below() {
    let rows = layer_rows();
    let row_of = |module: &str| rows.iter().position(|row| row.iter().any(|m| m == module));
    let mut found = Vec::new();
    for (user, used, place) in uses() {
        match (row_of(&user), row_of(&used)) {
            (Some(user_row), Some(used_row)) if used_row <= user_row => {}
            (None, _) => found.push(format!("{place}: `{user}` is in no row of the table")),
            (_, None) => found.push(format!("{place}: `{used}` is in no row of the table")),
            _ => found.push(format!("{place}: `{user}` uses `{used}`, a layer above it")),
        }
    }
    assert!(rows.len() >= 5, "the layer table was not found: {rows:?}");
    assert!(
        found.is_empty(),
        "against docs/ARCHITECTURE.md's layers:\n{}",
        found.join("\n")
    );
}

#[test]
fn no_two_modules_use_each_other() {
    let uses = uses();
    let pairs: BTreeSet<(&str, &str)> = uses
        .iter()
        .map(|(user, used, _)| (user.as_str(), used.as_str()))
        .collect();
    let cycles: Vec<String> = pairs
        .iter()
        .filter(|(user, used)| user < used && pairs.contains(&(*used, *user)))
        .map(|(a, b)| {
            let places: Vec<&str> = uses
                .iter()
                .filter(|(u, v, _)| (u == a && v == b) || (u == b && v == a))
                .map(|(_, _, place)| place.as_str())
                .collect();
            format!("`{a}` and `{b}` use each other: {}", places.join(", "))
        })
        .collect();
    assert!(cycles.is_empty(), "{}", cycles.join("\n"));
}

#[test]
fn the_paths_read_include_groups_and_paths_outside_use_lines() {
    let code = "use crate::{error::Error, vault};\nlet x = crate::sign::run(); // crate::ops\n";
    let names: Vec<String> = crate_paths(code).into_iter().map(|(_, n)| n).collect();
    assert_eq!(names, ["error", "vault", "sign"]);
}

/// The crates only a front end needs; the library's normal dependencies include none.
const FRONT_END_CRATES: [&str; 10] = [
    "clap",
    "rpassword",
    "indicatif",
    "anstream",
    "anstyle",
    "mimalloc",
    "signal-hook",
    "dirs",
    "clap_complete",
    "clap_mangen",
];

#[test]
fn the_library_depends_on_no_front_end_crate() {
    let out = std::process::Command::new(env!("CARGO"))
        .current_dir(root())
        .args([
            "tree",
            "-p",
            "keycellar",
            "-e",
            "normal",
            "--locked",
            "--offline",
        ])
        .args(["--prefix", "none", "--format", "{p}"])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let tree = String::from_utf8(out.stdout).unwrap();
    let crates: BTreeSet<&str> = tree.lines().filter_map(|l| l.split(' ').next()).collect();
    assert!(crates.contains("age"), "cargo tree listed: {crates:?}");
    let front_end: Vec<&&str> = FRONT_END_CRATES
        .iter()
        .filter(|name| crates.contains(**name))
        .collect();
    assert!(front_end.is_empty(), "the library depends on {front_end:?}");
}
