//! Small helpers shared by the tasks: the workspace context, running commands, randomness.

use std::env;
use std::ffi::OsString;
use std::io::{self, BufRead, BufReader, Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, ExitStatus, Stdio};
use std::sync::{Arc, Mutex};
use std::thread;

pub type Result<T> = std::result::Result<T, Box<dyn std::error::Error>>;

/// Where things are: the repository root, cargo's target directory and the cargo to call.
pub struct Ctx {
    pub root: PathBuf,
    pub target: PathBuf,
    cargo: OsString,
}

impl Ctx {
    pub fn new() -> Result<Ctx> {
        // The xtask crate lives in `<root>/src-tauri/xtask`.
        let root = Path::new(env!("CARGO_MANIFEST_DIR"))
            .ancestors()
            .nth(2)
            .ok_or("cannot find the repository root")?
            .to_path_buf();
        // `cargo run` tells us which cargo started us; use the same one for nested calls.
        let cargo = env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
        let target = target_dir(&root, &cargo)?;
        Ok(Ctx { root, target, cargo })
    }

    /// A `cargo` command run from the repository root.
    pub fn cargo(&self) -> Command {
        let mut cmd = Command::new(&self.cargo);
        cmd.current_dir(&self.root);
        cmd
    }

    /// `cargo install --root` for the pinned developer tools (tauri-driver).
    pub fn tools_root(&self) -> PathBuf {
        self.target.join("tools")
    }

    pub fn tauri_driver(&self) -> PathBuf {
        self.tools_root().join("bin").join(exe("tauri-driver"))
    }

    pub fn venv(&self) -> PathBuf {
        self.target.join("peer-venv")
    }

    /// An executable inside the peer's virtual environment.
    pub fn venv_bin(&self, name: &str) -> PathBuf {
        if cfg!(windows) {
            self.venv().join("Scripts").join(exe(name))
        } else {
            self.venv().join("bin").join(name)
        }
    }

    /// A binary of the workspace built in the debug profile.
    pub fn debug_bin(&self, name: &str) -> PathBuf {
        self.target.join("debug").join(exe(name))
    }

    pub fn e2e_dir(&self) -> PathBuf {
        self.root.join("tests").join("e2e")
    }

    /// The second SCIM peer (SCIMMY, run by Node) and its npm packages.
    pub fn scimmy_dir(&self) -> PathBuf {
        self.root.join("src-tauri").join("xtask").join("scim-peer-js")
    }

    pub fn scimmy_server(&self) -> PathBuf {
        self.scimmy_dir().join("server.mjs")
    }
}

pub fn exe(name: &str) -> String {
    format!("{name}{}", env::consts::EXE_SUFFIX)
}

/// npm is a batch file on Windows.
pub fn npm() -> Command {
    Command::new(if cfg!(windows) { "npm.cmd" } else { "npm" })
}

/// Cargo's target directory as `cargo metadata` reports it (honours CARGO_TARGET_DIR and config).
fn target_dir(root: &Path, cargo: &OsString) -> Result<PathBuf> {
    let out = Command::new(cargo)
        .current_dir(root)
        .args(["metadata", "--format-version", "1", "--no-deps", "--offline"])
        .stderr(Stdio::inherit())
        .output()?;
    if !out.status.success() {
        return Err("`cargo metadata` failed".into());
    }
    let json = String::from_utf8_lossy(&out.stdout);
    json_string_field(&json, "target_directory")
        .map(PathBuf::from)
        .ok_or_else(|| "`cargo metadata` printed no target_directory".into())
}

/// The value of the first `"key":"…"` string field in a JSON text (enough for cargo metadata).
pub fn json_string_field(json: &str, key: &str) -> Option<String> {
    let start = json.find(&format!("\"{key}\":\""))? + key.len() + 4;
    let mut out = String::new();
    let mut chars = json[start..].chars();
    loop {
        match chars.next()? {
            '"' => return Some(out),
            '\\' => match chars.next()? {
                'n' => out.push('\n'),
                't' => out.push('\t'),
                'u' => {
                    let hex: String = chars.by_ref().take(4).collect();
                    out.push(char::from_u32(u32::from_str_radix(&hex, 16).ok()?)?);
                }
                c => out.push(c),
            },
            c => out.push(c),
        }
    }
}

/// How a command reads in messages: program and arguments.
pub fn describe(cmd: &Command) -> String {
    let mut s = cmd.get_program().to_string_lossy().into_owned();
    for arg in cmd.get_args() {
        let arg = arg.to_string_lossy();
        if arg.is_empty() || arg.contains(' ') {
            s.push_str(&format!(" '{arg}'"));
        } else {
            s.push(' ');
            s.push_str(&arg);
        }
    }
    s
}

/// Runs a command with inherited stdio; an error when it cannot start or exits non-zero.
pub fn check(cmd: &mut Command) -> Result<()> {
    let status = cmd.status().map_err(|e| format!("cannot run `{}`: {e}", describe(cmd)))?;
    if status.success() {
        Ok(())
    } else {
        Err(format!("`{}` failed ({status})", describe(cmd)).into())
    }
}

/// Runs a command quietly; its trimmed stdout when it succeeded.
pub fn quiet_stdout(cmd: &mut Command) -> Option<String> {
    let out = cmd.stdin(Stdio::null()).stderr(Stdio::null()).output().ok()?;
    out.status.success().then(|| String::from_utf8_lossy(&out.stdout).trim().to_string())
}

/// Runs a command, streaming its stdout and stderr as they come, and keeps every line
/// (ANSI colours removed) so that the caller can pick the runner's summary out of them.
pub fn run_captured(cmd: &mut Command) -> Result<(ExitStatus, Vec<String>)> {
    let mut child = cmd
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| format!("cannot run `{}`: {e}", describe(cmd)))?;
    let lines = Arc::new(Mutex::new(Vec::new()));
    let out = child.stdout.take().map(|s| pump(s, false, lines.clone()));
    let err = child.stderr.take().map(|s| pump(s, true, lines.clone()));
    for handle in [out, err].into_iter().flatten() {
        let _ = handle.join();
    }
    let status = child.wait()?;
    let lines = std::mem::take(&mut *lines.lock().unwrap_or_else(|e| e.into_inner()));
    Ok((status, lines))
}

fn pump<R: Read + Send + 'static>(src: R, to_stderr: bool, lines: Arc<Mutex<Vec<String>>>) -> thread::JoinHandle<()> {
    thread::spawn(move || {
        for chunk in BufReader::new(src).split(b'\n') {
            let Ok(chunk) = chunk else { break };
            let line = String::from_utf8_lossy(&chunk);
            let line = line.trim_end_matches('\r');
            // A closed terminal must not stop the run; ignore write errors.
            if to_stderr {
                let _ = writeln!(io::stderr().lock(), "{line}");
            } else {
                let _ = writeln!(io::stdout().lock(), "{line}");
            }
            if let Ok(mut lines) = lines.lock() {
                lines.push(strip_ansi(line));
            }
        }
    })
}

/// Removes ANSI escape sequences (colours) from a line.
pub fn strip_ansi(line: &str) -> String {
    let mut out = String::with_capacity(line.len());
    let mut chars = line.chars().peekable();
    while let Some(c) = chars.next() {
        if c == '\u{1b}' {
            if chars.peek() == Some(&'[') {
                chars.next();
                // Parameters and intermediates, then one final byte in @..~.
                for c in chars.by_ref() {
                    if ('@'..='~').contains(&c) {
                        break;
                    }
                }
            }
        } else {
            out.push(c);
        }
    }
    out
}

/// The executable `name` on PATH, if any.
pub fn which(name: &str) -> Option<PathBuf> {
    let path = env::var_os("PATH")?;
    env::split_paths(&path).map(|dir| dir.join(exe(name))).find(|p| p.is_file())
}

/// `n` random bytes as lowercase hexadecimal.
pub fn random_hex(n: usize) -> Result<String> {
    let mut buf = vec![0u8; n];
    getrandom::fill(&mut buf).map_err(|e| format!("no OS randomness: {e}"))?;
    Ok(buf.iter().map(|b| format!("{b:02x}")).collect())
}

/// Seconds with one decimal, for timings in progress lines.
pub fn secs(d: std::time::Duration) -> String {
    format!("{:.1} s", d.as_secs_f64())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_field_unescapes() {
        let json = r#"{"packages":[],"target_directory":"C:\\work\\target","version":1}"#;
        assert_eq!(json_string_field(json, "target_directory").as_deref(), Some(r"C:\work\target"));
        assert_eq!(json_string_field(json, "missing"), None);
    }

    #[test]
    fn ansi_is_stripped() {
        assert_eq!(strip_ansi("\u{1b}[32;1m     Summary\u{1b}[0m [ 0.1s]"), "     Summary [ 0.1s]");
    }

    #[test]
    fn random_hex_has_the_asked_length() {
        let key = random_hex(32).unwrap();
        assert_eq!(key.len(), 64);
        assert!(key.bytes().all(|b| b.is_ascii_hexdigit()));
    }
}
