//! What a use case shows its front end while it works: its slow steps ([`Working`]), what
//! it noticed on the way ([`Note`]s, told as soon as they are known so that they come
//! before any question a later step asks), and backups written that the vault did not
//! record. A front end that shows nothing uses [`Silent`].

use crate::backup::paper::notes::Note;
use std::fmt;
use std::path::PathBuf;

/// A slow step of a use case, for a front end to show while it runs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Working {
    /// A sheet's entries encrypted, one item per entry.
    EncryptingSheet,
    /// A sheet's entries encrypted and its key split into shares.
    SplittingSheet,
    /// Every QR code drawn and read back.
    DrawingCodes,
    /// A sheet's codes read from scans or typed lines.
    ReadingCodes,
}

impl fmt::Display for Working {
    fn fmt(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str(match self {
            Working::EncryptingSheet => "Encrypting the sheet, one item per entry",
            Working::SplittingSheet => "Encrypting the sheet and splitting its key",
            Working::DrawingCodes => "Drawing and checking every QR code",
            Working::ReadingCodes => "Reading the codes",
        })
    }
}

/// A slow step, run once, given a function through which it says how far it got.
pub type Step<'a> = &'a mut dyn FnMut(&dyn Fn(String));

/// What a use case shows its front end. Both have defaults that show nothing.
pub trait Ui {
    /// Runs `step` (once), showing `working` meanwhile; the step says how far it got through
    /// the function it is given.
    fn working(&self, _working: Working, step: Step) {
        step(&|_| {})
    }

    /// Something the use case noticed (a warning, or what it repaired).
    fn tell(&self, _note: &Note) {}

    /// A backup's documents were written (to `written`, `-` for a stream) and the vault did
    /// not record it: the use case fails with why, and the front end says that the files
    /// are there, counted by no check of the vault's backups.
    fn not_recorded(&self, _written: &[PathBuf]) {}
}

/// Shows nothing: for tests and front ends without a person watching.
pub struct Silent;

impl Ui for Silent {}

/// Runs `step` through `ui`, and gives its result; a front end that did not run it has it
/// run here, so that a use case never goes on without its step.
pub(super) fn working<T>(
    ui: &dyn Ui,
    working: Working,
    step: impl FnOnce(&dyn Fn(String)) -> T,
) -> T {
    let mut step = Some(step);
    let mut result = None;
    ui.working(working, &mut |progress| {
        if let Some(step) = step.take() {
            result = Some(step(progress));
        }
    });
    match (result, step) {
        (Some(result), _) => result,
        (None, Some(step)) => step(&|_| {}),
        (None, None) => unreachable!("a step that ran gave its result"),
    }
}
