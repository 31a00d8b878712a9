//! `plan.eml`, the weekly planning email. Sending it is [`crate::mail`]'s
//! work. Its MIME structure:
//!
//! ```text
//! multipart/mixed
//! ├── multipart/alternative
//! │   ├── text/plain; charset=utf-8        summary.txt
//! │   └── multipart/related
//! │       ├── text/html; charset=utf-8     the same, laid out (report::email_html)
//! │       └── image/png, inline, Content-ID <summary.png@acqplan>   (cid: in the HTML)
//! └── image/png attachments                the other charts
//! ```
//!
//! A client that shows HTML shows the summary chart inside the text; one
//! that does not shows summary.txt. Non-ASCII headers (a Chinese subject,
//! 李雷 <li@example.com>) are RFC 2047 encoded-words, written by lettre; the
//! bodies are UTF-8 with a transfer encoding lettre picks (quoted-printable
//! or base64), so the message is 7-bit clean.
//!
//! The bytes are a function of the content alone: the `Date` is the plan's
//! first day (from the data, not the clock), and the `Message-ID` and the
//! MIME boundary are derived from a BLAKE3 hash of the content, so the same
//! run writes the same `plan.eml`.

use std::time::{Duration, SystemTime};

use lettre::Message;
use lettre::message::header::ContentType;
use lettre::message::{Attachment, Mailbox, MultiPart, SinglePart};

use crate::mail::EmailError;
use crate::plan::stage::PlanReport;
use crate::plan::{PlanMode, PlanRequest};

/// File name of the email in the run folder.
pub const PLAN_EML: &str = "plan.eml";

/// What the email says and carries.
#[derive(Clone, Debug)]
pub struct Email<'a> {
    /// Sender.
    pub from: &'a Mailbox,
    /// Recipients.
    pub to: &'a [Mailbox],
    /// Subject line ([`subject`]).
    pub subject: &'a str,
    /// The `Date`: midnight UTC of this day (days since 1970-01-01).
    pub date_day: i32,
    /// Plain-text body (`summary.txt`).
    pub body: &'a str,
    /// HTML body (`None`: text only). It shows `inline` as
    /// `cid:`[`content_id`]`(name)`.
    pub html: Option<&'a str>,
    /// (file name, PNG bytes) shown inside the HTML body (with `html`).
    pub inline: Option<(&'a str, &'a [u8])>,
    /// (file name, PNG bytes), in attachment order.
    pub attachments: &'a [(&'a str, &'a [u8])],
}

/// The `Content-ID` (without angle brackets) of the inline image `name`:
/// `summary.png@acqplan`.
pub fn content_id(name: &str) -> String {
    let safe: String = name
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || "._-".contains(c) {
                c
            } else {
                '_'
            }
        })
        .collect();
    format!("{safe}@acqplan")
}

/// `2026-W44 plan from 2026-10-27 (7 days): target 500,000 viewers for
/// 433,068 CNY`.
pub fn subject(r: &PlanReport, request: Option<&PlanRequest>, plan_start_day: i32) -> String {
    subject_in(r, request, plan_start_day, crate::lang::Lang::En)
}

/// [`subject`] in `lang` (words from [`crate::report::i18n`]).
pub fn subject_in(
    r: &PlanReport,
    request: Option<&PlanRequest>,
    plan_start_day: i32,
    lang: crate::lang::Lang,
) -> String {
    let w = crate::report::i18n::words(lang);
    let (y, wk) = crate::output::iso_week(plan_start_day);
    let p = &r.plan;
    let m = p.metric;
    let head = w.subject_head(
        y,
        wk,
        &crate::contract::calendar::format_date(plan_start_day),
        p.horizon_days,
    );
    let cost = p.totals.spend_cny;
    let got = p.totals.metric_value;
    let tail = match (&p.infeasibility, p.mode) {
        (Some(inf), _) => w.subject_unreachable(inf.requested, got, m, cost),
        (None, PlanMode::MinSpend) => match request.and_then(|q| q.target) {
            Some(t) => w.subject_target(t, m, cost),
            None => w.subject_rooms(got, m, cost),
        },
        (None, PlanMode::MaxMetric) => {
            w.subject_budget(request.and_then(|q| q.budget_cny), got, m, cost)
        }
    };
    format!("{head}{tail}")
}

/// `plan.eml` (bytes, no IO): see the module's doc for the structure
/// (without `html`: multipart/mixed of text/plain and the attachments).
pub fn plan_eml(e: &Email<'_>) -> Result<Vec<u8>, EmailError> {
    let mut h = blake3::Hasher::new();
    for part in [
        e.from.to_string().as_bytes(),
        e.subject.as_bytes(),
        e.body.as_bytes(),
        e.html.unwrap_or("").as_bytes(),
    ] {
        h.update(&(part.len() as u64).to_le_bytes());
        h.update(part);
    }
    for to in e.to {
        h.update(to.to_string().as_bytes());
        h.update(b"\n");
    }
    h.update(&e.date_day.to_le_bytes());
    for (name, bytes) in e.inline.iter().chain(e.attachments) {
        h.update(&(name.len() as u64).to_le_bytes());
        h.update(name.as_bytes());
        h.update(&(bytes.len() as u64).to_le_bytes());
        h.update(bytes);
    }
    let hex = h.finalize().to_hex();
    let secs = u64::try_from(e.date_day).unwrap_or(0) * 86_400;
    let mut b = Message::builder()
        .from(e.from.clone())
        .subject(e.subject)
        .date(SystemTime::UNIX_EPOCH + Duration::from_secs(secs))
        .message_id(Some(format!("<{}@acqplan>", &hex[..32])));
    for to in e.to {
        b = b.to(to.clone());
    }
    let png = ContentType::parse("image/png").expect("a valid MIME type");
    let mixed = MultiPart::mixed().boundary(format!("acqplan-{}", &hex[32..56]));
    let plain = SinglePart::plain(e.body.to_string());
    let mut parts = match e.html {
        None => mixed.singlepart(plain),
        Some(html) => {
            let mut related = MultiPart::related()
                .boundary(format!("acqplan-{}-r", &hex[32..56]))
                .singlepart(SinglePart::html(html.to_string()));
            if let Some((name, bytes)) = e.inline {
                related = related.singlepart(
                    Attachment::new_inline_with_name(content_id(name), name.to_string())
                        .body(bytes.to_vec(), png.clone()),
                );
            }
            mixed.multipart(
                MultiPart::alternative()
                    .boundary(format!("acqplan-{}-a", &hex[32..56]))
                    .singlepart(plain)
                    .multipart(related),
            )
        }
    };
    for (name, bytes) in e.attachments {
        parts =
            parts.singlepart(Attachment::new(name.to_string()).body(bytes.to_vec(), png.clone()));
    }
    let m = b.multipart(parts).map_err(EmailError::Build)?;
    Ok(m.formatted())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn mb(s: &str) -> Mailbox {
        s.parse().unwrap()
    }

    #[test]
    fn same_content_same_bytes_and_no_clock() {
        let from = mb("acqplan <plan@example.com>");
        let to = [mb("a@example.com"), mb("Bo <b@example.com>")];
        let png: &[u8] = &[0x89, b'P', b'N', b'G', 0, 1, 2, 3];
        let att = [("curves.png", png)];
        let e = Email {
            from: &from,
            to: &to,
            subject: "acqplan 2026-W44 plan",
            date_day: crate::contract::calendar::days_from_civil(2026, 10, 27),
            body: "Traffic plan\n",
            html: None,
            inline: None,
            attachments: &att,
        };
        let a = plan_eml(&e).unwrap();
        let b = plan_eml(&e).unwrap();
        assert_eq!(a, b);
        let text = String::from_utf8(a).unwrap();
        assert!(
            text.contains("Date: Tue, 27 Oct 2026 00:00:00 +0000"),
            "{text}"
        );
        assert!(
            text.contains("To: a@example.com, Bo <b@example.com>\r\n"),
            "{text}"
        );
        // Another body: another Message-ID.
        let other = plan_eml(&Email {
            body: "other\n",
            ..e.clone()
        })
        .unwrap();
        let id = |t: &str| {
            t.lines()
                .find(|l| l.starts_with("Message-ID"))
                .unwrap()
                .to_string()
        };
        assert_ne!(id(&text), id(&String::from_utf8(other).unwrap()));
    }

    /// The MIME tree of a parsed message: `type/subtype[children]`, an
    /// inline part as `type/subtype<content-id>`, an attachment as
    /// `type/subtype(name)`.
    pub(crate) fn mime_tree(m: &mail_parser::Message<'_>, id: u32) -> String {
        use mail_parser::{MimeHeaders, PartType};
        let p = m.part(id).expect("a part");
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

    #[test]
    fn html_alternative_with_the_inline_chart_and_chinese_headers() {
        let from = mb("acqplan <plan@example.com>");
        let to = [mb("李雷 <li@example.com>")];
        let summary: &[u8] = &[0x89, b'P', b'N', b'G', 9, 9, 9];
        let curves: &[u8] = &[0x89, b'P', b'N', b'G', 1, 1];
        let att = [("curves.png", curves)];
        let subject = "acqplan 2026-W44 计划：旗舰店 × DOU+加热 50万元";
        let body = "流量计划\n\n计划：43.3万元\n";
        let html = "<p>流量计划 <img src=\"cid:summary.png@acqplan\"></p>";
        let e = Email {
            from: &from,
            to: &to,
            subject,
            date_day: crate::contract::calendar::days_from_civil(2026, 10, 27),
            body,
            html: Some(html),
            inline: Some(("summary.png", summary)),
            attachments: &att,
        };
        let eml = plan_eml(&e).unwrap();
        assert_eq!(eml, plan_eml(&e).unwrap(), "same content, same bytes");
        // 7-bit clean: every header encoded, every body transfer-encoded.
        assert!(eml.iter().all(|b| *b < 128), "a raw 8-bit byte");
        let text = String::from_utf8(eml.clone()).unwrap();
        assert!(
            text.contains("Subject: acqplan 2026-W44 =?utf-8?b?"),
            "{text}"
        );
        let m = mail_parser::MessageParser::default().parse(&eml).unwrap();
        assert_eq!(m.subject(), Some(subject));
        let to0 = m.to().unwrap().first().unwrap();
        assert_eq!(to0.name(), Some("李雷"));
        assert_eq!(
            mime_tree(&m, 0),
            "multipart/mixed[multipart/alternative[text/plain,multipart/related[text/html,image/png<summary.png@acqplan>]],image/png(curves.png)]"
        );
        assert_eq!(m.body_text(0).unwrap(), body.replace('\n', "\r\n"));
        assert!(
            m.body_html(0)
                .unwrap()
                .contains("流量计划 <img src=\"cid:summary.png@acqplan\">")
        );
        // The boundaries differ from each other and from the text-only
        // message's, and are derived from the content.
        let mut bounds: Vec<&str> = text
            .split("boundary=\"")
            .skip(1)
            .filter_map(|t| t.split('"').next())
            .collect();
        assert_eq!(bounds.len(), 3, "{text}");
        assert!(bounds.iter().all(|b| b.starts_with("acqplan-")));
        bounds.dedup();
        assert_eq!(bounds.len(), 3, "three distinct boundaries");
        let plain = String::from_utf8(
            plan_eml(&Email {
                html: None,
                inline: None,
                ..e.clone()
            })
            .unwrap(),
        )
        .unwrap();
        assert!(!plain.contains("multipart/alternative"));
        assert!(!plain.contains("multipart/related"));
    }

    #[test]
    fn content_ids_are_addr_specs() {
        assert_eq!(content_id("summary.png"), "summary.png@acqplan");
        assert_eq!(content_id("汇总 1.png"), "___1.png@acqplan");
    }
}
