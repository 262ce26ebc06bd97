//! The `vigia` command line: parses flags, calls the library, prints.
//!
//! Every flag is documented where it is defined (clap shows it in `--help`). Work happens
//! in the library; this file only wires commands to it and turns errors into messages.

use std::io::{BufRead, Write};
use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};
use clap::{Parser, Subcommand};

use vigia::config::{self, Config};
use vigia::demo;
use vigia::report::{self, Format};
use vigia::sentiment::{self, Analyzer, Lang, LangChoice, Mode};
use vigia::store::{MentionFilter, Store};
use vigia::web;
use vigia::worker::{self, Role};

/// vigia — online reputation monitor: watches feeds and review sites for your brands,
/// scores sentiment (English and Spanish) and keeps the mentions for your team.
#[derive(Parser)]
#[command(name = "vigia", version, about, long_about = None)]
struct Cli {
    /// Config file to read.
    #[arg(
        long,
        short,
        global = true,
        env = "VIGIA_CONFIG",
        default_value = "vigia.toml"
    )]
    config: PathBuf,
    /// More log output (-v info, -vv debug); RUST_LOG overrides.
    #[arg(long, short, global = true, action = clap::ArgAction::Count)]
    verbose: u8,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Write a commented starter config to the --config path.
    Init {
        /// Overwrite an existing file.
        #[arg(long)]
        force: bool,
    },
    /// Poll sources until Ctrl-C (or once with --once) and store new mentions.
    Run {
        /// Poll every source once, print what happened, then exit.
        #[arg(long)]
        once: bool,
        /// What this process does: several `worker` processes can share one PostgreSQL;
        /// `web` serves the dashboard only and never takes the SQLite worker lock.
        #[arg(long, value_enum, default_value_t = Role::All)]
        role: Role,
    },
    /// List stored mentions, newest first.
    Mentions {
        /// Only this brand (as named in the config).
        #[arg(long)]
        brand: Option<String>,
        /// Only this sentiment label.
        #[arg(long, value_parser = ["positive", "neutral", "negative"])]
        label: Option<String>,
        /// Only mentions from this far back, e.g. 24h, 7d.
        #[arg(long, value_parser = config::parse_duration)]
        since: Option<std::time::Duration>,
        /// At most this many mentions.
        #[arg(long)]
        limit: Option<i64>,
        /// Output format; jsonl is the stable format for other tools.
        #[arg(long, value_enum, default_value = "table")]
        format: Format,
    },
    /// Show every source's health: state, last success, last error, next check.
    Sources {
        /// Instead of the table, write the raw bytes of the last document from this source
        /// that could not be parsed to stdout (for diagnosis).
        #[arg(long, value_name = "SOURCE")]
        raw: Option<String>,
    },
    /// Fetch one source once and show what would be extracted, matched and scored,
    /// storing nothing (a dry run for people writing sources).
    Check {
        /// The source's name in the config.
        source: String,
    },
    /// List queued, sent and dead alert messages; put a dead letter back in the queue.
    Outbox {
        /// Only messages in this state.
        #[arg(long, value_parser = ["pending", "sent", "dead"])]
        status: Option<String>,
        /// At most this many (newest first).
        #[arg(long, default_value_t = 50)]
        limit: i64,
        /// Put dead letter ID back in the queue for another delivery attempt.
        #[arg(long, value_name = "ID")]
        retry: Option<i64>,
    },
    /// Replay mentions through the alert rules and print every notification that would go
    /// out, one JSON object per line; sends nothing.
    Backtest {
        /// JSONL mentions, one per line: {"brand", "published_at", "compound", "url",
        /// "title", "source"} ("-" for stdin). Without a config file, one balanced spike rule
        /// is used.
        #[arg(long, conflicts_with = "since")]
        input: Option<PathBuf>,
        /// Replay the stored mentions of this last period instead, e.g. 30d.
        #[arg(long, value_parser = config::parse_duration)]
        since: Option<std::time::Duration>,
    },
    /// Score text: with TEXT, explain the score; without, score each stdin line.
    Score {
        /// Language of the text.
        #[arg(long, value_parser = ["auto", "en", "es"], default_value = "auto")]
        lang: String,
        /// vigia (VADER + review vocabulary) or vader (exact VADER 3.3.2).
        #[arg(long, value_parser = ["vigia", "vader"], default_value = "vigia")]
        mode: String,
        /// With stdin input: one JSON object per input line instead of a table.
        #[arg(long)]
        jsonl: bool,
        /// The text to score; omit to read lines from stdin.
        text: Option<String>,
    },
    /// Preview the weekly digest as an HTML file, or queue and send the digests due now.
    #[command(group(clap::ArgGroup::new("action").required(true).args(["preview", "send"])))]
    Digest {
        /// Write the digest's HTML (charts inline as data: URIs) to this file.
        #[arg(long, value_name = "FILE.html")]
        preview: Option<PathBuf>,
        /// Queue the digests whose cron fired in the last 24 hours (once per recipient and
        /// week) and deliver them through the outbox.
        #[arg(long)]
        send: bool,
        /// With --preview: last-week, this-week or an ISO week such as 2026-W44.
        #[arg(long, default_value = "last-week", value_parser = parse_period)]
        period: vigia::digest::PeriodChoice,
        /// With --preview: render it as this address gets it (language, held alerts).
        #[arg(long, value_name = "ADDR")]
        recipient: Option<String>,
        /// With --preview: the [[digest]] to preview (default: the first one, or a built-in
        /// weekly digest of all brands when the config has none).
        #[arg(long, value_name = "DIGEST")]
        name: Option<String>,
        /// With --preview: the language (default: the digest's, else the recipient's).
        #[arg(long, value_parser = ["en", "es"])]
        lang: Option<String>,
    },
    /// Run the whole pipeline offline on bundled fixtures and print a summary.
    Demo {
        /// Directory for the demo database (default: a fresh temporary directory).
        #[arg(long)]
        dir: Option<PathBuf>,
        /// Then serve the dashboard on the demo data (with some triage history) and print
        /// a login, until Ctrl-C.
        #[arg(long)]
        serve: bool,
    },
    /// Serve the dashboard alone (no polling) on `[web] listen`, until Ctrl-C.
    Serve,
    /// Dashboard accounts.
    User {
        #[command(subcommand)]
        command: UserCommand,
    },
    /// Print sentiment accuracy on the evaluation corpora (needs ../shared/eval).
    EvalSentiment {
        /// The evaluation corpora directory.
        #[arg(long, default_value = "../shared/eval")]
        dir: PathBuf,
    },
}

#[derive(Subcommand)]
enum UserCommand {
    /// Create a dashboard user; the password is prompted without echo (or read from the
    /// first line of stdin when piped).
    Add {
        /// Their email address (the login name).
        email: String,
        /// admin (also retries dead letters), member (triages) or viewer (reads only).
        #[arg(long, value_parser = ["admin", "member", "viewer"], default_value = "member")]
        role: String,
    },
    /// Create an API token for a user and print it once (only its hash is stored).
    Token {
        /// The user's email address.
        email: String,
        /// What the token is for, e.g. "reporting-script".
        #[arg(long)]
        name: String,
    },
    /// List every account: role, disabled or not, live sessions and API tokens.
    List,
    /// Disable an account (someone left): their sessions end now, their tokens stop working.
    Disable {
        /// The user's email address.
        email: String,
    },
    /// Enable a disabled account again.
    Enable {
        /// The user's email address.
        email: String,
    },
    /// Change an account's role.
    Role {
        /// The user's email address.
        email: String,
        /// admin, member or viewer.
        #[arg(value_parser = ["admin", "member", "viewer"])]
        role: String,
    },
    /// Set a new password (prompted, or the first line of stdin); ends their sessions.
    Password {
        /// The user's email address.
        email: String,
    },
    /// Revoke a user's API tokens with this name.
    Revoke {
        /// The user's email address.
        email: String,
        /// The token's name, as given when it was created.
        #[arg(long)]
        name: String,
    },
}

fn main() -> Result<()> {
    let cli = Cli::parse();
    init_logging(cli.verbose);
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("cannot start the async runtime")?;
    runtime.block_on(dispatch(cli))
}

async fn dispatch(cli: Cli) -> Result<()> {
    match cli.command {
        Command::Init { force } => init(&cli.config, force),
        Command::Run { once, role } => run(&cli.config, once, role).await,
        Command::Mentions {
            brand,
            label,
            since,
            limit,
            format,
        } => {
            let store = open_store(&load(&cli.config)?).await?;
            let filter = MentionFilter {
                brand,
                label,
                since: since.map(|d| vigia::store::now() - d.as_secs() as i64),
                limit,
            };
            let rows = store.list_mentions(&filter).await?;
            print!("{}", report::mentions(&rows, format));
            Ok(())
        }
        Command::Sources { raw } => {
            let config = load(&cli.config)?;
            let store = open_store(&config).await?;
            if let Some(name) = raw {
                let Some((body, content_type)) = store.failed_document(&name).await? else {
                    bail!("no unparsable document is kept for source \"{name}\"");
                };
                eprintln!(
                    "content type: {}",
                    content_type.as_deref().unwrap_or("(none)")
                );
                std::io::stdout().write_all(&body)?;
                return Ok(());
            }
            store.sync_sources(&config.sources).await?;
            let rows = store.list_sources().await?;
            let stale_after = |name: &str| {
                let source = config.sources.iter().find(|s| s.name == name);
                source
                    .map_or(config::DEFAULT_STALE_AFTER, |s| s.stale_after())
                    .as_secs() as i64
            };
            print!(
                "{}",
                report::sources(&rows, vigia::store::now(), stale_after)
            );
            Ok(())
        }
        Command::Check { source } => {
            let config = load(&cli.config)?;
            let store = open_store(&config).await?;
            let pipeline = worker::build(&config, store)?;
            print!("{}", vigia::check::check(&pipeline, &source).await?);
            Ok(())
        }
        Command::Outbox {
            status,
            limit,
            retry,
        } => {
            let store = open_store(&load(&cli.config)?).await?;
            if let Some(id) = retry {
                if !store.retry_dead(id, vigia::store::now()).await? {
                    bail!(
                        "outbox row {id} is not a dead letter (see `vigia outbox --status dead`)"
                    );
                }
                println!("outbox row {id} queued again");
                return Ok(());
            }
            let rows = store.list_outbox(status.as_deref(), limit).await?;
            print!("{}", report::outbox(&rows, vigia::store::now()));
            Ok(())
        }
        Command::Backtest { input, since } => backtest(&cli.config, input, since).await,
        Command::Score {
            lang,
            mode,
            jsonl,
            text,
        } => score(&lang, &mode, jsonl, text),
        Command::Digest {
            preview,
            send,
            period,
            recipient,
            name,
            lang,
        } => {
            let config = load(&cli.config)?;
            let store = open_store(&config).await?;
            let now = chrono::Utc::now();
            if send {
                print!("{}", vigia::digest::cli::send(&store, &config, now).await?);
            }
            if let Some(file) = preview {
                let opts = vigia::digest::cli::PreviewOptions {
                    file,
                    period,
                    recipient,
                    name,
                    lang: lang.map(|l| {
                        if l == "es" {
                            vigia::alerts::notice::NoticeLang::Es
                        } else {
                            vigia::alerts::notice::NoticeLang::En
                        }
                    }),
                };
                let done = vigia::digest::cli::preview(&store, &config, &opts, now).await?;
                println!(
                    "wrote {} ({}): {}",
                    done.file.display(),
                    done.period,
                    done.subject
                );
            }
            Ok(())
        }
        Command::Demo { dir, serve } => {
            if serve {
                return Ok(web::cli::demo_serve(dir.as_deref()).await?);
            }
            let summary = demo::run(dir.as_deref()).await?;
            print!("{summary}");
            Ok(())
        }
        Command::Serve => {
            let config = load(&cli.config)?;
            let store = open_store(&config).await?;
            Ok(web::cli::serve(&config, store).await?)
        }
        Command::User { command } => {
            let store = open_store(&load(&cli.config)?).await?;
            match command {
                UserCommand::Add { email, role } => {
                    println!("{}", web::cli::user_add(&store, &email, &role).await?);
                }
                UserCommand::Token { email, name } => {
                    let token = web::cli::user_token(&store, &email, &name).await?;
                    eprintln!("API token for {email} (shown once; store it now):");
                    println!("{token}");
                }
                UserCommand::List => print!("{}", web::cli::user_list(&store).await?),
                UserCommand::Disable { email } => {
                    println!("{}", web::cli::user_disable(&store, &email, true).await?);
                }
                UserCommand::Enable { email } => {
                    println!("{}", web::cli::user_disable(&store, &email, false).await?);
                }
                UserCommand::Role { email, role } => {
                    println!("{}", web::cli::user_role(&store, &email, &role).await?);
                }
                UserCommand::Password { email } => {
                    println!("{}", web::cli::user_password(&store, &email).await?);
                }
                UserCommand::Revoke { email, name } => {
                    println!("{}", web::cli::user_revoke(&store, &email, &name).await?);
                }
            }
            Ok(())
        }
        Command::EvalSentiment { dir } => {
            print!("{}", sentiment::eval::report(&dir)?);
            Ok(())
        }
    }
}

fn parse_period(s: &str) -> Result<vigia::digest::PeriodChoice, String> {
    s.parse()
}

fn init(path: &Path, force: bool) -> Result<()> {
    if path.exists() && !force {
        bail!(
            "{} already exists; use --force to overwrite it",
            path.display()
        );
    }
    std::fs::write(path, config::STARTER_CONFIG)
        .with_context(|| format!("cannot write {}", path.display()))?;
    println!(
        "wrote {}; edit the [[brand]] and [[source]] entries, then run `vigia run`",
        path.display()
    );
    Ok(())
}

async fn run(path: &Path, once: bool, role: Role) -> Result<()> {
    let config = load(path)?;
    let store = open_store(&config).await?;
    if once {
        let reports = worker::run_once(&config, store).await?;
        print!("{}", worker::summarize(&reports));
        return Ok(());
    }
    let (stop, stopped) = tokio::sync::watch::channel(false);
    let mut term = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
        .context("cannot listen for SIGTERM")?;
    tokio::spawn(async move {
        // Ctrl-C or SIGTERM (systemd, a supervisor): finish polls in flight, then exit.
        tokio::select! {
            _ = tokio::signal::ctrl_c() => {}
            _ = term.recv() => {}
        }
        eprintln!("stopping: finishing polls in flight (Ctrl-C again to force)");
        let _ = stop.send(true);
        if tokio::signal::ctrl_c().await.is_ok() {
            std::process::exit(130);
        }
    });
    // SIGHUP (`systemctl reload`, `kill -HUP`): read the config again; a bad one is
    // refused and the running one stays.
    let (reload, reloads) = tokio::sync::mpsc::channel(1);
    let mut hup = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::hangup())
        .context("cannot listen for SIGHUP")?;
    tokio::spawn(async move {
        while hup.recv().await.is_some() {
            let _ = reload.try_send(());
        }
    });
    eprintln!(
        "vigia: polling {} sources ({role} role); Ctrl-C to stop, SIGHUP to reload {}",
        config.sources.len(),
        path.display()
    );
    worker::reload::run_reloading(path, config, store, role, stopped, reloads).await?;
    Ok(())
}

async fn backtest(
    path: &Path,
    input: Option<PathBuf>,
    since: Option<std::time::Duration>,
) -> Result<()> {
    use vigia::alerts::backtest;
    // The config is optional here: a replay file alone runs against the default rule.
    let config = if path.exists() {
        Some(load(path)?)
    } else {
        None
    };
    let (rules, recipients) = match &config {
        Some(c) if !c.rules.is_empty() => (c.rules.clone(), c.recipients.clone()),
        _ => (backtest::default_rules(), Vec::new()),
    };
    let out = std::io::BufWriter::new(std::io::stdout().lock());
    let summary = match (input, since) {
        (Some(file), _) if file.as_os_str() == "-" => {
            backtest::run(std::io::stdin().lock(), &rules, &recipients, out)?
        }
        (Some(file), _) => {
            let f = std::fs::File::open(&file)
                .with_context(|| format!("cannot read {}", file.display()))?;
            backtest::run(std::io::BufReader::new(f), &rules, &recipients, out)?
        }
        (None, Some(since)) => {
            let Some(config) = &config else {
                bail!(
                    "--since replays stored mentions: it needs a config ({} not found)",
                    path.display()
                );
            };
            let store = open_store(config).await?;
            let filter = MentionFilter {
                since: Some(vigia::store::now() - since.as_secs() as i64),
                ..MentionFilter::default()
            };
            let mut lines = Vec::new();
            for m in store.list_mentions(&filter).await?.iter().rev() {
                let published = m.published_at.unwrap_or(m.fetched_at);
                let row = serde_json::json!({
                    "id": m.id, "brand": m.brand, "published_at": report::rfc3339(published),
                    "compound": m.compound, "url": m.url, "title": m.title, "source": m.source,
                    "text": m.snippet, "lang": m.lang, "rating": m.rating,
                });
                writeln!(lines, "{row}")?;
            }
            backtest::run(lines.as_slice(), &rules, &recipients, out)?
        }
        (None, None) => bail!("give --input FILE.jsonl or --since PERIOD"),
    };
    eprintln!(
        "backtest: {} mentions, {} alerts, {} notifications{}",
        summary.mentions,
        summary.alerts,
        summary.notifications,
        if summary.reordered {
            " (input was sorted by time)"
        } else {
            ""
        }
    );
    Ok(())
}

fn score(lang: &str, mode: &str, jsonl: bool, text: Option<String>) -> Result<()> {
    let mode: Mode = mode
        .parse()
        .map_err(|_| anyhow::anyhow!("unknown mode {mode}"))?;
    let lang = match lang {
        "en" => LangChoice::Fixed(Lang::En),
        "es" => LangChoice::Fixed(Lang::Es),
        _ => LangChoice::Auto,
    };
    let analyzer = Analyzer::global(mode);
    if let Some(text) = text {
        print!("{}", sentiment::explain(&analyzer.score(&text, lang)));
        return Ok(());
    }
    let stdin = std::io::stdin();
    let mut out = std::io::BufWriter::new(std::io::stdout().lock());
    for line in stdin.lock().lines() {
        let line = line.context("cannot read stdin")?;
        let s = analyzer.score(&line, lang);
        if jsonl {
            writeln!(out, "{}", sentiment::to_json(&s))?;
        } else {
            writeln!(
                out,
                "{:+.4}\t{}\t{}\t{}",
                s.compound,
                s.label.as_str(),
                s.lang.code(),
                report::cut(&line, 80)
            )?;
        }
    }
    out.flush()?;
    Ok(())
}

fn load(path: &Path) -> Result<Config> {
    Ok(Config::load(path)?)
}

async fn open_store(config: &Config) -> Result<Store> {
    Store::open(&config.database).await.with_context(|| {
        format!(
            "cannot open the database {}",
            vigia::store::redact(&config.database.url)
        )
    })
}

fn init_logging(verbose: u8) {
    let default = match verbose {
        0 => "warn",
        1 => "info",
        _ => "debug",
    };
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new(default));
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .init();
}
