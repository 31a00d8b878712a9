//! `acqplan report RUN_DIR` (charts drawn again from a run folder's own
//! files) and the planning email: plan.eml parsed back, determinism, and
//! sending through a real SMTP server (mailin) on 127.0.0.1.

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader, Write};
use std::net::{IpAddr, TcpListener};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use assert_cmd::Command;
use mail_parser::{MessageParser, MimeHeaders};

use crate::common::{self, outcome};

/// The five charts every plan/run writes.
const CHARTS: [&str; 5] = [
    "curves.png",
    "marginal_cost.png",
    "allocation.png",
    "frontier.png",
    "summary.png",
];

fn acqplan() -> Command {
    let mut c = Command::cargo_bin("acqplan").unwrap();
    c.env_remove("ACQPLAN_SMTP_USER")
        .env_remove("ACQPLAN_SMTP_PASSWORD");
    c
}

/// `acqplan run` on the shipped sample (3 rooms × 8 channels, ~2 % bot
/// rows) into `out`, with `extra` flags; returns (code, stdout, stderr).
fn run_sample(out: &Path, extra: &[&str]) -> (i32, String, String) {
    outcome(
        acqplan()
            .args(["run", "--config", "data/acqplan.toml", "--quiet", "--out"])
            .arg(out)
            .args(extra)
            .output()
            .unwrap(),
    )
}

fn read(p: impl AsRef<Path>) -> Vec<u8> {
    std::fs::read(p.as_ref()).unwrap_or_else(|e| panic!("{}: {e}", p.as_ref().display()))
}

fn csv_rows(p: &Path) -> Vec<csv::StringRecord> {
    csv::Reader::from_path(p)
        .unwrap()
        .records()
        .map(|r| r.unwrap())
        .collect()
}

#[test]
fn report_draws_the_same_bytes_from_the_run_folder() {
    let dir = tempfile::tempdir().unwrap();
    let run = dir.path().join("run");
    let (code, _, err) = run_sample(&run, &[]);
    assert_eq!(code, 0, "{err}");

    // series.csv holds every flagged row (as many as flagged_rows.csv) and
    // the daily points of the charted lanes.
    let series = csv_rows(&run.join("series.csv"));
    let flagged = series.iter().filter(|r| &r[5] == "true").count();
    let flagged_rows = csv_rows(&run.join("flagged_rows.csv")).len();
    assert!(flagged_rows > 0);
    assert_eq!(flagged, flagged_rows);
    let lanes: std::collections::BTreeSet<(String, String)> = series
        .iter()
        .filter(|r| &r[5] == "false")
        .map(|r| (r[0].to_string(), r[1].to_string()))
        .collect();
    assert_eq!(lanes.len(), 12, "12 panels on curves.png");

    // Into another folder: byte-identical charts and summary.txt.
    let again = dir.path().join("again");
    let (code, _, err) = outcome(
        acqplan()
            .args(["report", "--quiet"])
            .arg(&run)
            .arg("--out")
            .arg(&again)
            .output()
            .unwrap(),
    );
    assert_eq!(code, 0, "{err}");
    for f in CHARTS.iter().chain(&["summary.txt"]) {
        assert!(
            read(run.join(f)) == read(again.join(f)),
            "{f} differs when drawn again"
        );
    }
    // In place: the run folder's files stay as they were.
    let before: BTreeMap<&str, Vec<u8>> = CHARTS.iter().map(|f| (*f, read(run.join(f)))).collect();
    let (code, _, err) = outcome(acqplan().arg("report").arg(&run).output().unwrap());
    assert_eq!(code, 0, "{err}");
    assert!(err.contains("wrote curves.png"), "{err}");
    for (f, bytes) in &before {
        assert!(*bytes == read(run.join(f)), "{f} changed in place");
    }
    // An occupied --out folder needs --force.
    let (code, _, err) = outcome(
        acqplan()
            .arg("report")
            .arg(&run)
            .arg("--out")
            .arg(&again)
            .output()
            .unwrap(),
    );
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("already holds a run"), "{err}");
}

#[test]
fn report_draws_the_same_bytes_for_pooled_and_roomless_runs() {
    // One room without a room column; rooms pooled by channel with what-if
    // budgets on the frontier.
    let dir = tempfile::tempdir().unwrap();
    for sub in ["a", "b"] {
        std::fs::create_dir(dir.path().join(sub)).unwrap();
    }
    let plain = common::write_history(&dir.path().join("a"));
    let rooms = common::write_rooms(&dir.path().join("b"), &["r1", "r2"]);
    let cases: [(&Path, &[&str]); 2] = [
        (&plain, &["--target-viewers", "5000"]),
        (
            &rooms,
            &["--by", "channel", "--budget", "6k", "--budget", "9k"],
        ),
    ];
    for (i, (data, flags)) in cases.into_iter().enumerate() {
        let run = dir.path().join(format!("run{i}"));
        let (code, _, err) = outcome(
            acqplan()
                .args(["plan", "--quiet", "--horizon-days", "1", "--data"])
                .arg(data)
                .args(flags)
                .arg("--out")
                .arg(&run)
                .output()
                .unwrap(),
        );
        assert_eq!(code, 0, "{err}");
        let again = dir.path().join(format!("again{i}"));
        let (code, _, err) = outcome(
            acqplan()
                .arg("report")
                .arg(&run)
                .arg("--out")
                .arg(&again)
                .output()
                .unwrap(),
        );
        assert_eq!(code, 0, "{err}");
        for f in CHARTS.iter().chain(&["summary.txt"]) {
            assert!(
                read(run.join(f)) == read(again.join(f)),
                "case {i}: {f} differs when drawn again"
            );
        }
    }
}

#[test]
fn report_names_a_missing_or_broken_file() {
    let dir = tempfile::tempdir().unwrap();
    let run = dir.path().join("run");
    let (code, _, err) = run_sample(&run, &[]);
    assert_eq!(code, 0, "{err}");
    let report = |d: &Path| outcome(acqplan().arg("report").arg(d).output().unwrap());

    // No such folder: plan.json is named first.
    let (code, out, err) = report(&dir.path().join("nowhere"));
    assert_eq!((code, out.as_str()), (1, ""), "{err}");
    assert!(
        err.contains("could not read `") && err.contains("plan.json`"),
        "{err}"
    );
    assert!(err.contains("hint: "), "{err}");
    assert!(!err.contains("panicked"), "{err}");

    // A broken series.csv: file and line named.
    let series = run.join("series.csv");
    let good = read(&series);
    let text = String::from_utf8(good.clone()).unwrap();
    let mut lines: Vec<String> = text.lines().map(str::to_string).collect();
    let mut cells: Vec<&str> = lines[3].split(',').collect();
    cells[3] = "abc";
    lines[3] = cells.join(",");
    std::fs::write(&series, lines.join("\n")).unwrap();
    let (code, _, err) = report(&run);
    assert_eq!(code, 1, "{err}");
    assert!(
        err.contains(
            "series.csv` is not a valid series.csv: line 4: `spend_cny` \"abc\" is not a number"
        ),
        "{err}"
    );
    std::fs::write(&series, &good).unwrap();

    // plan.json that is not a plan.
    std::fs::write(run.join("plan.json"), b"{\"plan\": 3}").unwrap();
    let (code, _, err) = report(&run);
    assert_eq!(code, 1, "{err}");
    assert!(err.contains("plan.json` is not a valid plan.json"), "{err}");

    // chart_data.json missing.
    std::fs::remove_file(run.join("chart_data.json")).unwrap();
    let (code, _, err) = report(&run);
    assert_eq!(code, 1, "{err}");
    assert!(err.contains("hint: "), "{err}");
}

/// (plan.json's total spend, its metric total) as the subject formats them.
fn plan_totals(run: &Path) -> (String, String) {
    let v: serde_json::Value = serde_json::from_slice(&read(run.join("plan.json"))).unwrap();
    let fmt = |x: f64| {
        let s = format!("{:.0}", x);
        let mut out = String::new();
        for (i, c) in s.chars().enumerate() {
            if i > 0 && (s.len() - i) % 3 == 0 {
                out.push(',');
            }
            out.push(c);
        }
        out
    };
    let t = &v["plan"]["totals"];
    (
        fmt(t["spend_cny"].as_f64().unwrap()),
        fmt(t["metric_value"].as_f64().unwrap()),
    )
}

#[test]
fn plan_eml_parses_back_to_the_summary_and_every_chart() {
    let dir = tempfile::tempdir().unwrap();
    let run = dir.path().join("run");
    let (code, _, err) = run_sample(
        &run,
        &[
            "--email-to",
            "growth@example.com,Li Lei <li@example.com>",
            "--email-to",
            "boss@example.com",
        ],
    );
    assert_eq!(code, 0, "{err}");
    let eml = read(run.join("plan.eml"));
    let m = MessageParser::default().parse(&eml).unwrap();

    let to: Vec<String> = m
        .to()
        .unwrap()
        .iter()
        .map(|a| a.address().unwrap().to_string())
        .collect();
    assert_eq!(
        to,
        ["growth@example.com", "li@example.com", "boss@example.com"]
    );
    assert_eq!(
        m.from().unwrap().first().unwrap().address(),
        Some("acqplan@localhost")
    );
    // The history ends 2026-10-26 (the charts' "from 2026-10-27").
    let (spend, _) = plan_totals(&run);
    assert_eq!(
        m.subject().unwrap(),
        format!(
            "acqplan 2026-W44 plan from 2026-10-27 (7 days): target 500,000 viewers for {spend} CNY"
        )
    );
    assert_eq!(m.date().unwrap().to_rfc3339(), "2026-10-27T00:00:00Z");
    assert!(m.message_id().unwrap().ends_with("@acqplan"));

    let summary = String::from_utf8(read(run.join("summary.txt"))).unwrap();
    assert_eq!(m.text_body_count(), 1);
    // Mail text travels with CRLF line ends.
    assert_eq!(m.body_text(0).unwrap(), summary.replace('\n', "\r\n"));

    let attachments: Vec<(String, String, Vec<u8>)> = m
        .attachments()
        .map(|a| {
            let ct = a.content_type().unwrap();
            (
                a.attachment_name().unwrap().to_string(),
                format!("{}/{}", ct.ctype(), ct.subtype().unwrap_or("")),
                a.contents().to_vec(),
            )
        })
        .collect();
    // summary.png rides inline in the HTML part (tests/it/email_html.rs),
    // the other charts are attached, each as the file.
    let mut want: Vec<&str> = vec!["summary.png"];
    want.extend(CHARTS.iter().filter(|c| **c != "summary.png"));
    assert_eq!(attachments.len(), want.len());
    for ((name, ctype, bytes), want) in attachments.iter().zip(want) {
        assert_eq!(name, want);
        assert_eq!(ctype, "image/png");
        assert!(
            *bytes == read(run.join(want)),
            "{name} differs from the file"
        );
    }
}

#[test]
fn plan_eml_is_the_same_bytes_every_time() {
    let dir = tempfile::tempdir().unwrap();
    let flags = [
        "--email-to",
        "growth@example.com",
        "--email-from",
        "Plan <plan@example.com>",
    ];
    let (a, b) = (dir.path().join("a"), dir.path().join("b"));
    for d in [&a, &b] {
        let (code, _, err) = run_sample(d, &flags);
        assert_eq!(code, 0, "{err}");
    }
    let eml = read(a.join("plan.eml"));
    assert!(eml == read(b.join("plan.eml")), "two runs, two plan.eml");
    // `report` writes the same email from the folder's files.
    let c = dir.path().join("c");
    let (code, _, err) = outcome(
        acqplan()
            .arg("report")
            .arg(&a)
            .arg("--out")
            .arg(&c)
            .args(flags)
            .output()
            .unwrap(),
    );
    assert_eq!(code, 0, "{err}");
    assert!(
        eml == read(c.join("plan.eml")),
        "report wrote another plan.eml"
    );
    // Other recipients: another Message-ID.
    let (code, _, err) = outcome(
        acqplan()
            .arg("report")
            .arg(&a)
            .args(["--out"])
            .arg(&c)
            .args(["--force", "--email-to", "other@example.com"])
            .output()
            .unwrap(),
    );
    assert_eq!(code, 0, "{err}");
    let id = |b: &[u8]| {
        MessageParser::default()
            .parse(b)
            .unwrap()
            .message_id()
            .unwrap()
            .to_string()
    };
    assert_ne!(id(&eml), id(&read(c.join("plan.eml"))));
}

#[test]
fn bad_addresses_and_servers_are_usage_errors() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("run");
    for (flags, says) in [
        (
            &["--email-to", "growth@example.com,not an address"][..],
            "--email-to: `not an address` is not an email address",
        ),
        (
            &["--email-to", "a@example.com", "--email-from", "@@"][..],
            "--email-from: `@@` is not an email address",
        ),
        (
            &["--email-to", "a@example.com", "--smtp", "smtp.example.com"][..],
            "--smtp: `smtp.example.com` is not of the form HOST:PORT",
        ),
        (
            &["--smtp", "127.0.0.1:25"][..],
            "an SMTP server is given but no recipients",
        ),
    ] {
        let (code, stdout, err) = run_sample(&out, flags);
        assert_eq!(code, 2, "{flags:?}: {err}");
        assert_eq!(stdout, "");
        assert!(err.contains(says), "{flags:?}: {err}");
        assert!(err.contains("hint: "), "{err}");
        assert!(!out.exists(), "nothing written for a usage error");
    }
}

#[test]
fn email_settings_from_file_and_flags_with_their_source() {
    let dir = tempfile::tempdir().unwrap();
    let cfg = dir.path().join("acqplan.toml");
    std::fs::write(
        &cfg,
        "[email]\nto = [\"growth@example.com\", \"Li Lei <li@example.com>\"]\nfrom = \"plan@example.com\"\nsmtp = \"smtp.example.com:587\"\n",
    )
    .unwrap();
    let config = |extra: &[&str]| {
        let (code, out, err) = outcome(
            acqplan()
                .args(["config", "--config"])
                .arg(&cfg)
                .args(extra)
                .output()
                .unwrap(),
        );
        assert_eq!(code, 0, "{err}");
        out.lines()
            .filter(|l| l.starts_with("email."))
            .map(|l| l.split_whitespace().collect::<Vec<_>>().join(" "))
            .collect::<Vec<_>>()
    };
    let file = format!("file {}", cfg.display());
    assert_eq!(
        config(&[]),
        [
            format!("email.to growth@example.com, Li Lei <li@example.com> {file}"),
            format!("email.from plan@example.com {file}"),
            format!("email.smtp smtp.example.com:587 {file}"),
            "email.smtp_tls starttls default".to_string(),
        ]
    );
    assert_eq!(
        config(&["--email-to", "x@example.com", "--smtp-tls", "tls"]),
        [
            "email.to x@example.com flag --email-to".to_string(),
            format!("email.from plan@example.com {file}"),
            format!("email.smtp smtp.example.com:587 {file}"),
            "email.smtp_tls tls flag --smtp-tls".to_string(),
        ]
    );
    // A bad address in the file names the key.
    std::fs::write(&cfg, "[email]\nto = [\"nobody\"]\n").unwrap();
    let (code, _, err) = outcome(
        acqplan()
            .args(["config", "--config"])
            .arg(&cfg)
            .output()
            .unwrap(),
    );
    assert_eq!(code, 2, "{err}");
    assert!(
        err.contains("[email] to: `nobody` is not an email address"),
        "{err}"
    );
}

/// What the test SMTP server saw.
#[derive(Clone, Debug, Default)]
struct Received {
    from: String,
    to: Vec<String>,
    data: Vec<u8>,
    auth: Option<(String, String)>,
}

#[derive(Clone)]
struct Sink(Arc<Mutex<Vec<Received>>>, Received);

impl mailin::Handler for Sink {
    fn mail(&mut self, _ip: IpAddr, _domain: &str, from: &str) -> mailin::Response {
        self.1.from = from.to_string();
        mailin::response::OK
    }
    fn rcpt(&mut self, to: &str) -> mailin::Response {
        self.1.to.push(to.to_string());
        mailin::response::OK
    }
    fn data(&mut self, buf: &[u8]) -> std::io::Result<()> {
        self.1.data.extend_from_slice(buf);
        Ok(())
    }
    fn data_end(&mut self) -> mailin::Response {
        let done = std::mem::take(&mut self.1);
        self.1.auth = done.auth.clone();
        self.0.lock().unwrap().push(done);
        mailin::response::OK
    }
    fn auth_plain(&mut self, _authz: &str, user: &str, password: &str) -> mailin::Response {
        self.1.auth = Some((user.to_string(), password.to_string()));
        mailin::response::AUTH_OK
    }
}

/// A real SMTP server (the mailin session state machine) on a free port of
/// 127.0.0.1, with `auth` PLAIN log-in required (allowed without TLS);
/// serves `connections` connections in a thread.
fn smtp_server(connections: usize, auth: bool) -> (u16, Arc<Mutex<Vec<Received>>>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let got = Arc::new(Mutex::new(Vec::new()));
    let sink = Sink(got.clone(), Received::default());
    std::thread::spawn(move || {
        let mut builder = mailin::SessionBuilder::new("test.local");
        if auth {
            builder
                .enable_auth(mailin::AuthMechanism::Plain)
                .insecure_enable_plaintext_auth();
        }
        for stream in listener.incoming().take(connections) {
            let Ok(stream) = stream else { continue };
            let ip = stream.peer_addr().unwrap().ip();
            let mut session = builder.build(ip, sink.clone());
            let mut writer = stream.try_clone().unwrap();
            let mut reader = BufReader::new(stream);
            if session.greeting().write_to(&mut writer).is_err() {
                continue;
            }
            let mut line = Vec::new();
            loop {
                line.clear();
                match reader.read_until(b'\n', &mut line) {
                    Ok(0) | Err(_) => break,
                    Ok(_) => {}
                }
                let res = session.process(&line);
                match res.action {
                    mailin::Action::Reply => {
                        let _ = res.write_to(&mut writer);
                        let _ = writer.flush();
                    }
                    mailin::Action::Close => {
                        let _ = res.write_to(&mut writer);
                        let _ = writer.flush();
                        break;
                    }
                    mailin::Action::UpgradeTls => break,
                    mailin::Action::NoReply => {}
                }
            }
        }
    });
    (port, got)
}

/// The parsed message's attachments by name.
fn attachments(eml: &[u8]) -> BTreeMap<String, Vec<u8>> {
    let m = MessageParser::default().parse(eml).unwrap();
    m.attachments()
        .map(|a| {
            (
                a.attachment_name().unwrap().to_string(),
                a.contents().to_vec(),
            )
        })
        .collect()
}

#[test]
fn sends_plan_eml_through_a_real_smtp_server_with_env_credentials() {
    let (port, got) = smtp_server(1, true);
    let dir = tempfile::tempdir().unwrap();
    let run = dir.path().join("run");
    let out = acqplan()
        .args(["run", "--config", "data/acqplan.toml", "--out"])
        .arg(&run)
        .args([
            "--email-to",
            "growth@example.com,Li Lei <li@example.com>",
            "--email-from",
            "plan@example.com",
            "--smtp",
            &format!("127.0.0.1:{port}"),
            "--smtp-tls",
            "none",
        ])
        .env("ACQPLAN_SMTP_USER", "planner")
        .env("ACQPLAN_SMTP_PASSWORD", "s3cret pass")
        .output()
        .unwrap();
    let (code, _, err) = outcome(out);
    assert_eq!(code, 0, "{err}");
    assert!(
        err.contains(&format!(
            "sent plan.eml to growth@example.com, Li Lei <li@example.com> through 127.0.0.1:{port} (none)"
        )),
        "{err}"
    );
    let got = got.lock().unwrap().clone();
    assert_eq!(got.len(), 1);
    let r = &got[0];
    assert_eq!(r.from, "plan@example.com");
    assert_eq!(r.to, ["growth@example.com", "li@example.com"]);
    assert_eq!(
        r.auth,
        Some(("planner".to_string(), "s3cret pass".to_string()))
    );
    let sent = attachments(&r.data);
    let want: Vec<&str> = CHARTS.to_vec();
    assert_eq!(sent.keys().map(String::as_str).collect::<Vec<_>>(), {
        let mut w = want.clone();
        w.sort();
        w
    });
    for f in CHARTS {
        assert!(sent[f] == read(run.join(f)), "{f} arrived altered");
    }
    let m = MessageParser::default().parse(&r.data).unwrap();
    assert_eq!(
        m.body_text(0).unwrap(),
        String::from_utf8(read(run.join("summary.txt")))
            .unwrap()
            .replace('\n', "\r\n")
    );
    // What arrived is plan.eml as written (the client ends DATA with
    // CRLF "." CRLF after the message, which leaves one CRLF more).
    let eml = read(run.join("plan.eml"));
    assert!(
        r.data.strip_suffix(b"\r\n") == Some(&eml[..]),
        "sent bytes differ from plan.eml"
    );
}

#[test]
fn without_credentials_no_auth_and_a_failed_send_keeps_plan_eml() {
    // No credentials in the environment: no AUTH.
    let (port, got) = smtp_server(1, false);
    let dir = tempfile::tempdir().unwrap();
    let run = dir.path().join("run");
    let (code, _, err) = run_sample(
        &run,
        &[
            "--email-to",
            "growth@example.com",
            "--smtp",
            &format!("127.0.0.1:{port}"),
            "--smtp-tls",
            "none",
        ],
    );
    assert_eq!(code, 0, "{err}");
    let got = got.lock().unwrap().clone();
    assert_eq!(got.len(), 1);
    assert_eq!(got[0].auth, None);
    assert_eq!(got[0].to, ["growth@example.com"]);

    // Nothing listens on a freed port: exit 2, plan.eml written anyway.
    let free = TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let run2: PathBuf = dir.path().join("run2");
    let (code, _, err) = run_sample(
        &run2,
        &[
            "--email-to",
            "growth@example.com",
            "--smtp",
            &format!("127.0.0.1:{free}"),
            "--smtp-tls",
            "none",
        ],
    );
    assert_eq!(code, 2, "{err}");
    assert!(
        err.contains(&format!(
            "could not send plan.eml through SMTP server `127.0.0.1:{free}` (none)"
        )),
        "{err}"
    );
    assert!(
        err.contains("hint: plan.eml is written in the run folder"),
        "{err}"
    );
    assert!(read(run2.join("plan.eml")) == read(run.join("plan.eml")));
    assert!(run2.join("manifest.json").exists());

    // The default --smtp-tls starttls never falls back to plain text: a
    // server without STARTTLS is refused and nothing is sent.
    let (port, got) = smtp_server(1, false);
    let (code, _, err) = outcome(
        acqplan()
            .arg("report")
            .arg(&run)
            .args([
                "--email-to",
                "growth@example.com",
                "--smtp",
                &format!("127.0.0.1:{port}"),
            ])
            .output()
            .unwrap(),
    );
    assert_eq!(code, 2, "{err}");
    assert!(
        err.contains(&format!(
            "could not send plan.eml through SMTP server `127.0.0.1:{port}` (starttls)"
        )),
        "{err}"
    );
    assert!(got.lock().unwrap().is_empty());

    // Only the user set: refused before connecting.
    let (code, _, err) = outcome(
        acqplan()
            .arg("report")
            .arg(&run)
            .args([
                "--email-to",
                "growth@example.com",
                "--smtp",
                &format!("127.0.0.1:{free}"),
            ])
            .env("ACQPLAN_SMTP_USER", "planner")
            .output()
            .unwrap(),
    );
    assert_eq!(code, 2, "{err}");
    assert!(
        err.contains("`ACQPLAN_SMTP_USER` is set but `ACQPLAN_SMTP_PASSWORD` is not"),
        "{err}"
    );
}
