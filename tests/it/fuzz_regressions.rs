//! Replays, in the normal test run, every input the fuzzers start from or ever crashed on
//! (`fuzz/seeds/`, `fuzz/regressions/`, and the vectors in `fixtures/vectors/`) through the
//! same target functions the fuzzers run (`fuzz/src/targets.rs`), plus every truncation of
//! each seed. A panic here is a fuzz crash.

#[path = "../../fuzz/src/targets.rs"]
mod targets;

use std::fs;
use std::path::Path;

type Target = fn(&[u8]);

const TARGETS: [(&str, Target, &[&str]); 6] = [
    ("header", targets::header, &["fixtures/vectors/vault"]),
    ("open", targets::open, &["fixtures/vectors/vault"]),
    ("payload", targets::payload, &[]),
    ("export_doc", targets::export_doc, &[]),
    (
        "paper_text",
        targets::paper_text,
        &["fixtures/vectors/paper"],
    ),
    ("qr_chunk", targets::qr_chunk, &[]),
];

fn files_in(dir: &Path) -> Vec<Vec<u8>> {
    let Ok(entries) = fs::read_dir(dir) else {
        return Vec::new();
    };
    entries
        .flatten()
        .filter(|e| e.file_name() != "manifest.json" && e.path().is_file())
        .map(|e| fs::read(e.path()).unwrap())
        .collect()
}

#[test]
fn every_seed_and_regression_runs_through_its_fuzz_target() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    for (name, target, vector_dirs) in TARGETS {
        let mut inputs = files_in(&root.join("fuzz/seeds").join(name));
        inputs.extend(files_in(&root.join("fuzz/regressions").join(name)));
        for dir in vector_dirs {
            inputs.extend(files_in(&root.join(dir)));
        }
        assert!(!inputs.is_empty(), "{name} has no seeds");
        for input in &inputs {
            target(input);
            // Every prefix of short inputs; a spread of prefixes of long ones.
            let step = (input.len() / 256).max(1);
            for cut in (0..input.len()).step_by(step) {
                target(&input[..cut]);
            }
        }
    }
}

/// CI does not build the fuzzers (their instrumented build took two of its fifteen minutes
/// for 30 s of fuzzing), so this is what keeps them in step with the replay above: every
/// target binary is a one-line wrapper of the function of its own name that this file
/// replays, listed in fuzz/Cargo.toml and in run.sh's default list, and no target is left
/// out of either.
#[test]
fn every_fuzz_binary_wraps_the_function_the_replay_runs() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz");
    let replayed: Vec<&str> = TARGETS.iter().map(|(name, _, _)| *name).collect();
    let mut wrapped: Vec<String> = fs::read_dir(root.join("fuzz_targets"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .map(|path| {
            let name = path.file_stem().unwrap().to_str().unwrap().to_string();
            let wrapper = format!(
                "#![no_main]\nlibfuzzer_sys::fuzz_target!(|data: &[u8]| keycellar_fuzz::{name}(data));\n"
            );
            assert_eq!(fs::read_to_string(&path).unwrap(), wrapper, "{path:?}");
            name
        })
        .collect();
    wrapped.sort();
    let mut expected: Vec<String> = replayed.iter().map(|s| s.to_string()).collect();
    expected.sort();
    assert_eq!(
        wrapped, expected,
        "fuzz_targets/ against the replayed targets"
    );
    let manifest = fs::read_to_string(root.join("Cargo.toml")).unwrap();
    let run = fs::read_to_string(root.join("run.sh")).unwrap();
    let default_list = run
        .lines()
        .find_map(|line| line.split_once("|| targets=(")?.1.split_once(')'))
        .map(|(names, _)| names.split_whitespace().collect::<Vec<_>>())
        .expect("run.sh lists its default targets");
    for name in replayed {
        let bin = format!("[[bin]]\nname = \"{name}\"\npath = \"fuzz_targets/{name}.rs\"");
        assert!(manifest.contains(&bin), "fuzz/Cargo.toml lacks {name}");
        assert!(
            default_list.contains(&name),
            "run.sh's default list lacks {name}"
        );
    }
}
