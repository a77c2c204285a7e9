//! The comparison as a picture: an SVG bar chart of each peer's time divided
//! by DropArena's, one group of bars per workload, on a log scale centred on
//! 1x (DropArena's own time). A bar to the right of the 1x line is a peer
//! slower than DropArena, to the left a faster one.
//!
//! Only plotters' SVG backend is used: text goes into the file as SVG
//! `<text>`, so no font or image library is needed to draw it.

use std::path::Path;

use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use crate::drop_arena_version;
use crate::timing::JobResult;

/// One workload's group of bars.
pub struct Row {
    /// The workload, as the table calls it.
    pub workload: String,
    /// Each peer other than DropArena, with its time / DropArena's.
    pub ratios: Vec<(&'static str, f64)>,
}

/// One colour per peer, in order (Tableau 10, readable on white).
const COLOURS: [RGBColor; 10] = [
    RGBColor(0x4e, 0x79, 0xa7),
    RGBColor(0xf2, 0x8e, 0x2b),
    RGBColor(0xe1, 0x57, 0x59),
    RGBColor(0x76, 0xb7, 0xb2),
    RGBColor(0x59, 0xa1, 0x4f),
    RGBColor(0xed, 0xc9, 0x48),
    RGBColor(0xb0, 0x7a, 0xa1),
    RGBColor(0xff, 0x9d, 0xa7),
    RGBColor(0x9c, 0x75, 0x5f),
    RGBColor(0xba, 0xb0, 0xac),
];

/// Pixels per bar, and between two workloads' groups.
const BAR: u32 = 11;
const GAP: u32 = 14;

/// Draws every peer's ratio to DropArena's in `results` (DropArena first
/// in each) as a chart at `path`, making its folder if need be.
pub fn write(path: &Path, results: &[JobResult]) -> std::io::Result<()> {
    let rows: Vec<Row> = results
        .iter()
        .map(|r| Row {
            workload: r.label.clone(),
            ratios: r.ns_per_value[1..]
                .iter()
                .map(|(name, _)| (*name, r.ratio(name)))
                .collect(),
        })
        .collect();
    let title = format!(
        "drop_arena {}: each peer's time per value / DropArena's",
        drop_arena_version()
    );
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir)?;
    }
    std::fs::write(path, svg(&title, &rows))
}

/// Draws `rows` under `title` and returns the SVG document.
///
/// # Panics
///
/// If `rows` is empty, the rows do not all list the same peers, or a ratio
/// is not a positive finite number.
pub fn svg(title: &str, rows: &[Row]) -> String {
    let peers: Vec<&str> = rows[0].ratios.iter().map(|(name, _)| *name).collect();
    for row in rows {
        assert!(
            row.ratios
                .iter()
                .map(|(name, _)| *name)
                .eq(peers.iter().copied()),
            "every row lists the same peers"
        );
        for &(_, ratio) in &row.ratios {
            assert!(ratio.is_finite() && ratio > 0.0, "ratio {ratio}");
        }
    }
    // The x axis is log2 of the ratio, between powers of two around
    // everything, with 1x (0) always inside.
    let ratios = || rows.iter().flat_map(|row| row.ratios.iter().map(|r| r.1));
    let lo = (ratios().fold(0.5, f64::min) / 1.3).log2().floor();
    let hi = (ratios().fold(2.0, f64::max) * 1.6).log2().ceil();

    let n = rows.len();
    let group = peers.len() as u32 * BAR + GAP;
    let size = (1000, 110 + n as u32 * group);
    let mut out = String::new();
    {
        let root = SVGBackend::with_string(&mut out, size).into_drawing_area();
        draw(&root, title, rows, &peers, lo..hi).expect("drawing into a string cannot fail");
        root.present().expect("drawing into a string cannot fail");
    }
    out
}

/// The chart itself. Row `i` (from the top) spans `y` in `n - i - 1 .. n - i`.
fn draw(
    root: &DrawingArea<SVGBackend<'_>, plotters::coord::Shift>,
    title: &str,
    rows: &[Row],
    peers: &[&str],
    x_range: std::ops::Range<f64>,
) -> Result<(), DrawingAreaErrorKind<std::io::Error>> {
    root.fill(&WHITE)?;
    let n = rows.len();
    let lo = x_range.start;
    let mut chart = ChartBuilder::on(root)
        .caption(title, ("sans-serif", 18))
        .margin(14)
        .x_label_area_size(44)
        .y_label_area_size(250)
        .build_cartesian_2d(x_range.clone(), 0f64..n as f64)?;
    chart
        .configure_mesh()
        .disable_y_mesh()
        .y_labels(0)
        .x_labels((x_range.end - x_range.start) as usize + 1)
        .light_line_style(WHITE)
        .x_desc("peer's time / DropArena's (log scale; right of 1x: DropArena is faster)")
        .x_label_formatter(&|x| ratio_label(2f64.powf(*x)))
        .label_style(("sans-serif", 13))
        .axis_desc_style(("sans-serif", 14))
        .draw()?;

    // The workloads' names, right-aligned left of the plot, by hand: the
    // mesh would put them at round numbers, not at the groups.
    let name_style = ("sans-serif", 13)
        .into_font()
        .color(&BLACK)
        .pos(Pos::new(HPos::Right, VPos::Center));
    for (i, row) in rows.iter().enumerate() {
        let (x, y) = chart.backend_coord(&(lo, (n - i) as f64 - 0.5));
        root.draw(&Text::new(
            row.workload.as_str(),
            (x - 8, y),
            name_style.clone(),
        ))?;
    }

    // A bar of peer `j` in row `i`: its bottom and top `y`.
    let slot = 1.0 / f64::from(peers.len() as u32 * BAR + GAP);
    let span = |i: usize, j: usize| {
        let top = (n - i) as f64 - slot * f64::from(GAP) / 2.0 - slot * f64::from(BAR) * j as f64;
        (top - slot * f64::from(BAR) * 0.85, top)
    };
    for (j, peer) in peers.iter().enumerate() {
        let colour = COLOURS[j % COLOURS.len()];
        chart
            .draw_series(rows.iter().enumerate().map(|(i, row)| {
                let (bottom, top) = span(i, j);
                Rectangle::new(
                    [(0.0, bottom), (row.ratios[j].1.log2(), top)],
                    colour.filled(),
                )
            }))?
            .label(*peer)
            .legend(move |(x, y)| Rectangle::new([(x, y - 5), (x + 12, y + 5)], colour.filled()));
        chart.draw_series(rows.iter().enumerate().map(|(i, row)| {
            let (bottom, top) = span(i, j);
            let ratio = row.ratios[j].1;
            let (x, anchor) = if ratio >= 1.0 {
                (ratio.log2() + 0.06, HPos::Left)
            } else {
                (ratio.log2() - 0.06, HPos::Right)
            };
            let style = ("sans-serif", 10)
                .into_font()
                .color(&BLACK)
                .pos(Pos::new(anchor, VPos::Center));
            Text::new(format!("{ratio:.2}x"), (x, (bottom + top) / 2.0), style)
        }))?;
    }
    chart
        .draw_series(std::iter::once(PathElement::new(
            vec![(0.0, 0.0), (0.0, n as f64)],
            BLACK.stroke_width(2),
        )))?
        .label("DropArena (1x)")
        .legend(|(x, y)| {
            PathElement::new(vec![(x + 6, y - 6), (x + 6, y + 6)], BLACK.stroke_width(2))
        });
    chart
        .configure_series_labels()
        .position(SeriesLabelPosition::UpperRight)
        .background_style(WHITE.mix(0.9))
        .border_style(BLACK.mix(0.4))
        .label_font(("sans-serif", 13))
        .draw()?;
    Ok(())
}

/// `4x`, `1x`, `1/4x`; other values with two decimals.
fn ratio_label(ratio: f64) -> String {
    let whole = |x: f64| (x - x.round()).abs() < 1e-9;
    if ratio >= 1.0 && whole(ratio) {
        format!("{ratio}x")
    } else if ratio < 1.0 && whole(1.0 / ratio) {
        format!("1/{}x", (1.0 / ratio).round())
    } else {
        format!("{ratio:.2}x")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn draws_a_bar_and_a_label_per_ratio() {
        let rows = vec![
            Row {
                workload: "hot path".into(),
                ratios: vec![("Box", 4.2), ("bump", 0.7)],
            },
            Row {
                workload: "4 KiB value".into(),
                ratios: vec![("Box", 1.9), ("bump", 73.0)],
            },
        ];
        let svg = svg("test <chart>", &rows);
        assert!(svg.starts_with("<svg"));
        assert!(svg.contains("test &lt;chart&gt;"));
        for label in [
            "hot path",
            "4 KiB value",
            "4.20x",
            "0.70x",
            "73.00x",
            "DropArena (1x)",
        ] {
            assert!(svg.contains(label), "{label} missing");
        }
        // The background, 4 bars, the legend's box and its 2 swatches.
        assert!(svg.matches("<rect").count() >= 1 + 4 + 2);
    }
}
