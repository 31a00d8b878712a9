//! `acqplan config`: the resolved settings and where each came from.

use super::{Io, settings};
use crate::cli::{ConfigArgs, Format};
use crate::error::Error;

pub(super) fn config_cmd(args: ConfigArgs, io: &mut Io<'_>) -> Result<(), Error> {
    let s = settings(
        &args.data,
        Some(&args.curves),
        Some(&args.scenario),
        Some(&args.goal),
        Some(&args.email),
    )?;
    let _ = match args.format {
        Format::Table => io
            .out
            .write_all(crate::report::settings::settings_table(&s).as_bytes()),
        Format::Json => {
            let mut bytes = serde_json::to_vec_pretty(&s).expect("settings serialise");
            bytes.push(b'\n');
            io.out.write_all(&bytes)
        }
    };
    Ok(())
}
