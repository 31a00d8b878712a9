//! The progress spinner of the `acqplan` binary.

use std::sync::Mutex;
use std::time::Duration;

use acqplan::output::progress::Progress;
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

/// A spinner on stderr per running stage.
pub struct Spinner {
    bar: Mutex<Option<ProgressBar>>,
}

impl Progress for Spinner {
    /// The spinner appears only once a stage has run for a second.
    fn start(&self, stage: &str) {
        let bar = ProgressBar::with_draw_target(None, ProgressDrawTarget::hidden());
        if let Ok(style) = ProgressStyle::with_template("{spinner} {msg} {elapsed}") {
            bar.set_style(style);
        }
        bar.set_message(stage.to_string());
        let later = bar.clone();
        std::thread::spawn(move || {
            std::thread::sleep(Duration::from_secs(1));
            if !later.is_finished() {
                later.set_draw_target(ProgressDrawTarget::stderr());
                later.enable_steady_tick(Duration::from_millis(120));
            }
        });
        if let Ok(mut b) = self.bar.lock()
            && let Some(old) = b.replace(bar)
        {
            old.finish_and_clear();
        }
    }

    fn finish(&self, _stage: &str, _seconds: f64) {
        if let Ok(mut b) = self.bar.lock()
            && let Some(bar) = b.take()
        {
            bar.finish_and_clear();
        }
    }
}

impl Spinner {
    /// No spinner drawn yet.
    pub fn new() -> Self {
        Spinner {
            bar: Mutex::new(None),
        }
    }
}
