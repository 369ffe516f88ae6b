//! `cargo xtask run`: the desktop app on a generated fictional establishment, with the SCIM
//! peer beside it.

use crate::util::{check, random_hex, Ctx, Result};
use crate::{peer, setup};
use std::env;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

/// Body of the demo establishment's UAI (a fictional collège in a département that does not exist).
const DEMO_UAI_BODY: &str = "0999001";
const DEV_KEY_FILE: &str = ".dev-db-key";

/// A UAI: seven digits and the check letter, the number modulo 23 over `ABCDEFGHJKLMNPRSTUVWXYZ`.
pub fn uai(body: &str) -> String {
    const LETTERS: &[u8; 23] = b"ABCDEFGHJKLMNPRSTUVWXYZ";
    let n: u64 = body.parse().expect("seven digits");
    format!("{body}{}", LETTERS[(n % 23) as usize] as char)
}

pub fn cmd(ctx: &Ctx) -> Result<i32> {
    setup::setup(ctx)?;
    check(ctx.cargo().args(["build", "-p", "preau", "-p", "preau-cli"]))?;

    let data_dir = match env::var_os("PREAU_DATA_DIR") {
        Some(dir) if !dir.is_empty() => PathBuf::from(dir),
        _ => {
            println!("run: data in .preau-demo/ (git-ignored; only the generated fictional establishment)");
            ctx.root.join(".preau-demo")
        }
    };
    fs::create_dir_all(&data_dir)?;
    let key = store_key(&data_dir)?;
    let with_env = |cmd: &mut Command| {
        cmd.env("PREAU_DATA_DIR", &data_dir);
        if let Some(key) = &key {
            cmd.env("PREAU_DB_KEY", key);
        }
    };

    let uai = uai(DEMO_UAI_BODY);
    if !data_dir.join(format!("{uai}.preau")).exists() {
        println!("run: generating the demo collège {uai}");
        let mut demo = Command::new(ctx.debug_bin("preau-cli"));
        demo.arg("--data-dir").arg(&data_dir).args(["demo", "--uai", &uai, "--kind", "college", "--seed", "1"]);
        with_env(&mut demo);
        check(&mut demo)?;
    }

    let mut peer = peer::start(ctx, None, None)?;
    println!("run: SCIM peer URL: {}", peer.url);
    println!("run: SCIM peer token: {}", peer.token);
    // The peer starts empty: point the demo store at it and publish the
    // establishment (Bulk), so that a first pull returns real data.
    for args in [vec!["sync", "configure", "--uai", &uai, "--url", &peer.url], vec!["sync", "publish", "--uai", &uai]] {
        let mut cli = Command::new(ctx.debug_bin("preau-cli"));
        cli.arg("--data-dir").arg(&data_dir).args(&args).env("PREAU_SCIM_TOKEN", &peer.token);
        with_env(&mut cli);
        check(&mut cli)?;
    }
    let mut app = Command::new(ctx.debug_bin("preau"));
    app.env("PREAU_SCIM_URL", &peer.url).env("PREAU_SCIM_TOKEN", &peer.token);
    with_env(&mut app);
    println!("run: starting the app (closing it stops the peer)");
    let status = app.status();
    peer.stop();
    let status = status.map_err(|e| format!("cannot start the app: {e}"))?;
    println!("run: app exited ({status}); peer stopped");
    Ok(status.code().unwrap_or(1))
}

/// The store key to hand to the CLI and the app: `PREAU_DB_KEY`, else none when the OS
/// keychain can be used, else a dev key kept beside the demo data.
fn store_key(data_dir: &Path) -> Result<Option<String>> {
    if let Some(key) = env::var("PREAU_DB_KEY").ok().filter(|k| !k.is_empty()) {
        return Ok(Some(key));
    }
    let file = data_dir.join(DEV_KEY_FILE);
    // A store once encrypted with the dev key keeps using it, keychain or not.
    if let Ok(key) = fs::read_to_string(&file) {
        let key = key.trim().to_string();
        if is_key(&key) {
            println!("run: warning: using the dev store key in {} (demo data only)", file.display());
            return Ok(Some(key));
        }
    }
    if keychain_usable() {
        return Ok(None);
    }
    let key = random_hex(32)?;
    write_private(&file, &format!("{key}\n"))?;
    println!(
        "run: warning: no keychain (no D-Bus session); generated a dev store key in {} (demo data only)",
        file.display()
    );
    Ok(Some(key))
}

fn is_key(key: &str) -> bool {
    key.len() == 64 && key.bytes().all(|b| b.is_ascii_hexdigit())
}

/// The app's keychain on Linux is the Secret Service, reached over the D-Bus session bus.
fn keychain_usable() -> bool {
    if cfg!(target_os = "linux") {
        env::var_os("DBUS_SESSION_BUS_ADDRESS").is_some_and(|a| !a.is_empty())
    } else {
        true
    }
}

fn write_private(path: &Path, text: &str) -> Result<()> {
    let mut options = fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    std::io::Write::write_all(&mut options.open(path)?, text.as_bytes())?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uai_check_letter() {
        // Real UAIs: lycée du Parc (Lyon), lycée Henri-IV (Paris).
        assert_eq!(uai("0690026"), "0690026D");
        assert_eq!(uai("0750654"), "0750654D");
        assert_eq!(uai(DEMO_UAI_BODY), "0999001W");
    }

    #[test]
    fn dev_key_shape() {
        assert!(is_key(&"ab".repeat(32)));
        assert!(!is_key("abc"));
    }
}
