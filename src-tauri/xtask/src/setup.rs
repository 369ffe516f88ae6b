//! `cargo xtask setup`: installs what building and testing need, idempotently.
//!
//! - Debian/Ubuntu packages (Tauri's prerequisites, WebKitWebDriver, Xvfb, Node when absent);
//! - a pinned `tauri-driver` under `<target>/tools`;
//! - the SCIM test peer's venv under `<target>/peer-venv`;
//! - `npm ci` in `tests/e2e` and in the second SCIM peer's folder
//!   (`src-tauri/xtask/scim-peer-js`) when its lock file is newer than its `node_modules`.

use crate::util::{self, check, quiet_stdout, secs, which, Ctx, Result};
use std::fs;
use std::path::Path;
use std::process::Command;
use std::time::Instant;

/// Tauri's Linux build prerequisites (https://v2.tauri.app/start/prerequisites) plus pkg-config.
const TAURI_DEBS: &[&str] = &[
    "libwebkit2gtk-4.1-dev",
    "build-essential",
    "curl",
    "wget",
    "file",
    "libxdo-dev",
    "libssl-dev",
    "libayatana-appindicator3-dev",
    "librsvg2-dev",
    "pkg-config",
];

/// End-to-end tests: WebKitWebDriver and a virtual X server (`xvfb-run` needs `xauth`).
const E2E_DEBS: &[&str] = &["webkit2gtk-driver", "xvfb", "xauth"];

pub const TAURI_DRIVER_VERSION: &str = "2.1.0";

/// The SCIM peer and the compliance tester, pinned (reference/tauri-scim.md §6.1).
const PEER_PINS: &[&str] = &["scim2-server==0.8.3", "scim2-cli==0.6.0"];
const PEER_MARKER: &str = ".preau-pins";

/// Runs every step, reports each failure, and fails at the end if any step did.
pub fn setup(ctx: &Ctx) -> Result<()> {
    type Step = fn(&Ctx) -> Result<()>;
    let steps: [(&str, Step); 6] = [
        ("system packages", system_packages),
        ("tauri-driver", tauri_driver),
        ("peer venv", peer_venv),
        ("e2e node modules", e2e_node_modules),
        ("SCIMMY peer node modules", scimmy_node_modules),
        ("bundler node modules", bundler_node_modules),
    ];
    let mut failed = Vec::new();
    for (name, step) in steps {
        if let Err(e) = step(ctx) {
            eprintln!("setup: {name}: FAILED: {e}");
            failed.push(name);
        }
    }
    if failed.is_empty() {
        println!("setup: done");
        Ok(())
    } else {
        Err(format!("setup failed: {}", failed.join(", ")).into())
    }
}

fn system_packages(_ctx: &Ctx) -> Result<()> {
    if cfg!(target_os = "linux") && is_debian_like() {
        return debian_packages();
    }
    print_manual_prerequisites();
    Ok(())
}

/// ID and ID_LIKE of /etc/os-release name Debian or Ubuntu.
fn is_debian_like() -> bool {
    let Ok(text) = fs::read_to_string("/etc/os-release") else {
        return false;
    };
    text.lines()
        .filter_map(|l| l.strip_prefix("ID=").or_else(|| l.strip_prefix("ID_LIKE=")))
        .flat_map(|v| v.trim_matches('"').split_whitespace())
        .any(|id| id == "debian" || id == "ubuntu")
}

fn debian_packages() -> Result<()> {
    let mut wanted: Vec<&str> = TAURI_DEBS.iter().chain(E2E_DEBS).copied().collect();
    // Debian's python3 has no ensurepip without python3-venv, so `python3 -m venv` fails.
    if which("python3").is_none() {
        wanted.extend(["python3", "python3-venv"]);
    } else if quiet_stdout(Command::new("python3").args(["-c", "import ensurepip, venv"])).is_none() {
        wanted.push("python3-venv");
    }
    if which("node").is_none() {
        wanted.extend(["nodejs", "npm"]);
    } else if which("npm").is_none() {
        wanted.push("npm");
    }
    let missing: Vec<&str> = wanted.into_iter().filter(|p| !deb_installed(p)).collect();
    if missing.is_empty() {
        println!("setup: Debian packages present");
        return Ok(());
    }
    println!("setup: installing Debian packages: {}", missing.join(" "));
    let sudo = if quiet_stdout(Command::new("id").arg("-u")).as_deref() == Some("0") {
        false
    } else if which("sudo").is_some() {
        true
    } else {
        return Err(
            format!("not root and no sudo: install them with `apt-get install -y {}`", missing.join(" ")).into()
        );
    };
    let apt = |args: &[&str]| {
        let mut cmd = Command::new(if sudo { "sudo" } else { "apt-get" });
        if sudo {
            cmd.args(["DEBIAN_FRONTEND=noninteractive", "apt-get"]);
        }
        cmd.env("DEBIAN_FRONTEND", "noninteractive").args(args);
        cmd
    };
    let started = Instant::now();
    check(&mut apt(&["update"]))?;
    check(apt(&["install", "-y"]).args(&missing))?;
    println!("setup: Debian packages installed in {}", secs(started.elapsed()));
    Ok(())
}

fn deb_installed(package: &str) -> bool {
    quiet_stdout(Command::new("dpkg-query").args(["-W", "-f=${Status}", package]))
        .is_some_and(|status| status.ends_with(" ok installed"))
}

/// Outside Debian/Ubuntu we only say what to install.
fn print_manual_prerequisites() {
    let lines: &[&str] = if cfg!(target_os = "macos") {
        &[
            "setup: macOS: install the Xcode command line tools: xcode-select --install",
            "setup: macOS: end-to-end tests need WebDriver for the system WebView, which macOS lacks",
        ]
    } else if cfg!(windows) {
        &[
            "setup: Windows: install the Visual Studio C++ Build Tools (\"Desktop development with C++\")",
            "setup: Windows: WebView2 is part of Windows 10/11; end-to-end tests also need msedgedriver matching Edge",
            "setup: Windows: install Python 3.11+ and Node.js (with npm) and put them on PATH",
        ]
    } else {
        &[
            "setup: not Debian/Ubuntu: install Tauri's Linux prerequisites yourself, e.g.",
            "setup:   Fedora: sudo dnf install webkit2gtk4.1-devel openssl-devel curl wget file libappindicator-gtk3-devel librsvg2-devel libxdo-devel xorg-x11-server-Xvfb xorg-x11-xauth python3 nodejs npm && sudo dnf group install c-development",
            "setup:   Arch: sudo pacman -S --needed webkit2gtk-4.1 base-devel curl wget file openssl appmenu-gtk-module libappindicator-gtk3 librsvg xdotool xorg-server-xvfb xorg-xauth python nodejs npm",
            "setup:   end-to-end tests also need WebKitWebDriver (shipped with WebKitGTK on most distributions)",
        ]
    };
    for line in lines {
        println!("{line}");
    }
}

/// `cargo install tauri-driver` into `<target>/tools` unless the pinned version is there.
/// (tauri-driver has no `--version`; cargo's own install record says which one is installed.)
fn tauri_driver(ctx: &Ctx) -> Result<()> {
    if cfg!(target_os = "macos") {
        println!("setup: tauri-driver skipped (no WebDriver for the macOS WebView)");
        return Ok(());
    }
    let root = ctx.tools_root();
    let installed = quiet_stdout(ctx.cargo().arg("install").arg("--list").arg("--root").arg(&root)).and_then(|list| {
        list.lines().find_map(|l| l.strip_prefix("tauri-driver v")).map(|v| v.trim_end_matches(':').to_string())
    });
    if ctx.tauri_driver().is_file() && installed.as_deref() == Some(TAURI_DRIVER_VERSION) {
        println!("setup: tauri-driver {TAURI_DRIVER_VERSION} present");
        return Ok(());
    }
    println!("setup: installing tauri-driver {TAURI_DRIVER_VERSION} into {}", root.display());
    let started = Instant::now();
    check(
        ctx.cargo()
            .args(["install", "tauri-driver", "--version", TAURI_DRIVER_VERSION, "--locked"])
            .arg("--root")
            .arg(&root),
    )?;
    println!("setup: tauri-driver installed in {}", secs(started.elapsed()));
    Ok(())
}

/// The venv holding scim2-server (and scim2-cli), recreated when the pins change.
pub fn peer_venv(ctx: &Ctx) -> Result<()> {
    let venv = ctx.venv();
    let python = ctx.venv_bin("python");
    let marker = venv.join(PEER_MARKER);
    let pins = format!("{}\n", PEER_PINS.join("\n"));
    if python.is_file()
        && ctx.venv_bin("scim2-server").is_file()
        && fs::read_to_string(&marker).ok().as_deref() == Some(pins.as_str())
    {
        println!("setup: peer venv present ({})", PEER_PINS.join(", "));
        return Ok(());
    }
    let started = Instant::now();
    if !python.is_file() {
        println!("setup: creating the peer venv at {}", venv.display());
        let python3 = if cfg!(windows) { "python" } else { "python3" };
        check(Command::new(python3).args(["-m", "venv", "--clear"]).arg(&venv))?;
    }
    println!("setup: installing {} into the peer venv", PEER_PINS.join(" "));
    let _ = fs::remove_file(&marker);
    check(
        Command::new(&python).args(["-m", "pip", "install", "--quiet", "--disable-pip-version-check"]).args(PEER_PINS),
    )?;
    fs::write(&marker, pins)?;
    println!("setup: peer venv ready in {}", secs(started.elapsed()));
    Ok(())
}

fn e2e_node_modules(ctx: &Ctx) -> Result<()> {
    node_modules(&ctx.e2e_dir(), "tests/e2e")
}

/// Tauri's bundler (tauri-cli), for `cargo xtask bundle` and the installer test.
pub fn bundler_node_modules(ctx: &Ctx) -> Result<()> {
    node_modules(&ctx.root.join("src-tauri").join("xtask").join("bundle"), "src-tauri/xtask/bundle")
}

/// SCIMMY and its Express routes, for the second SCIM peer.
pub fn scimmy_node_modules(ctx: &Ctx) -> Result<()> {
    node_modules(&ctx.scimmy_dir(), "src-tauri/xtask/scim-peer-js")
}

/// `npm ci` in `dir` when it has a lock file newer than its installed modules.
fn node_modules(dir: &Path, name: &str) -> Result<()> {
    let lock = dir.join("package-lock.json");
    if !lock.is_file() {
        if dir.join("package.json").is_file() {
            println!("setup: {name} has no package-lock.json; not running npm ci");
        } else {
            println!("setup: {name}/package.json absent; nothing to install there");
        }
        return Ok(());
    }
    let modules = dir.join("node_modules");
    // npm writes node_modules/.package-lock.json on every install.
    let stamp = [modules.join(".package-lock.json"), modules.clone()].into_iter().find(|p| p.exists());
    if stamp.is_some_and(|stamp| newer_or_same(&stamp, &lock)) {
        println!("setup: {name} node_modules up to date");
        return Ok(());
    }
    println!("setup: npm ci in {name}");
    let started = Instant::now();
    check(util::npm().arg("ci").arg("--no-fund").arg("--no-audit").current_dir(dir))?;
    println!("setup: npm ci done in {}", secs(started.elapsed()));
    Ok(())
}

fn newer_or_same(a: &Path, b: &Path) -> bool {
    let mtime = |p: &Path| fs::metadata(p).and_then(|m| m.modified()).ok();
    matches!((mtime(a), mtime(b)), (Some(a), Some(b)) if a >= b)
}
