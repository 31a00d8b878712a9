//! `acqplan config`: the resolved settings as a table, one line per
//! setting with its value and where it came from.

use super::table::{Align, Table};
use crate::cli::By;
use crate::config::{Settings, Source};

/// `acqplan config`: one line per setting with its source.
pub fn settings_table(settings: &Settings) -> String {
    use super::i18n::{Col, words};
    let w = words(settings.lang.value);
    let mut t = Table::new(&[
        (w.col(Col::Setting), Align::Left),
        (w.col(Col::Value), Align::Left),
        (w.col(Col::Source), Align::Left),
    ]);
    let mut row = |k: String, v: String, s: &Source| t.row(vec![k, v, w.setting_source(s)]);
    let list = |v: &[f64]| {
        if v.is_empty() {
            w.col(Col::Nothing).to_string()
        } else {
            v.iter()
                .map(|x| format!("{x}"))
                .collect::<Vec<_>>()
                .join(", ")
        }
    };
    row(
        "config".into(),
        settings
            .config_file
            .value
            .as_ref()
            .map_or(w.col(Col::Nothing).into(), |p| p.display().to_string()),
        &settings.config_file.source,
    );
    row(
        "data".into(),
        settings
            .data
            .value
            .as_ref()
            .map_or(w.col(Col::Nothing).into(), |p| p.display().to_string()),
        &settings.data.source,
    );
    row(
        "store".into(),
        settings
            .store
            .value
            .as_ref()
            .map_or(w.col(Col::Nothing).into(), |p| p.display().to_string()),
        &settings.store.source,
    );
    row(
        "out_root".into(),
        settings.out_root.value.display().to_string(),
        &settings.out_root.source,
    );
    for (name, s) in &settings.columns {
        row(format!("columns.{name}"), s.value.clone(), &s.source);
    }
    row(
        "period".into(),
        settings.period.value.to_string(),
        &settings.period.source,
    );
    row(
        "data.gmv_is_net".into(),
        settings.gmv_is_net.value.to_string(),
        &settings.gmv_is_net.source,
    );
    row(
        "data.channel".into(),
        settings
            .channel
            .value
            .clone()
            .unwrap_or_else(|| w.col(Col::ChannelFromFile).into()),
        &settings.channel.source,
    );
    row(
        "run.backtest".into(),
        settings.backtest.value.to_string(),
        &settings.backtest.source,
    );
    row(
        "by".into(),
        match settings.by.value {
            None => w.col(Col::ByAuto).into(),
            Some(By::RoomChannel) => "room,channel".into(),
            Some(By::Channel) => "channel".into(),
        },
        &settings.by.source,
    );
    row(
        "fake_traffic".into(),
        settings.fake_traffic.value.name().into(),
        &settings.fake_traffic.source,
    );
    row(
        "fit.half_life_days".into(),
        settings.half_life.value.to_string(),
        &settings.half_life.source,
    );
    row(
        "fit.within_period".into(),
        settings.within_period.value.label(),
        &settings.within_period.source,
    );
    row(
        "horizon_days".into(),
        settings.horizon_days.value.to_string(),
        &settings.horizon_days.source,
    );
    row(
        "max_extrapolation".into(),
        settings.max_extrapolation.value.to_string(),
        &settings.max_extrapolation.source,
    );
    row(
        format!("target_{}", settings.metric.value.unit()),
        list(&settings.targets.value),
        &settings.targets.source,
    );
    row(
        "budget_cny".into(),
        list(&settings.budgets_cny.value),
        &settings.budgets_cny.source,
    );
    for (name, s) in &settings.caps_viewers_per_day {
        row(
            format!("channels.{name}.reach_cap_per_day"),
            format!("{}", s.value),
            &s.source,
        );
    }
    for (name, s) in &settings.channel_limits {
        let c = &s.value;
        for (key, v) in [
            ("min_spend_cny", c.min_spend_cny),
            ("max_spend_cny", c.max_spend_cny),
            ("max_share", c.max_share),
            ("locked_spend_cny", c.locked_spend_cny),
        ] {
            if let Some(v) = v {
                row(format!("channels.{name}.{key}"), format!("{v}"), &s.source);
            }
        }
    }
    for (name, s) in &settings.excluded {
        row(
            format!("channels.{name}.excluded"),
            s.value.to_string(),
            &s.source,
        );
    }
    for (name, s) in &settings.cost_scale {
        row(
            format!("channels.{name}.cost_scale"),
            format!("{}", s.value),
            &s.source,
        );
    }
    row(
        "email.to".into(),
        if settings.email_to.value.is_empty() {
            w.col(Col::NoEmail).into()
        } else {
            settings.email_to.value.join(", ")
        },
        &settings.email_to.source,
    );
    row(
        "email.from".into(),
        settings.email_from.value.clone(),
        &settings.email_from.source,
    );
    row(
        "email.smtp".into(),
        settings
            .smtp
            .value
            .clone()
            .unwrap_or_else(|| w.col(Col::NotSent).into()),
        &settings.smtp.source,
    );
    row(
        "email.smtp_tls".into(),
        settings.smtp_tls.value.name().into(),
        &settings.smtp_tls.source,
    );
    row(
        "report.lang".into(),
        settings.lang.value.pick("en", "zh").into(),
        &settings.lang.source,
    );
    t.render()
}
