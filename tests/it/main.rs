//! keycellar's integration tests, one binary: each module drives the real `keycellar`
//! binary (and, where they matter, real peer tools) through the shared harness in `common`.
//! `cargo test --test it MODULE::` runs one module.

mod agent;
mod architecture;
mod backup;
mod cases;
mod cli;
mod common;
mod concurrency;
mod damage;
mod examples;
mod exec;
mod faithful;
mod faults;
mod fixtures;
mod format_doc;
mod fuzz_regressions;
mod guess_cost;
mod handoff;
mod health;
mod hostile;
mod hygiene;
mod json_schema;
mod kdf_profile;
mod keyslots;
mod leaks;
mod lifecycle;
mod messages;
mod model;
mod movein;
mod newcomer;
mod paper;
mod paper_angles;
mod paper_parity;
mod paper_recipe;
mod paper_split;
mod paper_typed;
mod planted;
mod prompts;
mod pty;
mod readme;
mod shell;
mod sign_attacks;
mod signing;
mod two_factor;
mod vectors;
