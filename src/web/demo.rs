//! What `vigia demo --serve` adds to the demo's data before serving it: two accounts and
//! a little triage history, so the inbox shows every status, the mention pages have a
//! history, and the overview has a response time to show.
//!
//! Everything goes through the same store calls the dashboard uses (`Store::triage`), so
//! the history is exactly what a person clicking would have produced.

use crate::store::accounts::{Role, random_secret};
use crate::store::triage::{Action, TriageError};
use crate::store::{MentionFilter, Store, StoreError, now};

/// The demo's login.
#[derive(Debug, Clone)]
pub struct DemoLogin {
    /// Admin address.
    pub admin: String,
    /// A member to assign mentions to.
    pub member: String,
    /// Both accounts' password (random per run).
    pub password: String,
}

/// Create the demo accounts and act on a few negative mentions.
pub async fn prepare(store: &Store) -> Result<DemoLogin, super::cli::CliError> {
    let password = random_secret()[..16].to_string();
    let login = DemoLogin {
        admin: "demo@vigia.example".into(),
        member: "ana@cumbre.example".into(),
        password,
    };
    let at = now();
    store
        .create_user(&login.admin, &login.password, Role::Admin, at)
        .await?;
    store
        .create_user(&login.member, &login.password, Role::Member, at)
        .await?;
    let filter = MentionFilter {
        label: Some("negative".into()),
        ..MentionFilter::default()
    };
    let negatives = store.list_mentions(&filter).await?;
    let ana = login.member.as_str();
    let act = |id: i64, who: &'static str, action: Action| async move {
        match store.triage(id, who, &action, None, now()).await {
            Ok(_) => Ok(()),
            Err(TriageError::Store(e)) => Err(e),
            // A demo mention that does not take an action is not worth stopping for.
            Err(e) => {
                tracing::warn!(mention = id, error = %e, "demo triage step skipped");
                Ok::<(), StoreError>(())
            }
        }
    };
    let mut ids = negatives.iter().map(|m| m.id);
    if let Some(id) = ids.next() {
        act(id, "ana@cumbre.example", Action::Acknowledge).await?;
        act(id, "ana@cumbre.example", Action::Assign(Some(ana.into()))).await?;
        act(
            id,
            "ana@cumbre.example",
            Action::Note("Called the customer: the double charge is being refunded today.".into()),
        )
        .await?;
        act(
            id,
            "ana@cumbre.example",
            Action::Responded {
                url: Some("https://social.example/cumbrebank/reply/1".into()),
                at,
            },
        )
        .await?;
    }
    if let Some(id) = ids.next() {
        act(id, "demo@vigia.example", Action::Acknowledge).await?;
        act(
            id,
            "demo@vigia.example",
            Action::Responded { url: None, at },
        )
        .await?;
        act(id, "demo@vigia.example", Action::Resolve).await?;
    }
    if let Some(id) = ids.next() {
        act(id, "ana@cumbre.example", Action::Acknowledge).await?;
        act(id, "ana@cumbre.example", Action::Assign(Some(ana.into()))).await?;
    }
    Ok(login)
}
