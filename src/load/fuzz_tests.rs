//! Property tests: no input makes the loader panic; every input either loads
//! cleanly or reports what is wrong, and nothing is lost under
//! `--skip-bad-rows`.

use std::path::Path;

use proptest::prelude::*;

use super::{LoadError, LoadOptions, load_csv_bytes};

const VALID: &str = "date,room,channel,spend,viewers,orders\n\
2026-11-01,r1,douyin,100,200,3\n\
2026-11-02,r1,douyin,\"1,200\",2100,30\n\
2026-11-01,r2,私域社群,¥50,500,9\n\
2026-11-03,r2,私域社群,0,0,0\n";

/// Check the invariants of one load attempt.
fn check(bytes: &[u8]) {
    let path = Path::new("fuzz.csv");
    for skip in [false, true] {
        let opts = LoadOptions {
            skip_bad_rows: skip,
            ..LoadOptions::default()
        };
        match load_csv_bytes(path, bytes, &opts) {
            Ok(loaded) => {
                let df = loaded.data.frame();
                // Rows kept + rows rejected = rows read: nothing dropped.
                assert_eq!(df.height() + loaded.rejected.len(), loaded.rows_read);
                if !skip {
                    assert!(loaded.rejected.is_empty());
                }
                for name in ["spend", "viewers"] {
                    let col = df.column(name).unwrap().f64().unwrap().clone();
                    assert!(
                        col.iter()
                            .all(|v| v.is_some_and(|x| x.is_finite() && x >= 0.0))
                    );
                }
            }
            Err(LoadError::Invalid { report }) => {
                assert!(!skip, "with --skip-bad-rows defects become rejected rows");
                assert!(!report.defects.is_empty());
                for d in &report.defects {
                    assert!(d.line >= 2, "data defects are below the header: {d:?}");
                    assert!(!d.message().is_empty());
                }
            }
            Err(e) => {
                // A file-level problem: it must say something and carry a hint.
                assert!(!e.to_string().is_empty());
                assert!(e.hint().is_some(), "{e}");
            }
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 400, ..ProptestConfig::default() })]

    #[test]
    fn random_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..400)) {
        check(&bytes);
    }

    #[test]
    fn random_bytes_after_a_valid_header_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..400)) {
        let mut v = b"date,room,channel,spend,viewers\n".to_vec();
        v.extend(bytes);
        check(&v);
    }

    #[test]
    fn mutated_valid_csv_never_panics(
        edits in proptest::collection::vec((any::<prop::sample::Index>(), 0u8..4, any::<u8>()), 1..8)
    ) {
        let mut v = VALID.as_bytes().to_vec();
        for (at, op, byte) in edits {
            if v.is_empty() {
                v.push(byte);
                continue;
            }
            let i = at.index(v.len());
            match op {
                0 => v[i] = byte,
                1 => { v.remove(i); }
                2 => v.insert(i, byte),
                _ => v.insert(i, [b',', b'"', b'\n', b'-'][byte as usize % 4]),
            }
        }
        check(&v);
    }
}

#[test]
fn the_unmutated_file_loads_exactly() {
    let loaded = load_csv_bytes(
        Path::new("x.csv"),
        VALID.as_bytes(),
        &LoadOptions::default(),
    )
    .unwrap();
    let df = loaded.data.frame();
    assert_eq!(df.height(), 4);
    let spend: Vec<f64> = df
        .column("spend")
        .unwrap()
        .f64()
        .unwrap()
        .iter()
        .flatten()
        .collect();
    assert_eq!(spend, vec![100.0, 1200.0, 50.0, 0.0]);
    let lines: Vec<u64> = df
        .column("line")
        .unwrap()
        .u64()
        .unwrap()
        .iter()
        .flatten()
        .collect();
    assert_eq!(lines, vec![2, 3, 4, 5]);
}

#[test]
fn quoted_newlines_keep_line_numbers_true() {
    let text = "date,room,channel,spend,viewers\n2026-11-01,r1,\"two\nlines\",100,200\n2026-11-02,r1,x,bad,200\n";
    let err =
        load_csv_bytes(Path::new("x.csv"), text.as_bytes(), &LoadOptions::default()).unwrap_err();
    let LoadError::Invalid { report } = err else {
        panic!("{err}")
    };
    assert_eq!(report.defects.len(), 1);
    assert_eq!(
        report.defects[0].line, 4,
        "the record after a two-line record starts on line 4"
    );
}

#[test]
fn blank_lines_and_lone_carriage_returns_keep_line_numbers_true() {
    let text = "date,room,channel,spend,viewers\r2026-11-01,r1,x,1,2\r\r2026-11-02,r1,x,bad,2\n\n2026-11-03,r1,x,1,-2\n";
    let err =
        load_csv_bytes(Path::new("x.csv"), text.as_bytes(), &LoadOptions::default()).unwrap_err();
    let LoadError::Invalid { report } = err else {
        panic!("{err}")
    };
    let lines: Vec<u64> = report.defects.iter().map(|d| d.line).collect();
    assert_eq!(lines, vec![4, 6]);
    let opts = LoadOptions {
        skip_bad_rows: true,
        ..LoadOptions::default()
    };
    let ok = load_csv_bytes(Path::new("x.csv"), text.as_bytes(), &opts).unwrap();
    assert_eq!(ok.rejected[0].raw, "2026-11-02,r1,x,bad,2");
    assert_eq!(ok.rejected[1].raw, "2026-11-03,r1,x,1,-2");
}

#[test]
fn blank_lines_in_lf_and_crlf_files_keep_line_numbers_true() {
    for nl in ["\n", "\r\n"] {
        let text = [
            "date,room,channel,spend,viewers",
            "2026-11-01,r1,x,1,2",
            "",
            "2026-11-02,r1,x,bad,2",
            "",
        ]
        .join(nl);
        let err = load_csv_bytes(Path::new("x.csv"), text.as_bytes(), &LoadOptions::default())
            .unwrap_err();
        let LoadError::Invalid { report } = err else {
            panic!("{err}")
        };
        assert_eq!(report.defects[0].line, 4, "{nl:?}");
    }
    // CRLF without blank lines (the csv crate's own count lags here).
    let text =
        "date,room,channel,spend,viewers\r\n2026-11-01,r1,x,1,2\r\n2026-11-02,r1,x,bad,2\r\n";
    let err =
        load_csv_bytes(Path::new("x.csv"), text.as_bytes(), &LoadOptions::default()).unwrap_err();
    let LoadError::Invalid { report } = err else {
        panic!("{err}")
    };
    assert_eq!(report.defects[0].line, 3);
}
