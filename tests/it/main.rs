//! The integration tests, one binary (issue 13): each module was its own
//! `tests/*.rs` binary, and each linked polars. They run the real
//! `acqplan` binary (`CARGO_BIN_EXE_acqplan`) on the files in
//! `tests/it/fixtures/`; insta keeps its snapshots in `tests/it/snapshots/`
//! (named `it__snapshots__*.snap` after the module path `it::snapshots`).
//!
//! One module: `cargo test --release --test it cli::`.

mod common;

mod batch;
mod beyond;
mod bot_lanes;
mod charts;
mod cli;
mod email_html;
mod fit;
mod groups;
mod lang;
mod partitioned;
mod plan;
mod real_exports;
mod regret;
mod report;
mod review;
mod risk;
mod run_folder;
mod schedule;
mod scoreboard;
mod snapshots;
mod store;
mod value;
mod weekly;
