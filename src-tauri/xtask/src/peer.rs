//! The SCIM test and demo peer: the third-party `scim2-server` (PyPI) on 127.0.0.1, run from
//! the project's venv with a bearer token and, once they exist, the project's schema files; or
//! the second one, SCIMMY (npm) behind its Express routes (`src-tauri/xtask/scim-peer-js`, run by
//! Node), with the same command line and files.

use crate::util::{describe, random_hex, which, Ctx, Result};
use std::fs;
use std::io::{Read, Write};
use std::net::{Ipv4Addr, SocketAddr, TcpListener, TcpStream};
use std::path::PathBuf;
use std::process::{Child, Command, ExitStatus};
use std::thread;
use std::time::{Duration, Instant};

/// How long the server may take to import its Python packages and listen.
const READY_TIMEOUT: Duration = Duration::from_secs(60);

/// Which implementation serves.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Server {
    Scim2,
    Scimmy,
}

impl Server {
    pub fn name(self) -> &'static str {
        match self {
            Server::Scim2 => "scim2-server",
            Server::Scimmy => "the SCIMMY peer",
        }
    }
}

/// A running peer; dropping it stops the server.
pub struct Peer {
    pub url: String,
    pub token: String,
    child: Child,
}

impl Peer {
    /// Blocks until the server exits (in the foreground, Ctrl-C reaches it too).
    pub fn wait(&mut self) -> Result<ExitStatus> {
        Ok(self.child.wait()?)
    }

    pub fn stop(&mut self) {
        if let Ok(None) = self.child.try_wait() {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}

impl Drop for Peer {
    fn drop(&mut self) {
        self.stop();
    }
}

/// Starts scim2-server in the background and returns once it answers with the token.
/// `port`: a free one when `None`; `token`: a random one when `None`.
pub fn start(ctx: &Ctx, port: Option<u16>, token: Option<String>) -> Result<Peer> {
    start_server(ctx, Server::Scim2, port, token)
}

/// [`start`] for either implementation.
pub fn start_server(ctx: &Ctx, server: Server, port: Option<u16>, token: Option<String>) -> Result<Peer> {
    let (program, script) = match server {
        Server::Scim2 => (ctx.venv_bin("scim2-server"), None),
        Server::Scimmy => (PathBuf::from("node"), Some(ctx.scimmy_server())),
    };
    let installed = match &script {
        None => program.clone(),
        Some(_) => ctx.scimmy_dir().join("node_modules").join("scimmy"),
    };
    if !installed.exists() {
        return Err(format!("{} is missing: run `cargo xtask setup`", installed.display()).into());
    }
    let name = server.name();
    let port = match port {
        Some(port) => port,
        None => free_port()?,
    };
    let token = match token {
        Some(token) => token,
        None => random_hex(24)?,
    };
    let mut cmd = if cfg!(target_os = "linux") && which("setpriv").is_some() {
        // The server must not outlive us however we end (a kill of xtask alone, a crash).
        let mut cmd = Command::new("setpriv");
        cmd.args(["--pdeathsig", "TERM", "--"]).arg(&program);
        cmd
    } else {
        Command::new(&program)
    };
    cmd.args(&script);
    cmd.args(["--hostname", "127.0.0.1", "--port", &port.to_string()]).args(["--bearer-token", &token]);
    for (flag, file) in schema_files(ctx) {
        println!("peer: {flag} {}", file.display());
        cmd.arg(flag).arg(file);
    }
    let child = cmd.spawn().map_err(|e| format!("cannot start `{}`: {e}", describe(&cmd)))?;
    let mut peer = Peer { url: format!("http://127.0.0.1:{port}/v2"), token, child };
    let deadline = Instant::now() + READY_TIMEOUT;
    loop {
        if let Some(status) = peer.child.try_wait()? {
            return Err(format!("{name} exited before answering ({status})").into());
        }
        match http_status(port, "/v2/ServiceProviderConfig", Some(&peer.token)) {
            Ok(200) => return Ok(peer),
            Ok(code) => return Err(format!("{name} answered {code} to ServiceProviderConfig").into()),
            Err(_) if Instant::now() < deadline => thread::sleep(Duration::from_millis(100)),
            Err(e) => return Err(format!("{name} did not answer on port {port}: {e}").into()),
        }
    }
}

/// The project's SCIM schema and resource-type files in `src-tauri/core/scim/`, by name:
/// `*resource-type*.json` / `*resource_type*.json` go to `--resource-type`, other
/// `*schema*.json` to `--schema`. None yet is fine: the server then uses RFC 7643's defaults.
fn schema_files(ctx: &Ctx) -> Vec<(&'static str, PathBuf)> {
    let dir = ctx.root.join("src-tauri").join("core").join("scim");
    let Ok(entries) = fs::read_dir(&dir) else {
        return Vec::new();
    };
    let mut files: Vec<PathBuf> = entries
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.is_file() && p.extension().is_some_and(|x| x == "json"))
        .collect();
    files.sort();
    files
        .into_iter()
        .filter_map(|path| {
            let name = path.file_stem()?.to_string_lossy().to_lowercase().replace('_', "-");
            let flag = if name.contains("resource-type") || name.contains("resourcetype") {
                "--resource-type"
            } else if name.contains("schema") {
                "--schema"
            } else {
                return None;
            };
            Some((flag, path))
        })
        .collect()
}

/// A port nobody listens on right now (the OS picks it).
pub fn free_port() -> Result<u16> {
    let listener = TcpListener::bind((Ipv4Addr::LOCALHOST, 0))?;
    Ok(listener.local_addr()?.port())
}

/// The HTTP status of a GET on 127.0.0.1 (HTTP/1.0, no dependency needed).
pub fn http_status(port: u16, path: &str, token: Option<&str>) -> std::io::Result<u16> {
    let addr = SocketAddr::from((Ipv4Addr::LOCALHOST, port));
    let mut stream = TcpStream::connect_timeout(&addr, Duration::from_secs(2))?;
    stream.set_read_timeout(Some(Duration::from_secs(5)))?;
    let auth = token.map(|t| format!("Authorization: Bearer {t}\r\n")).unwrap_or_default();
    write!(
        stream,
        "GET {path} HTTP/1.0\r\nHost: 127.0.0.1:{port}\r\nAccept: application/scim+json\r\n{auth}Connection: close\r\n\r\n"
    )?;
    let mut head = [0u8; 32];
    let mut len = 0;
    while len < 12 {
        match stream.read(&mut head[len..])? {
            0 => break,
            n => len += n,
        }
    }
    // "HTTP/1.x NNN …"
    std::str::from_utf8(&head[..len])
        .ok()
        .and_then(|s| s.split_whitespace().nth(1))
        .and_then(|code| code.parse().ok())
        .ok_or_else(|| std::io::Error::other("not an HTTP response"))
}

/// `cargo xtask peer [--port N] [--token T] [--server scim2|scimmy]`: serves in the foreground
/// until Ctrl-C.
pub fn cmd(ctx: &Ctx, args: &[String]) -> Result<()> {
    let mut port = None;
    let mut token = None;
    let mut server = Server::Scim2;
    let mut it = args.iter();
    while let Some(arg) = it.next() {
        let (flag, inline) = match arg.split_once('=') {
            Some((f, v)) => (f, Some(v.to_string())),
            None => (arg.as_str(), None),
        };
        let usage = |msg: String| crate::UsageError(format!("peer: {msg}"));
        let mut value =
            || inline.clone().or_else(|| it.next().cloned()).ok_or_else(|| usage(format!("{flag} needs a value")));
        match flag {
            "--port" => {
                let v = value()?;
                port = Some(v.parse().map_err(|_| usage(format!("--port: not a port: {v}")))?);
            }
            "--token" => token = Some(value()?),
            "--server" => {
                server = match value()?.as_str() {
                    "scim2" | "scim2-server" => Server::Scim2,
                    "scimmy" => Server::Scimmy,
                    v => return Err(usage(format!("--server: scim2 or scimmy, not {v}")).into()),
                }
            }
            _ => return Err(usage(format!("unknown argument {arg}")).into()),
        }
    }
    match server {
        Server::Scim2 => crate::setup::peer_venv(ctx)?,
        Server::Scimmy => crate::setup::scimmy_node_modules(ctx)?,
    }
    let mut peer = start_server(ctx, server, port, token)?;
    println!("URL: {}", peer.url);
    println!("Token: {}", peer.token);
    println!("peer: in-memory storage; Ctrl-C stops it");
    let status = peer.wait()?;
    println!("peer: stopped ({status})");
    Ok(())
}
