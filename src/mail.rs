//! Sending `plan.eml`: the SMTP server and how its connection is secured,
//! the sender when none is configured, the credentials from the
//! environment, and the SMTP exchange (lettre). The message itself is
//! built by [`crate::report::email`]; this module delivers the bytes it is
//! given and is the only part of acqplan that talks to a mail server.

use std::time::Duration;

use lettre::address::Envelope;
use lettre::message::Mailbox;
use lettre::transport::smtp::authentication::Credentials;
use lettre::transport::smtp::client::{Tls, TlsParameters};
use lettre::{SmtpTransport, Transport};
use serde::{Deserialize, Serialize};

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
