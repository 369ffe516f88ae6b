//! The one interface over the outbox that every connector answers: which
//! connector an establishment uses, how each waiting change will be
//! confirmed — by the server, by a file the ENT imported, or by the
//! administrator who did it by hand — and what stays pending. A change leaves
//! the outbox only once confirmed, journaled, whatever the connector.

use serde::Serialize;

use super::{ent_ng, worklist};
use crate::store::{Store, StoreError};

/// How an establishment's changes reach its ENT.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum Connector {
    /// A SCIM 2.0 server Préau writes to.
    #[serde(rename = "scim")]
    Scim,
    /// Skolengo's console, by hand: a worklist.
    #[serde(rename = "skolengo")]
    Skolengo,
    /// Open ENT NG: the CSV files its console imports, and a worklist for the rest.
    #[serde(rename = "ent-ng")]
    EntNg,
}

impl Connector {
    pub const ALL: [Connector; 3] = [Connector::Scim, Connector::Skolengo, Connector::EntNg];

    pub fn code(self) -> &'static str {
        match self {
            Connector::Scim => "scim",
            Connector::Skolengo => "skolengo",
            Connector::EntNg => "ent-ng",
        }
    }

    pub fn parse(code: &str) -> Option<Connector> {
        Connector::ALL.into_iter().find(|c| c.code() == code.trim())
    }

    /// The establishment's connector: SCIM until another is chosen.
    pub fn of(store: &Store) -> Result<Connector, StoreError> {
        Ok(store.sync_connector()?.as_deref().and_then(Connector::parse).unwrap_or(Connector::Scim))
    }

    /// Whether it has a server Préau talks to.
    pub fn has_server(self) -> bool {
        self == Connector::Scim
    }
}

/// Where the waiting changes stand, by how they will be confirmed.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Delivery {
    /// Confirmed by the server when sent (SCIM).
    pub by_server: usize,
    /// Carried by the next files; confirmed when their import is (Open ENT NG).
    pub in_files: usize,
    /// Steps of the worklist still to do; confirmed when ticked.
    pub by_hand: usize,
    /// Worklist items marked « impossible »: no longer counted as pending
    /// delivery until taken up again.
    pub impossible: usize,
    /// Changes the server refused over a newer version, to settle.
    pub conflicts: usize,
}

impl Delivery {
    /// The changes still waiting to reach the ENT (conflicts and items marked
    /// impossible apart).
    pub fn pending(&self) -> usize {
        self.by_server + self.in_files + self.by_hand
    }
}

/// How each waiting change of `store` will be confirmed by its connector.
pub fn delivery(store: &Store) -> Result<Delivery, StoreError> {
    let outbox = store.outbox()?;
    let conflicts = outbox.iter().filter(|c| c.state == "conflict").count();
    let waiting = outbox.len() - conflicts;
    Ok(match Connector::of(store)? {
        Connector::Scim => Delivery { by_server: waiting, conflicts, ..Delivery::default() },
        connector => {
            // The population read once: the files' share, then the worklist without it.
            let (console, carried) = match connector {
                Connector::EntNg => (worklist::Console::EntNg, ent_ng::carried_now(store)?),
                _ => (worklist::Console::Skolengo, Default::default()),
            };
            let in_files = carried.len();
            let items = worklist::worklist_without(store, console, &carried)?;
            let count = |status: worklist::Status| -> usize {
                items.iter().filter(|i| i.status == status).map(|i| i.changes.len()).sum()
            };
            Delivery {
                in_files,
                by_hand: count(worklist::Status::AFaire),
                impossible: count(worklist::Status::Impossible),
                conflicts,
                by_server: 0,
            }
        }
    })
}
