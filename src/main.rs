//! The `acqplan` binary: parse flags, draw progress, run the library, map
//! errors to exit codes.

use std::error::Error as _;
use std::io::{IsTerminal, Write};
use std::process::ExitCode;
use std::sync::Mutex;
use std::time::Duration;

use acqplan::cli::Cli;
use acqplan::commands::Globals;
use acqplan::output::progress::Progress;
use clap::Parser;
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

/// A spinner on stderr per running stage.
struct Spinner {
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

fn main() -> ExitCode {
    let cli = Cli::parse();
    let globals = Globals {
        verbose: cli.verbose,
        quiet: cli.quiet,
    };
    let mut stdout = std::io::stdout().lock();
    // Not locked: the spinner's ticker thread draws on stderr too.
    let mut stderr = std::io::stderr();
    let spinner = Spinner {
        bar: Mutex::new(None),
    };
    let no_progress = acqplan::output::progress::NoProgress;
    let progress: &dyn Progress = if !cli.quiet && stderr.is_terminal() {
        &spinner
    } else {
        &no_progress
    };
    let result =
        acqplan::commands::run_with(cli.command, globals, &mut stdout, &mut stderr, progress);
    progress.finish("", 0.0);
    let _ = stdout.flush();
    match result {
        Ok(()) => ExitCode::from(acqplan::error::EXIT_OK as u8),
        Err(e) => {
            // A closed stderr must not turn an error into a panic: ignore
            // write failures here.
            let _ = writeln!(stderr, "error: {e}");
            let mut source = e.source();
            // `transparent` variants repeat the inner message; skip to its cause.
            if let Some(s) = source
                && s.to_string() == e.to_string()
            {
                source = s.source();
            }
            while let Some(s) = source {
                let _ = writeln!(stderr, "caused by: {s}");
                source = s.source();
            }
            if let Some(h) = e.hint() {
                let _ = writeln!(stderr, "hint: {h}");
            }
            ExitCode::from(e.exit_code() as u8)
        }
    }
}
