//! The dashboard's commands as a person runs them: `vigia user add` (password on stdin),
//! `vigia user token`, `vigia serve` until SIGTERM, and `vigia demo --serve`.

use std::io::{BufRead, BufReader, Write};
use std::process::{Command, Stdio};
use std::time::Duration;

use reqwest::StatusCode;

use crate::support_web::Client;

fn vigia(dir: &std::path::Path) -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_vigia"));
    c.current_dir(dir)
        .env_remove("VIGIA_CONFIG")
        .env("RUST_LOG", "error");
    c
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

async fn wait_healthy(base: &str) {
    for _ in 0..200 {
        if reqwest::get(format!("{base}/healthz"))
            .await
            .is_ok_and(|r| r.status().is_success())
        {
            return;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("{base} never became healthy");
}

#[tokio::test]
async fn user_add_token_and_serve_until_sigterm() {
    let dir = tempfile::tempdir().unwrap();
    let port = free_port();
    std::fs::write(
        dir.path().join("vigia.toml"),
        format!("[database]\nurl = \"sqlite://vigia.db\"\n\n[[brand]]\nname = \"Acme\"\n\n[web]\nlisten = \"127.0.0.1:{port}\"\n"),
    )
    .unwrap();
    let mut add = vigia(dir.path())
        .args(["user", "add", "Ana@Acme.test", "--role", "admin"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    add.stdin
        .take()
        .unwrap()
        .write_all(b"a long enough password\n")
        .unwrap();
    let out = add.wait_with_output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(String::from_utf8_lossy(&out.stdout).contains("created ana@acme.test (admin)"));

    // Too short, and a second account with the same address: refused with a reason.
    let short = vigia(dir.path())
        .args(["user", "add", "bo@acme.test"])
        .stdin(Stdio::piped())
        .spawn()
        .unwrap();
    let short = {
        let mut s = short;
        s.stdin.take().unwrap().write_all(b"short\n").unwrap();
        s.wait_with_output().unwrap()
    };
    assert!(!short.status.success());
    let again = vigia(dir.path())
        .args(["user", "add", "ana@acme.test"])
        .stdin(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let again = {
        let mut s = again;
        s.stdin
            .take()
            .unwrap()
            .write_all(b"a long enough password\n")
            .unwrap();
        s.wait_with_output().unwrap()
    };
    assert!(String::from_utf8_lossy(&again.stderr).contains("already exists"));

    let token = vigia(dir.path())
        .args(["user", "token", "ana@acme.test", "--name", "ci"])
        .output()
        .unwrap();
    assert!(
        token.status.success(),
        "{}",
        String::from_utf8_lossy(&token.stderr)
    );
    let token = String::from_utf8(token.stdout).unwrap().trim().to_string();
    assert!(token.starts_with("vigia_"), "{token}");

    let mut server = Killed(
        vigia(dir.path())
            .arg("serve")
            .stderr(Stdio::null())
            .spawn()
            .unwrap(),
    );
    let base = format!("http://127.0.0.1:{port}");
    wait_healthy(&base).await;
    let mut c = Client::new(&base);
    assert_eq!(
        c.login("ana@acme.test", "a long enough password")
            .await
            .status,
        StatusCode::SEE_OTHER
    );
    assert_eq!(c.get("/inbox").await.status, StatusCode::OK);
    let api = reqwest::Client::new()
        .get(format!("{base}/api/mentions"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(api.status(), StatusCode::OK);
    // SIGTERM stops it cleanly.
    Command::new("kill")
        .args(["-TERM", &server.0.id().to_string()])
        .status()
        .unwrap();
    let mut stopped = None;
    for _ in 0..100 {
        if let Some(s) = server.0.try_wait().unwrap() {
            stopped = Some(s);
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let status = stopped.expect("vigia serve ignored SIGTERM");
    assert!(status.success(), "{status:?}");
}

#[tokio::test]
async fn demo_serve_prints_a_login_and_serves_triage_history() {
    let dir = tempfile::tempdir().unwrap();
    let mut demo = Killed(
        vigia(dir.path())
            .args(["demo", "--serve", "--dir"])
            .arg(dir.path().join("demo"))
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap(),
    );
    let stdout = demo.0.stdout.take().unwrap();
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            if tx.send(line).is_err() {
                break;
            }
        }
    });
    let (mut base, mut login) = (None, None);
    let deadline = std::time::Instant::now() + Duration::from_secs(120);
    while (base.is_none() || login.is_none()) && std::time::Instant::now() < deadline {
        let Ok(line) = rx.recv_timeout(Duration::from_secs(1)) else {
            continue;
        };
        if let Some(url) = line.strip_prefix("Dashboard: ") {
            base = Some(url.trim().trim_end_matches('/').to_string());
        }
        if let Some(rest) = line.trim().strip_prefix("log in as ") {
            let parts: Vec<&str> = rest.split_whitespace().collect();
            login = Some((parts[0].to_string(), parts[2].to_string()));
        }
    }
    let (Some(base), Some((email, password))) = (base, login) else {
        panic!("the demo printed no dashboard address and login");
    };
    wait_healthy(&base).await;
    let mut c = Client::new(&base);
    assert_eq!(
        c.login(&email, &password).await.status,
        StatusCode::SEE_OTHER
    );
    let inbox = c.get("/inbox?status=all").await;
    assert!(
        inbox.body.contains("Cumbre Bank"),
        "demo mentions are there"
    );
    assert!(
        inbox.body.contains("status-responded") && inbox.body.contains("status-resolved"),
        "triage history"
    );
    let overview = c.get("/overview").await;
    let medians = overview
        .body
        .matches("data-kpi=\"median-response\">")
        .count();
    let empty = overview
        .body
        .matches("data-kpi=\"median-response\">—<")
        .count();
    assert!(
        medians == 3 && empty < medians,
        "a brand has a response time: {medians} brands, {empty} without\n{}",
        overview.body
    );
}

/// A child process killed when dropped, even when the test fails.
struct Killed(std::process::Child);

impl Drop for Killed {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}
