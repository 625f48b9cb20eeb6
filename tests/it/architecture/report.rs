//! The error report matches every error exhaustively: a new variant cannot compile without
//! its kind, exit code and hint, so no catch-all arm may hide it behind exit 1 and a
//! generic hint.

/// The catch-all arms of the error report's matches that are not over `std::io::ErrorKind`
/// (which is `#[non_exhaustive]` upstream, so it needs one), as `path:line`.
fn catch_alls(path: &str, text: &str) -> Vec<String> {
    let lines: Vec<&str> = text.lines().collect();
    let mut found = Vec::new();
    for (n, line) in lines.iter().enumerate() {
        if !line.trim_start().starts_with("_ =>") {
            continue;
        }
        let scrutinee = lines[..n]
            .iter()
            .rev()
            .find(|l| l.contains("match "))
            .copied()
            .unwrap_or("");
        if !scrutinee.trim_end().ends_with(".kind() {") {
            found.push(format!("{path}:{}", n + 1));
        }
    }
    found
}

#[test]
fn the_error_report_has_no_catch_all_arm() {
    let report: Vec<(String, String)> = super::sources()
        .into_iter()
        .filter(|(path, _)| path == "src/cli/report.rs" || path.starts_with("src/cli/report/"))
        .collect();
    assert!(report.len() >= 3, "the report's files moved: {report:?}");
    let found: Vec<String> = report
        .iter()
        .flat_map(|(path, text)| catch_alls(path, text))
        .collect();
    assert!(
        found.is_empty(),
        "catch-all arms in the error report: {found:?}"
    );
    // The check sees an arm like the one it exists to forbid.
    let planted = "match error {\n    Error::Vault(_) => 2,\n    _ => 1,\n}\n";
    assert_eq!(catch_alls("x.rs", planted), ["x.rs:3"]);
    let io = "match source.kind() {\n    NotFound => \"a\",\n    _ => \"b\",\n}\n";
    assert!(catch_alls("x.rs", io).is_empty());
}

/// The library's error enums (`Error` and every `...Error`) that do not carry the
/// attribute which makes them `#[non_exhaustive]` unless the `exhaustive` feature is on, as
/// `path: name`.
fn exhaustive_errors(path: &str, text: &str) -> Vec<String> {
    const ATTRIBUTE: &str = "#[cfg_attr(not(feature = \"exhaustive\"), non_exhaustive)]";
    let lines: Vec<&str> = text.lines().collect();
    let mut found = Vec::new();
    for (n, line) in lines.iter().enumerate() {
        let Some(name) = line.strip_prefix("pub enum ") else {
            continue;
        };
        let name = name.trim_end_matches(" {");
        if !name.ends_with("Error") {
            continue;
        }
        let attributes = lines[..n]
            .iter()
            .rev()
            .take_while(|l| l.starts_with("#[") || l.starts_with("///"));
        if !attributes.clone().any(|l| *l == ATTRIBUTE) {
            found.push(format!("{path}: {name}"));
        }
    }
    found
}

/// Other front ends get the errors non-exhaustive (a new variant is not a breaking change
/// for them); the command line, which decides for every variant, turns that off.
#[test]
fn the_library_errors_are_non_exhaustive_except_for_the_command_line() {
    let library: Vec<(String, String)> = super::sources()
        .into_iter()
        .filter(|(path, _)| path.starts_with("crates/keycellar/src/"))
        .collect();
    let found: Vec<String> = (library.iter())
        .flat_map(|(path, text)| exhaustive_errors(path, text))
        .collect();
    assert!(found.is_empty(), "exhaustive error enums: {found:?}");
    let checked = (library.iter())
        .filter(|(_, text)| text.contains("non_exhaustive)]\n#[derive(Debug, thiserror::Error)]"))
        .count();
    assert!(checked >= 4, "the error enums moved: {checked} files");
    // The check sees an enum like the one it exists to forbid.
    let planted = "/// Doc.\n#[derive(Debug)]\npub enum NewError {\n";
    assert_eq!(exhaustive_errors("x.rs", planted), ["x.rs: NewError"]);
    let manifest = std::fs::read_to_string(super::root().join("Cargo.toml")).unwrap();
    let dependency = (manifest.lines())
        .find(|l| l.starts_with("keycellar = "))
        .unwrap();
    assert!(dependency.contains("\"exhaustive\""), "{dependency}");
}
