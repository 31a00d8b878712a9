//! `plan.eml`, the weekly planning email: `summary.txt` as the plain-text
//! body and every chart attached as `image/png`; and sending it over SMTP.
//!
//! The bytes are a function of the content alone: the `Date` is the plan's
//! first day (from the data, not the clock), and the `Message-ID` and the
//! MIME boundary are derived from a BLAKE3 hash of the content, so the same
//! run writes the same `plan.eml`.

use std::time::{Duration, SystemTime};

use lettre::address::Envelope;
use lettre::message::header::ContentType;
use lettre::message::{Attachment, Mailbox, MultiPart, SinglePart};
use lettre::transport::smtp::authentication::Credentials;
use lettre::transport::smtp::client::{Tls, TlsParameters};
use lettre::{Message, SmtpTransport, Transport};
use serde::{Deserialize, Serialize};

use super::table::thousands;
use crate::plan::stage::PlanReport;
use crate::plan::{PlanMode, PlanRequest};

/// File name of the email in the run folder.
pub const PLAN_EML: &str = "plan.eml";
/// Environment variable with the SMTP user name.
pub const SMTP_USER_ENV: &str = "ACQPLAN_SMTP_USER";
/// Environment variable with the SMTP password.
pub const SMTP_PASSWORD_ENV: &str = "ACQPLAN_SMTP_PASSWORD";
/// Sender when neither `--email-from` nor `[email] from` says.
pub const DEFAULT_FROM: &str = "acqplan <acqplan@localhost>";
/// Seconds an SMTP exchange may take.
pub const SMTP_TIMEOUT_S: u64 = 30;

/// How the SMTP connection is secured.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize, clap::ValueEnum)]
#[serde(rename_all = "lowercase")]
pub enum SmtpTls {
    /// Plain connection upgraded with STARTTLS; refused if the server does
    /// not offer it (port 587).
    #[default]
    Starttls,
    /// TLS from the first byte (port 465).
    Tls,
    /// No encryption: only for a relay on the same machine or network.
    None,
}

impl SmtpTls {
    /// `starttls`, `tls` or `none`.
    pub fn name(self) -> &'static str {
        match self {
            SmtpTls::Starttls => "starttls",
            SmtpTls::Tls => "tls",
            SmtpTls::None => "none",
        }
    }
}

/// Why the email could not be made or sent.
#[derive(Debug, thiserror::Error)]
pub enum EmailError {
    /// lettre refused to build the message.
    #[error("could not build plan.eml")]
    Build(#[source] lettre::error::Error),
    /// Only one of the credential variables is set.
    #[error("`{set}` is set but `{missing}` is not")]
    Credentials {
        /// The variable that is set.
        set: &'static str,
        /// The one missing.
        missing: &'static str,
    },
    /// The TLS settings for the server could not be made.
    #[error("could not set up TLS for SMTP server `{server}`")]
    Tls {
        /// `host:port`.
        server: String,
        /// lettre's error.
        #[source]
        source: lettre::transport::smtp::Error,
    },
    /// The server refused or could not be reached.
    #[error("could not send plan.eml through SMTP server `{server}` ({tls})")]
    Send {
        /// `host:port`.
        server: String,
        /// `starttls`, `tls` or `none`.
        tls: &'static str,
        /// lettre's error.
        #[source]
        source: lettre::transport::smtp::Error,
    },
}

impl EmailError {
    /// What to do about it.
    pub fn hint(&self) -> String {
        match self {
            EmailError::Build(_) => "this is a bug in acqplan; please report it".into(),
            EmailError::Credentials { .. } => format!(
                "set both {SMTP_USER_ENV} and {SMTP_PASSWORD_ENV} to log in, or neither to send without logging in"
            ),
            EmailError::Tls { .. } | EmailError::Send { .. } => format!(
                "plan.eml is written in the run folder; check --smtp HOST:PORT, --smtp-tls (starttls for port 587, tls for 465, none for a local relay) and {SMTP_USER_ENV}/{SMTP_PASSWORD_ENV}, then send it again with `acqplan report RUN_DIR --email-to … --smtp …`"
            ),
        }
    }
}

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
    let (y, w) = crate::output::iso_week(plan_start_day);
    let p = &r.plan;
    let unit = p.metric.unit();
    let days = crate::plan::fmt_num(p.horizon_days);
    let head = format!(
        "acqplan {y}-W{w:02} plan from {} ({days} days)",
        crate::contract::calendar::format_date(plan_start_day)
    );
    let cost = thousands(p.totals.spend_cny, 0);
    let got = thousands(p.totals.metric_value, 0);
    match (&p.infeasibility, p.mode) {
        (Some(inf), _) => format!(
            "{head}: target {} {unit} NOT REACHABLE, at most {got} for {cost} CNY",
            thousands(inf.requested, 0)
        ),
        (None, PlanMode::MinSpend) => match request.and_then(|q| q.target) {
            Some(t) => format!("{head}: target {} {unit} for {cost} CNY", thousands(t, 0)),
            None => format!("{head}: room targets, {got} {unit} for {cost} CNY"),
        },
        (None, PlanMode::MaxMetric) => match request.and_then(|q| q.budget_cny) {
            Some(b) => format!(
                "{head}: budget {} CNY, {got} {unit} for {cost} CNY",
                thousands(b, 0)
            ),
            None => format!("{head}: {got} {unit} for {cost} CNY"),
        },
    }
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

/// Where and how to send.
#[derive(Clone, Debug)]
pub struct SmtpServer {
    /// Host name or IP.
    pub host: String,
    /// Port.
    pub port: u16,
    /// Encryption.
    pub tls: SmtpTls,
}

/// User and password from [`SMTP_USER_ENV`] and [`SMTP_PASSWORD_ENV`]
/// (both or neither).
pub fn credentials_from_env() -> Result<Option<(String, String)>, EmailError> {
    let get = |k| std::env::var(k).ok().filter(|v: &String| !v.is_empty());
    match (get(SMTP_USER_ENV), get(SMTP_PASSWORD_ENV)) {
        (Some(u), Some(p)) => Ok(Some((u, p))),
        (None, None) => Ok(None),
        (Some(_), None) => Err(EmailError::Credentials {
            set: SMTP_USER_ENV,
            missing: SMTP_PASSWORD_ENV,
        }),
        (None, Some(_)) => Err(EmailError::Credentials {
            set: SMTP_PASSWORD_ENV,
            missing: SMTP_USER_ENV,
        }),
    }
}

/// Send `eml` (as written) from `from` to `to` through `server`.
pub fn send_eml(
    server: &SmtpServer,
    credentials: Option<(String, String)>,
    from: &Mailbox,
    to: &[Mailbox],
    eml: &[u8],
) -> Result<(), EmailError> {
    let name = format!("{}:{}", server.host, server.port);
    let tls = match server.tls {
        SmtpTls::None => Tls::None,
        SmtpTls::Starttls | SmtpTls::Tls => {
            let params =
                TlsParameters::new(server.host.clone()).map_err(|source| EmailError::Tls {
                    server: name.clone(),
                    source,
                })?;
            if server.tls == SmtpTls::Tls {
                Tls::Wrapper(params)
            } else {
                Tls::Required(params)
            }
        }
    };
    let mut t = SmtpTransport::builder_dangerous(server.host.as_str())
        .port(server.port)
        .tls(tls)
        .timeout(Some(Duration::from_secs(SMTP_TIMEOUT_S)));
    if let Some((user, password)) = credentials {
        t = t.credentials(Credentials::new(user, password));
    }
    let envelope = Envelope::new(
        Some(from.email.clone()),
        to.iter().map(|m| m.email.clone()).collect(),
    )
    .map_err(EmailError::Build)?;
    t.build()
        .send_raw(&envelope, eml)
        .map(|_| ())
        .map_err(|source| EmailError::Send {
            server: name,
            tls: server.tls.name(),
            source,
        })
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
