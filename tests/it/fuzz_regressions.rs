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
