//! Synchronisation with the ENT server over SCIM 2.0 (RFC 7643/7644) and
//! Préau's ENT extension (`src-tauri/core/scim/`). The server is reached only
//! here: discovery adapts to what it offers (Bulk, ETags, page size); `pull`
//! keeps the establishment's users, groups and visibility rules with their
//! ETags as the directory snapshot; `publish` creates on the server what the
//! local establishment has and the server lacks, found by `externalId`.

mod client;
mod conflict;
pub mod connector;
pub mod ent_ng;
mod publish;
mod push;
pub mod worklist;

use crate::store::StoreError;
use crate::ErrorCode;

pub use client::{Capabilities, Client, Written};
pub use conflict::{conflict_view, merged_patch, ConflictRow, ConflictView};
pub use connector::{delivery, Connector, Delivery};
pub use publish::{
    directory_account, publish, pull, server_matrix, undeclared_values, user_body, Published, PullProgress, Pulled,
    Refused,
};
pub use push::{push, Pushed};

/// The SCIM namespaces Préau speaks.
pub const CORE_USER: &str = "urn:ietf:params:scim:schemas:core:2.0:User";
pub const CORE_GROUP: &str = "urn:ietf:params:scim:schemas:core:2.0:Group";
pub use crate::store::{ENT_GROUP, ENT_USER};
pub const VISIBILITY_RULE: &str = "urn:preau:scim:schemas:core:1.0:VisibilityRule";

/// The environment variable holding the server's bearer token where no keychain exists.
pub const TOKEN_ENV: &str = "PREAU_SCIM_TOKEN";

#[derive(Debug, thiserror::Error)]
pub enum SyncError {
    #[error("aucun serveur ENT n'est configuré pour l'établissement {uai} (Synchronisation › Serveur)")]
    NotConfigured { uai: String },
    #[error("aucun jeton d'accès pour le serveur ENT {url} de {uai} : enregistrez celui de ce serveur dans les réglages (ou {TOKEN_ENV})")]
    NoToken { uai: String, url: String },
    #[error("le jeton d'accès n'a pas pu être gardé dans le trousseau du système ({why}) : rien n'a été enregistré ; sans trousseau, donnez le jeton dans {TOKEN_ENV}")]
    TokenNotSaved { why: String },
    #[error("adresse de serveur ENT invalide : « {url} » ({why})")]
    BadUrl { url: String, why: String },
    #[error("serveur ENT injoignable à {url} : {message}")]
    Unreachable { url: String, message: String },
    #[error("connexion sécurisée (TLS) impossible avec {url} : {message}")]
    Tls { url: String, message: String },
    #[error("le serveur ENT a refusé le jeton d'accès (401) : vérifiez-le dans les réglages")]
    Unauthorized,
    #[error("le serveur ENT ne connaît pas le schéma {schema} : il ne parle pas l'extension ENT de Préau")]
    SchemaMissing { schema: String },
    #[error("le serveur ENT a répondu {status} à {what} : {detail}")]
    Http { status: u16, what: String, detail: String },
    #[error(
        "le serveur ENT a refusé {count} modification(s), restées en attente (les autres ont été envoyées) : {list}"
    )]
    Refused { count: usize, list: String },
    #[error("réponse illisible du serveur ENT ({what}) : {message}")]
    BadResponse { what: String, message: String },
    #[error("aucune population locale pour {uai} : importez ou générez d'abord l'établissement")]
    NoPopulation { uai: String },
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("secret : {0}")]
    Secret(String),
}

impl ErrorCode for SyncError {
    fn code(&self) -> &'static str {
        match self {
            SyncError::NotConfigured { .. } => "SYNC_NOT_CONFIGURED",
            SyncError::NoToken { .. } => "SYNC_NO_TOKEN",
            SyncError::TokenNotSaved { .. } => "SYNC_TOKEN_NOT_SAVED",
            SyncError::BadUrl { .. } => "SYNC_BAD_URL",
            SyncError::Unreachable { .. } => "SYNC_UNREACHABLE",
            SyncError::Tls { .. } => "SYNC_TLS",
            SyncError::Unauthorized => "SYNC_UNAUTHORIZED",
            SyncError::SchemaMissing { .. } => "SYNC_SCHEMA_MISSING",
            SyncError::Http { .. } => "SYNC_HTTP",
            SyncError::BadResponse { .. } => "SYNC_BAD_RESPONSE",
            SyncError::Refused { .. } => "SYNC_REFUSED",
            SyncError::NoPopulation { .. } => "SYNC_NO_POPULATION",
            SyncError::Store(e) => e.code(),
            SyncError::Secret(_) => "SECRET_UNAVAILABLE",
        }
    }
}

/// The keychain entry of the token of `uai`'s server at `url`. A token
/// belongs to one server: pointing the establishment at another address
/// never sends it there.
pub fn token_name(uai: &str, url: &str) -> String {
    format!("scim-token-{uai}@{url}")
}

/// The bearer token for `uai`'s server at `url`: the keychain's, else [`TOKEN_ENV`].
pub fn token(secrets: &dyn crate::secrets::SecretStore, uai: &str, url: &str) -> Result<String, SyncError> {
    if let Ok(Some(t)) = secrets.get(&token_name(uai, url)) {
        if !t.trim().is_empty() {
            return Ok(t);
        }
    }
    match std::env::var(TOKEN_ENV) {
        Ok(t) if !t.trim().is_empty() => Ok(t),
        _ => Err(SyncError::NoToken { uai: uai.to_string(), url: url.to_string() }),
    }
}

/// Saves `uai`'s server address, and its token in `secrets` when one is
/// given: both or nothing. A token the keychain cannot keep leaves the
/// address (and the journal) as they were. Returns the address as kept.
pub fn configure(
    store: &mut crate::store::Store,
    secrets: &dyn crate::secrets::SecretStore,
    uai: &str,
    url: &str,
    token: Option<&str>,
    actor: &str,
) -> Result<String, SyncError> {
    let url = Client::checked_url(url)?;
    let token = token.map(str::trim).filter(|t| !t.is_empty());
    let name = token_name(uai, &url);
    let mut before = None;
    if let Some(t) = token {
        before = secrets.get(&name).ok().flatten();
        secrets.set(&name, t).map_err(|e| SyncError::TokenNotSaved { why: e.to_string() })?;
    }
    if let Err(e) = store.set_sync_url(&url, actor) {
        // The address was not kept: neither is the token.
        if token.is_some() {
            let _ = match &before {
                Some(old) => secrets.set(&name, old),
                None => secrets.delete(&name),
            };
        }
        return Err(e.into());
    }
    Ok(url)
}

/// A runtime for the callers that are not async themselves (the CLI).
pub fn block_on<F: std::future::Future>(future: F) -> Result<F::Output, SyncError> {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| SyncError::Unreachable { url: String::new(), message: e.to_string() })?;
    Ok(rt.block_on(future))
}

/// Answers whether a login is already held on the server.
pub type LoginProbe = Box<dyn Fn(&str) -> bool>;

/// Whether a login is already held on the establishment's SCIM server, asked
/// once connected; `None` when the establishment has no server, or it cannot
/// be reached now (the push will name a login taken meanwhile).
pub fn server_logins(store: &crate::store::Store, secrets: &dyn crate::secrets::SecretStore) -> Option<LoginProbe> {
    if !Connector::of(store).ok()?.has_server() {
        return None;
    }
    let url = store.sync_url().ok()??;
    let t = token(secrets, store.uai().as_str(), &url).ok()?;
    let client = block_on(Client::connect(&url, &t)).ok()?.ok()?;
    Some(Box::new(move |login: &str| matches!(block_on(publish::login_holder(&client, login, "")), Ok(Ok(Some(_))))))
}

/// Gives `account` the login the administrator accepted or typed (see
/// [`crate::store::Store::set_account_login`]), once the establishment's SCIM
/// server, when it has one, says no other account holds it there. A server
/// out of reach does not stop the change: the note says it was not checked,
/// and the next publish is refused if the login was taken meanwhile.
pub fn set_login(
    store: &mut crate::store::Store,
    secrets: &dyn crate::secrets::SecretStore,
    account: &str,
    login: &str,
    actor: &str,
) -> Result<(crate::store::LoginChanged, Option<String>), SyncError> {
    let uai = store.uai().to_string();
    let scim = Connector::of(store)?.has_server();
    let mut note = None;
    if let (true, Some(url)) = (scim, store.sync_url()?) {
        let asked = token(secrets, &uai, &url).and_then(|t| {
            block_on(async {
                let client = Client::connect(&url, &t).await?;
                publish::login_holder(&client, login, account).await
            })?
        });
        match asked {
            Ok(Some(holder)) => {
                return Err(SyncError::Store(StoreError::Refused {
                    code: "ACCOUNT_LOGIN_TAKEN_ON_SERVER",
                    message: format!(
                    "l'identifiant « {} » est déjà pris sur le serveur ENT (compte {holder}) : choisissez-en un autre",
                    login.trim()
                ),
                }))
            }
            Ok(None) => {}
            Err(e) => note = Some(format!("identifiant non vérifié sur le serveur ENT ({e})")),
        }
    }
    Ok((store.set_account_login(account, login, actor)?, note))
}

/// The establishment's accounts as a pull from its server would leave them
/// in the snapshot (tests of what the worklists and files read from it).
#[cfg(test)]
pub(crate) fn as_pulled(data: &crate::model::EstablishmentData) -> Vec<crate::store::SnapshotRow> {
    data.accounts
        .iter()
        .map(|a| crate::store::SnapshotRow {
            resource: "User".into(),
            id: format!("srv-{}", a.id),
            external_id: Some(a.id.clone()),
            etag: None,
            body: user_body(a).to_string(),
        })
        .collect()
}
