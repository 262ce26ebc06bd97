//! The commented starter config that `vigia init` writes.
//!
//! Kept as one string so that the file a newcomer edits and the file the tests load are the
//! same bytes (a unit test loads it).

/// The starter `vigia.toml`.
pub const STARTER_CONFIG: &str = r#"# vigia.toml — what to watch, where, and where to keep it.
# Every key is documented in the README's configuration reference.

[database]
# SQLite file (created if missing) or a PostgreSQL URL, e.g. "postgres://vigia@localhost/vigia".
url = "sqlite://vigia.db"

[fetch]
# Sources on 127.0.0.1, 10.x, 192.168.x … are refused unless this is true.
allow_private_networks = false
# A page that tells site owners who is polling them (sent in the User-Agent).
# contact_url = "https://example.com/about-our-monitoring"
# How many sources are fetched at once.
concurrency = 8

[scoring]
# "vigia": VADER plus review and complaint vocabulary (default); "vader": exact VADER 3.3.2.
mode = "vigia"

# One [[brand]] per brand. The name and aliases are matched as whole words, ignoring case
# and accents; a mention only of an excluded phrase is not about the brand.
[[brand]]
name = "Cumbre Bank"
aliases = ["Banco Cumbre"]
exclude = ["Cumbre Bank Arena"]
# lang = "es"                      # force the language of this brand's mentions (auto, en, es)

# One [[source]] per feed. kind = "feed" reads RSS, Atom and JSON Feed, including
# Google Alerts and Talkwalker Alerts feeds (paste the alert's feed URL).
[[source]]
name = "news"
kind = "feed"
url = "https://example.com/rss"
interval = "15m"                   # "30s", "15m", "1h", "1d"; at least 5s
# lang = "en"                      # force the language of this source's mentions

# A weekly digest email (needs an [smtp] table): last week's volume, sentiment, charts,
# the negatives still unanswered, response times, alerts and sources that had trouble.
# Preview it any time with `vigia digest --preview digest.html`.
# [[digest]]
# name = "weekly"
# cron = "0 8 * * MON"             # minute hour day-of-month month day-of-week (Mondays 08:00)
# timezone = "Europe/Madrid"       # IANA name; the week is Monday to Monday in this timezone
# to = ["marketing@example.com"]
# lang = "es"                      # en | es; default: each address's [[recipient]] lang, else en
# brands = []                      # empty: every brand
"#;
