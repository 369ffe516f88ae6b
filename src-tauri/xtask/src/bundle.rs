//! `cargo xtask bundle`: the release app and its installers, built by Tauri's
//! bundler (tauri-cli from npm, pinned to the tauri crate's version in
//! `src-tauri/xtask/bundle`) from `tauri.conf.json` — `.deb` and `.rpm` on
//! Linux, NSIS and MSI on Windows, `.app` and DMG on macOS.
//! `installed_deb_check`: the `.deb` unpacked into a scratch root, its
//! metadata and desktop entry read, and the installed binary started under
//! Xvfb until its first view is interactive.
//! `cargo xtask bench startup`: from process start to that first view,
//! release build, median of 5 runs under Xvfb.

use std::fs;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use crate::util::{check, random_hex, secs, which, Ctx, Result};

/// What the installed app prints once its first view answers (`PREAU_STARTUP_PROBE`).
const READY_LINE: &str = "preau: première vue prête";
const READY_TIMEOUT: Duration = Duration::from_secs(60);

fn bundler_dir(ctx: &Ctx) -> PathBuf {
    ctx.root.join("src-tauri").join("xtask").join("bundle")
}

fn bundles() -> &'static str {
    if cfg!(target_os = "windows") {
        "nsis,msi"
    } else if cfg!(target_os = "macos") {
        "app,dmg"
    } else {
        "deb,rpm"
    }
}

/// `tauri build` (release, as shipped), with these bundles or none.
fn tauri_build(ctx: &Ctx, bundles: Option<&str>) -> Result<()> {
    crate::setup::bundler_node_modules(ctx)?;
    let tauri =
        bundler_dir(ctx).join("node_modules").join(".bin").join(if cfg!(windows) { "tauri.cmd" } else { "tauri" });
    if !tauri.is_file() {
        return Err(format!("{} is missing (npm ci in src-tauri/xtask/bundle failed?)", tauri.display()).into());
    }
    let mut cmd = Command::new(&tauri);
    cmd.current_dir(&ctx.root).args(["build", "--ci"]).env("CARGO_TARGET_DIR", &ctx.target);
    match bundles {
        Some(b) => cmd.args(["--bundles", b]),
        None => cmd.arg("--no-bundle"),
    };
    check(&mut cmd)
}

/// Builds the release app and this platform's installers; returns them.
pub fn build(ctx: &Ctx) -> Result<Vec<PathBuf>> {
    let started = Instant::now();
    let dir = ctx.target.join("release").join("bundle");
    // Only this build's packages are listed and checked.
    let _ = fs::remove_dir_all(&dir);
    println!("bundle: tauri build --bundles {} (release, LTO: several minutes)", bundles());
    tauri_build(ctx, Some(bundles()))?;
    let mut made = Vec::new();
    for kind in ["deb", "rpm", "nsis", "msi", "dmg", "macos"] {
        if let Ok(entries) = fs::read_dir(dir.join(kind)) {
            for e in entries.flatten() {
                let p = e.path();
                if p.extension().is_some_and(|x| ["deb", "rpm", "exe", "msi", "dmg", "app"].iter().any(|k| x == *k)) {
                    made.push(p);
                }
            }
        }
    }
    made.sort();
    println!("bundle: built in {}", secs(started.elapsed()));
    for p in &made {
        let size = fs::metadata(p).map(|m| m.len()).unwrap_or(0);
        println!("bundle: {} ({:.1} MB)", p.display(), size as f64 / 1e6);
    }
    if made.is_empty() {
        return Err(format!("no installer in {}", dir.display()).into());
    }
    Ok(made)
}

/// `cargo xtask bundle [--check]`: with `--check`, the `.deb` then unpacked and started.
pub fn cmd(ctx: &Ctx, args: &[String]) -> Result<i32> {
    let check_deb = match args {
        [] => false,
        [flag] if flag == "--check" => true,
        _ => return Err(Box::new(crate::UsageError("usage: cargo xtask bundle [--check]".into()))),
    };
    let made = build(ctx)?;
    if check_deb {
        let deb = made.iter().find(|p| p.extension().is_some_and(|x| x == "deb")).ok_or("no .deb built")?;
        println!("bundle: {}", installed_deb_check(ctx, deb)?);
    }
    Ok(0)
}

/// `dpkg-deb -f` field of a package.
fn field(deb: &Path, name: &str) -> Result<String> {
    let out = Command::new("dpkg-deb").arg("-f").arg(deb).arg(name).output()?;
    Ok(String::from_utf8_lossy(&out.stdout).trim().to_string())
}

/// The size of everything under `dir`, in bytes.
fn tree_size(dir: &Path) -> u64 {
    let Ok(entries) = fs::read_dir(dir) else { return 0 };
    entries
        .flatten()
        .map(|e| {
            let p = e.path();
            match e.file_type() {
                Ok(t) if t.is_dir() => tree_size(&p),
                Ok(t) if t.is_file() => e.metadata().map(|m| m.len()).unwrap_or(0),
                _ => 0,
            }
        })
        .sum()
}

/// Starts `bin` under Xvfb with a fresh data folder and returns how long it
/// took to say its first view is interactive.
pub fn time_to_first_view(bin: &Path) -> Result<Duration> {
    let data = std::env::temp_dir().join(format!("preau-startup-{}", random_hex(6)?));
    fs::create_dir_all(&data)?;
    let mut cmd = if which("xvfb-run").is_some() && std::env::var_os("DISPLAY").is_none() {
        let mut c = Command::new("xvfb-run");
        c.args(["-a", "-s", "-screen 0 1280x1024x24"]).arg(bin);
        c
    } else {
        Command::new(bin)
    };
    cmd.env("PREAU_STARTUP_PROBE", "1")
        .env("PREAU_DATA_DIR", &data)
        .env("PREAU_DB_KEY", random_hex(32)?)
        .env("PREAU_TEST_KEYCHAIN", "memory")
        .stdout(Stdio::piped())
        .stderr(Stdio::null());
    let started = Instant::now();
    let mut child = cmd.spawn()?;
    let stdout = child.stdout.take().ok_or("no standard output")?;
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines().map_while(|l| l.ok()) {
            if line.contains(READY_LINE) {
                let _ = tx.send(started.elapsed());
                return;
            }
        }
    });
    let ready = rx.recv_timeout(READY_TIMEOUT);
    let _ = child.kill();
    let _ = child.wait();
    let _ = fs::remove_dir_all(&data);
    ready.map_err(|_| format!("{} never said its first view was ready", bin.display()).into())
}

/// The installed package, checked: metadata, desktop entry, and the binary
/// started from the scratch root until its first view answers.
pub fn installed_deb_check(ctx: &Ctx, deb: &Path) -> Result<String> {
    let root = ctx.target.join("deb-root");
    let _ = fs::remove_dir_all(&root);
    check(Command::new("dpkg-deb").arg("-x").arg(deb).arg(&root))?;
    let expect = |name: &str, ok: &dyn Fn(&str) -> bool| -> Result<String> {
        let v = field(deb, name)?;
        if ok(&v) {
            Ok(v)
        } else {
            Err(format!("{}: {name} is « {v} »", deb.display()).into())
        }
    };
    expect("Package", &|v| v == "preau")?;
    expect("Section", &|v| v == "education")?;
    expect("Description", &|v| v.contains("administrateur ENT"))?;
    let depends = expect("Depends", &|v| v.contains("libwebkit2gtk-4.1-0") && v.contains("libgtk-3-0"))?;
    let apps = root.join("usr/share/applications");
    let desktop = fs::read_dir(&apps)?
        .flatten()
        .map(|e| e.path())
        .find(|p| p.extension().is_some_and(|x| x == "desktop"))
        .ok_or("no desktop entry in the package")?;
    let entry = fs::read_to_string(&desktop)?;
    for line in ["Name=Préau", "Exec=preau", "Type=Application", "Categories=Education"] {
        if !entry.lines().any(|l| l.trim() == line || (line.starts_with("Categories=") && l.starts_with(line))) {
            return Err(format!("{}: no « {line} » line:\n{entry}", desktop.display()).into());
        }
    }
    let icons = root.join("usr/share/icons/hicolor");
    if tree_size(&icons) == 0 {
        return Err("no icons in the package".into());
    }
    let bin = root.join("usr/bin/preau");
    let took = time_to_first_view(&bin)?;
    let installed = tree_size(&root);
    Ok(format!(
        "{}: preau, section education, depends {depends}; desktop entry and icons present; installed size {:.1} MB; \
         first view in {}",
        deb.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default(),
        installed as f64 / 1e6,
        secs(took)
    ))
}

/// `cargo xtask bench startup`: median of 5 starts of the release app to its first view.
pub fn bench_startup(ctx: &Ctx) -> Result<i32> {
    tauri_build(ctx, None)?;
    let bin = ctx.target.join("release").join(crate::util::exe("preau"));
    let _ = time_to_first_view(&bin)?; // warm the page cache once
    let mut runs: Vec<Duration> = (0..5).map(|_| time_to_first_view(&bin)).collect::<Result<_>>()?;
    runs.sort();
    let ms = |d: &Duration| d.as_secs_f64() * 1000.0;
    println!(
        "startup (release, Xvfb, empty data folder): median {:.0} ms of 5 (min {:.0}, max {:.0}); target ≤ 1000 ms",
        ms(&runs[2]),
        ms(&runs[0]),
        ms(&runs[4])
    );
    let size = fs::metadata(&bin).map(|m| m.len()).unwrap_or(0);
    println!("release binary: {:.1} MB", size as f64 / 1e6);
    Ok(0)
}
