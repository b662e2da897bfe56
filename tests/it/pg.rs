//! A throwaway PostgreSQL cluster for tests and benches: `initdb` in a temporary directory,
//! `postgres` on a free loopback port, stopped and removed when the value is dropped.
//!
//! Self-contained (std + tempfile) so that the benches can include it: `benches/support/postgres.rs`
//! does, with `#[path]`.

#![allow(dead_code)]

use std::fs::{self, File};
use std::net::{Ipv4Addr, SocketAddr, TcpListener, TcpStream};
use std::os::unix::fs::PermissionsExt;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// The bootstrap superuser every cluster is created with (`initdb -U`).
pub const SUPERUSER: &str = "warden";

/// How long the server gets to accept connections.
const READY_TIMEOUT: Duration = Duration::from_secs(30);

/// A running PostgreSQL server that lives as long as this value.
pub struct PgCluster {
    pub port: u16,
    /// `postgres://warden@127.0.0.1:PORT/postgres` (trust authentication, no password).
    pub url: String,
    pub bindir: PathBuf,
    data: PathBuf,
    log: PathBuf,
    /// The uid and gid the server runs as when the tests run as root (initdb refuses root).
    run_as: Option<(u32, u32)>,
    child: Option<Child>,
    dir: Option<tempfile::TempDir>,
}

impl PgCluster {
    /// Creates and starts a cluster; panics with a clear message when that is impossible.
    pub fn start() -> PgCluster {
        PgCluster::try_start().unwrap_or_else(|e| panic!("cannot start a PostgreSQL cluster: {e}"))
    }

    /// Creates and starts a cluster.
    pub fn try_start() -> Result<PgCluster, String> {
        PgCluster::try_start_in(&find_bindir()?)
    }

    /// Creates and starts a cluster from the server binaries in `bindir` (`initdb`, `postgres`).
    pub fn try_start_in(bindir: &Path) -> Result<PgCluster, String> {
        let bindir = bindir.to_path_buf();
        let run_as = if current_euid()? == 0 {
            Some(unprivileged_user()?)
        } else {
            None
        };
        let dir = tempfile::Builder::new()
            .prefix("warden-pg-")
            .tempdir_in("/tmp")
            .map_err(|e| format!("cannot create a temporary directory under /tmp: {e}"))?;
        let root = dir.path().to_path_buf();
        let sock = root.join("sock");
        fs::create_dir(&sock).map_err(|e| format!("cannot create {}: {e}", sock.display()))?;
        for p in [&root, &sock] {
            fs::set_permissions(p, fs::Permissions::from_mode(0o700))
                .map_err(|e| format!("cannot chmod {}: {e}", p.display()))?;
            if let Some((uid, gid)) = run_as {
                std::os::unix::fs::chown(p, Some(uid), Some(gid))
                    .map_err(|e| format!("cannot chown {} to {uid}:{gid}: {e}", p.display()))?;
            }
        }
        let data = root.join("data");
        let log = root.join("postgres.log");

        let out = command(&bindir.join("initdb"), run_as, &root)
            .args(["-A", "trust", "-U", SUPERUSER, "--no-sync", "-E", "UTF8"])
            .args(["--locale", "C", "-D"])
            .arg(&data)
            .output()
            .map_err(|e| format!("cannot run {}: {e}", bindir.join("initdb").display()))?;
        if !out.status.success() {
            return Err(format!(
                "initdb failed ({}):\n{}{}",
                out.status,
                String::from_utf8_lossy(&out.stdout),
                String::from_utf8_lossy(&out.stderr)
            ));
        }

        let mut cluster = PgCluster {
            port: 0,
            url: String::new(),
            bindir,
            data,
            log,
            run_as,
            child: None,
            dir: Some(dir),
        };
        // Another process may take the free port between our probe and the server's bind: retry.
        let mut last = String::new();
        for _ in 0..3 {
            match cluster.launch(&sock) {
                Ok(()) => return Ok(cluster),
                Err(e) => last = e,
            }
        }
        Err(last)
    }

    /// Starts `postgres` on a fresh port and waits until it accepts connections.
    fn launch(&mut self, sock: &Path) -> Result<(), String> {
        let port = free_port()?;
        let log = File::create(&self.log)
            .map_err(|e| format!("cannot create {}: {e}", self.log.display()))?;
        let log2 = log.try_clone().map_err(|e| e.to_string())?;
        let root = self
            .data
            .parent()
            .unwrap_or(Path::new("/tmp"))
            .to_path_buf();
        let mut child = command(&self.bindir.join("postgres"), self.run_as, &root)
            .arg("-D")
            .arg(&self.data)
            .args(["-p", &port.to_string(), "-k"])
            .arg(sock)
            .args(["-c", "listen_addresses=127.0.0.1"])
            .args(["-c", "fsync=off", "-c", "synchronous_commit=off"])
            .args(["-c", "full_page_writes=off", "-c", "max_connections=50"])
            .stdin(Stdio::null())
            .stdout(log)
            .stderr(log2)
            .spawn()
            .map_err(|e| format!("cannot run {}: {e}", self.bindir.join("postgres").display()))?;
        let deadline = Instant::now() + READY_TIMEOUT;
        loop {
            if let Ok(Some(status)) = child.try_wait() {
                return Err(format!(
                    "postgres exited early ({status}); its log:\n{}",
                    fs::read_to_string(&self.log).unwrap_or_default()
                ));
            }
            if self.is_ready(port) {
                break;
            }
            if Instant::now() > deadline {
                let _ = child.kill();
                let _ = child.wait();
                return Err(format!(
                    "postgres did not accept connections on port {port} within {READY_TIMEOUT:?}; its log:\n{}",
                    fs::read_to_string(&self.log).unwrap_or_default()
                ));
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        self.port = port;
        self.url = format!("postgres://{SUPERUSER}@127.0.0.1:{port}/postgres");
        self.child = Some(child);
        Ok(())
    }

    /// Accepting queries, not merely connections (a starting server refuses logins).
    fn is_ready(&self, port: u16) -> bool {
        let addr = SocketAddr::from((Ipv4Addr::LOCALHOST, port));
        if TcpStream::connect_timeout(&addr, Duration::from_millis(200)).is_err() {
            return false;
        }
        let isready = self.bindir.join("pg_isready");
        if !isready.exists() {
            return true;
        }
        Command::new(isready)
            .args([
                "-q",
                "-h",
                "127.0.0.1",
                "-p",
                &port.to_string(),
                "-U",
                SUPERUSER,
            ])
            .args(["-d", "postgres", "-t", "2"])
            .stdin(Stdio::null())
            .status()
            .is_ok_and(|s| s.success())
    }

    /// The URL of another database of this cluster.
    pub fn url_for(&self, database: &str) -> String {
        format!("postgres://{SUPERUSER}@127.0.0.1:{}/{database}", self.port)
    }

    /// The server's log so far (for failure messages).
    pub fn log(&self) -> String {
        fs::read_to_string(&self.log).unwrap_or_default()
    }

    /// Stops the server at once; the data is thrown away, so no clean shutdown is needed.
    pub fn stop(&mut self) {
        let Some(mut child) = self.child.take() else {
            return;
        };
        let root = self
            .data
            .parent()
            .unwrap_or(Path::new("/tmp"))
            .to_path_buf();
        let stopped = command(&self.bindir.join("pg_ctl"), self.run_as, &root)
            .args(["stop", "-m", "immediate", "-w", "-t", "10", "-D"])
            .arg(&self.data)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .is_ok_and(|s| s.success());
        if !stopped {
            let _ = child.kill();
        }
        let _ = child.wait();
    }
}

impl Drop for PgCluster {
    fn drop(&mut self) {
        self.stop();
        if let Some(dir) = self.dir.take() {
            let _ = dir.close();
        }
    }
}

/// A command that runs as `run_as` (when given) in `cwd`, with a predictable locale.
fn command(program: &Path, run_as: Option<(u32, u32)>, cwd: &Path) -> Command {
    let mut c = Command::new(program);
    c.current_dir(cwd).env("LC_ALL", "C").env_remove("PGDATA");
    if let Some((uid, gid)) = run_as {
        c.uid(uid).gid(gid);
    }
    c
}

/// The directory holding `initdb` and `postgres`: `$WARDEN_PG_BINDIR`, `pg_config --bindir`,
/// else the newest `/usr/lib/postgresql/*/bin` (Debian keeps the server binaries out of PATH);
/// with none of them, PostgreSQL 16 from PyPI, fetched into a cache the first time
/// ([`pg16_bindir`]).
pub fn find_bindir() -> Result<PathBuf, String> {
    installed_bindir().or_else(|none| {
        pg16_bindir().map_err(|e| format!("{none}; and PostgreSQL 16 from PyPI failed: {e}"))
    })
}

/// The PyPI wheel whose `pginstall/` is a relocatable PostgreSQL 16.2 (bin, lib, share).
const PG16_PACKAGE: &str = "pgserver==0.1.4";

/// A PostgreSQL 16+ `bin/`: `$WARDEN_PG16_BINDIR`, else [`PG16_PACKAGE`] in the cache
/// (`$WARDEN_PG16_CACHE`; as root `/var/cache/warden-pg16`, which the unprivileged user the
/// server runs as can read; else `$XDG_CACHE_HOME/warden-pg16` or `~/.cache/warden-pg16`),
/// installed there with pip the first time, which is said once on stderr.
pub fn pg16_bindir() -> Result<PathBuf, String> {
    static ONCE: std::sync::OnceLock<Result<PathBuf, String>> = std::sync::OnceLock::new();
    ONCE.get_or_init(|| {
        if let Some(d) = std::env::var_os("WARDEN_PG16_BINDIR").map(PathBuf::from) {
            return Ok(d);
        }
        let cache = pg16_cache()?;
        let bin = cache.join("pgserver/pginstall/bin");
        if !(bin.join("initdb").is_file() && bin.join("postgres").is_file()) {
            provision_pg16(&cache)?;
        }
        Ok(bin)
    })
    .clone()
}

fn pg16_cache() -> Result<PathBuf, String> {
    match std::env::var_os("WARDEN_PG16_CACHE") {
        Some(d) => Ok(d.into()),
        None => cache_dir("warden-pg16"),
    }
}

/// Where the tests keep what they fetch, `name` under the cache: as root `/var/cache` (not
/// under /root, which the unprivileged users servers run as cannot enter), else
/// `$XDG_CACHE_HOME` or `~/.cache`.
pub fn cache_dir(name: &str) -> Result<PathBuf, String> {
    if current_euid()? == 0 {
        return Ok(Path::new("/var/cache").join(name));
    }
    let base = std::env::var_os("XDG_CACHE_HOME")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".cache")))
        .ok_or("neither XDG_CACHE_HOME nor HOME is set")?;
    Ok(base.join(name))
}

/// `pip install --target` into a directory of this process's own, then renamed into place: two
/// test processes fetching at once both end with a whole copy.
fn provision_pg16(cache: &Path) -> Result<(), String> {
    let how = format!(
        "python3 -m pip install --no-deps --target {} {PG16_PACKAGE}",
        cache.display()
    );
    eprintln!(
        "warden tests: fetching PostgreSQL 16 ({PG16_PACKAGE} from PyPI) into {} (once)",
        cache.display()
    );
    let partial = cache.with_extension(format!("partial-{}", std::process::id()));
    let _ = fs::remove_dir_all(&partial);
    if let Some(parent) = cache.parent() {
        fs::create_dir_all(parent)
            .map_err(|e| format!("cannot create {}: {e}", parent.display()))?;
    }
    let out = Command::new("python3")
        .args([
            "-m",
            "pip",
            "install",
            "-q",
            "--disable-pip-version-check",
            "--no-deps",
        ])
        .arg("--target")
        .arg(&partial)
        .arg(PG16_PACKAGE)
        .env("PIP_ROOT_USER_ACTION", "ignore")
        .output()
        .map_err(|e| format!("cannot run python3 -m pip ({e}); install it, then: {how}"))?;
    if !out.status.success() {
        let _ = fs::remove_dir_all(&partial);
        return Err(format!(
            "pip failed ({}); by hand: {how}",
            String::from_utf8_lossy(&out.stderr).trim()
        ));
    }
    // The unprivileged user the server runs as (under root) must read and run all of it.
    let _ = Command::new("chmod")
        .arg("-R")
        .arg("a+rX")
        .arg(&partial)
        .status();
    if fs::rename(&partial, cache).is_err() {
        // Another process put its copy there first.
        let _ = fs::remove_dir_all(&partial);
    }
    Ok(())
}

/// The server binaries of an installed PostgreSQL (see [`find_bindir`]).
fn installed_bindir() -> Result<PathBuf, String> {
    let has_server = |d: &Path| d.join("initdb").is_file() && d.join("postgres").is_file();
    if let Some(d) = std::env::var_os("WARDEN_PG_BINDIR").map(PathBuf::from)
        && has_server(&d)
    {
        return Ok(d);
    }
    if let Ok(out) = Command::new("pg_config").arg("--bindir").output() {
        let d = PathBuf::from(String::from_utf8_lossy(&out.stdout).trim());
        if out.status.success() && has_server(&d) {
            return Ok(d);
        }
    }
    let mut versions: Vec<(u32, PathBuf)> = fs::read_dir("/usr/lib/postgresql")
        .into_iter()
        .flatten()
        .flatten()
        .filter_map(|e| {
            let v = e.file_name().to_string_lossy().parse::<u32>().ok()?;
            let bin = e.path().join("bin");
            has_server(&bin).then_some((v, bin))
        })
        .collect();
    versions.sort();
    versions.pop().map(|(_, d)| d).ok_or_else(|| {
        "no PostgreSQL server binaries found (tried $WARDEN_PG_BINDIR, `pg_config --bindir` and \
         /usr/lib/postgresql/*/bin): install Debian's `postgresql` package \
         (`apt-get install postgresql`; the CI script installs it)"
            .to_owned()
    })
}

/// This process's effective user id.
pub fn current_euid() -> Result<u32, String> {
    id(&["-u"])
}

/// The `postgres` system user if it exists, else `nobody`.
fn unprivileged_user() -> Result<(u32, u32), String> {
    for user in ["postgres", "nobody"] {
        if let (Ok(uid), Ok(gid)) = (id(&["-u", user]), id(&["-g", user])) {
            return Ok((uid, gid));
        }
    }
    Err("running as root, and neither a `postgres` nor a `nobody` user exists to run initdb".into())
}

fn id(args: &[&str]) -> Result<u32, String> {
    let out = Command::new("id")
        .args(args)
        .stderr(Stdio::null())
        .output()
        .map_err(|e| format!("cannot run id: {e}"))?;
    if !out.status.success() {
        return Err(format!("id {} failed", args.join(" ")));
    }
    String::from_utf8_lossy(&out.stdout)
        .trim()
        .parse()
        .map_err(|e| format!("id {}: {e}", args.join(" ")))
}

fn free_port() -> Result<u16, String> {
    let l = TcpListener::bind((Ipv4Addr::LOCALHOST, 0))
        .map_err(|e| format!("cannot bind a loopback port: {e}"))?;
    l.local_addr().map(|a| a.port()).map_err(|e| e.to_string())
}
