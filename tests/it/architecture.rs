//! The shape docs/ARCHITECTURE.md describes, checked on the source so it cannot drift: the
//! library knows nothing of the terminal or the command line, `Vault` and `Entry` expose no
//! field, the command line's shared steps never reach back into its commands, no function
//! grows past 80 lines, and the save fault hook exists only with the `internals` feature.

use std::fs;
use std::path::{Path, PathBuf};

mod layers;
mod report;

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// The library crate's sources, relative to the repository root.
const LIB: &str = "crates/keycellar/src/";

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// Every source file with its text, as (path relative to the root, text).
fn sources() -> Vec<(String, String)> {
    let mut files = Vec::new();
    rust_files(&root().join("src"), &mut files);
    rust_files(&root().join(LIB), &mut files);
    files.sort();
    files
        .into_iter()
        .map(|path| {
            let text = fs::read_to_string(&path).unwrap();
            let relative = path.strip_prefix(root()).unwrap().display().to_string();
            (relative, text)
        })
        .collect()
}

fn is_front_end(path: &str) -> bool {
    path == "src/main.rs" || path == "src/cli.rs" || path.starts_with("src/cli/")
}

#[test]
fn the_library_knows_nothing_of_the_terminal_or_the_command_line() {
    let forbidden = [
        "clap",
        "rpassword",
        "/dev/tty",
        "IsTerminal",
        "println!",
        "eprintln!",
        "std::process::exit",
    ];
    let mut found = Vec::new();
    for (path, text) in sources().iter().filter(|(p, _)| !is_front_end(p)) {
        for (number, line) in text.lines().enumerate() {
            if line.trim_start().starts_with("//") {
                continue;
            }
            for word in forbidden.iter().filter(|w| line.contains(**w)) {
                found.push(format!("{path}:{}: {word}", number + 1));
            }
        }
    }
    assert!(
        found.is_empty(),
        "front-end code in the library:\n{}",
        found.join("\n")
    );
}

/// Library messages state facts; the command line's hints name the flags.
#[test]
fn library_messages_name_no_flag() {
    let flag = |line: &str| {
        line.split('"').skip(1).step_by(2).any(|literal| {
            literal.contains("-i FILE")
                || literal
                    .split(|c: char| c.is_whitespace() || c == '(' || c == '`')
                    .any(|word| {
                        word.strip_prefix("--")
                            .is_some_and(|w| w.starts_with(|c: char| c.is_ascii_lowercase()))
                    })
        })
    };
    let mut found = Vec::new();
    for (path, text) in sources().iter().filter(|(p, _)| !is_front_end(p)) {
        if path.ends_with("tests.rs") {
            continue;
        }
        let code = text.split("\n#[cfg(test)]").next().unwrap();
        for (number, line) in code.lines().enumerate() {
            if !line.trim_start().starts_with("//") && flag(line) {
                found.push(format!("{path}:{}: {}", number + 1, line.trim()));
            }
        }
    }
    assert!(
        found.is_empty(),
        "flags in library messages:\n{}",
        found.join("\n")
    );
}

/// The body of `struct NAME` in `text`, up to its closing brace.
fn struct_body<'a>(text: &'a str, name: &str) -> &'a str {
    let start = text
        .find(&format!("pub struct {name}"))
        .unwrap_or_else(|| panic!("no struct {name}"));
    let body = &text[start..];
    &body[..body.find("\n}").unwrap()]
}

#[test]
fn vault_and_entry_expose_no_field() {
    let vault = fs::read_to_string(root().join(LIB).join("vault.rs")).unwrap();
    let entry = fs::read_to_string(root().join(LIB).join("credential/entry.rs")).unwrap();
    for (name, body) in [
        ("Vault", struct_body(&vault, "Vault")),
        ("Entry", struct_body(&entry, "Entry<F = Fingerprint>")),
    ] {
        let public: Vec<&str> = body
            .lines()
            .skip(1)
            .filter(|l| l.trim_start().starts_with("pub ") || l.contains("pub(super)"))
            .collect();
        assert!(public.is_empty(), "{name} has public fields: {public:?}");
        assert!(body.lines().count() > 3, "{name}'s body was not found");
    }
}

#[test]
fn the_command_lines_shared_steps_never_use_its_commands() {
    let commands = [
        "commands",
        "backup",
        "paper",
        "lifecycle",
        "exec",
        "agent",
        "slots",
        "movein",
        "handoff",
    ];
    let shared = [
        "agent_ops",
        "context",
        "credentials",
        "encryption",
        "import_into",
        "new_passphrase",
        "output",
        "prompt",
        "report",
        "signals",
        "zero_on_free",
        "ui",
        "shell",
        "examples",
        "args",
    ];
    let mut found = Vec::new();
    for (path, text) in sources() {
        let Some(inside) = path.strip_prefix("src/cli/") else {
            continue;
        };
        let module = inside.split(['/', '.']).next().unwrap();
        assert!(
            shared.contains(&module) || commands.contains(&module),
            "src/cli/{module} is neither a command nor a shared step in this test"
        );
        if !shared.contains(&module) {
            continue;
        }
        // `super::` from `context.rs`, `super::super::` from `output/backup.rs`, ...
        let to_cli = "super::".repeat(inside.matches('/').count() + 1);
        for (number, line) in text.lines().enumerate() {
            let code = line.split("//").next().unwrap();
            let named = [to_cli.as_str(), "crate::cli::"].iter().any(|prefix| {
                code.match_indices(prefix).any(|(at, _)| {
                    let rest = &code[at + prefix.len()..];
                    let names: Vec<&str> = match rest.strip_prefix('{') {
                        Some(group) => group.split([',', '}']).collect(),
                        None => vec![rest],
                    };
                    names.iter().any(|name| {
                        let name: String = name
                            .trim()
                            .chars()
                            .take_while(|c| c.is_ascii_lowercase() || *c == '_')
                            .collect();
                        commands.contains(&name.as_str())
                    })
                })
            });
            if named {
                found.push(format!("{path}:{}: {}", number + 1, line.trim()));
            }
        }
    }
    assert!(
        found.is_empty(),
        "a cycle in the command line:\n{}",
        found.join("\n")
    );
}

/// Functions longer than `limit` lines: from the `fn` line to the closing brace at the same
/// indentation.
fn long_functions(path: &str, text: &str, limit: usize) -> Vec<String> {
    let lines: Vec<&str> = text.lines().collect();
    let mut found = Vec::new();
    for (start, line) in lines.iter().enumerate() {
        let trimmed = line.trim_start();
        let is_fn = [
            "fn ",
            "pub fn ",
            "pub(crate) fn ",
            "pub(super) fn ",
            "const fn ",
        ]
        .iter()
        .any(|p| trimmed.starts_with(p));
        if !is_fn || line.trim_end().ends_with(';') || line.trim_end().ends_with('}') {
            continue;
        }
        let indent = &line[..line.len() - trimmed.len()];
        let closing = format!("{indent}}}");
        if let Some(end) = lines[start..].iter().position(|l| *l == closing)
            && end + 1 > limit
        {
            found.push(format!("{path}:{} ({} lines)", start + 1, end + 1));
        }
    }
    found
}

#[test]
fn no_function_is_longer_than_80_lines() {
    let found: Vec<String> = sources()
        .iter()
        .flat_map(|(path, text)| long_functions(path, text, 80))
        .collect();
    assert!(
        found.is_empty(),
        "functions over 80 lines:\n{}",
        found.join("\n")
    );
    // The check itself finds a long function.
    let long = format!("fn long() {{\n{}}}\n", "    step();\n".repeat(90));
    assert_eq!(long_functions("x.rs", &long, 80).len(), 1);
}

#[test]
fn the_fault_hook_exists_only_with_the_internals_feature() {
    let store = fs::read_to_string(root().join(LIB).join("vault/store/fault.rs")).unwrap();
    let reader = store
        .find("std::env::var_os(\"KEYCELLAR_FAULT\")")
        .expect("the fault hook reads KEYCELLAR_FAULT");
    let before = &store[..reader];
    let hook = before.rfind("fn fault(").unwrap();
    let attributes = &before[before[..hook].rfind("\n\n").unwrap()..hook];
    assert!(
        attributes.contains("#[cfg(feature = \"internals\")]"),
        "the hook that reads KEYCELLAR_FAULT is not behind the internals feature"
    );
    assert_eq!(store.matches("KEYCELLAR_FAULT\")").count(), 1);
}

/// The `//!` lines of a file.
fn module_doc(path: &Path) -> String {
    fs::read_to_string(path)
        .unwrap()
        .lines()
        .filter(|l| l.starts_with("//!"))
        .collect::<Vec<_>>()
        .join("\n")
}

#[test]
fn the_module_map_names_every_module() {
    let map = module_doc(&root().join(LIB).join("lib.rs"));
    let mut missing = Vec::new();
    for (path, _) in sources() {
        if is_front_end(&path) {
            continue;
        }
        let name = path.strip_prefix(LIB).unwrap().strip_suffix(".rs").unwrap();
        let parts: Vec<&str> = name.split('/').collect();
        let module = parts[parts.len() - 1];
        if module == "lib" || module == "tests" {
            continue;
        }
        // Top-level and second-level modules are in the crate's map; deeper ones in their
        // parent's doc comment.
        let doc = if parts.len() <= 2 {
            map.clone()
        } else {
            let parent = parts[..parts.len() - 1].join("/");
            module_doc(&root().join(LIB).join(format!("{parent}.rs")))
        };
        if !doc.contains(&format!("`{module}`")) {
            missing.push(name.to_string());
        }
    }
    assert!(missing.is_empty(), "modules no map names: {missing:?}");
}
