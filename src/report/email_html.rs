//! The HTML body of `plan.eml`: what `summary.txt` says, laid out for a
//! mail client, with `summary.png` shown inline (a `cid:` reference to the
//! image carried in the same multipart/related part).
//!
//! The HTML is built from the text of `summary.txt` itself, so it says the
//! same thing in the same language (whatever the catalogue made of it): the
//! title line becomes the heading, the first block (target, plan, risk,
//! saving, schedule, shadow prices) the headline figures, and every block
//! that opens with a line ending in a colon followed by `- ` items (Last
//! week, Top moves, Warnings, …) a section with its list. A line the layout
//! does not recognise is kept as a paragraph, never dropped. The few words
//! the HTML adds of its own are in [`words`], one place to move into the
//! message catalogue.
//!
//! Every piece of text is HTML-escaped (room and channel names are user
//! data).

use crate::lang::Lang;

/// The words the HTML adds to what `summary.txt` says.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Words {
    /// `alt` text of the inline summary chart.
    pub image_alt: &'static str,
    /// Caption under it.
    pub image_caption: &'static str,
    /// The closing line naming the attachments.
    pub attached: &'static str,
}

/// The HTML's own words in `lang`.
pub fn words(lang: Lang) -> Words {
    Words {
        image_alt: lang.pick("The week's plan at a glance", "本周计划一览"),
        image_caption: lang.pick(
            "The week's plan at a glance (summary.png).",
            "本周计划一览（summary.png）。",
        ),
        attached: lang.pick("Attached:", "附件："),
    }
}

/// `s` with `& < > " '` escaped, safe as HTML text and attribute value.
pub fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 8);
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// The inline image the HTML shows.
#[derive(Clone, Copy, Debug)]
pub struct InlineImage<'a> {
    /// The `Content-ID` (without angle brackets) the HTML refers to as
    /// `cid:…`.
    pub content_id: &'a str,
    /// Pixel width and height (the PNG's own), for clients that lay out
    /// before loading.
    pub size: Option<(u32, u32)>,
}

/// A block of `summary.txt`.
#[derive(Clone, Debug, PartialEq, Eq)]
enum Block<'a> {
    /// Lines of running text.
    Lines(Vec<&'a str>),
    /// A heading (its colon dropped) with its `- ` items.
    Section(&'a str, Vec<&'a str>),
}

/// `summary.txt` as (title, blocks).
fn blocks(summary: &str) -> (&str, Vec<Block<'_>>) {
    let mut lines = summary.lines();
    let title = lines.next().unwrap_or("").trim();
    let mut out = Vec::new();
    let mut cur: Vec<&str> = Vec::new();
    fn flush<'a>(cur: &mut Vec<&'a str>, out: &mut Vec<Block<'a>>) {
        if cur.is_empty() {
            return;
        }
        let heading = cur[0]
            .strip_suffix(':')
            .or_else(|| cur[0].strip_suffix('：'));
        let rest = &cur[1..];
        match heading {
            Some(h) if !rest.is_empty() && rest.iter().all(|l| l.starts_with("- ")) => {
                out.push(Block::Section(
                    h,
                    rest.iter().map(|l| &l[2..]).collect::<Vec<_>>(),
                ));
            }
            _ => out.push(Block::Lines(std::mem::take(cur))),
        }
        cur.clear();
    }
    for line in lines {
        if line.trim().is_empty() {
            flush(&mut cur, &mut out);
        } else {
            cur.push(line);
        }
    }
    flush(&mut cur, &mut out);
    (title, out)
}

const STYLE: &str = "body{margin:0;padding:16px;background:#ffffff;color:#1f2328;\
font-family:-apple-system,'Segoe UI','PingFang SC','Microsoft YaHei','Noto Sans CJK SC',sans-serif;\
font-size:14px;line-height:1.5}\
h1{font-size:20px;margin:0 0 12px}\
h2{font-size:16px;margin:18px 0 6px}\
.headline{background:#f3f6fa;border-left:4px solid #2f6fb3;padding:8px 12px;margin:0 0 12px}\
.headline p{margin:2px 0}\
.headline p.first{font-weight:bold}\
ul{margin:4px 0;padding-left:20px}\
figure{margin:12px 0}\
figcaption{color:#57606a;font-size:12px}\
img{max-width:100%;height:auto;display:block}\
.foot{color:#57606a;font-size:12px;margin-top:18px}";

/// The HTML body: `summary` (the text of `summary.txt`) laid out, the
/// summary chart `image` shown after the headline figures, `attached` the
/// attachments' file names.
pub fn html_body(
    summary: &str,
    image: Option<InlineImage<'_>>,
    attached: &[&str],
    lang: Lang,
) -> String {
    let w = words(lang);
    let (title, blocks) = blocks(summary);
    let mut h = String::new();
    h.push_str("<!DOCTYPE html>\n<html lang=\"");
    h.push_str(lang.pick("en", "zh-CN"));
    h.push_str("\">\n<head>\n<meta charset=\"utf-8\">\n");
    h.push_str("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n");
    h.push_str(&format!("<title>{}</title>\n", escape(title)));
    h.push_str(&format!("<style>{STYLE}</style>\n</head>\n<body>\n"));
    h.push_str(&format!("<h1>{}</h1>\n", escape(title)));
    let mut image_done = false;
    let push_image = |h: &mut String| {
        if let Some(img) = image {
            let size = img.size.map_or(String::new(), |(wd, ht)| {
                format!(" width=\"{wd}\" height=\"{ht}\"")
            });
            h.push_str(&format!(
                "<figure><img src=\"cid:{}\" alt=\"{}\"{size}><figcaption>{}</figcaption></figure>\n",
                escape(img.content_id),
                escape(w.image_alt),
                escape(w.image_caption)
            ));
        }
    };
    for (i, b) in blocks.iter().enumerate() {
        match b {
            Block::Lines(lines) if i == 0 => {
                h.push_str("<div class=\"headline\">\n");
                for (j, l) in lines.iter().enumerate() {
                    let class = if j == 1 { " class=\"first\"" } else { "" };
                    h.push_str(&format!("<p{class}>{}</p>\n", escape(l)));
                }
                h.push_str("</div>\n");
            }
            Block::Lines(lines) => {
                for l in lines {
                    h.push_str(&format!("<p>{}</p>\n", escape(l)));
                }
            }
            Block::Section(heading, items) => {
                h.push_str(&format!("<h2>{}</h2>\n<ul>\n", escape(heading)));
                for it in items {
                    h.push_str(&format!("<li>{}</li>\n", escape(it)));
                }
                h.push_str("</ul>\n");
            }
        }
        if i == 0 {
            push_image(&mut h);
            image_done = true;
        }
    }
    if !image_done {
        push_image(&mut h);
    }
    if !attached.is_empty() {
        h.push_str(&format!(
            "<p class=\"foot\">{} {}</p>\n",
            escape(w.attached),
            escape(&attached.join(", "))
        ));
    }
    h.push_str("</body>\n</html>\n");
    h
}

/// Width and height of a PNG from its header (`None`: not a PNG).
pub fn png_size(png: &[u8]) -> Option<(u32, u32)> {
    if png.len() < 24 || &png[..8] != b"\x89PNG\r\n\x1a\n" || &png[12..16] != b"IHDR" {
        return None;
    }
    let be = |b: &[u8]| u32::from_be_bytes([b[0], b[1], b[2], b[3]]);
    Some((be(&png[16..20]), be(&png[20..24])))
}

#[cfg(test)]
mod tests {
    use super::*;

    const SUMMARY: &str = "Traffic plan, 7 days from 2026-10-27\n\n\
Target: 500,000 viewers in 7 days.\n\
Plan: 429,822 CNY for 500,000 viewers (0.86 CNY per viewer).\n\
\n\
Last week:\n\
- planned 500,000 viewers for 433,068 CNY; spent 441,210 CNY\n\
\n\
Top moves:\n\
- <script>alert(1)</script> × \"DOU+加热\" & co: +12,000 CNY\n\
\n\
Charts: curves.png, summary.png.\n\
Details: plan.csv and plan.json in the run folder.\n";

    #[test]
    fn blocks_follow_the_summary() {
        let (title, b) = blocks(SUMMARY);
        assert_eq!(title, "Traffic plan, 7 days from 2026-10-27");
        assert_eq!(b.len(), 4);
        assert_eq!(
            b[0],
            Block::Lines(vec![
                "Target: 500,000 viewers in 7 days.",
                "Plan: 429,822 CNY for 500,000 viewers (0.86 CNY per viewer)."
            ])
        );
        assert_eq!(
            b[1],
            Block::Section(
                "Last week",
                vec!["planned 500,000 viewers for 433,068 CNY; spent 441,210 CNY"]
            )
        );
        // A zh heading ends in a full-width colon.
        let (_, zh) = blocks("标题\n\n上周：\n- 计划 50万\n");
        assert_eq!(zh, vec![Block::Section("上周", vec!["计划 50万"])]);
        // Not a list under it: kept as lines.
        let (_, odd) = blocks("t\n\nNote:\nplain line\n");
        assert_eq!(odd, vec![Block::Lines(vec!["Note:", "plain line"])]);
    }

    #[test]
    fn every_user_string_is_escaped_and_every_line_kept() {
        let html = html_body(
            SUMMARY,
            Some(InlineImage {
                content_id: "summary.png@acqplan",
                size: Some((1200, 900)),
            }),
            &["curves.png"],
            Lang::En,
        );
        assert!(!html.contains("<script>"), "{html}");
        assert!(html.contains(
            "<li>&lt;script&gt;alert(1)&lt;/script&gt; × &quot;DOU+加热&quot; &amp; co: +12,000 CNY</li>"
        ));
        assert!(html.contains("<h2>Last week</h2>"));
        assert!(html.contains(
            "<img src=\"cid:summary.png@acqplan\" alt=\"The week&#39;s plan at a glance\" width=\"1200\" height=\"900\">"
        ));
        // The image follows the headline figures, before the sections.
        let img = html.find("<img").unwrap();
        assert!(html.find("Plan: 429,822").unwrap() < img);
        assert!(img < html.find("<h2>Last week").unwrap());
        // Every line of the text is in the HTML (escaped).
        for l in SUMMARY.lines().filter(|l| !l.is_empty()) {
            let l = l.strip_prefix("- ").unwrap_or(l);
            let l = l.strip_suffix(':').unwrap_or(l);
            assert!(html.contains(&escape(l)), "lost: {l}");
        }
        assert!(html.contains("<p class=\"foot\">Attached: curves.png</p>"));
        let zh = html_body(SUMMARY, None, &[], Lang::Zh);
        assert!(zh.contains("<html lang=\"zh-CN\">"));
        assert!(!zh.contains("<img"));
    }

    #[test]
    fn png_size_reads_the_header() {
        let mut png = b"\x89PNG\r\n\x1a\n\0\0\0\x0dIHDR".to_vec();
        png.extend_from_slice(&1200u32.to_be_bytes());
        png.extend_from_slice(&900u32.to_be_bytes());
        assert_eq!(png_size(&png), Some((1200, 900)));
        assert_eq!(png_size(b"GIF89a"), None);
    }
}
