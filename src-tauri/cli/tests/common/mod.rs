//! Helpers of the sync tests: the real SCIM peer on 127.0.0.1 and preau-cli over a store.
#![allow(dead_code)]

use std::net::{Ipv4Addr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output};
use std::time::{Duration, Instant};

pub const KEY: &str = "5f0e3c1a2b4d6e8f5f0e3c1a2b4d6e8f5f0e3c1a2b4d6e8f5f0e3c1a2b4d6e8f";
pub const UAI: &str = "0999001W";
pub const TOKEN: &str = "jeton-de-test-9f8e7d";

pub fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

pub fn free_port() -> u16 {
    TcpListener::bind((Ipv4Addr::LOCALHOST, 0)).unwrap().local_addr().unwrap().port()
}

/// The peer; killed when dropped.
pub struct Peer {
    child: Child,
    pub url: String,
}

impl Peer {
    /// Whether the server's ServiceProviderConfig offers `feature` (`etag`, `bulk`…).
    pub fn offers(&self, feature: &str) -> bool {
        let (status, body) = http(self, "GET", "/v2/ServiceProviderConfig", None);
        assert_eq!(status, 200, "{body}");
        serde_json::from_str::<serde_json::Value>(&body).unwrap()[feature]["supported"] == true
    }

    /// False, with the reason printed, when the server does not offer `feature`, which the
    /// calling test is about; scim2-server offers every feature the tests ask of it.
    pub fn offers_or_skip(&self, feature: &str, test: &str) -> bool {
        if self.offers(feature) {
            return true;
        }
        assert!(!server_path().ends_with("scim2-server"), "scim2-server does not offer {feature}");
        eprintln!("{test}: skipped: this SCIM server does not offer {feature} (its ServiceProviderConfig)");
        false
    }
}

impl Drop for Peer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

pub fn peer() -> Peer {
    start_peer(true)
}

/// A ServiceProviderConfig file for the peer: no Bulk, ETags or not, pages of `page`.
pub fn config_without_bulk(d: &Path, etag: bool, page: u32) -> PathBuf {
    let config = d.join("spc.json");
    std::fs::write(
        &config,
        serde_json::json!({
            "schemas": ["urn:ietf:params:scim:schemas:core:2.0:ServiceProviderConfig"],
            "patch": { "supported": true },
            "bulk": { "supported": false, "maxOperations": 0, "maxPayloadSize": 0 },
            "filter": { "supported": true, "maxResults": page },
            "changePassword": { "supported": false },
            "sort": { "supported": false },
            "etag": { "supported": etag },
            "authenticationSchemes": [],
        })
        .to_string(),
    )
    .unwrap();
    config
}

/// `ent`: with the project's schema files; without, the server knows only RFC 7643's.
pub fn start_peer(ent: bool) -> Peer {
    start_peer_with(ent, None)
}

/// The SCIM server the tests run against (`PREAU_SCIM_SERVER`): scim2-server from the
/// project's venv by default, or SCIMMY's (`src-tauri/xtask/scim-peer-js/server.mjs`, run by Node).
pub fn server_path() -> PathBuf {
    std::env::var_os("PREAU_SCIM_SERVER")
        .map(PathBuf::from)
        .unwrap_or_else(|| root().join("target/peer-venv/bin/scim2-server"))
}

/// A peer announcing `config` as its ServiceProviderConfig (what it offers, within what the
/// server implements).
pub fn start_peer_with(ent: bool, config: Option<&Path>) -> Peer {
    let server = server_path();
    assert!(server.is_file(), "{} is missing: run `cargo xtask setup`", server.display());
    let scim = root().join("src-tauri/core/scim");
    let port = free_port();
    let mut cmd = if server.extension().is_some_and(|x| x == "mjs" || x == "js") {
        let mut node = Command::new("node");
        node.arg(&server);
        node
    } else {
        Command::new(&server)
    };
    cmd.args(["--hostname", "127.0.0.1", "--port", &port.to_string(), "--bearer-token", TOKEN]);
    if ent {
        cmd.arg("--schema").arg(scim.join("schemas.json")).arg("--resource-type").arg(scim.join("resource-types.json"));
    }
    if let Some(config) = config {
        cmd.arg("--service-provider-config").arg(config);
    }
    let child = cmd
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap_or_else(|e| panic!("{} starts: {e}", server.display()));
    let deadline = Instant::now() + Duration::from_secs(60);
    while TcpStream::connect((Ipv4Addr::LOCALHOST, port)).is_err() {
        assert!(Instant::now() < deadline, "the peer never listened");
        std::thread::sleep(Duration::from_millis(100));
    }
    Peer { child, url: format!("http://127.0.0.1:{port}/v2") }
}

pub fn cli(dir: &Path, token: &str, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_preau-cli"))
        .arg("--data-dir")
        .arg(dir)
        .args(args)
        .env("PREAU_DB_KEY", KEY)
        .env("PREAU_SCIM_TOKEN", token)
        .env_remove("PREAU_DATA_DIR")
        .output()
        .expect("the binary runs")
}

/// A successful command's JSON Lines.
pub fn lines(o: &Output) -> Vec<serde_json::Value> {
    assert_eq!(o.status.code(), Some(0), "{}", String::from_utf8_lossy(&o.stderr));
    String::from_utf8_lossy(&o.stdout).lines().map(|l| serde_json::from_str(l).unwrap()).collect()
}

pub fn ok_json(o: &Output) -> serde_json::Value {
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(0), "stderr: {err}");
    let out = String::from_utf8_lossy(&o.stdout);
    serde_json::from_str(out.trim()).unwrap_or_else(|e| panic!("{e}: {out}"))
}

pub fn open(d: &Path) -> preau_core::store::Store {
    preau_core::store::Store::open(
        d,
        &preau_core::model::Uai::parse(UAI).unwrap(),
        &preau_core::secrets::DbKey::from_hex(KEY).unwrap(),
    )
    .unwrap()
}

pub fn url_encode(text: &str) -> String {
    text.bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b"-_.~".contains(&b) {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}

/// A request to the peer as another client would send it (HTTP/1.0, the test's token).
pub fn http(peer: &Peer, method: &str, path: &str, body: Option<&serde_json::Value>) -> (u16, String) {
    use std::io::{Read, Write};
    let port: u16 = peer.url.rsplit(':').next().and_then(|p| p.split('/').next()).and_then(|p| p.parse().ok()).unwrap();
    let mut stream = TcpStream::connect((Ipv4Addr::LOCALHOST, port)).unwrap();
    let body = body.map(|b| b.to_string()).unwrap_or_default();
    write!(
        stream,
        "{method} {path} HTTP/1.0\r\nHost: 127.0.0.1:{port}\r\nAuthorization: Bearer {TOKEN}\r\nContent-Type: application/scim+json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    )
    .unwrap();
    let mut answer = String::new();
    stream.read_to_string(&mut answer).unwrap();
    let status = answer.split_whitespace().nth(1).and_then(|c| c.parse().ok()).unwrap_or(0);
    let text = answer.split_once("\r\n\r\n").map(|(_, b)| b.to_string()).unwrap_or_default();
    (status, text)
}

/// A command that succeeded; its standard output.
pub fn ok(o: &Output) -> String {
    assert_eq!(o.status.code(), Some(0), "{}", String::from_utf8_lossy(&o.stderr));
    String::from_utf8_lossy(&o.stdout).into_owned()
}

/// A demo collège in `d`.
pub fn demo(d: &Path, seed: u32) {
    ok(&cli(d, TOKEN, &["demo", "--uai", UAI, "--kind", "college", "--seed", &seed.to_string()]));
}

/// A demo collège in `d` whose server is `url`.
pub fn demo_pointing_at(d: &Path, seed: u32, url: &str) {
    demo(d, seed);
    ok(&cli(d, TOKEN, &["sync", "configure", "--uai", UAI, "--url", url]));
}

pub fn fails_with(o: &Output, code: &str) {
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(2), "stderr: {err}");
    assert!(err.contains(code), "{code} in {err}");
    assert!(!err.contains("panicked"), "{err}");
}

/// What the fault proxy does to one request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fault {
    Pass,
    /// 503 with `Retry-After: 1`, not forwarded.
    Unavailable,
    /// 429 with `Retry-After: 1`, not forwarded.
    TooMany,
    /// The connection closed before forwarding.
    Drop,
    /// Forwarded, then the connection closed halfway through the response.
    ResetMidBody,
    /// Forwarded after a pause (milliseconds).
    Delay(u64),
    /// Forwarded; a 204 is replaced by 200 with the resource as it now is
    /// (RFC 7644 §3.5.2 allows either).
    BodyFor204,
}

/// A fault-injecting HTTP proxy on 127.0.0.1 in front of `upstream`: the
/// n-th request meets `plan(n)`. One request per connection.
pub struct FaultProxy {
    pub url: String,
    pub faults: std::sync::Arc<std::sync::atomic::AtomicUsize>,
    stop: std::sync::Arc<std::sync::atomic::AtomicBool>,
}

impl Drop for FaultProxy {
    fn drop(&mut self) {
        self.stop.store(true, std::sync::atomic::Ordering::SeqCst);
    }
}

fn read_request(stream: &mut TcpStream) -> Option<Vec<u8>> {
    use std::io::Read;
    let mut buf = Vec::new();
    let mut chunk = [0u8; 8192];
    loop {
        if let Some(end) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            let head = String::from_utf8_lossy(&buf[..end]).to_lowercase();
            let length = head
                .lines()
                .find_map(|l| l.strip_prefix("content-length:").map(|v| v.trim().parse::<usize>().unwrap_or(0)))
                .unwrap_or(0);
            if buf.len() >= end + 4 + length {
                return Some(buf);
            }
        }
        let n = stream.read(&mut chunk).ok()?;
        if n == 0 {
            return None;
        }
        buf.extend_from_slice(&chunk[..n]);
    }
}

pub fn fault_proxy(upstream: &str, plan: fn(usize) -> Fault) -> FaultProxy {
    use std::io::{Read, Write};
    use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
    use std::sync::Arc;
    let up_port: u16 =
        upstream.rsplit(':').next().and_then(|p| p.split('/').next()).and_then(|p| p.parse().ok()).unwrap();
    let listener = TcpListener::bind((Ipv4Addr::LOCALHOST, 0)).unwrap();
    let port = listener.local_addr().unwrap().port();
    listener.set_nonblocking(true).unwrap();
    let stop = Arc::new(AtomicBool::new(false));
    let faults = Arc::new(AtomicUsize::new(0));
    let (stop2, faults2) = (stop.clone(), faults.clone());
    std::thread::spawn(move || {
        let mut n = 0usize;
        while !stop2.load(Ordering::SeqCst) {
            let Ok((mut client, _)) = listener.accept() else {
                std::thread::sleep(Duration::from_millis(5));
                continue;
            };
            n += 1;
            let fault = plan(n);
            let faults = faults2.clone();
            std::thread::spawn(move || {
                let _ = client.set_nonblocking(false);
                let Some(request) = read_request(&mut client) else { return };
                if !matches!(fault, Fault::Pass | Fault::Delay(_) | Fault::BodyFor204) {
                    faults.fetch_add(1, Ordering::SeqCst);
                }
                let answer = |client: &mut TcpStream, status: &str| {
                    let _ = write!(
                        client,
                        "HTTP/1.1 {status}\r\nRetry-After: 1\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
                    );
                };
                match fault {
                    Fault::Unavailable => return answer(&mut client, "503 Service Unavailable"),
                    Fault::TooMany => return answer(&mut client, "429 Too Many Requests"),
                    Fault::Drop => return,
                    Fault::Delay(ms) => std::thread::sleep(Duration::from_millis(ms)),
                    Fault::Pass | Fault::ResetMidBody | Fault::BodyFor204 => {}
                }
                // One request per connection, both ways.
                let text = String::from_utf8_lossy(&request).into_owned();
                let (head, body) = text.split_once("\r\n\r\n").unwrap_or((&text, ""));
                let head: Vec<&str> = head.lines().filter(|l| !l.to_lowercase().starts_with("connection:")).collect();
                let forwarded = format!("{}\r\nConnection: close\r\n\r\n{body}", head.join("\r\n"));
                let Ok(mut up) = TcpStream::connect((Ipv4Addr::LOCALHOST, up_port)) else { return };
                if up.write_all(forwarded.as_bytes()).is_err() {
                    return;
                }
                let mut response = Vec::new();
                let _ = up.read_to_end(&mut response);
                if fault == Fault::ResetMidBody {
                    let cut = response.len() / 2;
                    let _ = client.write_all(&response[..cut]);
                    return;
                }
                if fault == Fault::BodyFor204 && response.starts_with(b"HTTP/1.1 204") {
                    // The resource, read back, in place of the empty answer.
                    let path = head.first().and_then(|l| l.split(' ').nth(1)).unwrap_or("/");
                    let auth = head.iter().find(|l| l.to_lowercase().starts_with("authorization:")).unwrap_or(&"");
                    let get = format!("GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\n{auth}\r\nConnection: close\r\n\r\n");
                    let Ok(mut up) = TcpStream::connect((Ipv4Addr::LOCALHOST, up_port)) else { return };
                    if up.write_all(get.as_bytes()).is_err() {
                        return;
                    }
                    response.clear();
                    let _ = up.read_to_end(&mut response);
                }
                let _ = client.write_all(&response);
            });
        }
    });
    FaultProxy { url: format!("http://127.0.0.1:{port}/v2"), faults, stop }
}

/// How many users of the establishment the server holds.
pub fn server_users(peer: &Peer) -> u64 {
    let filter = url_encode(&format!("urn:preau:scim:schemas:extension:ent:1.0:User:establishments eq \"{UAI}\""));
    let (status, body) = http(peer, "GET", &format!("/v2/Users?count=1&filter={filter}"), None);
    assert_eq!(status, 200, "{body}");
    serde_json::from_str::<serde_json::Value>(&body).unwrap()["totalResults"].as_u64().unwrap()
}

/// Queues a link for each of `accounts` (as applying a reconciliation session does).
pub fn queue_links(d: &Path, accounts: &[String], prefix: &str) -> usize {
    let mut store = open(d);
    let links: Vec<preau_core::store::AccountLink> = accounts
        .iter()
        .enumerate()
        .map(|(k, a)| preau_core::store::AccountLink {
            source: "pronote".into(),
            source_id: format!("{prefix}{k}"),
            category: "eleve".into(),
            account: a.clone(),
            decided: "manuel".into(),
        })
        .collect();
    let session = store.start_match_session("pronote", None, None, "etablissement", "test").unwrap();
    store.apply_match_session(session.id, &links, "test").unwrap()
}

/// What the strict server in front of the peer does beyond the peer.
#[derive(Debug, Clone, Copy, Default)]
pub struct Strict {
    /// Bulk results carry no `bulkId` (results in their own order).
    pub omit_bulk_ids: bool,
    /// The first PATCH that adds members to a group is applied, then its
    /// answer lost (the connection closed without a word).
    pub lose_first_member_add: bool,
    /// A write whose body holds this text is refused (400 `invalidValue`).
    pub refuse: Option<&'static str>,
    /// Once it has answered a 412, the server gives no version any more
    /// (no `ETag`, no `meta.version`): what was changed can only be sent
    /// again without `If-Match`.
    pub versionless_after_stale: bool,
}

/// A stricter SCIM server than the peer, made of the peer and a proxy of
/// ours: it refuses values outside the `canonicalValues` of the project's
/// schemas (400 `invalidValue`, RFC 7643 §7 allows it), runs Bulk requests
/// itself one operation at a time (honouring `failOnErrors`), and does not
/// de-duplicate members (RFC 7644 §3.5.2.1 only says SHOULD): a member added
/// twice is held twice and listed twice.
pub struct StrictServer {
    pub url: String,
    /// Members added to a group that already had them.
    pub duplicates: std::sync::Arc<std::sync::atomic::AtomicUsize>,
    /// Writes refused for a value outside the canonical ones.
    pub invalid: std::sync::Arc<std::sync::atomic::AtomicUsize>,
    stop: std::sync::Arc<std::sync::atomic::AtomicBool>,
}

impl Drop for StrictServer {
    fn drop(&mut self) {
        self.stop.store(true, std::sync::atomic::Ordering::SeqCst);
    }
}

/// An answer: status, headers (lower-case names), body.
pub type Answer = (u16, Vec<(String, String)>, String);

/// One HTTP/1.0 exchange with the peer.
fn exchange(port: u16, method: &str, path: &str, headers: &[(String, String)], body: &str) -> Option<Answer> {
    use std::io::{Read, Write};
    let mut up = TcpStream::connect((Ipv4Addr::LOCALHOST, port)).ok()?;
    let mut head = format!("{method} {path} HTTP/1.0\r\nHost: 127.0.0.1:{port}\r\n");
    for (k, v) in headers {
        head.push_str(&format!("{k}: {v}\r\n"));
    }
    head.push_str(&format!("Content-Length: {}\r\nConnection: close\r\n\r\n", body.len()));
    up.write_all(head.as_bytes()).ok()?;
    up.write_all(body.as_bytes()).ok()?;
    let mut answer = Vec::new();
    up.read_to_end(&mut answer).ok()?;
    let text = String::from_utf8_lossy(&answer).into_owned();
    let (head, body) = text.split_once("\r\n\r\n").unwrap_or((&text, ""));
    let mut lines = head.lines();
    let status = lines.next()?.split_whitespace().nth(1)?.parse().ok()?;
    let headers =
        lines.filter_map(|l| l.split_once(':').map(|(k, v)| (k.trim().to_lowercase(), v.trim().to_string()))).collect();
    Some((status, headers, body.to_string()))
}

fn reply(client: &mut TcpStream, status: u16, headers: &[(String, String)], body: &str) {
    use std::io::Write;
    let mut head = format!("HTTP/1.1 {status} -\r\nContent-Type: application/scim+json\r\n");
    for (k, v) in headers.iter().filter(|(k, _)| k == "etag" || k == "location") {
        head.push_str(&format!("{k}: {v}\r\n"));
    }
    head.push_str(&format!("Content-Length: {}\r\nConnection: close\r\n\r\n", body.len()));
    let _ = client.write_all(head.as_bytes());
    let _ = client.write_all(body.as_bytes());
}

fn invalid_value(detail: &str) -> String {
    serde_json::json!({
        "schemas": ["urn:ietf:params:scim:api:messages:2.0:Error"],
        "status": "400",
        "scimType": "invalidValue",
        "detail": detail,
    })
    .to_string()
}

pub fn strict_server(upstream: &str, strict: Strict) -> StrictServer {
    use serde_json::{json, Value};
    use std::collections::HashMap;
    use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
    use std::sync::{Arc, Mutex};
    let up: u16 = upstream.rsplit(':').next().and_then(|p| p.split('/').next()).and_then(|p| p.parse().ok()).unwrap();
    let schemas: Arc<Value> = Arc::new(
        serde_json::from_str(&std::fs::read_to_string(root().join("src-tauri/core/scim/schemas.json")).unwrap())
            .unwrap(),
    );
    let listener = TcpListener::bind((Ipv4Addr::LOCALHOST, 0)).unwrap();
    let port = listener.local_addr().unwrap().port();
    listener.set_nonblocking(true).unwrap();
    let stop = Arc::new(AtomicBool::new(false));
    let duplicates = Arc::new(AtomicUsize::new(0));
    let invalid = Arc::new(AtomicUsize::new(0));
    // Group id → the members it holds more than once (the extra copies).
    let extra: Arc<Mutex<HashMap<String, Vec<String>>>> = Arc::default();
    let lost = Arc::new(AtomicBool::new(!strict.lose_first_member_add));
    let stale = Arc::new(AtomicBool::new(false));
    let server = StrictServer {
        url: format!("http://127.0.0.1:{port}/v2"),
        duplicates: duplicates.clone(),
        invalid: invalid.clone(),
        stop: stop.clone(),
    };
    std::thread::spawn(move || {
        while !stop.load(Ordering::SeqCst) {
            let Ok((mut client, _)) = listener.accept() else {
                std::thread::sleep(Duration::from_millis(5));
                continue;
            };
            let (schemas, duplicates, invalid, extra, lost, stale) =
                (schemas.clone(), duplicates.clone(), invalid.clone(), extra.clone(), lost.clone(), stale.clone());
            std::thread::spawn(move || {
                let _ = client.set_nonblocking(false);
                let Some(request) = read_request(&mut client) else { return };
                let text = String::from_utf8_lossy(&request).into_owned();
                let (head, body) = text.split_once("\r\n\r\n").unwrap_or((&text, ""));
                let mut lines = head.lines();
                let first: Vec<&str> = lines.next().unwrap_or("").split_whitespace().collect();
                let (method, path) = (first.first().copied().unwrap_or("GET"), first.get(1).copied().unwrap_or("/"));
                let auth: Vec<(String, String)> = lines
                    .filter_map(|l| l.split_once(':'))
                    .filter(|(k, _)| {
                        ["authorization", "if-match", "content-type", "accept"]
                            .contains(&k.trim().to_lowercase().as_str())
                    })
                    .map(|(k, v)| (k.trim().to_string(), v.trim().to_string()))
                    .collect();
                let base = path.split("/Bulk").next().unwrap_or("").to_string();
                let base = base.rsplit_once("/v2").map_or(base.clone(), |(a, _)| format!("{a}/v2"));
                let bare = |h: &[(String, String)]| -> Vec<(String, String)> {
                    h.iter()
                        .filter(|(k, _)| {
                            k.eq_ignore_ascii_case("authorization") || k.eq_ignore_ascii_case("content-type")
                        })
                        .cloned()
                        .collect()
                };

                // One write, as the strict server takes it.
                let write = |method: &str, path: &str, headers: &[(String, String)], body: &str| -> Option<Answer> {
                    let parsed: Value = serde_json::from_str(body).unwrap_or(Value::Null);
                    if strict.refuse.is_some_and(|r| method != "GET" && body.contains(r)) {
                        invalid.fetch_add(1, Ordering::SeqCst);
                        return Some((400, Vec::new(), invalid_value("valeur refusée par ce serveur")));
                    }
                    if method == "POST" || method == "PUT" {
                        let wrong = preau_core::sync::undeclared_values(&schemas, &parsed);
                        if !wrong.is_empty() {
                            invalid.fetch_add(1, Ordering::SeqCst);
                            return Some((
                                400,
                                Vec::new(),
                                invalid_value(&format!("valeur non canonique : {}", wrong.join(", "))),
                            ));
                        }
                    }
                    if method == "PATCH" && path.contains("/Groups/") {
                        let adds: Vec<String> = parsed["Operations"]
                            .as_array()
                            .map(Vec::as_slice)
                            .unwrap_or(&[])
                            .iter()
                            .filter(|op| {
                                op["op"].as_str().is_some_and(|k| k.eq_ignore_ascii_case("add"))
                                    && op["path"] == "members"
                            })
                            .flat_map(|op| op["value"].as_array().cloned().unwrap_or_default())
                            .filter_map(|m| m["value"].as_str().map(str::to_string))
                            .collect();
                        if !adds.is_empty() {
                            let id = path.rsplit('/').next().unwrap_or("").to_string();
                            let (_, _, now) = exchange(up, "GET", path, &bare(headers), "")?;
                            let now: Value = serde_json::from_str(&now).unwrap_or(Value::Null);
                            let held: Vec<&str> = now["members"]
                                .as_array()
                                .map(Vec::as_slice)
                                .unwrap_or(&[])
                                .iter()
                                .filter_map(|m| m["value"].as_str())
                                .collect();
                            let again: Vec<String> =
                                adds.iter().filter(|a| held.contains(&a.as_str())).cloned().collect();
                            let answer = exchange(up, method, path, headers, body)?;
                            if (200..300).contains(&answer.0) && !again.is_empty() {
                                duplicates.fetch_add(again.len(), Ordering::SeqCst);
                                extra.lock().unwrap().entry(id).or_default().extend(again);
                            }
                            return Some(answer);
                        }
                    }
                    exchange(up, method, path, headers, body)
                };
                // Members held twice are listed twice.
                let with_extra = |v: &mut Value| {
                    let extra = extra.lock().unwrap();
                    let mut add = |g: &mut Value| {
                        if let Some(more) = g["id"].as_str().and_then(|id| extra.get(id)).cloned() {
                            if let Some(ms) = g.get_mut("members").and_then(Value::as_array_mut) {
                                ms.extend(more.into_iter().map(|m| json!({ "value": m })));
                            }
                        }
                    };
                    match v.get_mut("Resources").and_then(Value::as_array_mut) {
                        Some(items) => items.iter_mut().for_each(&mut add),
                        None => add(v),
                    }
                };

                if method == "POST" && path.ends_with("/Bulk") {
                    let request: Value = serde_json::from_str(body).unwrap_or(Value::Null);
                    let fail_on = request["failOnErrors"].as_u64();
                    let mut errors = 0u64;
                    let mut results = Vec::new();
                    for op in request["Operations"].as_array().map(Vec::as_slice).unwrap_or(&[]) {
                        if fail_on.is_some_and(|n| errors >= n) {
                            break;
                        }
                        let m = op["method"].as_str().unwrap_or("POST");
                        let p = format!("{base}{}", op["path"].as_str().unwrap_or(""));
                        let mut headers = bare(&auth);
                        if let Some(v) = op["version"].as_str() {
                            headers.push(("If-Match".into(), v.to_string()));
                        }
                        let data = op.get("data").map(Value::to_string).unwrap_or_default();
                        let Some((status, h, text)) = write(m, &p, &headers, &data) else { return };
                        let mut result = json!({ "method": m, "status": status.to_string() });
                        if !strict.omit_bulk_ids {
                            if let Some(id) = op.get("bulkId") {
                                result["bulkId"] = id.clone();
                            }
                        }
                        let made: Value = serde_json::from_str(&text).unwrap_or(Value::Null);
                        if let Some(id) = made["id"].as_str() {
                            let endpoint = op["path"].as_str().unwrap_or("").split('/').nth(1).unwrap_or("");
                            result["location"] = json!(format!("http://127.0.0.1:{port}/v2/{endpoint}/{id}"));
                        }
                        if let Some(v) = h
                            .iter()
                            .find(|(k, _)| k == "etag")
                            .map(|(_, v)| v.clone())
                            .or(made["meta"]["version"].as_str().map(str::to_string))
                        {
                            result["version"] = json!(v);
                        }
                        if status >= 400 {
                            errors += 1;
                            result["response"] = made;
                        } else if m != "DELETE" {
                            result["response"] = made;
                        }
                        results.push(result);
                    }
                    let answer = json!({ "schemas": ["urn:ietf:params:scim:api:messages:2.0:BulkResponse"], "Operations": results });
                    return reply(&mut client, 200, &[], &answer.to_string());
                }
                let member_add = method == "PATCH"
                    && path.contains("/Groups/")
                    && body.contains("\"members\"")
                    && body.to_lowercase().contains("\"add\"");
                let Some((status, mut headers, text)) = write(method, path, &auth, body) else { return };
                if member_add && (200..300).contains(&status) && !lost.swap(true, Ordering::SeqCst) {
                    // Applied; the answer never comes back.
                    return;
                }
                if status == 412 {
                    stale.store(true, Ordering::SeqCst);
                }
                let versionless = strict.versionless_after_stale && stale.load(Ordering::SeqCst);
                let text =
                    if (method == "GET" && path.contains("/Groups") || versionless) && (200..300).contains(&status) {
                        let mut v: Value = serde_json::from_str(&text).unwrap_or(Value::Null);
                        if method == "GET" && path.contains("/Groups") {
                            with_extra(&mut v);
                        }
                        if versionless {
                            headers.retain(|(k, _)| k != "etag");
                            let strip = |r: &mut Value| {
                                if let Some(meta) = r.get_mut("meta").and_then(Value::as_object_mut) {
                                    meta.remove("version");
                                }
                            };
                            match v.get_mut("Resources").and_then(Value::as_array_mut) {
                                Some(items) => items.iter_mut().for_each(strip),
                                None => strip(&mut v),
                            }
                        }
                        if v.is_null() {
                            text
                        } else {
                            v.to_string()
                        }
                    } else {
                        text
                    };
                reply(&mut client, status, &headers, &text);
            });
        }
    });
    server
}

/// Closes Parent → « Mon établissement › Direction » (`visibility set`); its JSON answer.
pub fn close_parent_direction(d: &Path) -> serde_json::Value {
    let args = ["visibility", "set", "--uai", UAI, "--profile", "parent", "--node", "mon etablissement/direction"];
    ok_json(&cli(d, TOKEN, &[&args[..], &["--visible", "false", "--json"]].concat()))
}
