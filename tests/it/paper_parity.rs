//! Parity pages (docs/FORMAT.md section 8.8). On a 50-key sheet printed with two parity
//! pages and rendered at 150 dpi, each page decoded once and the pages combined
//! in-process: every single and every pair of lost pages comes back, every three lost
//! pages of codes give what the slots' losses predict and never a wrong item, and damaged
//! parity codes change nothing; the restore command runs for a few of the cases. Without
//! keycellar, `fixtures/vectors/rebuild_page.py`, written from the same section, prints the
//! codes of every lost page of codes, and of a pair, from the codes of the others, and asks
//! for more past that. (What the default parity page costs is measured in
//! `paper/layout/tests.rs`, on one sheet printed both ways.)

mod scans;
