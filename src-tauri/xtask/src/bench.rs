//! `cargo xtask bench imports`: runs preau-core's import benchmark in
//! release mode, then times lxml's bare parse of the same files from a
//! project-local venv (`target/bench-venv`, pinned lxml, Splink and DuckDB).
//! `cargo xtask bench reconcile`: reconciliation quality on held-out seeds
//! of the synthetic academy, then its speed. With `--compare splink`, the
//! quality part only, its files written to `target/bench-reconcile`, then
//! Splink run on the same files from the bench venv, its precision, top 3
//! and time printed beside Préau's.
//! `cargo xtask bench sync`: two SCIM peers seeded alike; 5,000 group
//! membership changes pushed by Préau to one and sent one by one by
//! scim2-cli (the peer venv's) to the other.
//! `cargo xtask bench groups`: every rule group of the lycée demo evaluated.

use std::path::PathBuf;
use std::process::Command;

use crate::util::{check, Ctx, Result};
use crate::UsageError;

/// What the bench venv holds; it is recreated when this list changes.
const PINS: [&str; 3] = ["lxml==6.1.3", "splink==4.0.17", "duckdb==2.0.1"];

pub fn cmd(ctx: &Ctx, args: &[String]) -> Result<i32> {
    match args.first().map(String::as_str) {
        Some("imports") => imports(ctx, &args[1..]),
        Some("reconcile") => reconcile(ctx, &args[1..]),
        Some("sync") => sync(ctx, &args[1..]),
        Some("startup") => crate::bundle::bench_startup(ctx),
        Some(name @ ("groups" | "directory")) => {
            check(ctx.cargo().args(["bench", "-p", "preau-core", "--bench", name, "--"]).args(&args[1..]))?;
            Ok(0)
        }
        Some(other) => Err(Box::new(UsageError(format!(
            "unknown benchmark `{other}` (available: imports, reconcile, sync, groups, directory, startup)"
        )))),
        None => Err(Box::new(UsageError(
            "bench needs a benchmark name (available: imports, reconcile, sync, groups, directory, startup)".into(),
        ))),
    }
}

fn imports(ctx: &Ctx, args: &[String]) -> Result<i32> {
    let runs = match args {
        [] => "15".to_string(),
        [flag, n] if flag == "--runs" && n.parse::<u32>().is_ok() => n.clone(),
        _ => return Err(Box::new(UsageError("usage: cargo xtask bench imports [--runs N]".into()))),
    };
    let out = ctx.root.join("target").join("bench-imports");
    check(
        ctx.cargo().args(["bench", "-p", "preau-core", "--bench", "imports", "--", "--runs", &runs, "--out"]).arg(&out),
    )?;
    let python = bench_venv(ctx)?;
    check(
        Command::new(&python)
            .arg(ctx.root.join("src-tauri/xtask/bench/lxml_parse.py"))
            .arg(out.join("bench-files.tsv"))
            .arg(&runs),
    )?;
    Ok(0)
}

/// Reconcile's bench, or with `--compare splink` its quality part and Splink on the same files.
fn reconcile(ctx: &Ctx, args: &[String]) -> Result<i32> {
    let mut rest = Vec::new();
    let mut splink = false;
    let mut it = args.iter();
    while let Some(arg) = it.next() {
        if arg != "--compare" {
            rest.push(arg.clone());
            continue;
        }
        match it.next().map(String::as_str) {
            Some("splink") => splink = true,
            Some(other) => {
                return Err(Box::new(UsageError(format!("unknown comparison `{other}` (available: splink)"))))
            }
            None => return Err(Box::new(UsageError("--compare needs a tool name (available: splink)".into()))),
        }
    }
    let mut cargo = ctx.cargo();
    cargo.args(["bench", "-p", "preau-core", "--bench", "reconcile", "--"]).args(&rest);
    if !splink {
        check(&mut cargo)?;
        return Ok(0);
    }
    if rest.iter().any(|a| a == "--out") {
        return Err(Box::new(UsageError("--compare writes to target/bench-reconcile; drop --out".into())));
    }
    let out = ctx.root.join("target").join("bench-reconcile");
    // Seeds left from an earlier run would be counted by the comparison.
    if out.exists() {
        std::fs::remove_dir_all(&out)?;
    }
    check(cargo.arg("--quick").arg("--out").arg(&out))?;
    let python = bench_venv(ctx)?;
    check(Command::new(&python).arg(ctx.root.join("src-tauri/xtask/bench/splink_compare.py")).arg(&out))?;
    Ok(0)
}

/// Two fresh peers, then the sync bench binary against them.
fn sync(ctx: &Ctx, args: &[String]) -> Result<i32> {
    let changes = match args {
        [] => "5000".to_string(),
        [flag, n] if flag == "--changes" && n.parse::<u32>().is_ok_and(|n| n >= 10) => n.clone(),
        _ => return Err(Box::new(UsageError("usage: cargo xtask bench sync [--changes N]".into()))),
    };
    crate::setup::peer_venv(ctx)?;
    let preau = crate::peer::start(ctx, None, None)?;
    let sequential = crate::peer::start(ctx, None, Some(preau.token.clone()))?;
    let scim = ctx.root.join("src-tauri").join("core").join("scim");
    let out = ctx.root.join("target").join("bench-sync");
    check(
        ctx.cargo()
            .args(["bench", "-p", "preau-core", "--bench", "sync", "--"])
            .args(["--url", &preau.url, "--sequential-url", &sequential.url, "--token", &preau.token])
            .args(["--changes", &changes, "--python"])
            .arg(ctx.venv_bin("python"))
            .arg("--script")
            .arg(ctx.root.join("src-tauri/xtask/bench/sync_sequential.py"))
            .arg("--schemas")
            .arg(scim.join("schemas.json"))
            .arg("--resource-types")
            .arg(scim.join("resource-types.json"))
            .arg("--out")
            .arg(&out),
    )?;
    Ok(0)
}

/// The bench venv's python, the venv (re)created with `PINS` when its marker differs.
fn bench_venv(ctx: &Ctx) -> Result<PathBuf> {
    let venv = ctx.root.join("target").join("bench-venv");
    let python = venv.join("bin").join("python");
    let marker = venv.join(".preau-pins");
    let pins = PINS.join("\n");
    if std::fs::read_to_string(&marker).ok().as_deref() != Some(pins.as_str()) {
        println!("bench: creating {} with {}", venv.display(), PINS.join(" "));
        check(Command::new("python3").args(["-m", "venv", "--clear"]).arg(&venv))?;
        check(Command::new(&python).args(["-m", "pip", "install", "--quiet"]).args(PINS))?;
        std::fs::write(&marker, pins)?;
    }
    Ok(python)
}
