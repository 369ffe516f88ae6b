//! Préau's developer tasks, run as `cargo xtask <task>` (alias in .cargo/config.toml).

mod bench;
mod bundle;
mod fuzz;
mod peer;
mod run;
mod setup;
mod test;
mod util;

use std::fmt;
use std::process::ExitCode;

const USAGE: &str = "\
usage: cargo xtask <task>

tasks:
  setup                      install what building and testing need (idempotent)
  run                        build and start the app on the demo establishment, with the SCIM peer
  test                       setup, then fmt, clippy, core+cli tests, the CLI's SCIM tests again
                             against SCIMMY, mock-runtime tests, e2e, the installer (.deb
                             unpacked and started)
  bundle [--check]           the release app and its installers (.deb and .rpm here; NSIS and
                             MSI on Windows; .app and DMG on macOS), by Tauri's bundler; with
                             --check, the .deb unpacked and its binary started under Xvfb
  peer [--port N] [--token T] [--server scim2|scimmy]
                             serve the SCIM test peer on 127.0.0.1 until Ctrl-C (scim2-server,
                             or SCIMMY's with --server scimmy)
  bench imports [--runs N]   import benchmark (lycée demo set, release) and lxml's bare parse
  bench reconcile [--seeds A..B] [--academy N] [--accounts N] [--quick] [--compare splink]
                             reconciliation quality (held-out seeds) and speed; with --compare
                             splink, quality only, beside Splink's on the same files
  bench sync [--changes N]   group-membership changes (5,000) pushed to the peer, and the same
                             sent one by one by scim2-cli to a second peer
  bench groups [--runs N]    every rule-populated group of the lycée demo evaluated (release)
  bench directory            the Annuaire's search in the lycée demo, per keystroke (release)
  bench startup              release app under Xvfb, from process start to its first view
                             interactive, median of 5
  fuzz [TARGET] [--runs N] [--reseed] [--seed-only]
                             run the readers' cargo-fuzz targets (all by default: siecle, sts,
                             edt, udt, aaf, ent_directory, pronote_ids, detect_any, group_rule,
                             group_csv), N runs each
                             (default 1000000), seed corpus built from the demo files when
                             missing (or with --reseed; only that with --seed-only); one summary
                             line per target
";

/// Bad command-line arguments: usage on stderr, exit 2.
#[derive(Debug)]
pub struct UsageError(pub String);

impl fmt::Display for UsageError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for UsageError {}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let Some(task) = args.first().map(String::as_str) else {
        eprint!("{USAGE}");
        return ExitCode::from(2);
    };
    if matches!(task, "-h" | "--help" | "help") {
        print!("{USAGE}");
        return ExitCode::SUCCESS;
    }
    if !matches!(task, "setup" | "run" | "test" | "peer" | "fuzz" | "bench" | "bundle") {
        eprintln!("xtask: unknown task `{task}`");
        eprint!("{USAGE}");
        return ExitCode::from(2);
    }
    if !matches!(task, "peer" | "fuzz" | "bench" | "bundle") && args.len() > 1 {
        eprintln!("xtask: `{task}` takes no arguments");
        eprint!("{USAGE}");
        return ExitCode::from(2);
    }
    let result = util::Ctx::new().and_then(|ctx| match task {
        "setup" => setup::setup(&ctx).map(|()| 0),
        "run" => run::cmd(&ctx),
        "test" => test::cmd(&ctx),
        "fuzz" => fuzz::cmd(&ctx, &args[1..]),
        "bench" => bench::cmd(&ctx, &args[1..]),
        "bundle" => bundle::cmd(&ctx, &args[1..]),
        _ => peer::cmd(&ctx, &args[1..]).map(|()| 0),
    });
    match result {
        Ok(code) => ExitCode::from(u8::try_from(code).unwrap_or(1)),
        Err(e) if e.is::<UsageError>() => {
            eprintln!("xtask: {e}");
            eprint!("{USAGE}");
            ExitCode::from(2)
        }
        Err(e) => {
            eprintln!("xtask: error: {e}");
            ExitCode::FAILURE
        }
    }
}
