//! A stacked bar chart of mentions per day, as inline SVG: drawn on the server, no script,
//! readable by screen readers (title and description), allowed by the strict CSP (SVG
//! attributes, no inline style).
//!
//! Only numbers and our own date labels reach the SVG, and those are escaped anyway.

use std::fmt::Write as _;

use crate::store::kpi::LabelCounts;

const WIDTH: f64 = 720.0;
const HEIGHT: f64 = 180.0;
const LEFT: f64 = 34.0;
const BOTTOM: f64 = 22.0;
const TOP: f64 = 8.0;

/// One bar per day, negative at the bottom, then neutral, then positive. `labels` are the
/// days' names (same length as `days`); `title` is read out by screen readers.
pub fn daily_bars(days: &[LabelCounts], labels: &[String], title: &str) -> String {
    let max = days
        .iter()
        .map(LabelCounts::total)
        .max()
        .unwrap_or(0)
        .max(1);
    // A round top for the axis: 1, 2, 5 × 10ⁿ.
    let top = nice_ceiling(max);
    let plot_h = HEIGHT - BOTTOM - TOP;
    let plot_w = WIDTH - LEFT - 4.0;
    let slot = plot_w / days.len().max(1) as f64;
    let bar = (slot * 0.72).max(1.0);
    let total: i64 = days.iter().map(LabelCounts::total).sum();
    let mut svg = String::new();
    let _ = write!(
        svg,
        "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 {WIDTH} {HEIGHT}\" role=\"img\"><title>{}</title><desc>{} mentions</desc>",
        escape(title),
        total
    );
    for frac in [0.0, 0.5, 1.0] {
        let y = TOP + plot_h * (1.0 - frac);
        let value = top as f64 * frac;
        let _ = write!(
            svg,
            "<line class=\"axis\" x1=\"{LEFT}\" x2=\"{WIDTH}\" y1=\"{y:.1}\" y2=\"{y:.1}\"/>\
             <text x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"end\">{}</text>",
            LEFT - 6.0,
            y + 4.0,
            // 2.5 stays 2.5; whole numbers print without decimals.
            format!("{value:.1}").trim_end_matches(".0")
        );
    }
    for (i, day) in days.iter().enumerate() {
        let x = LEFT + slot * i as f64 + (slot - bar) / 2.0;
        let mut y = TOP + plot_h;
        for (class, n) in [
            ("negative", day.negative),
            ("neutral", day.neutral),
            ("positive", day.positive),
        ] {
            if n == 0 {
                continue;
            }
            let h = plot_h * n as f64 / top as f64;
            y -= h;
            let _ = write!(
                svg,
                "<rect class=\"{class}\" x=\"{x:.1}\" y=\"{y:.1}\" width=\"{bar:.1}\" height=\"{h:.1}\">\
                 <title>{} · {n} {class}</title></rect>",
                escape(labels.get(i).map_or("", String::as_str))
            );
        }
    }
    // Date labels: first, middle and last day.
    let n = days.len();
    for (i, anchor) in [
        (0, "start"),
        (n / 2, "middle"),
        (n.saturating_sub(1), "end"),
    ] {
        if let Some(label) = labels.get(i).filter(|_| n > 0) {
            let x = match anchor {
                "start" => LEFT + slot * i as f64,
                "end" => LEFT + slot * (i + 1) as f64,
                _ => LEFT + slot * i as f64 + slot / 2.0,
            };
            let _ = write!(
                svg,
                "<text x=\"{x:.1}\" y=\"{:.1}\" text-anchor=\"{anchor}\">{}</text>",
                HEIGHT - 6.0,
                escape(label)
            );
        }
    }
    svg.push_str("</svg>");
    svg
}

fn nice_ceiling(max: i64) -> i64 {
    let mut step = 1;
    loop {
        for m in [1, 2, 5] {
            if m * step >= max {
                return m * step;
            }
        }
        step *= 10;
    }
}

fn escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bars_stack_and_labels_are_escaped() {
        let days = vec![
            LabelCounts {
                positive: 1,
                neutral: 2,
                negative: 3,
            },
            LabelCounts::default(),
        ];
        let svg = daily_bars(&days, &["<d1>".into(), "d2".into()], "Acme & co");
        assert!(svg.starts_with("<svg") && svg.ends_with("</svg>"));
        assert_eq!(svg.matches("<rect").count(), 3);
        assert!(svg.contains("Acme &amp; co") && svg.contains("&lt;d1&gt;"));
        assert!(!svg.contains("<d1>") && !svg.contains("style="));
        assert_eq!(nice_ceiling(6), 10);
        assert_eq!(nice_ceiling(2), 2);
        assert_eq!(nice_ceiling(101), 200);
    }
}
