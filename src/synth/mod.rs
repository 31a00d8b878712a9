//! Synthetic campaign history from known curves, for the shipped sample data,
//! tests that check what later stages recover, and benchmarks.
//!
//! The random numbers come from a small xoshiro256** generator written here
//! so that a seed gives the same history forever (crates' generators do not
//! promise value stability across versions).

use serde::Serialize;

use crate::contract::calendar::{days_from_civil, format_date, weekday};
use crate::curves::{Curve, Model};
use crate::report::table::thousands;

/// xoshiro256** seeded through splitmix64.
#[derive(Clone, Debug)]
pub struct Rng([u64; 4]);

impl Rng {
    /// A generator for `seed`.
    pub fn new(seed: u64) -> Self {
        let mut z = seed;
        let mut next = || {
            z = z.wrapping_add(0x9E37_79B9_7F4A_7C15);
            let mut x = z;
            x = (x ^ (x >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
            x = (x ^ (x >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
            x ^ (x >> 31)
        };
        Rng([next(), next(), next(), next()])
    }

    /// Next raw 64 bits.
    pub fn next_u64(&mut self) -> u64 {
        let s = &mut self.0;
        let result = s[1].wrapping_mul(5).rotate_left(7).wrapping_mul(9);
        let t = s[1] << 17;
        s[2] ^= s[0];
        s[3] ^= s[1];
        s[1] ^= s[2];
        s[0] ^= s[3];
        s[2] ^= t;
        s[3] = s[3].rotate_left(45);
        result
    }

    /// Uniform in [0, 1).
    pub fn uniform(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 * (1.0 / (1u64 << 53) as f64)
    }

    /// Uniform in [lo, hi).
    pub fn range(&mut self, lo: f64, hi: f64) -> f64 {
        lo + (hi - lo) * self.uniform()
    }

    /// Standard normal (Box–Muller).
    pub fn normal(&mut self) -> f64 {
        let u1 = 1.0 - self.uniform();
        let u2 = self.uniform();
        (-2.0 * u1.ln()).sqrt() * (std::f64::consts::TAU * u2).cos()
    }
}

/// A channel of the sample world.
#[derive(Clone, Copy, Debug)]
pub struct ChannelSpec {
    /// Id used in English files.
    pub id: &'static str,
    /// Name used in Chinese files.
    pub name_zh: &'static str,
    /// Typical daily spend of an average room, CNY/day.
    pub typical_spend_cny: f64,
    /// Cost per viewer relative to the room's base at typical spend.
    pub cost_factor: f64,
    /// Hill shape, or `None` for exponential saturation.
    pub hill_a: Option<f64>,
    /// Hard cap: contacts per account × accounts (private domain).
    pub cap_per_account: Option<f64>,
    /// Orders per real viewer.
    pub orders_per_viewer: f64,
    /// Mean order value, CNY.
    pub order_value_cny: f64,
    /// Mean watch time of a real viewer, seconds.
    pub watch_seconds: f64,
}

/// The eight channels named in the spec.
pub const CHANNELS: [ChannelSpec; 8] = [
    ChannelSpec {
        id: "douyin_qianchuan",
        name_zh: "抖音千川",
        typical_spend_cny: 6000.0,
        cost_factor: 1.0,
        hill_a: None,
        cap_per_account: None,
        orders_per_viewer: 0.030,
        order_value_cny: 120.0,
        watch_seconds: 95.0,
    },
    ChannelSpec {
        id: "douyin_douplus",
        name_zh: "DOU+加热",
        typical_spend_cny: 1500.0,
        cost_factor: 1.1,
        hill_a: Some(0.8),
        cap_per_account: None,
        orders_per_viewer: 0.018,
        order_value_cny: 110.0,
        watch_seconds: 70.0,
    },
    ChannelSpec {
        id: "kuaishou_ads",
        name_zh: "快手磁力金牛",
        typical_spend_cny: 3000.0,
        cost_factor: 1.1,
        hill_a: None,
        cap_per_account: None,
        orders_per_viewer: 0.025,
        order_value_cny: 90.0,
        watch_seconds: 85.0,
    },
    ChannelSpec {
        id: "taobao_live",
        name_zh: "淘宝直播推广",
        typical_spend_cny: 2500.0,
        cost_factor: 1.0,
        hill_a: Some(0.9),
        cap_per_account: None,
        orders_per_viewer: 0.045,
        order_value_cny: 150.0,
        watch_seconds: 120.0,
    },
    ChannelSpec {
        id: "wechat_channels",
        name_zh: "视频号",
        typical_spend_cny: 1200.0,
        cost_factor: 0.9,
        hill_a: None,
        cap_per_account: None,
        orders_per_viewer: 0.022,
        order_value_cny: 130.0,
        watch_seconds: 100.0,
    },
    ChannelSpec {
        id: "wechat_private",
        name_zh: "私域社群",
        typical_spend_cny: 400.0,
        cost_factor: 0.6,
        hill_a: None,
        cap_per_account: Some(5000.0),
        orders_per_viewer: 0.060,
        order_value_cny: 160.0,
        watch_seconds: 180.0,
    },
    ChannelSpec {
        id: "affiliate_coupons",
        name_zh: "淘客",
        typical_spend_cny: 2000.0,
        cost_factor: 1.1,
        hill_a: Some(1.0),
        cap_per_account: None,
        orders_per_viewer: 0.035,
        order_value_cny: 80.0,
        watch_seconds: 60.0,
    },
    ChannelSpec {
        id: "red_packets",
        name_zh: "红包",
        typical_spend_cny: 800.0,
        cost_factor: 1.3,
        hill_a: None,
        cap_per_account: None,
        orders_per_viewer: 0.012,
        order_value_cny: 70.0,
        watch_seconds: 45.0,
    },
];

/// Weekday multipliers on viewers, Monday first (geometric mean ≈ 1).
pub const WEEKDAY_FACTORS: [f64; 7] = [0.92, 0.95, 0.97, 1.0, 1.05, 1.12, 1.0];

/// A day's spend as a console shows it: to the yuan for a lane whose
/// typical day is 100 CNY or more, to the fen below (a lane of a few CNY a
/// day rounded to the yuan would be planned on spend levels 1, 2, 3).
fn round_spend(spend: f64, typical_cny: f64) -> f64 {
    if typical_cny >= 100.0 {
        spend.round()
    } else {
        (spend * 100.0).round() / 100.0
    }
}

/// What to generate.
#[derive(Clone, Debug)]
pub struct GenOptions {
    /// Number of live rooms.
    pub rooms: usize,
    /// Days of history.
    pub days: usize,
    /// First day, days since 1970-01-01.
    pub start_day: i32,
    /// Seed of the random generator.
    pub seed: u64,
    /// Share of paid rows whose viewers are inflated by bots.
    pub fake_rate: f64,
    /// Share of days a channel is paused (zero spend).
    pub zero_spend_rate: f64,
    /// Lognormal noise σ on viewers.
    pub noise_sigma: f64,
    /// Emit impressions, orders, gmv, watch time and comments.
    pub engagement: bool,
    /// What the curve is of the noisy viewers: their mean (the default) or
    /// their median.
    pub noise: Noise,
    /// Draw viewers as Poisson counts around the noisy mean (small-count
    /// lanes: zero-viewer days with spend happen) instead of rounding.
    pub counts: bool,
    /// Multiplies every lane's typical spend (and so its viewers); 0.001
    /// makes lanes of a few viewers a day.
    pub volume: f64,
    /// Costs and audiences that move over the history.
    pub drift: Option<Drift>,
    /// Lanes (room × channel) made mostly of bots: bot viewers on 50–80 %
    /// of their paid days.
    pub bot_lanes: usize,
    /// Log-sd of a paid day's spend around the lane's typical spend (0.5;
    /// a small value makes lanes observed only near their typical spend).
    pub spend_sigma: f64,
    /// Hold a lane's spend for a whole ISO week: one draw (paused or a
    /// spend) per lane and week, the same every day of it, as a team that
    /// sets its daily budgets once a week does. `false`: every day draws
    /// its own (the default).
    pub flat_weeks: bool,
    /// Day-to-day persistence of a lane's log spend (AR(1) coefficient,
    /// 0 ≤ φ < 1; the spread around the typical spend stays
    /// `spend_sigma`): 0 draws every day afresh (the default), 0.9 holds a
    /// budget for days, as ad accounts do.
    pub spend_persistence: f64,
    /// Known promotion lifts: viewers at a given spend times `lift` on
    /// these days (`--promotion 2026-06-18:1.5`).
    pub promotions: Vec<PromotionLift>,
}

/// A known promotion lift of the generator.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct PromotionLift {
    /// The day, `YYYY-MM-DD` in truth.json.
    #[serde(serialize_with = "as_date")]
    pub day: i32,
    /// The channel id it lifts; `None`: every channel.
    pub channel: Option<String>,
    /// Factor on the day's viewers at any spend.
    pub lift: f64,
}

fn as_date<S: serde::Serializer>(d: &i32, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(&format_date(*d))
}

impl PromotionLift {
    /// `2026-06-18:1.5` (every channel) or `2026-06-18:douyin_qianchuan:1.5`.
    pub fn parse(text: &str) -> Result<PromotionLift, String> {
        let parts: Vec<&str> = text.split(':').collect();
        let (date, channel, lift) = match parts.as_slice() {
            [d, l] => (*d, None, *l),
            [d, c, l] => (*d, Some(c.to_string()), *l),
            _ => return Err(format!("`{text}` is not DATE:LIFT or DATE:CHANNEL:LIFT")),
        };
        let day = parse_ymd(date).ok_or_else(|| format!("`{date}` is not a date YYYY-MM-DD"))?;
        let lift: f64 = lift
            .parse()
            .ok()
            .filter(|l: &f64| l.is_finite() && *l > 0.0)
            .ok_or_else(|| format!("`{lift}` is not a lift > 0"))?;
        if let Some(c) = &channel
            && !CHANNELS.iter().any(|ch| ch.id == c)
        {
            return Err(format!(
                "`{c}` is not a generated channel ({})",
                CHANNELS.map(|ch| ch.id).join(", ")
            ));
        }
        Ok(PromotionLift { day, channel, lift })
    }
}

/// `YYYY-MM-DD` as days since 1970-01-01 (round trip checked).
fn parse_ymd(s: &str) -> Option<i32> {
    let mut it = s.splitn(3, '-');
    let y: i32 = it.next()?.parse().ok()?;
    let m: u32 = it.next()?.parse().ok()?;
    let d: u32 = it.next()?.parse().ok()?;
    let day = days_from_civil(y, m, d);
    (format_date(day) == s).then_some(day)
}

/// How the viewer noise relates to the true curve.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, clap::ValueEnum)]
#[serde(rename_all = "snake_case")]
pub enum Noise {
    /// Multiplicative noise with mean 1: the curve is the expected viewers.
    #[default]
    Mean,
    /// Multiplicative noise with median 1: the curve is the median day
    /// (the expectation is `e^(σ²/2)` higher).
    Median,
}

impl Noise {
    /// The factor on the curve for a standard normal draw `z` and log-sd σ.
    pub fn factor(self, sigma: f64, z: f64) -> f64 {
        match self {
            Noise::Mean => (sigma * z - 0.5 * sigma * sigma).exp(),
            Noise::Median => (sigma * z).exp(),
        }
    }
}

/// Drifting costs and audiences: each lane's cost per viewer follows a
/// trend times a random walk, its audience (level) another random walk.
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
pub struct Drift {
    /// Growth of cost per viewer over a year (0.4 = +40 %/year).
    pub cost_trend_per_year: f64,
    /// Daily log-sd of the cost random walk.
    pub cost_walk_sd_per_day: f64,
    /// Daily log-sd of the audience random walk.
    pub audience_walk_sd_per_day: f64,
}

impl Drift {
    /// CPM inflation of about 40 % a year with random walks that move a
    /// lane's cost and audience by ≈ 10–15 % over a year.
    pub const TYPICAL: Drift = Drift {
        cost_trend_per_year: 0.4,
        cost_walk_sd_per_day: 0.006,
        audience_walk_sd_per_day: 0.006,
    };
}

/// A Poisson draw with mean `lambda` (Knuth below 40, a rounded normal
/// approximation with continuity above).
pub fn poisson(rng: &mut Rng, lambda: f64) -> f64 {
    if lambda.is_nan() || lambda <= 0.0 {
        return 0.0;
    }
    if lambda < 40.0 {
        let l = (-lambda).exp();
        let mut k = 0.0;
        let mut p = 1.0;
        loop {
            p *= rng.uniform();
            if p <= l {
                return k;
            }
            k += 1.0;
        }
    }
    (lambda + lambda.sqrt() * rng.normal()).round().max(0.0)
}

impl Default for GenOptions {
    fn default() -> Self {
        GenOptions {
            rooms: 3,
            days: 240,
            start_day: days_from_civil(2026, 3, 1),
            seed: 42,
            fake_rate: 0.02,
            zero_spend_rate: 0.05,
            noise_sigma: 0.2,
            engagement: true,
            noise: Noise::Mean,
            counts: false,
            volume: 1.0,
            drift: None,
            bot_lanes: 0,
            spend_sigma: 0.5,
            flat_weeks: false,
            spend_persistence: 0.0,
            promotions: Vec::new(),
        }
    }
}

/// The true curve of one room × channel.
#[derive(Clone, Debug, Serialize)]
pub struct TrueCurve {
    /// Room id.
    pub room: String,
    /// Channel id.
    pub channel: String,
    /// Curve (with cap) of viewers/day on an average weekday.
    pub curve: Curve,
    /// Typical daily spend of this pair, CNY/day.
    pub typical_spend_cny: f64,
    /// Average cost per viewer at the typical spend, CNY.
    pub cost_per_viewer_at_typical_cny: f64,
    /// Orders per real viewer.
    pub orders_per_viewer: f64,
    /// Mean order value, CNY.
    pub order_value_cny: f64,
}

/// A row whose viewers were inflated by bots.
#[derive(Clone, Debug, Serialize)]
pub struct FakeRow {
    /// Day, `YYYY-MM-DD`.
    pub date: String,
    /// Room id.
    pub room: String,
    /// Channel id.
    pub channel: String,
    /// Viewers the row would have had without bots.
    pub true_viewers: f64,
    /// Viewers written in the history.
    pub reported_viewers: f64,
    /// `reported / true`.
    pub inflation: f64,
}

/// Everything a test needs to check what later stages recover.
#[derive(Clone, Debug, Serialize)]
pub struct Truth {
    /// Seed used.
    pub seed: u64,
    /// Lognormal σ of the viewer noise.
    pub noise_sigma: f64,
    /// Whether the curves are the mean or the median of the noisy viewers.
    pub noise: Noise,
    /// Whether viewers are Poisson counts around the noisy mean.
    pub counts: bool,
    /// The drift of costs and audiences, if any. With drift, `curves` are
    /// the true curves of the week after the history (the trend carried on,
    /// the random walks at their last value) and `start_curves` those of the
    /// first day.
    pub drift: Option<Drift>,
    /// Weekday multipliers, Monday first.
    pub weekday_factors: [f64; 7],
    /// Base cost per viewer of each room, CNY (well run ≈ 0.5, badly ≈ 1.75).
    pub room_base_cost_cny: Vec<(String, f64)>,
    /// True curve per room × channel (of the week after the history when
    /// costs drift).
    pub curves: Vec<TrueCurve>,
    /// With drift: the true curves of the first day.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub start_curves: Vec<TrueCurve>,
    /// Lanes made mostly of bots: (room, channel, share of paid days with bots).
    pub bot_lanes: Vec<(String, String, f64)>,
    /// Rows with bot viewers.
    pub fake_rows: Vec<FakeRow>,
    /// Known promotion lifts on given days.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub promotions: Vec<PromotionLift>,
}

/// One generated row.
#[derive(Clone, Debug, PartialEq)]
pub struct Row {
    /// Days since 1970-01-01.
    pub date: i32,
    /// Index into the room list.
    pub room: usize,
    /// Index into [`CHANNELS`].
    pub channel: usize,
    /// CNY.
    pub spend: f64,
    /// People.
    pub viewers: f64,
    /// Engagement columns (present when asked for).
    pub impressions: f64,
    /// Orders.
    pub orders: f64,
    /// CNY.
    pub gmv: f64,
    /// Seconds.
    pub avg_watch_seconds: f64,
    /// Comments.
    pub comments: f64,
    /// Whether bots were added.
    pub fake: bool,
}

/// Generated history with its truth.
#[derive(Clone, Debug)]
pub struct History {
    /// Room ids, `room_01`, ….
    pub rooms: Vec<String>,
    /// Rows, by date, then room, then channel.
    pub rows: Vec<Row>,
    /// Known answers.
    pub truth: Truth,
    /// Whether engagement columns are meaningful.
    pub engagement: bool,
}

fn room_base_cost(rng: &mut Rng, i: usize, n: usize) -> f64 {
    match (n, i) {
        // The three-room sample: well run, middling, badly run.
        (3, 0) => 0.46,
        (3, 1) => 0.95,
        (3, 2) => 1.65,
        _ => (0.4f64.ln() + rng.uniform() * (2.0f64.ln() - 0.4f64.ln())).exp(),
    }
}

fn true_curve(rng: &mut Rng, room: &str, base_cost: f64, size: f64, ch: &ChannelSpec) -> TrueCurve {
    let typical = ch.typical_spend_cny * size;
    let cost = base_cost * ch.cost_factor * rng.range(0.92, 1.08);
    let v_typ = typical / cost;
    // How far along its saturation the typical spend sits.
    let x = rng.range(0.6, 1.2);
    let model = match ch.hill_a {
        None => Model::Exp {
            vmax: v_typ / (1.0 - (-x).exp()),
            k_cny: typical / x,
        },
        Some(a) => {
            let k = typical / x;
            let r = (typical / k).powf(a);
            Model::Hill {
                vmax: v_typ * (1.0 + r) / r,
                k_cny: k,
                a,
            }
        }
    };
    let cap = ch.cap_per_account.map(|c| {
        let accounts = if size > 1.2 { 2.0 } else { 1.0 };
        c * accounts
    });
    TrueCurve {
        room: room.into(),
        channel: ch.id.into(),
        curve: Curve {
            model,
            cap_viewers_per_day: cap,
        },
        typical_spend_cny: typical,
        cost_per_viewer_at_typical_cny: typical
            / model.value(typical).min(cap.unwrap_or(f64::INFINITY)),
        orders_per_viewer: ch.orders_per_viewer,
        order_value_cny: ch.order_value_cny,
    }
}

/// Generates a history day by day, so a long one can be written out in
/// pieces (`gen --parquet-dir`) without holding every row. Days must be
/// asked for in order; the rows are those of [`generate`].
#[derive(Clone, Debug)]
pub struct Generator {
    opts: GenOptions,
    rng: Rng,
    rooms: Vec<String>,
    bases: Vec<(String, f64)>,
    curves: Vec<TrueCurve>,
    fake_rows: Vec<FakeRow>,
    next_day: usize,
    /// Per lane: log cost and log audience random walks (drift only).
    walks: Vec<(f64, f64)>,
    /// Per lane: share of paid days with bots (0 for ordinary lanes).
    bot_share: Vec<f64>,
    /// Per lane: the Monday and the spend of its current week
    /// (`flat_weeks` only).
    week_spend: Vec<(i32, f64)>,
    /// Per lane: the log spend deviation of the last day (persistence
    /// only).
    spend_state: Vec<Option<f64>>,
}

impl Generator {
    /// Draw the rooms and their true curves.
    pub fn new(opts: &GenOptions) -> Self {
        let mut rng = Rng::new(opts.seed);
        let rooms: Vec<String> = (1..=opts.rooms).map(|i| format!("room_{i:02}")).collect();
        let mut bases = Vec::new();
        let mut curves = Vec::new();
        for (i, room) in rooms.iter().enumerate() {
            let base = room_base_cost(&mut rng, i, opts.rooms);
            let size = rng.range(0.5, 2.0);
            bases.push((room.clone(), base));
            for ch in &CHANNELS {
                curves.push(true_curve(&mut rng, room, base, size * opts.volume, ch));
            }
        }
        let lanes = curves.len();
        let mut bot_share = vec![0.0; lanes];
        let mut picked = 0;
        while picked < opts.bot_lanes.min(lanes) {
            let i = (rng.next_u64() % lanes as u64) as usize;
            if bot_share[i] == 0.0 {
                bot_share[i] = rng.range(0.5, 0.8);
                picked += 1;
            }
        }
        Generator {
            opts: opts.clone(),
            rng,
            rooms,
            bases,
            curves,
            fake_rows: Vec::new(),
            next_day: 0,
            walks: vec![(0.0, 0.0); lanes],
            bot_share,
            week_spend: vec![(i32::MIN, 0.0); lanes],
            spend_state: vec![None; lanes],
        }
    }

    /// Cost and audience multipliers of lane `i` on day index `t`.
    fn drift_at(&self, i: usize, t: f64) -> (f64, f64) {
        match self.opts.drift {
            None => (1.0, 1.0),
            Some(d) => {
                let (cw, aw) = self.walks[i];
                let trend = (1.0 + d.cost_trend_per_year).ln() * t / 365.0;
                ((trend + cw).exp(), aw.exp())
            }
        }
    }

    /// Room ids, `room_01`, ….
    pub fn rooms(&self) -> &[String] {
        &self.rooms
    }

    /// The next day's rows (room, then channel), or `None` past the last day.
    pub fn next_day(&mut self, rows: &mut Vec<Row>) -> Option<i32> {
        if self.next_day >= self.opts.days {
            return None;
        }
        let opts = self.opts.clone();
        let date = opts.start_day + self.next_day as i32;
        self.next_day += 1;
        let wd = WEEKDAY_FACTORS[weekday(date) as usize];
        let t = (self.next_day - 1) as f64;
        for ri in 0..self.rooms.len() {
            for (ci, ch) in CHANNELS.iter().enumerate() {
                let lane = ri * CHANNELS.len() + ci;
                let (cost_mult, audience) = self.drift_at(lane, t);
                let rng = &mut self.rng;
                let tc = &self.curves[lane];
                let state = &mut self.spend_state[lane];
                let phi = opts.spend_persistence.clamp(0.0, 0.999);
                let mut draw = |rng: &mut Rng| {
                    if rng.uniform() < opts.zero_spend_rate {
                        0.0
                    } else {
                        let z = opts.spend_sigma * rng.normal();
                        let x = if phi > 0.0 {
                            let x =
                                state.map_or(z, |prev| phi * prev + (1.0 - phi * phi).sqrt() * z);
                            *state = Some(x);
                            x
                        } else {
                            z
                        };
                        round_spend(tc.typical_spend_cny * x.exp(), tc.typical_spend_cny)
                    }
                };
                let spend = if opts.flat_weeks {
                    let monday = date - i32::from(weekday(date));
                    let week = &mut self.week_spend[lane];
                    if week.0 != monday {
                        *week = (monday, draw(rng));
                    }
                    week.1
                } else {
                    draw(rng)
                };
                let model = if opts.drift.is_some() {
                    tc.curve.model.scale_cost(cost_mult).scale_level(audience)
                } else {
                    tc.curve.model
                };
                let promo: f64 = opts
                    .promotions
                    .iter()
                    .filter(|p| p.day == date && p.channel.as_deref().is_none_or(|c| c == ch.id))
                    .map(|p| p.lift)
                    .product();
                let mean = model.value(spend) * wd * promo;
                let noisy = mean * opts.noise.factor(opts.noise_sigma, rng.normal());
                let mut real = if opts.counts {
                    poisson(rng, noisy)
                } else {
                    noisy.round()
                };
                if let Some(cap) = tc.curve.cap_viewers_per_day {
                    real = real.min(cap);
                }
                let bot_p = opts.fake_rate.max(self.bot_share[lane]);
                let fake = spend > 0.0 && real >= 1.0 && rng.uniform() < bot_p;
                let inflation = if fake { rng.range(5.0, 30.0) } else { 1.0 };
                let viewers = (real * inflation).round();
                let watch_real = ch.watch_seconds * (0.15 * rng.normal()).exp();
                let bots = viewers - real;
                let avg_watch = if viewers > 0.0 {
                    (real * watch_real + bots * rng.range(0.0, 3.0)) / viewers
                } else {
                    0.0
                };
                let impressions = (real * 25.0 * (0.1 * rng.normal()).exp()).round();
                let orders = (real * ch.orders_per_viewer * (0.2 * rng.normal()).exp()).round();
                let gmv = (orders * ch.order_value_cny * (0.1 * rng.normal()).exp() * 100.0)
                    .round()
                    / 100.0;
                let comments = (real * 0.04 * (0.3 * rng.normal()).exp()).round();
                if fake {
                    self.fake_rows.push(FakeRow {
                        date: format_date(date),
                        room: self.rooms[ri].clone(),
                        channel: ch.id.into(),
                        true_viewers: real,
                        reported_viewers: viewers,
                        inflation: viewers / real,
                    });
                }
                if let Some(d) = opts.drift {
                    let w = &mut self.walks[lane];
                    w.0 += d.cost_walk_sd_per_day * rng.normal();
                    w.1 += d.audience_walk_sd_per_day * rng.normal();
                }
                rows.push(Row {
                    date,
                    room: ri,
                    channel: ci,
                    spend,
                    viewers,
                    impressions,
                    orders,
                    gmv,
                    avg_watch_seconds: (avg_watch * 10.0).round() / 10.0,
                    comments,
                    fake,
                });
            }
        }
        Some(date)
    }

    /// The known answers of the days generated so far.
    pub fn truth(&self) -> Truth {
        let (curves, start_curves) = match self.opts.drift {
            None => (self.curves.clone(), Vec::new()),
            Some(_) => {
                // The week after the history: its middle day, walks frozen.
                let t = self.next_day as f64 + 3.0;
                let horizon = self
                    .curves
                    .iter()
                    .enumerate()
                    .map(|(i, tc)| {
                        let (c, a) = self.drift_at(i, t);
                        let model = tc.curve.model.scale_cost(c).scale_level(a);
                        let v = model
                            .value(tc.typical_spend_cny)
                            .min(tc.curve.cap_viewers_per_day.unwrap_or(f64::INFINITY));
                        TrueCurve {
                            curve: Curve {
                                model,
                                cap_viewers_per_day: tc.curve.cap_viewers_per_day,
                            },
                            cost_per_viewer_at_typical_cny: tc.typical_spend_cny / v,
                            ..tc.clone()
                        }
                    })
                    .collect();
                (horizon, self.curves.clone())
            }
        };
        let bot_lanes = self
            .bot_share
            .iter()
            .enumerate()
            .filter(|(_, p)| **p > 0.0)
            .map(|(i, p)| {
                let tc = &self.curves[i];
                (tc.room.clone(), tc.channel.clone(), *p)
            })
            .collect();
        Truth {
            seed: self.opts.seed,
            noise_sigma: self.opts.noise_sigma,
            noise: self.opts.noise,
            counts: self.opts.counts,
            drift: self.opts.drift,
            weekday_factors: WEEKDAY_FACTORS,
            room_base_cost_cny: self.bases.clone(),
            curves,
            start_curves,
            bot_lanes,
            fake_rows: self.fake_rows.clone(),
            promotions: self.opts.promotions.clone(),
        }
    }
}

/// Generate a history.
pub fn generate(opts: &GenOptions) -> History {
    let mut g = Generator::new(opts);
    let mut rows = Vec::with_capacity(opts.days * g.curves.len());
    while g.next_day(&mut rows).is_some() {}
    let truth = g.truth();
    History {
        rooms: g.rooms,
        rows,
        truth,
        engagement: opts.engagement,
    }
}

/// Split a daily row into `parts` rows of the same date × room × channel,
/// as if the room streamed `parts` times that day: spend, viewers,
/// impressions, orders, comments (whole numbers) and gmv (in fen) are
/// divided in whole units with random shares, so the parts sum back to the
/// day exactly (gmv to the fen); every part keeps the day's average watch
/// time. The shares come from `seed` and the row's keys, not from the
/// history's generator, so the daily rows stay those of [`generate`].
pub fn split_streams(row: &Row, parts: usize, seed: u64, out: &mut Vec<Row>) {
    if parts <= 1 {
        out.push(row.clone());
        return;
    }
    let key = ((row.date as u32 as u64) << 32) ^ ((row.room as u64) << 4) ^ row.channel as u64;
    let mut rng = Rng::new(seed ^ key.wrapping_mul(0x9E37_79B9_7F4A_7C15));
    let weights: Vec<f64> = (0..parts).map(|_| rng.range(0.5, 1.5)).collect();
    let total_w: f64 = weights.iter().sum();
    let split = |total: f64| -> Vec<f64> {
        let total = total.round();
        let mut given = 0.0;
        let mut v: Vec<f64> = weights[..parts - 1]
            .iter()
            .map(|w| {
                let x = (total * w / total_w).floor();
                given += x;
                x
            })
            .collect();
        v.push(total - given);
        v
    };
    let spend = split(row.spend);
    let viewers = split(row.viewers);
    let impressions = split(row.impressions);
    let orders = split(row.orders);
    let gmv_fen = split(row.gmv * 100.0);
    let comments = split(row.comments);
    for i in 0..parts {
        out.push(Row {
            spend: spend[i],
            viewers: viewers[i],
            impressions: impressions[i],
            orders: orders[i],
            gmv: gmv_fen[i] / 100.0,
            comments: comments[i],
            ..row.clone()
        });
    }
}

/// How `gen --parquet-dir` cuts the history into files.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum Partition {
    /// One folder per calendar month: `month=2026-03/part-0.parquet`.
    Month,
    /// One folder per year: `year=2026/part-0.parquet`.
    Year,
}

impl Partition {
    /// The hive folder of a day: `month=2026-03`.
    pub fn folder(self, day: i32) -> String {
        let (y, m, _) = crate::contract::calendar::civil_from_days(day);
        match self {
            Partition::Month => format!("month={y:04}-{m:02}"),
            Partition::Year => format!("year={y:04}"),
        }
    }
}

/// Rows as a frame with the contract's column names (English channel ids).
pub fn rows_frame(
    rooms: &[String],
    rows: &[Row],
    engagement: bool,
) -> polars::prelude::PolarsResult<polars::prelude::DataFrame> {
    use polars::prelude::*;
    let n = rows.len();
    let col_f = |name: &str, f: &dyn Fn(&Row) -> f64| {
        Column::new(name.into(), rows.iter().map(f).collect::<Vec<f64>>())
    };
    let mut cols = vec![
        Int32Chunked::from_vec("date".into(), rows.iter().map(|r| r.date).collect())
            .into_date()
            .into_series()
            .into_column(),
        Column::new(
            "room".into(),
            rows.iter()
                .map(|r| rooms[r.room].as_str())
                .collect::<Vec<_>>(),
        ),
        Column::new(
            "channel".into(),
            rows.iter()
                .map(|r| CHANNELS[r.channel].id)
                .collect::<Vec<_>>(),
        ),
        col_f("spend", &|r| r.spend),
        col_f("viewers", &|r| r.viewers),
    ];
    if engagement {
        cols.push(col_f("impressions", &|r| r.impressions));
        cols.push(col_f("orders", &|r| r.orders));
        cols.push(col_f("gmv", &|r| r.gmv));
        cols.push(col_f("avg_watch_seconds", &|r| r.avg_watch_seconds));
        cols.push(col_f("comments", &|r| r.comments));
    }
    DataFrame::new(n, cols)
}

/// Write a history as hive-partitioned Parquet files under `dir`
/// (`month=2026-03/part-0.parquet`, …), one partition at a time: only one
/// partition's rows are ever in memory. Each daily row is split into
/// `rows_per_day` stream rows ([`split_streams`]). `write` stores a file's
/// bytes (atomically, in the binary). Returns the truth and the number of
/// rows written.
pub fn write_partitioned(
    opts: &GenOptions,
    dir: &std::path::Path,
    by: Partition,
    rows_per_day: usize,
    write: &mut dyn FnMut(&std::path::Path, &[u8]) -> std::io::Result<()>,
    progress: &mut dyn FnMut(&str, usize),
) -> Result<(Truth, usize), Box<dyn std::error::Error + Send + Sync>> {
    use polars::prelude::*;
    let mut g = Generator::new(opts);
    let mut day_rows = Vec::new();
    let mut part: Vec<Row> = Vec::new();
    let mut folder: Option<String> = None;
    let mut written = 0usize;
    let mut flush = |folder: &str,
                     part: &mut Vec<Row>,
                     rooms: &[String]|
     -> Result<(), Box<dyn std::error::Error + Send + Sync>> {
        let mut df = rows_frame(rooms, part, opts.engagement)?;
        let mut buf = Vec::new();
        ParquetWriter::new(&mut buf).finish(&mut df)?;
        write(&dir.join(folder).join("part-0.parquet"), &buf)?;
        written += part.len();
        progress(folder, part.len());
        part.clear();
        Ok(())
    };
    loop {
        day_rows.clear();
        let Some(date) = g.next_day(&mut day_rows) else {
            break;
        };
        let key = by.folder(date);
        if folder.as_deref().is_some_and(|f| f != key) {
            flush(folder.as_deref().unwrap_or_default(), &mut part, g.rooms())?;
        }
        folder = Some(key);
        for r in &day_rows {
            split_streams(r, rows_per_day, opts.seed, &mut part);
        }
    }
    if let Some(f) = folder.as_deref() {
        flush(f, &mut part, g.rooms())?;
    }
    Ok((g.truth(), written))
}

/// Column headers in English or as a Chinese console writes them.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Headers {
    /// The contract's names; channel ids.
    English,
    /// 日期, 直播间, 渠道, 消耗(元), …; Chinese channel names and money as `¥1,234`.
    Chinese,
}

fn money(v: f64, style: Headers) -> String {
    match style {
        Headers::English => format!("{v}"),
        Headers::Chinese if v.fract() == 0.0 => format!("¥{}", thousands(v, 0)),
        Headers::Chinese => format!("¥{}", thousands(v, 2)),
    }
}

impl History {
    /// The history as CSV bytes.
    pub fn to_csv(&self, style: Headers) -> Vec<u8> {
        let mut w = csv::Writer::from_writer(Vec::with_capacity(self.rows.len() * 80));
        let mut header: Vec<&str> = match style {
            Headers::English => vec!["date", "room", "channel", "spend", "viewers"],
            Headers::Chinese => vec!["日期", "直播间", "渠道", "消耗(元)", "进房人数"],
        };
        if self.engagement {
            header.extend(match style {
                Headers::English => [
                    "impressions",
                    "orders",
                    "gmv",
                    "avg_watch_seconds",
                    "comments",
                ],
                Headers::Chinese => ["曝光量", "订单数", "成交金额(元)", "平均观看时长", "评论数"],
            });
        }
        w.write_record(&header).expect("writing to memory");
        let mut rec: Vec<String> = Vec::with_capacity(10);
        for r in &self.rows {
            rec.clear();
            rec.push(format_date(r.date));
            rec.push(self.rooms[r.room].clone());
            rec.push(match style {
                Headers::English => CHANNELS[r.channel].id.into(),
                Headers::Chinese => CHANNELS[r.channel].name_zh.into(),
            });
            rec.push(money(r.spend, style));
            rec.push(format!("{}", r.viewers));
            if self.engagement {
                rec.push(format!("{}", r.impressions));
                rec.push(format!("{}", r.orders));
                rec.push(money(r.gmv, style));
                rec.push(format!("{}", r.avg_watch_seconds));
                rec.push(format!("{}", r.comments));
            }
            w.write_record(&rec).expect("writing to memory");
        }
        w.into_inner().expect("writing to memory")
    }

    /// The history as a team's console exports would bring it in: one
    /// backfill up to four weeks before the end, then one export per week
    /// that also repeats the week before it (consoles export overlapping
    /// windows), with that repeated week's late conversions arrived: in each
    /// weekly export, every `douyin_qianchuan` row of the repeated week has
    /// one more order and that order's GMV (the average order value of the
    /// row, or 100 CNY). (file name, CSV bytes), in the order they are
    /// ingested.
    pub fn weekly_exports(&self) -> Vec<(String, Vec<u8>)> {
        let Some(last) = self.rows.iter().map(|r| r.date).max() else {
            return Vec::new();
        };
        let weeks = 4;
        let first_week = last - 7 * weeks + 1;
        let slice = |from: i32, to: i32, revise_before: Option<i32>| {
            let mut h = History {
                rooms: self.rooms.clone(),
                rows: self
                    .rows
                    .iter()
                    .filter(|r| r.date >= from && r.date < to)
                    .cloned()
                    .collect(),
                truth: self.truth.clone(),
                engagement: self.engagement,
            };
            if let Some(until) = revise_before {
                for r in h
                    .rows
                    .iter_mut()
                    .filter(|r| r.date < until && CHANNELS[r.channel].id == "douyin_qianchuan")
                {
                    let aov = if r.orders > 0.0 {
                        (r.gmv / r.orders * 100.0).round() / 100.0
                    } else {
                        100.0
                    };
                    r.orders += 1.0;
                    r.gmv = ((r.gmv + aov) * 100.0).round() / 100.0;
                }
            }
            h.to_csv(Headers::English)
        };
        let mut out = vec![(
            format!("exports/01_backfill_to_{}.csv", format_date(first_week - 1)),
            slice(i32::MIN, first_week, None),
        )];
        for k in 0..weeks {
            let start = first_week + 7 * k;
            out.push((
                format!("exports/{:02}_week_{}.csv", k + 2, format_date(start)),
                slice(start - 7, start + 7, Some(start)),
            ));
        }
        out
    }

    /// The bot rows as CSV bytes.
    pub fn fake_rows_csv(&self) -> Vec<u8> {
        let mut w = csv::Writer::from_writer(Vec::new());
        for f in &self.truth.fake_rows {
            w.serialize(f).expect("writing to memory");
        }
        if self.truth.fake_rows.is_empty() {
            w.write_record([
                "date",
                "room",
                "channel",
                "true_viewers",
                "reported_viewers",
                "inflation",
            ])
            .expect("writing to memory");
        }
        w.into_inner().expect("writing to memory")
    }

    /// The truth as pretty JSON bytes.
    pub fn truth_json(&self) -> Vec<u8> {
        let mut v = serde_json::to_vec_pretty(&self.truth).expect("truth serialises");
        v.push(b'\n');
        v
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rng_is_value_stable() {
        let mut r = Rng::new(42);
        let first: Vec<u64> = (0..3).map(|_| r.next_u64()).collect();
        let mut again = Rng::new(42);
        assert_eq!(first, (0..3).map(|_| again.next_u64()).collect::<Vec<_>>());
        let mean = (0..100_000).map(|_| r.normal()).sum::<f64>() / 100_000.0;
        assert!(mean.abs() < 0.02, "{mean}");
    }

    #[test]
    fn sample_world_costs_match_the_spec() {
        let h = generate(&GenOptions::default());
        assert_eq!(h.rows.len(), 3 * 8 * 240);
        // Real (non-bot) average cost per viewer per room: well run 0.4–0.6,
        // badly run 1.5–2.0.
        let cpv = |room: usize| {
            let (s, v) = h
                .rows
                .iter()
                .filter(|r| r.room == room && !r.fake)
                .fold((0.0, 0.0), |(s, v), r| (s + r.spend, v + r.viewers));
            s / v
        };
        eprintln!("room cost per viewer: {} {} {}", cpv(0), cpv(1), cpv(2));
        assert!((0.4..=0.6).contains(&cpv(0)), "{}", cpv(0));
        assert!((1.5..=2.0).contains(&cpv(2)), "{}", cpv(2));
        let fake_share = h.truth.fake_rows.len() as f64 / h.rows.len() as f64;
        assert!((0.01..0.03).contains(&fake_share), "{fake_share}");
        for f in &h.truth.fake_rows {
            assert!((4.5..=31.0).contains(&f.inflation), "{f:?}");
        }
        // Private domain never above its cap.
        for r in h.rows.iter().filter(|r| r.channel == 5 && !r.fake) {
            let cap = h.truth.curves[r.room * 8 + 5]
                .curve
                .cap_viewers_per_day
                .unwrap();
            assert!(r.viewers <= cap);
        }
        let zero = h.rows.iter().filter(|r| r.spend == 0.0).count() as f64 / h.rows.len() as f64;
        assert!((0.03..0.07).contains(&zero), "{zero}");
    }

    #[test]
    fn day_by_day_matches_generate() {
        let opts = GenOptions {
            rooms: 2,
            days: 40,
            ..GenOptions::default()
        };
        let h = generate(&opts);
        let mut g = Generator::new(&opts);
        let mut rows = Vec::new();
        let mut days = 0;
        while g.next_day(&mut rows).is_some() {
            days += 1;
        }
        assert_eq!(days, 40);
        assert_eq!(rows, h.rows);
        assert_eq!(g.truth().fake_rows.len(), h.truth.fake_rows.len());
    }

    #[test]
    fn streams_sum_to_the_day() {
        let h = generate(&GenOptions {
            rooms: 2,
            days: 30,
            ..GenOptions::default()
        });
        for r in &h.rows {
            let mut parts = Vec::new();
            split_streams(r, 4, 7, &mut parts);
            assert_eq!(parts.len(), 4);
            let sum = |f: &dyn Fn(&Row) -> f64| parts.iter().map(f).sum::<f64>();
            assert_eq!(sum(&|p| p.spend), r.spend);
            assert_eq!(sum(&|p| p.viewers), r.viewers);
            assert_eq!(sum(&|p| p.orders), r.orders);
            assert_eq!(sum(&|p| p.impressions), r.impressions);
            assert_eq!(sum(&|p| p.comments), r.comments);
            assert!((sum(&|p| p.gmv) - r.gmv).abs() < 1e-6, "{r:?}");
            assert!(parts.iter().all(|p| p.spend >= 0.0 && p.viewers >= 0.0));
            assert!(parts.iter().all(|p| p.date == r.date && p.room == r.room));
        }
    }

    #[test]
    fn partitions_are_hive_folders() {
        let d = days_from_civil(2026, 3, 31);
        assert_eq!(Partition::Month.folder(d), "month=2026-03");
        assert_eq!(Partition::Month.folder(d + 1), "month=2026-04");
        assert_eq!(Partition::Year.folder(d), "year=2026");
    }

    #[test]
    fn chinese_money_is_grouped() {
        assert_eq!(money(1_234_567.5, Headers::Chinese), "¥1,234,567.50");
        assert_eq!(money(999.0, Headers::Chinese), "¥999");
        assert_eq!(money(1000.0, Headers::Chinese), "¥1,000");
    }
}
