//! How the library reports progress. Only the binary draws bars; the
//! library says when a stage starts and ends.

/// Receives stage starts and ends (on the thread running the pipeline).
pub trait Progress: Sync {
    /// A stage begins, e.g. `fit`.
    fn start(&self, stage: &str);
    /// The stage ended after `seconds`.
    fn finish(&self, stage: &str, seconds: f64);
}

/// Progress that goes nowhere (tests, `--quiet`, library callers).
#[derive(Clone, Copy, Debug, Default)]
pub struct NoProgress;

impl Progress for NoProgress {
    fn start(&self, _stage: &str) {}
    fn finish(&self, _stage: &str, _seconds: f64) {}
}
