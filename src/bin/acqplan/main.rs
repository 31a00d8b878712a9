//! The `acqplan` binary: parse flags, draw progress, run the library, map
//! errors to exit codes.

use std::error::Error as _;
use std::io::{IsTerminal, Write};
use std::process::ExitCode;

use acqplan::cli::Cli;
use acqplan::commands::Globals;
use acqplan::output::progress::Progress;
use clap::Parser;

mod spinner;

fn main() -> ExitCode {
    let cli = Cli::parse();
    let globals = Globals {
        verbose: cli.verbose,
        quiet: cli.quiet,
    };
    let mut stdout = std::io::stdout().lock();
    // Not locked: the spinner's ticker thread draws on stderr too.
    let mut stderr = std::io::stderr();
    let spinner = spinner::Spinner::new();
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
