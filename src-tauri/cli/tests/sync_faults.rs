//! Sync under faults: a proxy of our own between preau-cli and the real peer
//! drops connections, delays, answers 503 and 429 with Retry-After and cuts
//! responses halfway; preau-cli is killed (SIGKILL) in the middle of a push.
//! After each, the server and the store agree: nothing lost, nothing twice.

mod common;

use common::*;

fn accounts_of(d: &std::path::Path) -> Vec<String> {
    let data = open(d).load_population().unwrap().unwrap();
    data.accounts
        .iter()
        .filter(|a| a.establishments.iter().any(|e| e.to_string() == UAI))
        .map(|a| a.id.clone())
        .collect()
}

/// Every link of `accounts` (`prefix` + index) is on the server.
fn links_on_server(peer: &Peer, accounts: &[String], prefix: &str) {
    for (k, a) in accounts.iter().enumerate() {
        let filter = url_encode(&format!("externalId eq \"{a}\""));
        let (status, body) = http(peer, "GET", &format!("/v2/Users?filter={filter}"), None);
        assert_eq!(status, 200, "{body}");
        let v: serde_json::Value = serde_json::from_str(&body).unwrap();
        assert_eq!(v["totalResults"], 1, "one account {a}, never two");
        assert_eq!(v["Resources"][0][preau_core::sync::ENT_USER]["pronoteId"], format!("{prefix}{k}"), "{a}");
    }
}

/// A fault on one request in three, each kind in turn.
fn hostile(n: usize) -> Fault {
    match n % 15 {
        2 => Fault::Unavailable,
        5 => Fault::TooMany,
        8 => Fault::ResetMidBody,
        11 => Fault::Drop,
        14 => Fault::Delay(300),
        _ => Fault::Pass,
    }
}

#[test]
fn faults_lose_nothing_and_duplicate_nothing() {
    let peer = peer();
    let proxy = fault_proxy(&peer.url, hostile);
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    demo_pointing_at(d, 8, &proxy.url);
    let accounts = accounts_of(d);

    // A create cut off after the server made it is found again by externalId.
    let mut runs = 0;
    loop {
        runs += 1;
        let o = cli(d, TOKEN, &["sync", "publish", "--uai", UAI, "--json"]);
        if o.status.code() == Some(0) {
            break;
        }
        let err = String::from_utf8_lossy(&o.stderr);
        assert!(err.contains("SYNC_"), "a clear sync error: {err}");
        assert!(runs < 12, "publish never got through: {err}");
    }
    assert_eq!(server_users(&peer), accounts.len() as u64, "every account once, after {runs} run(s)");

    // PATCHes are retried through every fault; the outbox empties.
    let sample: Vec<String> = accounts.iter().take(40).cloned().collect();
    assert_eq!(queue_links(d, &sample, "F"), 40);
    let mut runs = 0;
    loop {
        runs += 1;
        let o = cli(d, TOKEN, &["sync", "push", "--uai", UAI, "--json"]);
        if o.status.code() == Some(0) && ok_json(&o)["remaining"] == 0 {
            break;
        }
        assert!(runs < 8, "push never finished: {}", String::from_utf8_lossy(&o.stderr));
    }
    assert!(proxy.faults.load(std::sync::atomic::Ordering::SeqCst) >= 8, "the proxy did inject faults");
    assert!(open(d).outbox().unwrap().is_empty());
    links_on_server(&peer, &sample, "F");
    assert_eq!(server_users(&peer), accounts.len() as u64);
    assert!(open(d).audit_verify().unwrap().ok);
}

fn slow(_: usize) -> Fault {
    Fault::Delay(40)
}

#[test]
fn a_push_killed_midway_resumes_without_loss() {
    let peer = peer();
    let proxy = fault_proxy(&peer.url, slow);
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    demo_pointing_at(d, 9, &proxy.url);
    ok_json(&cli(d, TOKEN, &["sync", "publish", "--uai", UAI, "--json"]));
    ok_json(&cli(d, TOKEN, &["sync", "pull", "--uai", UAI, "--json"]));
    let accounts = accounts_of(d);
    // Several Bulk requests, a few in flight: the kill lands between them.
    let sample: Vec<String> = accounts.iter().take(800).cloned().collect();
    assert_eq!(queue_links(d, &sample, "K"), 800);

    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_preau-cli"))
        .arg("--data-dir")
        .arg(d)
        .args(["sync", "push", "--uai", UAI])
        .env("PREAU_DB_KEY", KEY)
        .env("PREAU_SCIM_TOKEN", TOKEN)
        .env_remove("PREAU_DATA_DIR")
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
    loop {
        let left = open(d).outbox().unwrap().len();
        if left < 800 {
            break;
        }
        assert!(std::time::Instant::now() < deadline, "the push never started");
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    child.kill().unwrap(); // SIGKILL
    child.wait().unwrap();
    let left = open(d).outbox().unwrap().len();
    assert!(left > 0 && left < 800, "killed midway: {left} left");

    let resumed = ok_json(&cli(d, TOKEN, &["sync", "push", "--uai", UAI, "--json"]));
    assert_eq!(resumed["remaining"], 0);
    assert_eq!(resumed["sent"].as_u64(), Some(left as u64), "exactly what was left is sent");
    links_on_server(&peer, &sample, "K");
    assert_eq!(server_users(&peer), accounts.len() as u64);
    assert!(open(d).audit_verify().unwrap().ok);
}

#[test]
fn a_cancelled_push_stops_between_requests_and_reports_its_progress() {
    use preau_core::sync::{block_on, push, Client};
    let peer = peer();
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    demo_pointing_at(d, 10, &peer.url);
    ok_json(&cli(d, TOKEN, &["sync", "publish", "--uai", UAI, "--json"]));
    ok_json(&cli(d, TOKEN, &["sync", "pull", "--uai", UAI, "--json"]));
    let sample: Vec<String> = accounts_of(d).into_iter().take(1000).collect();
    assert_eq!(queue_links(d, &sample, "C"), 1000);

    let mut store = open(d);
    let client = block_on(Client::connect(&peer.url, TOKEN)).unwrap().unwrap();
    let done = std::cell::Cell::new(0);
    let mut heard = Vec::new();
    // Stop once the first answer is in: the requests already sent still
    // land and are confirmed; no new one starts.
    let stop = || done.get() > 0;
    let pushed = block_on(push(&client, &mut store, "test", &stop, &mut |n, total| {
        done.set(n);
        heard.push((n, total));
    }))
    .unwrap()
    .unwrap();
    // A request carries about a hundred PATCHes where the server takes conditional Bulk
    // writes (Bulk and ETags), one PATCH otherwise.
    let packed = peer.offers("bulk") && peer.offers_or_skip("etag", "a_cancelled_push…: PATCHes packed in Bulk");
    assert!((if packed { 100 } else { 1 }..1000).contains(&pushed.sent), "{pushed:?}");
    assert!(pushed.requests < 10, "{pushed:?}");
    assert_eq!(pushed.sent + pushed.remaining, 1000);
    assert_eq!(heard.first(), Some(&(0, 1000)));
    assert_eq!(heard.last(), Some(&(pushed.sent, 1000)));
    assert!(heard.windows(2).all(|w| w[0].0 <= w[1].0), "progress only goes forward: {heard:?}");
    assert_eq!(open(d).outbox_len().unwrap(), pushed.remaining);
    let rest = block_on(push(&client, &mut store, "test", &|| false, &mut |_, _| {})).unwrap().unwrap();
    assert_eq!((rest.sent, rest.remaining), (1000 - pushed.sent, 0));
    drop(store);
    links_on_server(&peer, &sample, "C");
}
