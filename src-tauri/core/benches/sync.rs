//! `cargo xtask bench sync`: 5,000 group-membership changes pushed to the
//! SCIM peer, then the same changes sent one by one by scim2-cli (one
//! session, `modify` per change) to a second peer seeded the same way. Both servers' memberships are then read back
//! and checked against the expected state.
//!
//! Usage: `sync --url URL --sequential-url URL --token T --python PY
//! --script FILE --schemas FILE --resource-types FILE [--changes N]
//! [--out DIR]` (xtask starts both peers and passes all of this).

use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;
use std::process::Command;
use std::time::Instant;

use preau_core::model::{EstablishmentKind, Uai};
use preau_core::secrets::DbKey;
use preau_core::store::{MembershipChange, Store};
use preau_core::sync::{self, Client};

type Error = Box<dyn std::error::Error>;
/// `externalId` → the server's id.
type Ids = BTreeMap<String, String>;

/// Each group's members, by the members' `externalId`.
fn memberships(client: &Client, uai: &str) -> Result<BTreeMap<String, BTreeSet<String>>, Error> {
    let users = sync::block_on(client.list_all("/Users", None))??;
    let ext: BTreeMap<String, String> = users
        .iter()
        .filter_map(|u| Some((u.body["id"].as_str()?.to_string(), u.body["externalId"].as_str()?.to_string())))
        .collect();
    let filter = format!("{}:establishment eq \"{uai}\"", sync::ENT_GROUP);
    let groups = sync::block_on(client.list_all("/Groups", Some(&filter)))??;
    let mut out = BTreeMap::new();
    for g in groups {
        let Some(name) = g.body["externalId"].as_str() else { continue };
        let members: BTreeSet<String> = g.body["members"]
            .as_array()
            .map(Vec::as_slice)
            .unwrap_or(&[])
            .iter()
            .filter_map(|m| ext.get(m["value"].as_str()?).cloned())
            .collect();
        out.insert(name.to_string(), members);
    }
    Ok(out)
}

fn main() -> Result<(), Error> {
    let args: Vec<String> = std::env::args().collect();
    let arg = |name: &str| args.iter().position(|a| a == name).and_then(|i| args.get(i + 1)).cloned();
    let need = |name: &str| arg(name).ok_or_else(|| format!("{name} is required"));
    let url = need("--url")?;
    let seq_url = need("--sequential-url")?;
    let token = need("--token")?;
    let python = need("--python")?;
    let script = need("--script")?;
    let changes: usize = arg("--changes").and_then(|n| n.parse().ok()).unwrap_or(5000);
    let work = tempfile::tempdir()?;
    let out = arg("--out").map(PathBuf::from).unwrap_or_else(|| work.path().to_path_buf());
    std::fs::create_dir_all(&out)?;

    // The demo collège, published to both peers alike.
    let uai = Uai::parse("0999001W")?;
    let data = preau_core::demo::generate(&uai, EstablishmentKind::College, 1);
    let key = DbKey::from_hex(&"42".repeat(32)).ok_or("key")?;
    let mut store = Store::open_or_create(work.path(), &uai, &key, "bench")?;
    store.replace_population(&data, "bench", "DEMO_GENERATED", &serde_json::json!({}))?;
    let client = sync::block_on(Client::connect(&url, &token))??;
    let sequential = sync::block_on(Client::connect(&seq_url, &token))??;
    for c in [&client, &sequential] {
        sync::block_on(sync::publish(c, &data))??;
    }
    sync::block_on(sync::pull(&client, &mut store, &uai.to_string(), "bench", &mut |_| {}))??;

    // The changes: accounts join groups, spread over the groups; the last
    // fifth leave again a group they joined (so one PATCH carries both).
    let accounts: Vec<&str> = data.accounts.iter().map(|a| a.id.as_str()).collect();
    let groups: Vec<&str> = data.groups.iter().map(|g| g.id.as_str()).collect();
    let joins = changes - changes / 5;
    let mut list: Vec<MembershipChange> = Vec::with_capacity(changes);
    let mut seen = BTreeSet::new();
    let mut n: u64 = 0x9E37_79B9;
    while list.len() < joins && seen.len() < accounts.len() * groups.len() {
        n = n.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
        let pair = ((n >> 33) as usize % groups.len(), (n >> 13) as usize % accounts.len());
        if seen.insert(pair) {
            list.push(MembershipChange { group: groups[pair.0].into(), account: accounts[pair.1].into(), join: true });
        }
    }
    let leaves: Vec<MembershipChange> =
        list.iter().step_by(4).take(changes - joins).map(|c| MembershipChange { join: false, ..c.clone() }).collect();
    list.extend(leaves);
    // The groups were published with their members: the changes apply over them.
    let mut expected = memberships(&client, &uai.to_string())?;
    if expected != memberships(&sequential, &uai.to_string())? {
        return Err("the two peers were not seeded alike".into());
    }
    for c in &list {
        let set = expected.entry(c.group.clone()).or_default();
        if c.join {
            set.insert(c.account.clone());
        } else {
            set.remove(&c.account);
        }
    }
    store.queue_memberships(&list, "bench", "bench")?;

    // Préau.
    let started = Instant::now();
    let pushed = sync::block_on(sync::push(&client, &mut store, "bench", &|| false, &mut |_, _| {}))??;
    let preau = started.elapsed().as_secs_f64();
    if pushed.sent != list.len() || pushed.remaining != 0 {
        return Err(format!("Préau's push did not send everything: {pushed:?}").into());
    }
    let got = memberships(&client, &uai.to_string())?;
    if got != expected {
        return Err("the server's memberships after Préau's push differ from the expected ones".into());
    }

    // The sequential client: the same changes, by the second peer's ids.
    let ids = |c: &Client| -> Result<(Ids, Ids), Error> {
        let map = |endpoint: &str| -> Result<Ids, Error> {
            Ok(sync::block_on(c.list_all(endpoint, None))??
                .iter()
                .filter_map(|r| Some((r.body["externalId"].as_str()?.to_string(), r.body["id"].as_str()?.to_string())))
                .collect())
        };
        Ok((map("/Users")?, map("/Groups")?))
    };
    let (users_b, groups_b) = ids(&sequential)?;
    let mut lines = String::new();
    for c in &list {
        let (Some(g), Some(u)) = (groups_b.get(&c.group), users_b.get(&c.account)) else {
            return Err(format!("{} or {} missing on the second peer", c.group, c.account).into());
        };
        lines.push_str(&serde_json::json!({ "group": g, "user": u, "join": c.join }).to_string());
        lines.push('\n');
    }
    let changes_file = out.join("sync-changes.jsonl");
    std::fs::write(&changes_file, lines)?;
    let spc = out.join("service-provider-config.json");
    std::fs::write(&spc, sync::block_on(sequential.get("/ServiceProviderConfig"))??.body.to_string())?;
    let output = Command::new(&python)
        .arg(&script)
        .args(["--url", &seq_url, "--token", &token, "--changes"])
        .arg(&changes_file)
        .args(["--schemas", &need("--schemas")?, "--resource-types", &need("--resource-types")?, "--config"])
        .arg(&spc)
        .output()?;
    if !output.status.success() {
        return Err(format!("the sequential client failed: {}", String::from_utf8_lossy(&output.stderr)).into());
    }
    let report: serde_json::Value = serde_json::from_slice(&output.stdout)?;
    let seq = report["seconds"].as_f64().ok_or("the sequential client's time")?;
    let got = memberships(&sequential, &uai.to_string())?;
    if got != expected {
        return Err("the server's memberships after scim2-cli's changes differ from the expected ones".into());
    }

    let rate = |s: f64| list.len() as f64 / s;
    println!(
        "sync: {} group-membership changes ({} joins, {} leaves) over {} groups",
        list.len(),
        joins,
        list.len() - joins,
        groups.len()
    );
    println!(
        "  Préau push            {:>8.2} s  {:>8.0} changes/s  ({} HTTP requests, Bulk, up to 4 in flight)",
        preau,
        rate(preau),
        pushed.requests
    );
    println!(
        "  scim2-cli, sequential {:>8.2} s  {:>8.0} changes/s  (`modify` per change, one session: described once, one connection)",
        seq,
        rate(seq)
    );
    let per = |key: &str| report[key].as_f64().unwrap_or(f64::NAN);
    println!(
        "  scim2-cli as a command per change: {:.0} ms each in one process (sample of {}), {:.0} ms as separate processes (sample of {}); for all {}: about {:.0} s and {:.0} s",
        per("per_command_ms"),
        report["command_sample"],
        per("per_process_ms"),
        report["process_sample"],
        list.len(),
        per("per_command_ms") * list.len() as f64 / 1000.0,
        per("per_process_ms") * list.len() as f64 / 1000.0
    );
    let speedup = seq / preau;
    println!(
        "  speed-up              {speedup:>8.1}×  (target ≥ 5×) {}",
        if speedup >= 5.0 { "met" } else { "MISSED" }
    );
    println!("  both servers read back: memberships equal the expected state");
    Ok(())
}
