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
mod typed;

#[test]
fn every_page_and_pair_of_pages_lost_comes_back_and_three_ask_for_one_more() {
    let r = scans::rendered();
    scans::sweep(&r);
    scans::script(&r);
    scans::commands(&r);
    let pages = typed::pages(&r);
    typed::sweep(&pages);
    typed::script(&r, &pages);
    typed::commands(&r, &pages);
}
