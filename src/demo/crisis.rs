//! The demo's crisis feed, generated relative to now: four quiet weeks of a brand's coverage
//! (the spike detector's baseline), then, once the crisis starts, a burst of complaints
//! about double charges in English and Spanish within the last hour.

use std::fmt::Write as _;

use chrono::{DateTime, Duration, Utc};

/// Quiet coverage: (title, text), cycled every eight hours for four weeks.
const QUIET: &[(&str, &str)] = &[
    (
        "Cumbre Bank updates its mobile app",
        "The new version of the Cumbre Bank app adds instant transfers and a clearer home screen.",
    ),
    (
        "El Banco Cumbre amplía el horario de sus oficinas",
        "Las oficinas del Banco Cumbre abrirán también los sábados por la mañana.",
    ),
    (
        "Cumbre Bank app felt a bit slow today",
        "Some readers said the Cumbre Bank app was slow to load balances this morning.",
    ),
];

/// The burst: complaints that arrive within the last hour once the crisis starts.
const BURST: &[(&str, &str)] = &[
    (
        "Cumbre Bank charged me twice for the same payment",
        "Cumbre Bank took the money twice and support is useless. This is a scam, I want a refund now.",
    ),
    (
        "El Banco Cumbre me ha cobrado dos veces",
        "El Banco Cumbre me cobró dos veces la misma compra y nadie responde. Una estafa, qué vergüenza.",
    ),
    (
        "Double charges at Cumbre Bank, again",
        "Woke up to two identical charges from Cumbre Bank. Terrible, nobody answers the phone.",
    ),
    (
        "Cobros duplicados en el Banco Cumbre",
        "Otra vez cobros duplicados del Banco Cumbre. Pésima atención, me quiero ir de este banco horrible.",
    ),
    (
        "Cumbre Bank customers furious over duplicate payments",
        "Hundreds of angry Cumbre Bank customers report duplicate payments and awful, useless support.",
    ),
    (
        "Indignación con el Banco Cumbre por los cargos dobles",
        "Clientes furiosos: el Banco Cumbre cobra dos veces y no devuelve el dinero. Una vergüenza total.",
    ),
    (
        "Cumbre Bank stole my rent money",
        "Cumbre Bank charged my rent twice and my account is now overdrawn. Worst bank ever, absolutely disgusting.",
    ),
    (
        "Banco Cumbre: me han dejado sin dinero",
        "El Banco Cumbre me cobró dos veces el alquiler. Horrible, una estafa, nunca más.",
    ),
];

/// The feed as of `now`; with `burst`, the complaints of the last hour are in it.
pub fn feed(now: DateTime<Utc>, burst: bool) -> String {
    let mut items = String::new();
    if burst {
        for (i, (title, text)) in BURST.iter().enumerate() {
            let at = now - Duration::minutes(50 - 6 * i as i64);
            push(&mut items, &format!("burst-{i}"), title, text, at);
        }
    }
    for h in (8..28 * 24).step_by(8) {
        let (title, text) = QUIET[(h / 8) % QUIET.len()];
        let at = now - Duration::hours(h as i64);
        push(&mut items, &format!("quiet-{h}"), title, text, at);
    }
    format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<rss version=\"2.0\"><channel>\
         <title>Cumbre Watch</title><link>https://cumbre-watch.example/</link>\
         <description>Everything said about Cumbre Bank (fictional)</description>\n{items}</channel></rss>\n"
    )
}

fn push(items: &mut String, id: &str, title: &str, text: &str, at: DateTime<Utc>) {
    let _ = writeln!(
        items,
        "<item><title>{title}</title><link>https://cumbre-watch.example/{id}</link>\
         <guid>{id}</guid><pubDate>{}</pubDate><description>{text}</description></item>",
        at.to_rfc2822()
    );
}
