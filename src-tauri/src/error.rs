//! The one error shape that crosses IPC: `{code, message, params}`. The UI
//! translates `code` (and may use `params`); `message` is the core's French
//! text, shown only when the UI does not know the code.

use std::fmt::Display;

use preau_core::formats::FormatError;
use preau_core::import::ImportError;
use preau_core::model::UaiError;
use preau_core::secrets::SecretError;
use preau_core::store::StoreError;
use preau_core::ErrorCode;
use serde::Serialize;
use serde_json::{Map, Value};

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct IpcError {
    pub code: String,
    pub message: String,
    pub params: Map<String, Value>,
}

impl IpcError {
    pub fn new(code: &str, message: impl Into<String>) -> IpcError {
        IpcError { code: code.to_string(), message: message.into(), params: Map::new() }
    }

    /// Any core error: its stable code and its message, no params.
    pub fn from_error<E: ErrorCode + Display + ?Sized>(e: &E) -> IpcError {
        IpcError::new(e.code(), e.to_string())
    }

    pub fn with(mut self, name: &str, value: impl Into<Value>) -> IpcError {
        self.params.insert(name.to_string(), value.into());
        self
    }
}

impl Display for IpcError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "[{}] {}", self.code, self.message)
    }
}

impl From<UaiError> for IpcError {
    fn from(e: UaiError) -> IpcError {
        let base = IpcError::from_error(&e);
        match e {
            UaiError::Shape(value) => base.with("value", value),
            UaiError::CheckLetter { value, expected } => {
                base.with("value", value).with("expected", expected.to_string())
            }
        }
    }
}

impl From<SecretError> for IpcError {
    fn from(e: SecretError) -> IpcError {
        IpcError::from_error(&e)
    }
}

impl From<StoreError> for IpcError {
    fn from(e: StoreError) -> IpcError {
        let base = IpcError::from_error(&e);
        match e {
            StoreError::NotFound { uai, .. } => base.with("uai", uai),
            StoreError::NewerVersion { found, supported, .. } => base.with("found", found).with("supported", supported),
            StoreError::UaiMismatch { expected, found, .. } => base.with("expected", expected).with("found", found),
            _ => base,
        }
    }
}

impl From<ImportError> for IpcError {
    fn from(e: ImportError) -> IpcError {
        match e {
            ImportError::Store(e) => IpcError::from(e),
            ImportError::Cancelled => IpcError::from_error(&e),
        }
    }
}

impl From<FormatError> for IpcError {
    fn from(e: FormatError) -> IpcError {
        IpcError::from_error(&e)
    }
}

impl From<preau_core::reconcile::LoadError> for IpcError {
    fn from(e: preau_core::reconcile::LoadError) -> IpcError {
        IpcError::from_error(&e)
    }
}

impl From<preau_core::sync::SyncError> for IpcError {
    fn from(e: preau_core::sync::SyncError) -> IpcError {
        IpcError::from_error(&e)
    }
}

impl From<preau_core::sync::worklist::WorklistError> for IpcError {
    fn from(e: preau_core::sync::worklist::WorklistError) -> IpcError {
        IpcError::from_error(&e)
    }
}

impl From<preau_core::directory::edit::EditError> for IpcError {
    fn from(e: preau_core::directory::edit::EditError) -> IpcError {
        let out = IpcError::from_error(&e);
        match &e {
            preau_core::directory::edit::EditError::LikelyExisting { likely } => {
                out.with("likely", serde_json::to_value(likely).unwrap_or(Value::Null))
            }
            _ => out,
        }
    }
}

impl From<preau_core::ticket::TicketError> for IpcError {
    fn from(e: preau_core::ticket::TicketError) -> IpcError {
        let out = IpcError::from_error(&e);
        match &e {
            preau_core::ticket::TicketError::Broken(b) => {
                out.with("broken", serde_json::to_value(b).unwrap_or(Value::Null))
            }
            _ => out,
        }
    }
}

impl From<preau_core::sync::ent_ng::EntNgError> for IpcError {
    fn from(e: preau_core::sync::ent_ng::EntNgError) -> IpcError {
        IpcError::from_error(&e)
    }
}
