//! `cargo xtask bench imports`: runs preau-core's import benchmark in
//! release mode, then times lxml's bare parse of the same files from a
//! project-local venv (`target/bench-venv`, pinned lxml).
//! `cargo xtask bench reconcile`: reconciliation quality on held-out seeds
//! of the synthetic academy, then its speed.

use std::process::Command;

use crate::util::{check, Ctx, Result};
use crate::UsageError;

const LXML: &str = "lxml==6.1.3";

pub fn cmd(ctx: &Ctx, args: &[String]) -> Result<i32> {
    match args.first().map(String::as_str) {
        Some("imports") => imports(ctx, &args[1..]),
        Some("reconcile") => {
            let mut cargo = ctx.cargo();
            cargo.args(["bench", "-p", "preau-core", "--bench", "reconcile", "--"]).args(&args[1..]);
            check(&mut cargo)?;
            Ok(0)
        }
        Some(other) => {
            Err(Box::new(UsageError(format!("unknown benchmark `{other}` (available: imports, reconcile)"))))
        }
        None => Err(Box::new(UsageError("bench needs a benchmark name (available: imports, reconcile)".into()))),
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
    let venv = ctx.root.join("target").join("bench-venv");
    let python = venv.join("bin").join("python");
    let marker = venv.join(".preau-pins");
    if std::fs::read_to_string(&marker).ok().as_deref() != Some(LXML) {
        println!("bench: creating {} with {LXML}", venv.display());
        check(Command::new("python3").args(["-m", "venv"]).arg(&venv))?;
        check(Command::new(&python).args(["-m", "pip", "install", "--quiet", LXML]))?;
        std::fs::write(&marker, LXML)?;
    }
    check(
        Command::new(&python)
            .arg(ctx.root.join("src-tauri/xtask/bench/lxml_parse.py"))
            .arg(out.join("bench-files.tsv"))
            .arg(&runs),
    )?;
    Ok(0)
}
