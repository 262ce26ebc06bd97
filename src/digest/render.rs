//! Rendering a digest: figures → charts → view → HTML and plain text, with the charts as
//! inline parts (email) or `data:` URIs (a preview file a browser opens on its own).
//!
//! The templates are minijinja with HTML auto-escape, configured like the alert emails'
//! (strict undefined, `/` left unescaped in links), and embedded at build time.

use std::sync::LazyLock;

use base64::Engine as _;
use minijinja::value::Serde;
use minijinja::{Environment, context};

use super::chart::{self, Chart, ChartError};
use super::data::DigestData;
use super::view::{self, ChartRef, DigestView, ViewInput};
use crate::notify::NotifyError;
use crate::notify::email::{Email, mail_templates};
use crate::notify::smtp::InlinePart;
use crate::store::kpi::LabelCounts;

const HTML_TEMPLATE: &str = "digest.html";
const TEXT_TEMPLATE: &str = "digest.txt";

static TEMPLATES: LazyLock<Result<Environment<'static>, String>> = LazyLock::new(|| {
    mail_templates(&[
        (HTML_TEMPLATE, include_str!("templates/digest.html")),
        (TEXT_TEMPLATE, include_str!("templates/digest.txt")),
    ])
});

/// Where the HTML finds its charts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Images {
    /// `cid:` references to inline MIME parts (an email).
    Inline,
    /// `data:` URIs (a preview file).
    DataUri,
}

/// A rendered digest.
#[derive(Debug, Clone)]
pub struct Rendered {
    /// Subject, text and HTML.
    pub email: Email,
    /// The charts as inline parts (empty for [`Images::DataUri`]).
    pub parts: Vec<InlinePart>,
}

/// The daily series to chart, in section order: the summary first when there are
/// several brands, then each brand.
pub fn charts(data: &DigestData) -> Result<Vec<Chart>, ChartError> {
    let mut series: Vec<&[LabelCounts]> = Vec::new();
    if data.brands.len() > 1 {
        series.push(&data.total.daily);
    }
    series.extend(data.brands.iter().map(|b| b.daily.as_slice()));
    series.into_iter().map(chart::daily_bars).collect()
}

/// Render `data` with its `charts` (from [`charts`]).
pub fn render(
    data: &DigestData,
    charts: &[Chart],
    input: ViewInput<'_>,
    images: Images,
) -> Result<Rendered, NotifyError> {
    let b64 = base64::engine::general_purpose::STANDARD;
    let cid = |i: usize| format!("chart-{i}.{}@digest.vigia", data.period.label());
    let refs: Vec<ChartRef> = charts
        .iter()
        .enumerate()
        .map(|(i, c)| ChartRef {
            src: match images {
                Images::Inline => format!("cid:{}", cid(i)),
                Images::DataUri => format!("data:image/png;base64,{}", b64.encode(&c.png)),
            },
            scale_top: c.scale_top,
        })
        .collect();
    let view = view::build(
        data,
        &ViewInput {
            charts: &refs,
            ..input
        },
    );
    let html = render_one(HTML_TEMPLATE, &view)?;
    let text = render_one(TEXT_TEMPLATE, &view)?;
    let parts = match images {
        Images::DataUri => Vec::new(),
        Images::Inline => {
            let alts = view
                .summary
                .iter()
                .chain(&view.sections)
                .map(|s| s.chart.alt.clone());
            charts
                .iter()
                .zip(alts)
                .enumerate()
                .map(|(i, (c, alt))| InlinePart {
                    cid: cid(i),
                    content_type: "image/png".into(),
                    base64: b64.encode(&c.png),
                    alt,
                })
                .collect()
        }
    };
    Ok(Rendered {
        email: Email {
            subject: view.subject,
            text,
            html,
        },
        parts,
    })
}

fn render_one(name: &'static str, view: &DigestView) -> Result<String, NotifyError> {
    let fail = |message: String| NotifyError::Template {
        template: name,
        message,
    };
    let env = TEMPLATES.as_ref().map_err(|e| fail(e.clone()))?;
    let template = env.get_template(name).map_err(|e| fail(e.to_string()))?;
    template
        .render(context! { v => Serde(view) })
        .map_err(|e| fail(format!("{e:#}")))
}
