//! Sentiment throughput and memory benchmark (`cargo bench --bench sentiment`).
//!
//! Prints sentences/s on one thread over the VADER tweets file in both modes
//! (median of whole-file passes repeated for at least one second), the same figure for Python
//! vaderSentiment 3.3.2 measured in the same run (installed with pip into
//! `target/bench-venv`), their ratio, and the heap held by the loaded lexicons
//! (counted by a global allocator wrapper). Goals: ≥ 1,000,000 sentences/s in
//! vader mode, ≥ 50× Python, ≤ 20 MB.

use std::alloc::{GlobalAlloc, Layout, System};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::atomic::{AtomicIsize, Ordering};
use std::time::{Duration, Instant};
use vigia::sentiment::{Analyzer, Lang, LangChoice, Mode};

struct Counting;

static LIVE: AtomicIsize = AtomicIsize::new(0);

// SAFETY: delegates to the system allocator; only adds bookkeeping.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, l: Layout) -> *mut u8 {
        LIVE.fetch_add(l.size() as isize, Ordering::Relaxed);
        // SAFETY: same contract as the caller's.
        unsafe { System.alloc(l) }
    }
    unsafe fn dealloc(&self, p: *mut u8, l: Layout) {
        LIVE.fetch_sub(l.size() as isize, Ordering::Relaxed);
        // SAFETY: same contract as the caller's.
        unsafe { System.dealloc(p, l) }
    }
    unsafe fn realloc(&self, p: *mut u8, l: Layout, new: usize) -> *mut u8 {
        LIVE.fetch_add(new as isize - l.size() as isize, Ordering::Relaxed);
        // SAFETY: same contract as the caller's.
        unsafe { System.realloc(p, l, new) }
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

const MIN_TIME: Duration = Duration::from_secs(1);

const PY_SCRIPT: &str = r#"
import sys, time
from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer
a = SentimentIntensityAnalyzer()
data = open(sys.argv[1], encoding="utf-8", newline="").read()
texts = [l.rstrip("\r").split("\t", 2)[2] for l in data.split("\n") if l.strip()]
rates = []
t0 = time.perf_counter()
while time.perf_counter() - t0 < 3.0 or len(rates) < 3:
    t1 = time.perf_counter()
    for t in texts:
        a.polarity_scores(t)
    rates.append(len(texts) / (time.perf_counter() - t1))
rates.sort()
print(rates[len(rates) // 2])
"#;

fn main() {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let tweets = root.join("../shared/eval/vader/tweets_GroundTruth.txt");
    let Ok(items) = vigia::sentiment::eval::read_vader(&tweets) else {
        println!("SKIPPED: {} not found", tweets.display());
        return;
    };
    let texts: Vec<&str> = items.iter().map(|i| i.text.as_str()).collect();

    let before = LIVE.load(Ordering::Relaxed);
    let vader = Analyzer::new(Mode::Vader);
    let mid = LIVE.load(Ordering::Relaxed);
    let vigia = Analyzer::new(Mode::Vigia);
    let after = LIVE.load(Ordering::Relaxed);
    let mb = |b: isize| b as f64 / (1024.0 * 1024.0);
    println!(
        "lexicon memory: vader analyzer {:.2} MB (incl. the upstream crate's own tables), vigia analyzer {:.2} MB; both {:.2} MB (goal <= 20 MB)",
        mb(mid - before),
        mb(after - mid),
        mb(after - before)
    );

    let en = LangChoice::Fixed(Lang::En);
    let vader_rate = rate(&texts, |t| vader.polarity(t, en).compound);
    let vader_full = rate(&texts, |t| vader.score(t, en).compound);
    let vigia_rate = rate(&texts, |t| vigia.polarity(t, en).compound);
    let vigia_full = rate(&texts, |t| vigia.score(t, en).compound);
    let auto_rate = rate(&texts, |t| vigia.score(t, LangChoice::Auto).compound);
    println!(
        "one thread, tweets file ({} sentences, repeated >= 1 s):",
        texts.len()
    );
    println!("  vader mode, polarity()      : {vader_rate:>10.0} sentences/s (goal >= 1,000,000)");
    println!("  vader mode, score() + terms : {vader_full:>10.0} sentences/s");
    println!("  vigia mode, polarity()      : {vigia_rate:>10.0} sentences/s");
    println!("  vigia mode, score() + terms : {vigia_full:>10.0} sentences/s");
    println!(
        "  vigia mode, score(), auto   : {auto_rate:>10.0} sentences/s (with language detection)"
    );

    match python_rate(&root, &tweets) {
        Ok(py) => {
            println!("  python vaderSentiment 3.3.2 : {py:>10.0} sentences/s");
            println!(
                "ratio to python: vader polarity() {:.1}x (goal >= 50x), vader score() {:.1}x",
                vader_rate / py,
                vader_full / py
            );
        }
        Err(e) => println!("python reference not measured: {e}"),
    }
}

/// Median rate over passes of the whole file, passes repeated for at least
/// [`MIN_TIME`] (the median keeps a busy machine's hiccups out of the figure;
/// Python is measured the same way).
fn rate(texts: &[&str], mut f: impl FnMut(&str) -> f64) -> f64 {
    let mut rates = Vec::new();
    let mut sink = 0.0;
    let t0 = Instant::now();
    while t0.elapsed() < MIN_TIME || rates.len() < 3 {
        let t1 = Instant::now();
        for t in texts {
            sink += f(t);
        }
        rates.push(texts.len() as f64 / t1.elapsed().as_secs_f64());
    }
    std::hint::black_box(sink);
    rates.sort_by(f64::total_cmp);
    rates[rates.len() / 2]
}

fn python_rate(root: &Path, tweets: &Path) -> Result<f64, String> {
    let venv = root.join("target/bench-venv");
    let py = venv.join("bin/python");
    if !py.exists() {
        run(Command::new("python3").arg("-m").arg("venv").arg(&venv))?;
    }
    let has = Command::new(&py)
        .args(["-c", "import vaderSentiment"])
        .output()
        .map_err(|e| e.to_string())?;
    if !has.status.success() {
        run(Command::new(&py).args(["-m", "pip", "install", "-q", "vaderSentiment==3.3.2"]))?;
    }
    let out = Command::new(&py)
        .arg("-c")
        .arg(PY_SCRIPT)
        .arg(tweets)
        .output()
        .map_err(|e| e.to_string())?;
    if !out.status.success() {
        return Err(String::from_utf8_lossy(&out.stderr).into_owned());
    }
    String::from_utf8_lossy(&out.stdout)
        .trim()
        .parse()
        .map_err(|e| format!("python printed no rate: {e}"))
}

fn run(cmd: &mut Command) -> Result<(), String> {
    let st = cmd.status().map_err(|e| e.to_string())?;
    if st.success() {
        Ok(())
    } else {
        Err(format!("{cmd:?} failed with {st}"))
    }
}
