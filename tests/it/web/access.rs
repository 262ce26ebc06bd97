//! Taking access away takes effect on the next request: revoking an API token from the
//! settings page, disabling an account, resetting a password, changing a role, and the
//! `vigia user list|disable|enable|role|password|revoke` commands that do it.

use std::io::Write;
use std::process::{Command, Stdio};

use reqwest::StatusCode;
use vigia::store::Store;
use vigia::store::accounts::Role;
use vigia::store::now;

use crate::support::Db;
use crate::support_web::{Client, PASSWORD, WebApp, start};

async fn api_status(app: &WebApp, token: &str) -> StatusCode {
    reqwest::Client::new()
        .get(format!("{}/api/mentions", app.base))
        .bearer_auth(token)
        .send()
        .await
        .unwrap()
        .status()
}

/// The `id` of the revoke form for the token called `name` on the settings page.
fn revoke_path(settings: &str, name: &str) -> Option<String> {
    let row = settings.find(&format!("<td>{name}</td>"))?;
    let rest = &settings[row..];
    let start = rest.find("action=\"/settings/tokens/")? + "action=\"".len();
    let end = rest[start..].find('"')? + start;
    Some(rest[start..end].to_string())
}

async fn revoke_and_disable(db: Db) {
    let Some(app) = start(db, "").await else {
        return;
    };
    let mut mia = app.logged_in("mia@acme.test", Role::Member).await;
    let mut bo = app.logged_in("bo@acme.test", Role::Member).await;

    // Mia makes two tokens in the settings page; both work; the page lists them.
    let mut tokens = Vec::new();
    for name in ["reporting", "zapier"] {
        let page = mia.post("/settings/tokens", &[("name", name)]).await;
        assert_eq!(page.status, StatusCode::OK);
        let marker = "<code class=\"token\">";
        let at = page.body.find(marker).unwrap() + marker.len();
        let token = page.body[at..at + page.body[at..].find('<').unwrap()].to_string();
        assert_eq!(api_status(&app, &token).await, StatusCode::OK);
        tokens.push(token);
    }
    let settings = mia.get("/settings").await.body;
    assert!(settings.contains("Your API tokens"));
    assert!(
        !settings.contains(&tokens[0]),
        "the secret is never shown again"
    );
    let revoke = revoke_path(&settings, "reporting").expect("a revoke button");

    // Bo cannot revoke Mia's token, even with the right id and his own CSRF token.
    let resp = bo.post(&revoke, &[]).await;
    assert_eq!(resp.status, StatusCode::NOT_FOUND);
    assert_eq!(api_status(&app, &tokens[0]).await, StatusCode::OK);

    // Mia revokes it: refused from the next request; the other one still works.
    let resp = mia.post(&revoke, &[]).await;
    assert_eq!(resp.status, StatusCode::SEE_OTHER);
    assert_eq!(resp.location().unwrap(), "/settings?done=revoked");
    assert!(
        mia.get("/settings?done=revoked")
            .await
            .body
            .contains("Token revoked")
    );
    assert_eq!(api_status(&app, &tokens[0]).await, StatusCode::UNAUTHORIZED);
    assert_eq!(api_status(&app, &tokens[1]).await, StatusCode::OK);
    let again = mia.post(&revoke, &[]).await;
    assert_eq!(again.status, StatusCode::NOT_FOUND, "already revoked");

    // Disabling Mia ends her session and stops her tokens at once.
    app.store.set_disabled("mia@acme.test", true).await.unwrap();
    let inbox = mia.get("/inbox").await;
    assert_eq!(inbox.status, StatusCode::SEE_OTHER);
    assert!(inbox.location().unwrap().starts_with("/login"));
    assert_eq!(api_status(&app, &tokens[1]).await, StatusCode::UNAUTHORIZED);
    let mut fresh = Client::new(&app.base);
    let refused = fresh.login("mia@acme.test", PASSWORD).await;
    assert_ne!(
        refused.status,
        StatusCode::SEE_OTHER,
        "a disabled account cannot log in"
    );
    // Enabled again: she logs in, and her unrevoked token works again.
    app.store
        .set_disabled("mia@acme.test", false)
        .await
        .unwrap();
    assert_eq!(api_status(&app, &tokens[1]).await, StatusCode::OK);
    let mut mia = Client::new(&app.base);
    assert_eq!(
        mia.login("mia@acme.test", PASSWORD).await.status,
        StatusCode::SEE_OTHER
    );

    // A password reset logs out every session of the account.
    app.store
        .reset_password("bo@acme.test", "a brand new password")
        .await
        .unwrap();
    let after = bo.get("/inbox").await;
    assert_eq!(
        after.status,
        StatusCode::SEE_OTHER,
        "Bo's old session is over"
    );
    let mut bo = Client::new(&app.base);
    assert_ne!(
        bo.login("bo@acme.test", PASSWORD).await.status,
        StatusCode::SEE_OTHER
    );
    let mut bo = Client::new(&app.base);
    assert_eq!(
        bo.login("bo@acme.test", "a brand new password")
            .await
            .status,
        StatusCode::SEE_OTHER
    );

    // A role change applies to the next request: a viewer cannot triage any more.
    app.store
        .set_role("bo@acme.test", Role::Viewer)
        .await
        .unwrap();
    let resp = bo.post("/inbox/bulk", &[("action", "resolve")]).await;
    assert_eq!(resp.status, StatusCode::FORBIDDEN);

    // Unknown accounts are named in the error.
    let err = app
        .store
        .set_disabled("nobody@acme.test", true)
        .await
        .unwrap_err();
    assert!(
        err.to_string().contains("no user nobody@acme.test"),
        "{err}"
    );
}

#[tokio::test]
async fn revoking_disabling_and_resets_take_effect_on_the_next_request_sqlite() {
    revoke_and_disable(Db::Sqlite).await;
}

#[tokio::test]
async fn revoking_disabling_and_resets_take_effect_on_the_next_request_postgres() {
    revoke_and_disable(Db::Postgres).await;
}

fn vigia(dir: &std::path::Path, args: &[&str], stdin: Option<&str>) -> (bool, String, String) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_vigia"))
        .current_dir(dir)
        .env_remove("VIGIA_CONFIG")
        .env("RUST_LOG", "error")
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut input = child.stdin.take().unwrap();
    if let Some(s) = stdin {
        input.write_all(s.as_bytes()).unwrap();
    }
    drop(input);
    let out = child.wait_with_output().unwrap();
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[tokio::test]
async fn user_commands_list_disable_enable_role_password_and_revoke() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("vigia.toml"),
        "[database]\nurl = \"sqlite://vigia.db\"\n\n[[brand]]\nname = \"Acme\"\n",
    )
    .unwrap();
    let d = dir.path();
    let ok = |r: (bool, String, String)| {
        assert!(r.0, "{}\n{}", r.1, r.2);
        r.1
    };
    ok(vigia(
        d,
        &["user", "add", "ana@acme.test", "--role", "admin"],
        Some("first password here\n"),
    ));
    ok(vigia(
        d,
        &["user", "add", "bo@acme.test"],
        Some("second password here\n"),
    ));
    ok(vigia(
        d,
        &["user", "token", "bo@acme.test", "--name", "ci"],
        None,
    ));

    let list = ok(vigia(d, &["user", "list"], None));
    let bo = list
        .lines()
        .find(|l| l.starts_with("bo@acme.test"))
        .unwrap();
    assert!(bo.contains("member") && bo.contains("enabled"), "{list}");
    assert!(bo.trim_end().ends_with('1'), "one live token: {list}");

    assert!(
        ok(vigia(d, &["user", "disable", "bo@acme.test"], None)).contains("disabled bo@acme.test")
    );
    ok(vigia(d, &["user", "role", "bo@acme.test", "viewer"], None));
    let list = ok(vigia(d, &["user", "list"], None));
    let bo = list
        .lines()
        .find(|l| l.starts_with("bo@acme.test"))
        .unwrap();
    assert!(bo.contains("viewer") && bo.contains("disabled"), "{list}");
    ok(vigia(d, &["user", "enable", "bo@acme.test"], None));
    assert!(
        ok(vigia(
            d,
            &["user", "revoke", "bo@acme.test", "--name", "ci"],
            None
        ))
        .contains("revoked 1")
    );
    ok(vigia(
        d,
        &["user", "password", "bo@acme.test"],
        Some("third password here\n"),
    ));

    // Bad input: a clear error, nothing changed.
    let (success, _, err) = vigia(d, &["user", "revoke", "bo@acme.test", "--name", "ci"], None);
    assert!(
        !success && err.contains("no live API token called \"ci\""),
        "{err}"
    );
    let (success, _, err) = vigia(d, &["user", "disable", "zed@acme.test"], None);
    assert!(!success && err.contains("no user zed@acme.test"), "{err}");
    let (success, _, err) = vigia(d, &["user", "role", "bo@acme.test", "owner"], None);
    assert!(!success && err.contains("owner"), "{err}");
    let (success, _, err) = vigia(d, &["user", "password", "bo@acme.test"], Some("short\n"));
    assert!(!success && err.contains("at least"), "{err}");

    let store = Store::connect(&format!("sqlite://{}", d.join("vigia.db").display()))
        .await
        .unwrap();
    let accounts = store.accounts(now()).await.unwrap();
    let bo = accounts.iter().find(|a| a.email == "bo@acme.test").unwrap();
    assert_eq!((bo.role, bo.disabled, bo.tokens), (Role::Viewer, false, 0));
    assert!(
        store
            .verify_login("bo@acme.test", "third password here")
            .await
            .unwrap()
            .is_some(),
        "the new password works"
    );
}

async fn team_page(db: Db) {
    let Some(app) = start(db, "").await else {
        return;
    };
    let mut admin = app.logged_in("boss@acme.test", Role::Admin).await;
    let mut member = app.logged_in("mia@acme.test", Role::Member).await;

    // Members see the team, without the admin's forms, and cannot post them.
    let seen = member.get("/team").await;
    assert_eq!(seen.status, StatusCode::OK);
    assert!(seen.body.contains("boss@acme.test") && !seen.body.contains("/team/add"));
    let refused = member
        .post("/team/add", &[("email", "x@acme.test"), ("role", "admin")])
        .await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);

    // The admin adds someone; the one-time password is on the page and works.
    let added = admin
        .post(
            "/team/add",
            &[("email", "New@Acme.test"), ("role", "member")],
        )
        .await;
    assert_eq!(added.status, StatusCode::OK, "{}", added.body);
    let marker = "<code class=\"token\">";
    let at = added.body.find(marker).unwrap() + marker.len();
    let password = added.body[at..at + added.body[at..].find('<').unwrap()].to_string();
    assert_eq!(password.len(), 20);
    let mut new = Client::new(&app.base);
    assert_eq!(
        new.login("new@acme.test", &password).await.status,
        StatusCode::SEE_OTHER
    );
    let again = admin
        .post(
            "/team/add",
            &[("email", "new@acme.test"), ("role", "member")],
        )
        .await;
    assert_eq!(again.status, StatusCode::BAD_REQUEST, "already exists");
    let bad = admin
        .post(
            "/team/add",
            &[("email", "not an address"), ("role", "member")],
        )
        .await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST);

    // They change their password: every check, then the new one works, their other
    // sessions end and this browser stays logged in with a fresh session.
    let mut elsewhere = Client::new(&app.base);
    elsewhere.login("new@acme.test", &password).await;
    for (current, new_pw, again, error) in [
        (
            "wrong password!!",
            "another password",
            "another password",
            "wrong_password",
        ),
        (
            password.as_str(),
            "another password",
            "other password x",
            "passwords_differ",
        ),
        (password.as_str(), "short", "short", "password_short"),
    ] {
        let resp = new
            .post(
                "/settings/password",
                &[("current", current), ("new", new_pw), ("again", again)],
            )
            .await;
        assert_eq!(resp.location().unwrap(), format!("/settings?error={error}"));
    }
    let old_cookie = new.cookies.get("vigia_session").cloned();
    let changed = new
        .post(
            "/settings/password",
            &[
                ("current", &password),
                ("new", "another password"),
                ("again", "another password"),
            ],
        )
        .await;
    assert_eq!(
        changed.location().unwrap(),
        "/settings?done=password_changed"
    );
    assert_ne!(
        new.cookies.get("vigia_session").cloned(),
        old_cookie,
        "a new session"
    );
    assert_eq!(new.get("/inbox").await.status, StatusCode::OK);
    assert_eq!(elsewhere.get("/inbox").await.status, StatusCode::SEE_OTHER);
    assert!(
        app.store
            .verify_login("new@acme.test", "another password")
            .await
            .unwrap()
            .is_some()
    );

    // Role and disable, from the admin's page; the person's next request feels it.
    let resp = admin
        .post(
            "/team/role",
            &[("email", "new@acme.test"), ("role", "viewer")],
        )
        .await;
    assert_eq!(resp.location().unwrap(), "/team?done=saved");
    let tick = admin
        .post("/team/disable", &[("email", "new@acme.test")])
        .await;
    assert_eq!(tick.status, StatusCode::SEE_OTHER);
    assert_eq!(new.get("/inbox").await.status, StatusCode::SEE_OTHER);
    let page = admin.get("/team").await.body;
    assert!(page.contains("disabled"), "shown as disabled");
    admin
        .post("/team/enable", &[("email", "new@acme.test")])
        .await;
    let accounts = app.store.accounts(vigia::store::now()).await.unwrap();
    let new_row = accounts
        .iter()
        .find(|a| a.email == "new@acme.test")
        .unwrap();
    assert_eq!((new_row.role, new_row.disabled), (Role::Viewer, false));

    // The last admin cannot lock everyone out.
    for (path, form) in [
        ("/team/disable", vec![("email", "boss@acme.test")]),
        (
            "/team/role",
            vec![("email", "boss@acme.test"), ("role", "member")],
        ),
    ] {
        let resp = admin.post(path, &form).await;
        assert_eq!(resp.status, StatusCode::BAD_REQUEST, "{path}");
        assert!(resp.body.contains("only admin left"), "{}", resp.body);
    }
    app.store
        .set_role("mia@acme.test", Role::Admin)
        .await
        .unwrap();
    let resp = admin
        .post(
            "/team/role",
            &[("email", "boss@acme.test"), ("role", "member")],
        )
        .await;
    assert_eq!(
        resp.status,
        StatusCode::SEE_OTHER,
        "another admin exists now"
    );
}

#[tokio::test]
async fn team_page_adds_people_changes_roles_and_never_drops_the_last_admin_sqlite() {
    team_page(Db::Sqlite).await;
}

#[tokio::test]
async fn team_page_adds_people_changes_roles_and_never_drops_the_last_admin_postgres() {
    team_page(Db::Postgres).await;
}
