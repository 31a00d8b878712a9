//! `plan.eml`, the weekly planning email: `summary.txt` as the plain-text
//! body and every chart attached as `image/png`. Sending it is
//! [`crate::mail`]'s work.
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
    /// (file name, PNG bytes), in attachment order.
    pub attachments: &'a [(&'a str, &'a [u8])],
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

/// `plan.eml` (bytes, no IO): multipart/mixed with the body as text/plain
/// and each attachment as image/png.
pub fn plan_eml(e: &Email<'_>) -> Result<Vec<u8>, EmailError> {
    let mut h = blake3::Hasher::new();
    for part in [
        e.from.to_string().as_bytes(),
        e.subject.as_bytes(),
        e.body.as_bytes(),
    ] {
        h.update(&(part.len() as u64).to_le_bytes());
        h.update(part);
    }
    for to in e.to {
        h.update(to.to_string().as_bytes());
        h.update(b"\n");
    }
    h.update(&e.date_day.to_le_bytes());
    for (name, bytes) in e.attachments {
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
    let mut parts = MultiPart::mixed()
        .boundary(format!("acqplan-{}", &hex[32..56]))
        .singlepart(SinglePart::plain(e.body.to_string()));
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
}
