//! The `acqplan` binary: parse flags, run the library, map errors to exit codes.

use std::error::Error as _;
use std::io::Write;
use std::process::ExitCode;

use acqplan::cli::Cli;
use clap::Parser;

fn main() -> ExitCode {
    let cli = Cli::parse();
    let mut stdout = std::io::stdout().lock();
    let mut stderr = std::io::stderr().lock();
    let result = acqplan::commands::run(cli.command, &mut stdout, &mut stderr);
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
