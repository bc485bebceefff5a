//! `soak.svg`: the soak's rows as four stacked line charts over hours of audio — resident
//! memory, CPU, DSP load, voices. Written here as plain SVG text (a few polylines and
//! labels): a plotting crate (plotters) would bring a font stack and dozens of
//! dependencies for four lines.

use std::fmt::Write as _;

use super::record::Row;

const WIDTH: f64 = 900.0;
const PANEL_H: f64 = 150.0;
const LEFT: f64 = 80.0;
const RIGHT: f64 = 20.0;
const TOP: f64 = 40.0;
const GAP: f64 = 40.0;

/// One chart: a title, a unit and how to read its value from a row.
struct Panel {
    title: &'static str,
    value: fn(&Row) -> f64,
    colour: &'static str,
}

const PANELS: [Panel; 4] = [
    Panel {
        title: "resident memory (MiB)",
        value: |r| r.rss_kib as f64 / 1024.0,
        colour: "#1f77b4",
    },
    Panel {
        title: "CPU (% of one core)",
        value: |r| r.cpu_percent,
        colour: "#d62728",
    },
    Panel {
        title: "DSP load (% of the buffer period)",
        value: |r| r.dsp_load * 100.0,
        colour: "#2ca02c",
    },
    Panel {
        title: "voices sounding",
        value: |r| r.voices as f64,
        colour: "#9467bd",
    },
];

/// The SVG document for `rows`, titled `title`.
pub fn svg(title: &str, rows: &[Row]) -> String {
    let height = TOP + PANELS.len() as f64 * (PANEL_H + GAP) + 10.0;
    let mut s = String::new();
    let _ = writeln!(
        s,
        r#"<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{height}" font-family="sans-serif" font-size="12">"#
    );
    let _ = writeln!(
        s,
        r#"<rect width="100%" height="100%" fill="white"/><text x="{LEFT}" y="20" font-size="15">{}</text>"#,
        escape(title)
    );
    let t_max = rows.last().map_or(1.0, |r| r.audio_s / 3600.0).max(1e-9);
    let plot_w = WIDTH - LEFT - RIGHT;
    for (i, panel) in PANELS.iter().enumerate() {
        let y0 = TOP + i as f64 * (PANEL_H + GAP);
        let values: Vec<f64> = rows.iter().map(panel.value).collect();
        let lo = values
            .iter()
            .copied()
            .fold(f64::INFINITY, f64::min)
            .min(0.0);
        let hi = values.iter().copied().fold(0.0, f64::max);
        let hi = if hi - lo < 1e-9 { lo + 1.0 } else { hi * 1.05 };
        let _ = writeln!(
            s,
            r##"<rect x="{LEFT}" y="{y0}" width="{plot_w}" height="{PANEL_H}" fill="none" stroke="#888"/><text x="{LEFT}" y="{}">{}</text>"##,
            y0 - 5.0,
            panel.title
        );
        for (frac, label) in [(0.0, lo), (1.0, hi)] {
            let y = y0 + PANEL_H * (1.0 - frac);
            let _ = writeln!(
                s,
                r#"<text x="{}" y="{}" text-anchor="end">{}</text>"#,
                LEFT - 5.0,
                y + 4.0,
                short(label)
            );
        }
        let mut points = String::new();
        for (row, v) in rows.iter().zip(&values) {
            let x = LEFT + plot_w * (row.audio_s / 3600.0) / t_max;
            let y = y0 + PANEL_H * (1.0 - (v - lo) / (hi - lo));
            let _ = write!(points, "{x:.1},{y:.1} ");
        }
        let _ = writeln!(
            s,
            r#"<polyline fill="none" stroke="{}" stroke-width="1.2" points="{}"/>"#,
            panel.colour,
            points.trim_end()
        );
    }
    let y = TOP + PANELS.len() as f64 * (PANEL_H + GAP) - GAP + 15.0;
    let _ = writeln!(
        s,
        r#"<text x="{LEFT}" y="{y}">0 h</text><text x="{}" y="{y}" text-anchor="end">{} h of audio</text>"#,
        WIDTH - RIGHT,
        short(t_max)
    );
    s.push_str("</svg>\n");
    s
}

/// A compact number for an axis label.
fn short(v: f64) -> String {
    if v.abs() >= 100.0 {
        format!("{v:.0}")
    } else if v.abs() >= 10.0 {
        format!("{v:.1}")
    } else {
        format!("{v:.2}")
    }
}

/// `text` safe inside an SVG text element.
fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn four_polylines_with_a_point_per_row() {
        let rows: Vec<Row> = (0..10)
            .map(|i| Row {
                audio_s: i as f64 * 360.0,
                rss_kib: 10_000 + i,
                voices: i,
                ..Row::default()
            })
            .collect();
        let svg = svg("a <title>", &rows);
        assert_eq!(svg.matches("<polyline").count(), 4);
        let first = svg.split("points=\"").nth(1).unwrap();
        let points = first.split('"').next().unwrap();
        assert_eq!(points.split(' ').count(), 10);
        assert!(svg.contains("a &lt;title&gt;"));
        assert!(svg.trim_end().ends_with("</svg>"));
    }
}
