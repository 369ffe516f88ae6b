//! The SCIM client: one bearer token, JSON in and out, discovery of what the
//! server offers.

use std::time::Duration;

use serde_json::Value;

use super::{SyncError, ENT_USER};

/// What the server offers (its `/ServiceProviderConfig`, `/ResourceTypes`, `/Schemas`).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Capabilities {
    /// Operations per Bulk request, when Bulk is offered.
    pub bulk: Option<usize>,
    pub bulk_payload: usize,
    pub etag: bool,
    pub patch: bool,
    /// The most resources a page may hold.
    pub max_results: usize,
    pub resource_types: Vec<String>,
    pub schemas: Vec<String>,
}

pub struct Client {
    base: String,
    token: String,
    http: reqwest::Client,
    pub caps: Capabilities,
}

/// How a write ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Written {
    /// Applied; the resource's new version, and the resource when the server sent it back.
    Done { etag: Option<String>, body: Option<Value> },
    /// Refused: the resource changed on the server since its version was read (412).
    Stale,
}

/// A resource as listed, with its version for `If-Match`.
#[derive(Debug, Clone)]
pub struct Listed {
    pub body: Value,
    pub etag: Option<String>,
}

fn check_url(url: &str) -> Result<String, SyncError> {
    let parsed = reqwest::Url::parse(url.trim());
    // Said back without any `user:password@` part, which is never repeated.
    let shown = match &parsed {
        Ok(u) if !u.username().is_empty() || u.password().is_some() => {
            let mut clean = u.clone();
            let _ = clean.set_username("");
            let _ = clean.set_password(None);
            clean.to_string()
        }
        Ok(_) => url.trim().to_string(),
        Err(_) => match url.trim().rsplit_once('@') {
            Some((_, host)) => format!("…@{host}"),
            None => url.trim().to_string(),
        },
    };
    let bad = |why: &str| SyncError::BadUrl { url: shown.clone(), why: why.to_string() };
    let parsed = parsed.map_err(|e| bad(&e.to_string()))?;
    if !parsed.username().is_empty() || parsed.password().is_some() {
        return Err(bad(
            "une adresse ne porte pas d'identifiants (« nom:mot-de-passe@ ») : le jeton d'accès se saisit à part",
        ));
    }
    let loopback = matches!(parsed.host_str(), Some("127.0.0.1" | "localhost" | "[::1]"));
    match parsed.scheme() {
        "https" => {}
        // Plain HTTP only on this machine (the test peer); TLS everywhere else.
        "http" if loopback => {}
        "http" => return Err(bad("https:// est exigé hors de cet ordinateur")),
        _ => return Err(bad("adresse http(s) attendue")),
    }
    Ok(parsed.as_str().trim_end_matches('/').to_string())
}

impl Client {
    /// Connects and discovers; fails clearly when the server is out of reach,
    /// refuses the token or lacks the ENT extension.
    pub async fn connect(url: &str, token: &str) -> Result<Client, SyncError> {
        let base = check_url(url)?;
        let http = reqwest::Client::builder()
            .timeout(Duration::from_secs(60))
            .connect_timeout(Duration::from_secs(10))
            .build()
            .map_err(|e| SyncError::Tls { url: base.clone(), message: e.to_string() })?;
        let mut client = Client {
            base,
            token: token.trim().to_string(),
            http,
            caps: Capabilities {
                bulk: None,
                bulk_payload: 0,
                etag: false,
                patch: false,
                max_results: 100,
                resource_types: Vec::new(),
                schemas: Vec::new(),
            },
        };
        client.caps = client.discover().await?;
        Ok(client)
    }

    /// `url` as the store keeps it, or why it is refused (TLS required beyond loopback).
    pub fn checked_url(url: &str) -> Result<String, SyncError> {
        check_url(url)
    }

    pub fn url(&self) -> &str {
        &self.base
    }

    async fn discover(&self) -> Result<Capabilities, SyncError> {
        let config = self.get("/ServiceProviderConfig").await?.body;
        let supported = |k: &str| config[k]["supported"].as_bool().unwrap_or(false);
        let number = |v: &Value, d: usize| v.as_u64().map_or(d, |n| n as usize);
        let list = |v: &Value, key: &str| -> Vec<String> {
            let items = v["Resources"].as_array().or(v.as_array()).cloned().unwrap_or_default();
            items.iter().filter_map(|r| r[key].as_str().map(str::to_string)).collect()
        };
        let types = list(&self.get("/ResourceTypes").await?.body, "name");
        let schemas = list(&self.get("/Schemas").await?.body, "id");
        if !schemas.iter().any(|s| s == ENT_USER) {
            return Err(SyncError::SchemaMissing { schema: ENT_USER.to_string() });
        }
        Ok(Capabilities {
            bulk: supported("bulk").then(|| number(&config["bulk"]["maxOperations"], 100).max(1)),
            bulk_payload: number(&config["bulk"]["maxPayloadSize"], 1 << 20),
            etag: supported("etag"),
            patch: supported("patch"),
            max_results: number(&config["filter"]["maxResults"], 100).clamp(1, 500),
            resource_types: types,
            schemas,
        })
    }

    fn fault(&self, e: reqwest::Error) -> SyncError {
        let detail = format!("{e:?}").to_lowercase();
        let message = std::error::Error::source(&e).map_or_else(|| e.to_string(), |s| s.to_string());
        if ["certificate", "tls", "ssl", "handshake"].iter().any(|w| detail.contains(w)) {
            SyncError::Tls { url: self.base.clone(), message }
        } else {
            SyncError::Unreachable { url: self.base.clone(), message }
        }
    }

    /// One request, retried on faults that allow it: 429 and 503 after
    /// their `Retry-After`, other server errors and dropped connections after
    /// a bounded exponential backoff. A POST is retried only when it surely
    /// did not reach the server (refused connection, 429, 503): a create is
    /// never sent twice.
    async fn send(
        &self,
        method: reqwest::Method,
        path: &str,
        body: Option<&Value>,
        if_match: Option<&str>,
    ) -> Result<(u16, Option<String>, String), SyncError> {
        let idempotent = method != reqwest::Method::POST;
        self.send_with(method, path, body, if_match, idempotent).await
    }

    async fn send_with(
        &self,
        method: reqwest::Method,
        path: &str,
        body: Option<&Value>,
        if_match: Option<&str>,
        idempotent: bool,
    ) -> Result<(u16, Option<String>, String), SyncError> {
        const TRIES: u32 = 6;
        let mut attempt = 0;
        loop {
            attempt += 1;
            let mut req = self
                .http
                .request(method.clone(), format!("{}{path}", self.base))
                .bearer_auth(&self.token)
                .header("Accept", "application/scim+json");
            if let Some(b) = body {
                req = req.header("Content-Type", "application/scim+json").body(b.to_string());
            }
            if let Some(tag) = if_match {
                req = req.header("If-Match", tag);
            }
            let backoff = Duration::from_millis(250 * (1 << attempt.min(5)));
            let resp = match req.send().await {
                Ok(resp) => resp,
                Err(e) => {
                    let retry = attempt < TRIES && (idempotent || e.is_connect());
                    let fault = self.fault(e);
                    // A certificate refused now is refused again: no retry.
                    if retry && !matches!(fault, SyncError::Tls { .. }) {
                        tokio::time::sleep(backoff).await;
                        continue;
                    }
                    return Err(fault);
                }
            };
            let status = resp.status().as_u16();
            let header = |name: &str| resp.headers().get(name).and_then(|v| v.to_str().ok()).map(str::to_string);
            let etag = header("etag");
            let retry_after = header("retry-after").and_then(|v| v.trim().parse::<u64>().ok());
            let text = match resp.text().await {
                Ok(text) => text,
                // Reset in the middle of the body.
                Err(e) if attempt < TRIES && idempotent => {
                    let _ = e;
                    tokio::time::sleep(backoff).await;
                    continue;
                }
                Err(e) => return Err(self.fault(e)),
            };
            if attempt < TRIES {
                match status {
                    429 | 503 => {
                        let wait = retry_after.map_or(backoff, |s| Duration::from_secs(s.min(60)));
                        tokio::time::sleep(wait).await;
                        continue;
                    }
                    500 | 502 | 504 if idempotent => {
                        tokio::time::sleep(backoff).await;
                        continue;
                    }
                    _ => {}
                }
            }
            if status == 401 {
                return Err(SyncError::Unauthorized);
            }
            if status == 412 {
                return Ok((status, etag, text));
            }
            if status >= 400 {
                let detail = serde_json::from_str::<Value>(&text)
                    .ok()
                    .and_then(|v| v["detail"].as_str().map(str::to_string))
                    .unwrap_or_else(|| text.chars().take(200).collect());
                return Err(SyncError::Http { status, what: format!("{method} {path}"), detail });
            }
            return Ok((status, etag, text));
        }
    }

    /// A PATCH with `If-Match` when the server offers ETags. The server may
    /// answer 200 with the resource or 204 without.
    pub async fn patch(&self, path: &str, body: &Value, etag: Option<&str>) -> Result<Written, SyncError> {
        let if_match = if self.caps.etag { etag } else { None };
        let (status, new_tag, text) = self.send(reqwest::Method::PATCH, path, Some(body), if_match).await?;
        if status == 412 {
            return Ok(Written::Stale);
        }
        let body = self.json(path, &text)?;
        let etag = new_tag.or_else(|| body["meta"]["version"].as_str().map(str::to_string));
        Ok(Written::Done { etag, body: (!body.is_null()).then_some(body) })
    }

    /// A PATCH without `If-Match`, retried only when it surely did not reach
    /// the server: the caller reads the resource back when the answer is lost.
    pub async fn patch_once(&self, path: &str, body: &Value) -> Result<Written, SyncError> {
        let (status, new_tag, text) = self.send_with(reqwest::Method::PATCH, path, Some(body), None, false).await?;
        if status == 412 {
            return Ok(Written::Stale);
        }
        let body = self.json(path, &text)?;
        let etag = new_tag.or_else(|| body["meta"]["version"].as_str().map(str::to_string));
        Ok(Written::Done { etag, body: (!body.is_null()).then_some(body) })
    }

    /// A DELETE with `If-Match` when the server offers ETags; a resource
    /// already gone counts as deleted.
    pub async fn delete(&self, path: &str, etag: Option<&str>) -> Result<Written, SyncError> {
        let if_match = if self.caps.etag { etag } else { None };
        match self.send(reqwest::Method::DELETE, path, None, if_match).await {
            Ok((412, _, _)) => Ok(Written::Stale),
            Ok(_) | Err(SyncError::Http { status: 404, .. }) => Ok(Written::Done { etag: None, body: None }),
            Err(e) => Err(e),
        }
    }

    /// A Bulk request of conditional writes (each operation carries its
    /// `version`): sending it twice is harmless, so it is retried like a PATCH.
    pub async fn bulk_conditional(&self, request: &Value) -> Result<Value, SyncError> {
        let (_, _, text) = self.send_with(reqwest::Method::POST, "/Bulk", Some(request), None, true).await?;
        self.json("/Bulk", &text)
    }

    fn json(&self, what: &str, text: &str) -> Result<Value, SyncError> {
        if text.trim().is_empty() {
            return Ok(Value::Null);
        }
        serde_json::from_str(text)
            .map_err(|e| SyncError::BadResponse { what: what.to_string(), message: e.to_string() })
    }

    pub async fn get(&self, path: &str) -> Result<Listed, SyncError> {
        let (_, etag, text) = self.send(reqwest::Method::GET, path, None, None).await?;
        Ok(Listed { body: self.json(path, &text)?, etag })
    }

    pub async fn post(&self, path: &str, body: &Value) -> Result<Listed, SyncError> {
        let (_, etag, text) = self.send(reqwest::Method::POST, path, Some(body), None).await?;
        Ok(Listed { body: self.json(path, &text)?, etag })
    }

    /// Every resource of an endpoint (`/Users`) matching `filter`, page by page.
    pub async fn list_all(&self, endpoint: &str, filter: Option<&str>) -> Result<Vec<Listed>, SyncError> {
        self.list_pages(endpoint, filter, &mut |_, _| {}).await
    }

    /// [`Client::list_all`], telling `page` (received so far, total) after each page.
    pub async fn list_pages(
        &self,
        endpoint: &str,
        filter: Option<&str>,
        page_done: &mut dyn FnMut(usize, usize),
    ) -> Result<Vec<Listed>, SyncError> {
        let mut out = Vec::new();
        let count = self.caps.max_results;
        let mut start = 1usize;
        loop {
            let mut url = reqwest::Url::parse("http://x/")
                .map_err(|e| SyncError::BadResponse { what: endpoint.to_string(), message: e.to_string() })?;
            {
                let mut q = url.query_pairs_mut();
                q.append_pair("startIndex", &start.to_string()).append_pair("count", &count.to_string());
                if let Some(f) = filter {
                    q.append_pair("filter", f);
                }
            }
            let path = format!("{endpoint}?{}", url.query().unwrap_or(""));
            let page = self.get(&path).await?.body;
            let items = page["Resources"].as_array().cloned().unwrap_or_default();
            let total = page["totalResults"].as_u64().map_or(0, |n| n as usize);
            let got = items.len();
            for body in items {
                let etag = body["meta"]["version"].as_str().map(str::to_string);
                out.push(Listed { body, etag });
            }
            start += got;
            page_done(out.len(), total.max(out.len()));
            if got == 0 || start > total {
                return Ok(out);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::check_url;

    #[test]
    fn tls_is_required_beyond_this_machine() {
        assert_eq!(check_url("http://127.0.0.1:8080/v2/").unwrap(), "http://127.0.0.1:8080/v2");
        assert!(check_url("https://ent.example.fr/scim/v2").is_ok());
        assert!(check_url("http://ent.example.fr/v2").unwrap_err().to_string().contains("https"));
        assert!(check_url("ftp://ent.example.fr").is_err());
        assert!(check_url("pas une adresse").is_err());
        // Credentials in the address are refused and never said back.
        for url in [
            "https://admin:s3cret@ent.example.fr/scim/v2",
            "https://s3cret@ent.example.fr/v2",
            "http://u:s3cret@127.0.0.1:9/v2",
        ] {
            let e = check_url(url).unwrap_err();
            assert_eq!(crate::ErrorCode::code(&e), "SYNC_BAD_URL");
            assert!(!e.to_string().contains("s3cret"), "{e}");
        }
    }
}
