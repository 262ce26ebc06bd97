//! The daily chart: seven stacked bars (negative, neutral, positive) drawn into a pixel
//! buffer and encoded as PNG with the `png` crate.
//!
//! Why by hand and without text: a bar chart is rectangles, which take a few lines to
//! draw, while a plotting library brings fonts (and with them font-kit and fontconfig, or a
//! font file to vendor) and a long build. So the PNG holds no text at all: the day names,
//! the daily totals and the scale are HTML around the image, in the reader's language,
//! selectable and readable by screen readers, and the image also gets a full alt text.
//! The image is opaque white so that mail clients in dark mode show it as a light card
//! rather than dark bars on a dark background, and drawn at twice its display size so it
//! stays sharp on high-density screens.

use crate::store::kpi::LabelCounts;

/// Width the chart is shown at, in CSS pixels (the email's content width).
pub const DISPLAY_WIDTH: u32 = 560;
/// Height the chart is shown at, in CSS pixels.
pub const DISPLAY_HEIGHT: u32 = 140;
/// Pixels per CSS pixel.
const SCALE: u32 = 2;
const WIDTH: u32 = DISPLAY_WIDTH * SCALE;
const HEIGHT: u32 = DISPLAY_HEIGHT * SCALE;
/// Room above the tallest possible bar and below the baseline, in image pixels.
const TOP_PAD: u32 = 8;
const BOTTOM_PAD: u32 = 2;
/// Share of a day's slot its bar takes.
const BAR_SHARE: f64 = 0.58;
/// Rounded top corners of a bar, in image pixels.
const RADIUS: u32 = 8;
/// A white gap between the segments of a bar, in image pixels.
const GAP: u32 = 2;

/// Colours, shared with the HTML legend so the two always agree.
pub const NEGATIVE: Rgb = Rgb(0xdc, 0x26, 0x26);
/// Neutral mentions.
pub const NEUTRAL: Rgb = Rgb(0xb8, 0xc0, 0xcc);
/// Positive mentions.
pub const POSITIVE: Rgb = Rgb(0x16, 0xa3, 0x4a);
const BACKGROUND: Rgb = Rgb(0xff, 0xff, 0xff);
const WEEKEND: Rgb = Rgb(0xf6, 0xf7, 0xf9);
const GRID: Rgb = Rgb(0xe4, 0xe7, 0xeb);
const BASELINE: Rgb = Rgb(0x9c, 0xa3, 0xaf);

/// An sRGB colour.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rgb(pub u8, pub u8, pub u8);

impl Rgb {
    /// `#rrggbb`, for the HTML legend.
    pub fn hex(self) -> String {
        format!("#{:02x}{:02x}{:02x}", self.0, self.1, self.2)
    }

    fn mix(self, other: Rgb, share_of_self: f64) -> Rgb {
        let m = |a: u8, b: u8| {
            (f64::from(a) * share_of_self + f64::from(b) * (1.0 - share_of_self)).round() as u8
        };
        Rgb(m(self.0, other.0), m(self.1, other.1), m(self.2, other.2))
    }
}

/// A rendered chart.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Chart {
    /// The PNG file.
    pub png: Vec<u8>,
    /// The value at the top of the scale (the HTML prints it); gridlines are at quarters.
    pub scale_top: i64,
}

/// Why a chart could not be drawn (the PNG encoder failed: a bug, not bad data).
#[derive(Debug, thiserror::Error)]
#[error("could not encode the chart as PNG: {0}")]
pub struct ChartError(String);

/// The top of a readable scale for `max`: four gridlines at a round step (1, 2 or 5 × 10ⁿ).
pub fn scale_top(max: i64) -> i64 {
    let quarter = (max.max(1) as f64 / 4.0).max(1.0);
    let magnitude = 10f64.powf(quarter.log10().floor());
    let step = [1.0, 2.0, 5.0, 10.0]
        .iter()
        .map(|m| m * magnitude)
        .find(|s| *s >= quarter)
        .unwrap_or(10.0 * magnitude);
    (step.round() as i64).max(1) * 4
}

/// Seven (or any number of) days as stacked bars: negative at the bottom, then neutral,
/// then positive.
pub fn daily_bars(days: &[LabelCounts]) -> Result<Chart, ChartError> {
    let top = scale_top(days.iter().map(LabelCounts::total).max().unwrap_or(0));
    let mut canvas = Canvas::new(WIDTH, HEIGHT, BACKGROUND);
    let slots = days.len().max(1) as u32;
    let slot = WIDTH / slots;
    let base = HEIGHT - BOTTOM_PAD;
    let usable = f64::from(base - TOP_PAD);
    let y_of = |value: i64| base - ((value as f64 / top as f64) * usable).round() as u32;
    // Weekend shading first (Saturday and Sunday are the last two days of an ISO week).
    if days.len() == 7 {
        canvas.fill(5 * slot, 0, WIDTH, base, WEEKEND);
    }
    for q in 1..=4 {
        let y = y_of(top * q / 4);
        canvas.fill(0, y.saturating_sub(1), WIDTH, y + 1, GRID);
    }
    for (i, day) in days.iter().enumerate() {
        let center = slot * i as u32 + slot / 2;
        let half = ((f64::from(slot) * BAR_SHARE) / 2.0).round() as u32;
        let (x0, x1) = (center - half, center + half);
        let mut below = 0;
        let segments = [
            (day.negative, NEGATIVE),
            (day.neutral, NEUTRAL),
            (day.positive, POSITIVE),
        ];
        let topmost = segments.iter().rposition(|(n, _)| *n > 0);
        for (k, &(n, colour)) in segments.iter().enumerate() {
            if n == 0 {
                continue;
            }
            let (y_bottom, y_top) = (y_of(below), y_of(below + n));
            below += n;
            // Keep a thin segment visible, and a white seam between segments.
            let y_top = y_top.min(y_bottom.saturating_sub(3));
            let y_bottom = if below == n { y_bottom } else { y_bottom - GAP };
            if Some(k) == topmost {
                canvas.rounded_top(x0, y_top, x1, y_bottom, RADIUS, colour);
            } else {
                canvas.fill(x0, y_top, x1, y_bottom, colour);
            }
        }
    }
    canvas.fill(0, base, WIDTH, base + BOTTOM_PAD, BASELINE);
    Ok(Chart {
        png: canvas.encode()?,
        scale_top: top,
    })
}

/// An RGB pixel buffer.
struct Canvas {
    width: u32,
    height: u32,
    pixels: Vec<u8>,
}

impl Canvas {
    fn new(width: u32, height: u32, background: Rgb) -> Canvas {
        let mut pixels = Vec::with_capacity((width * height * 3) as usize);
        for _ in 0..width * height {
            pixels.extend_from_slice(&[background.0, background.1, background.2]);
        }
        Canvas {
            width,
            height,
            pixels,
        }
    }

    fn get(&self, x: u32, y: u32) -> Rgb {
        let i = ((y * self.width + x) * 3) as usize;
        Rgb(self.pixels[i], self.pixels[i + 1], self.pixels[i + 2])
    }

    fn set(&mut self, x: u32, y: u32, c: Rgb) {
        if x < self.width && y < self.height {
            let i = ((y * self.width + x) * 3) as usize;
            self.pixels[i..i + 3].copy_from_slice(&[c.0, c.1, c.2]);
        }
    }

    /// Fill `[x0, x1) × [y0, y1)`, clipped to the canvas.
    fn fill(&mut self, x0: u32, y0: u32, x1: u32, y1: u32, c: Rgb) {
        for y in y0..y1.min(self.height) {
            for x in x0..x1.min(self.width) {
                self.set(x, y, c);
            }
        }
    }

    /// A rectangle whose two top corners are rounded with radius `r`, edges smoothed by
    /// 4×4 supersampling of the corner pixels.
    fn rounded_top(&mut self, x0: u32, y0: u32, x1: u32, y1: u32, r: u32, c: Rgb) {
        let r = r.min((x1 - x0) / 2).min(y1.saturating_sub(y0));
        self.fill(x0, y0 + r, x1, y1, c);
        self.fill(x0 + r, y0, x1 - r, y0 + r, c);
        let rf = f64::from(r);
        for dy in 0..r {
            for dx in 0..r {
                // Coverage of pixel (dx, dy) of the top-left corner by the quarter circle
                // centred at (r, r).
                let mut inside = 0;
                for sy in 0..4 {
                    for sx in 0..4 {
                        let px = f64::from(dx) + (f64::from(sx) + 0.5) / 4.0;
                        let py = f64::from(dy) + (f64::from(sy) + 0.5) / 4.0;
                        if (rf - px).powi(2) + (rf - py).powi(2) <= rf * rf {
                            inside += 1;
                        }
                    }
                }
                if inside == 0 {
                    continue;
                }
                let share = f64::from(inside) / 16.0;
                let (left, right, y) = (x0 + dx, x1 - 1 - dx, y0 + dy);
                for x in [left, right] {
                    let under = self.get(x, y);
                    self.set(x, y, c.mix(under, share));
                }
            }
        }
    }

    fn encode(&self) -> Result<Vec<u8>, ChartError> {
        let mut out = Vec::new();
        let mut encoder = png::Encoder::new(&mut out, self.width, self.height);
        encoder.set_color(png::ColorType::Rgb);
        encoder.set_depth(png::BitDepth::Eight);
        encoder.set_compression(png::Compression::High);
        // 144 dpi: viewers that honour pHYs show it at its CSS size.
        encoder.set_pixel_dims(Some(png::PixelDimensions {
            xppu: 5669,
            yppu: 5669,
            unit: png::Unit::Meter,
        }));
        let mut writer = encoder
            .write_header()
            .map_err(|e| ChartError(e.to_string()))?;
        writer
            .write_image_data(&self.pixels)
            .map_err(|e| ChartError(e.to_string()))?;
        writer.finish().map_err(|e| ChartError(e.to_string()))?;
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scales_are_round() {
        assert_eq!(scale_top(0), 4);
        assert_eq!(scale_top(3), 4);
        assert_eq!(scale_top(4), 4);
        assert_eq!(scale_top(5), 8);
        assert_eq!(scale_top(14), 20);
        assert_eq!(scale_top(41), 80);
        assert_eq!(scale_top(1234), 2000);
    }

    #[test]
    fn bars_are_drawn_where_the_counts_say() {
        let day = |negative, neutral, positive| LabelCounts {
            positive,
            neutral,
            negative,
        };
        let days = [
            day(4, 0, 0),
            day(0, 0, 0),
            day(1, 1, 2),
            day(0, 0, 0),
            day(0, 0, 0),
            day(0, 0, 0),
            day(0, 4, 0),
        ];
        let chart = daily_bars(&days).unwrap();
        assert_eq!(chart.scale_top, 4);
        let decoder = png::Decoder::new(std::io::Cursor::new(&chart.png));
        let mut reader = decoder.read_info().unwrap();
        let mut buf = vec![0; reader.output_buffer_size().unwrap()];
        let info = reader.next_frame(&mut buf).unwrap();
        assert_eq!((info.width, info.height), (WIDTH, HEIGHT));
        let at = |x: u32, y: u32| {
            let i = ((y * WIDTH + x) * 3) as usize;
            Rgb(buf[i], buf[i + 1], buf[i + 2])
        };
        let slot = WIDTH / 7;
        let mid_y = HEIGHT / 2;
        assert_eq!(
            at(slot / 2, mid_y),
            NEGATIVE,
            "day 1 is all negative, full height"
        );
        assert_eq!(at(slot + slot / 2, mid_y), BACKGROUND, "day 2 is empty");
        assert_eq!(
            at(6 * slot + slot / 2, mid_y),
            NEUTRAL,
            "Sunday is all neutral"
        );
        assert_eq!(
            at(6 * slot + 4, mid_y),
            WEEKEND,
            "weekend shading beside the bar"
        );
        // Day 3: 1 negative at the bottom, 2 positive on top.
        let base = HEIGHT - BOTTOM_PAD;
        assert_eq!(at(2 * slot + slot / 2, base - 10), NEGATIVE);
        assert_eq!(at(2 * slot + slot / 2, TOP_PAD + RADIUS + 20), POSITIVE);
    }
}
