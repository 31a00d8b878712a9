//! plan.eml as a reader gets it: the MIME structure (alternative → text +
//! related(html + the summary chart by `cid:`)), the decoded Chinese
//! headers and body, and the HTML part rendered in a real headless
//! Chromium with its inline image resolved, asserting on the screenshot.
//!
//! Chromium comes from Debian's packages (`.ci/run` installs it); where it
//! is missing the browser test says so loudly on stderr and skips.

use std::path::{Path, PathBuf};
use std::process::Command as Process;

use assert_cmd::Command;
use mail_parser::{Message, MessageParser, MimeHeaders, PartType};

use crate::common::outcome;

const CID: &str = "summary.png@acqplan";

fn acqplan() -> Command {
    let mut c = Command::cargo_bin("acqplan").unwrap();
    c.env_remove("ACQPLAN_SMTP_USER")
        .env_remove("ACQPLAN_SMTP_PASSWORD");
    c
}

fn read(p: impl AsRef<Path>) -> Vec<u8> {
    std::fs::read(p.as_ref()).unwrap_or_else(|e| panic!("{}: {e}", p.as_ref().display()))
}

/// `acqplan run` on the sample into `out` with `extra` flags.
fn run(out: &Path, extra: &[&str]) {
    let (code, _, err) = outcome(
        acqplan()
            .args(["run", "--config", "data/acqplan.toml", "--quiet", "--out"])
            .arg(out)
            .args(extra)
            .output()
            .unwrap(),
    );
    assert_eq!(code, 0, "{err}");
}

/// `type/subtype[children]`, inline parts `type/subtype<cid>`, attachments
/// `type/subtype(name)`.
fn mime_tree(m: &Message<'_>, id: u32) -> String {
    let p = m.part(id).unwrap();
    let ct = p.content_type().map_or("text/plain".to_string(), |c| {
        format!("{}/{}", c.ctype(), c.subtype().unwrap_or(""))
    });
    match &p.body {
        PartType::Multipart(children) => {
            let inner: Vec<String> = children.iter().map(|c| mime_tree(m, *c)).collect();
            format!("{ct}[{}]", inner.join(","))
        }
        _ => match (p.content_id(), p.attachment_name()) {
            (Some(cid), _) => format!("{ct}<{cid}>"),
            (None, Some(name)) => format!("{ct}({name})"),
            (None, None) => ct,
        },
    }
}

/// The bytes of the part whose Content-ID is `cid`.
fn part_by_cid(m: &Message<'_>, cid: &str) -> Vec<u8> {
    m.parts
        .iter()
        .find(|p| p.content_id() == Some(cid))
        .unwrap_or_else(|| panic!("no part <{cid}>"))
        .contents()
        .to_vec()
}

const TREE: &str = "multipart/mixed[multipart/alternative[text/plain,multipart/related[text/html,image/png<summary.png@acqplan>]],image/png(curves.png),image/png(marginal_cost.png),image/png(allocation.png),image/png(frontier.png)]";

#[test]
fn plan_eml_is_text_and_html_with_the_summary_chart_inline() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("run");
    run(&out, &["--email-to", "李雷 <li@example.com>"]);
    let eml = read(out.join("plan.eml"));
    assert!(eml.iter().all(|b| *b < 128), "plan.eml is not 7-bit clean");
    let m = MessageParser::default().parse(&eml).unwrap();
    assert_eq!(mime_tree(&m, 0), TREE);
    assert_eq!(m.to().unwrap().first().unwrap().name(), Some("李雷"));
    // The inline image is summary.png, byte for byte; the HTML shows it.
    assert!(part_by_cid(&m, CID) == read(out.join("summary.png")));
    let html = m.body_html(0).unwrap();
    assert!(html.contains(&format!("<img src=\"cid:{CID}\"")), "{html}");
    // The headline figures are text in the HTML, as summary.txt says them.
    let summary = String::from_utf8(read(out.join("summary.txt"))).unwrap();
    let plan_line = summary.lines().find(|l| l.starts_with("Plan: ")).unwrap();
    assert!(html.contains(plan_line), "{plan_line}");
    assert_eq!(m.body_text(0).unwrap(), summary.replace('\n', "\r\n"));
}

#[test]
fn chinese_names_and_the_last_week_review_reach_the_html() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    // Two weeks of the zh sample: the second run reviews the first (a
    // "Last week" section), both into `reports/`, the default out_root.
    let full = String::from_utf8(read("data/history_zh.csv")).unwrap();
    let mut lines: Vec<&str> = full.lines().collect();
    let header = lines.remove(0);
    let last = lines.iter().filter_map(|l| l.get(..10)).max().unwrap();
    let (y, mo, dd) = (
        last[..4].parse::<i32>().unwrap(),
        last[5..7].parse::<u32>().unwrap(),
        last[8..10].parse::<u32>().unwrap(),
    );
    let cut = acqplan::contract::calendar::format_date(
        acqplan::contract::calendar::days_from_civil(y, mo, dd) - 7,
    );
    let early: Vec<&str> = lines
        .iter()
        .copied()
        .filter(|l| l.get(..10).is_some_and(|x| x <= cut.as_str()))
        .collect();
    std::fs::write(
        d.join("past.csv"),
        format!("{header}\n{}\n", early.join("\n")),
    )
    .unwrap();
    std::fs::write(d.join("full.csv"), &full).unwrap();
    for (data, out) in [("past.csv", "reports/w1"), ("full.csv", "reports/w2")] {
        let (code, _, err) = outcome(
            acqplan()
                .current_dir(d)
                .args(["run", "--data", data, "--target-viewers", "500k", "--quiet"])
                .args(["--email-to", "增长组 <growth@example.com>", "--out", out])
                .output()
                .unwrap(),
        );
        assert_eq!(code, 0, "{err}");
    }
    let second = d.join("reports/w2");
    let summary = String::from_utf8(read(second.join("summary.txt"))).unwrap();
    let m = MessageParser::default()
        .parse(&read(second.join("plan.eml")))
        .unwrap()
        .into_owned();
    assert_eq!(mime_tree(&m, 0), TREE);
    let html = m.body_html(0).unwrap().to_string();
    assert_eq!(m.to().unwrap().first().unwrap().name(), Some("增长组"));
    assert_eq!(m.body_text(0).unwrap(), summary.replace('\n', "\r\n"));
    let section = summary
        .split("\nLast week:\n")
        .nth(1)
        .unwrap_or_else(|| panic!("no review in {summary}"));
    assert!(html.contains("<h2>Last week</h2>"), "{html}");
    for item in section.lines().take_while(|l| l.starts_with("- ")) {
        let item = escape(&item[2..]);
        assert!(html.contains(&format!("<li>{item}</li>")), "lost: {item}");
    }
    // Every line naming a Chinese room or channel is in the HTML, escaped.
    let zh_lines: Vec<&str> = summary.lines().filter(|l| !l.is_ascii()).collect();
    assert!(
        !zh_lines.is_empty(),
        "the zh sample's summary names no channel"
    );
    for line in zh_lines {
        let item = line.strip_prefix("- ").unwrap_or(line);
        assert!(html.contains(&escape(item)), "lost: {item}");
    }
}

fn escape(s: &str) -> String {
    acqplan::report::email_html::escape(s)
}

/// Chromium from Debian's packages, or `ACQPLAN_CHROMIUM`.
fn chromium() -> Option<PathBuf> {
    if let Some(p) = std::env::var_os("ACQPLAN_CHROMIUM") {
        return Some(p.into());
    }
    ["chromium", "chromium-browser", "google-chrome"]
        .iter()
        .find_map(|name| {
            std::env::var_os("PATH").and_then(|paths| {
                std::env::split_paths(&paths)
                    .map(|d| d.join(name))
                    .find(|p| p.is_file())
            })
        })
}

/// RGB pixels of a PNG file: (width, height, rgb bytes).
fn decode_rgb(png_bytes: &[u8]) -> (u32, u32, Vec<u8>) {
    let mut dec = png::Decoder::new(png_bytes);
    dec.set_transformations(png::Transformations::EXPAND | png::Transformations::STRIP_16);
    let mut r = dec.read_info().unwrap();
    let mut buf = vec![0; r.output_buffer_size()];
    let info = r.next_frame(&mut buf).unwrap();
    let ch = info.color_type.samples();
    let px = (info.width * info.height) as usize;
    let mut rgb = Vec::with_capacity(px * 3);
    for i in 0..px {
        let p = &buf[i * ch..i * ch + ch];
        match ch {
            1 | 2 => rgb.extend_from_slice(&[p[0], p[0], p[0]]),
            _ => rgb.extend_from_slice(&p[..3]),
        }
    }
    (info.width, info.height, rgb)
}

/// Where `img` sits in `shot` pixel for pixel (each channel within `tol`
/// on at least 99 % of its pixels): the top-left corner, or `None`.
fn locate(shot: &(u32, u32, Vec<u8>), img: &(u32, u32, Vec<u8>), tol: u8) -> Option<(u32, u32)> {
    let (sw, sh, s) = shot;
    let (iw, ih, p) = img;
    if iw > sw || ih > sh {
        return None;
    }
    let at = |buf: &[u8], w: u32, x: u32, y: u32| {
        let i = ((y * w + x) * 3) as usize;
        [buf[i], buf[i + 1], buf[i + 2]]
    };
    let close = |a: [u8; 3], b: [u8; 3]| (0..3).all(|k| a[k].abs_diff(b[k]) <= tol);
    // Probe points on a grid, the informative (non-background) ones first.
    let bg = at(p, *iw, 0, 0);
    let mut probes: Vec<(u32, u32)> = (1..16)
        .flat_map(|a| (1..16).map(move |b| (a * iw / 16, b * ih / 16)))
        .collect();
    probes.sort_by_key(|&(x, y)| close(at(p, *iw, x, y), bg));
    for y0 in 0..=(sh - ih) {
        for x0 in 0..=(sw - iw) {
            if probes
                .iter()
                .all(|&(x, y)| close(at(s, *sw, x0 + x, y0 + y), at(p, *iw, x, y)))
            {
                let mut good = 0u64;
                for y in 0..*ih {
                    for x in 0..*iw {
                        good += u64::from(close(at(s, *sw, x0 + x, y0 + y), at(p, *iw, x, y)));
                    }
                }
                if good * 100 >= u64::from(iw * ih) * 99 {
                    return Some((x0, y0));
                }
            }
        }
    }
    None
}

#[test]
fn the_html_part_renders_in_chromium_with_the_summary_chart() {
    let Some(browser) = chromium() else {
        eprintln!(
            "\n!!!!!!!! SKIPPED the_html_part_renders_in_chromium_with_the_summary_chart: \
             no chromium on PATH (apt-get install -y chromium; .ci/run installs it) !!!!!!!!\n"
        );
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("run");
    run(&out, &["--email-to", "growth@example.com"]);
    let m = MessageParser::default()
        .parse(&read(out.join("plan.eml")))
        .unwrap()
        .into_owned();
    // The HTML with its inline image resolved, as a client does it.
    let view = dir.path().join("view");
    std::fs::create_dir(&view).unwrap();
    let png = part_by_cid(&m, CID);
    std::fs::write(view.join("summary.png"), &png).unwrap();
    let html = m
        .body_html(0)
        .unwrap()
        .replace(&format!("cid:{CID}"), "summary.png");
    std::fs::write(view.join("plan.html"), html).unwrap();
    let img = decode_rgb(&png);
    let (w, h) = (img.0 + 200, img.1 + 700);
    let shot_path = dir.path().join("shot.png");
    let status = Process::new(&browser)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--hide-scrollbars",
            "--force-device-scale-factor=1",
            "--force-color-profile=srgb",
        ])
        .arg(format!(
            "--user-data-dir={}",
            dir.path().join("profile").display()
        ))
        .arg(format!("--screenshot={}", shot_path.display()))
        .arg(format!("--window-size={w},{h}"))
        .arg(format!("file://{}", view.join("plan.html").display()))
        .output()
        .unwrap();
    assert!(
        status.status.success() && shot_path.is_file(),
        "chromium failed: {}",
        String::from_utf8_lossy(&status.stderr)
    );
    let shot = decode_rgb(&read(&shot_path));
    assert_eq!((shot.0, shot.1), (w, h), "screenshot size");
    // The summary chart is shown whole at its own size.
    let (x0, y0) = locate(&shot, &img, 12).expect("summary.png not found in the screenshot");
    // Below the heading and the headline figures, which are dark text on
    // the page: not blank.
    assert!(y0 > 60, "the chart at y = {y0}, above the headline text");
    let dark = |y_from: u32, y_to: u32| {
        (y_from..y_to)
            .flat_map(|y| (0..shot.0).map(move |x| (x, y)))
            .filter(|&(x, y)| {
                let i = ((y * shot.0 + x) * 3) as usize;
                shot.2[i..i + 3].iter().map(|&c| u32::from(c)).sum::<u32>() < 3 * 90
            })
            .count()
    };
    let text_px = dark(0, y0);
    assert!(
        text_px > 500,
        "{text_px} dark pixels above the chart: no text rendered"
    );
    eprintln!(
        "chromium rendered plan.eml's HTML {w}×{h}: summary.png at ({x0}, {y0}), {text_px} text pixels above it"
    );
}
