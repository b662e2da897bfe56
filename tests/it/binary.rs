//! The real `warden` binary, run one way by every test: a command to its end ([`run`],
//! [`output`]), or a server (`warden serve`, `warden demo`) on a free loopback port that lives as
//! long as its [`Server`] value ([`Launch`]). Every process starts without the variables the
//! binary reads from a developer's shell ([`command`]) and gets only those the test sets.

#![allow(dead_code)]

use std::ffi::OsStr;
use std::io::{BufRead, BufReader, Read, Write};
use std::path::Path;
use std::process::{Child, ChildStderr, Command, ExitStatus, Stdio};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

/// The variables the binary reads (clap's `env`, the fault points): a test that wants one sets
/// it, no test inherits one.
const READ_BY_WARDEN: [&str; 5] = [
    "WARDEN_DATA_DIR",
    "WARDEN_CONFIG",
    "WARDEN_DATABASE_URL",
    "WARDEN_PANIC_AT",
    "WARDEN_CRASH_AT",
];

/// What `warden serve` prints on stderr once it listens.
const LISTENING: &str = "warden listening on http://";

/// What `warden demo` prints on stdout, last of what a test needs (the tokens come before).
const DEMO_HEALTH: &str = "health:";

/// Path of the built `warden` binary.
fn warden_bin() -> &'static str {
    env!("CARGO_BIN_EXE_warden")
}

/// `warden` with none of the variables it reads inherited.
pub fn command() -> Command {
    let mut cmd = Command::new(warden_bin());
    for var in READ_BY_WARDEN {
        cmd.env_remove(var);
    }
    cmd
}

/// Runs `cmd` to its end with `stdin` as its input (none: an empty one), returning
/// (exit status or -1, stdout, stderr).
pub fn output(cmd: &mut Command, stdin: Option<&[u8]>) -> (i32, String, String) {
    let mut child = cmd
        .stdin(if stdin.is_some() {
            Stdio::piped()
        } else {
            Stdio::null()
        })
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // Write from a thread: a large input must not deadlock against a full stdout pipe.
    let writer = child.stdin.take().map(|mut pipe| {
        let input = stdin.map(<[u8]>::to_vec).unwrap_or_default();
        std::thread::spawn(move || {
            let _ = pipe.write_all(&input);
        })
    });
    let out = child.wait_with_output().unwrap();
    if let Some(w) = writer {
        w.join().unwrap();
    }
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into(),
        String::from_utf8_lossy(&out.stderr).into(),
    )
}

/// `warden --data-dir DIR ARGS…`, returning (exit status, stdout, stderr).
pub fn run(dir: &Path, args: &[&str]) -> (i32, String, String) {
    output(command().arg("--data-dir").arg(dir).args(args), None)
}

/// `warden --json user add maya --role requester --email maya@acme.test` in `dir`, which must
/// succeed; the identities maya is linked to, as `CONNECTION:IDENTITY`, sorted.
pub fn add_maya(dir: &Path) -> Vec<String> {
    let (code, out, err) = run(
        dir,
        &[
            "--json",
            "user",
            "add",
            "maya",
            "--role",
            "requester",
            "--email",
            "maya@acme.test",
        ],
    );
    assert_eq!(code, 0, "{err}");
    let doc: serde_json::Value = serde_json::from_str(&out).unwrap();
    let mut links: Vec<String> = doc["links"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| {
            format!(
                "{}:{}",
                l["connection"].as_str().unwrap(),
                l["identity"].as_str().unwrap()
            )
        })
        .collect();
    links.sort();
    links
}

/// A data dir with the demo organisation imported through the command line.
pub fn demo_dir() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let demo = Path::new(env!("CARGO_MANIFEST_DIR")).join("src/demo/acme.json");
    let (code, out, err) = run(dir.path(), &["import", demo.to_str().unwrap()]);
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("imported warehouse (postgres)"), "{out}");
    dir
}

/// Which server, and so how it says it is ready.
enum Kind {
    /// `warden serve`: `warden listening on http://ADDR` on stderr.
    Serve,
    /// `warden demo`: its banner on stdout, up to `health: http://ADDR/healthz`.
    Demo,
}

/// A server about to start: `warden serve` or `warden demo` on 127.0.0.1:0 over a data dir,
/// with the variables the test gives.
pub struct Launch {
    cmd: Command,
    kind: Kind,
}

impl Launch {
    /// `warden serve --listen 127.0.0.1:0 --data-dir DIR`.
    pub fn serve(dir: &Path) -> Launch {
        Launch::new(Kind::Serve, dir)
    }

    /// `warden demo --listen 127.0.0.1:0 --data-dir DIR`.
    pub fn demo(dir: &Path) -> Launch {
        Launch::new(Kind::Demo, dir)
    }

    fn new(kind: Kind, dir: &Path) -> Launch {
        let mut cmd = command();
        cmd.arg(match kind {
            Kind::Serve => "serve",
            Kind::Demo => "demo",
        })
        .args(["--listen", "127.0.0.1:0", "--data-dir"])
        .arg(dir);
        Launch { cmd, kind }
    }

    /// Sets an environment variable of the process.
    pub fn env(mut self, key: &str, value: impl AsRef<OsStr>) -> Launch {
        self.cmd.env(key, value);
        self
    }

    /// Sets environment variables of the process.
    pub fn envs(mut self, vars: &[(&str, &str)]) -> Launch {
        self.cmd.envs(vars.iter().copied());
        self
    }

    /// Starts the process and waits until it listens; panics with its stderr when it ends first.
    pub fn start(mut self) -> Server {
        let mut child = self
            .cmd
            .stdin(Stdio::null())
            .stdout(match self.kind {
                Kind::Serve => Stdio::null(),
                Kind::Demo => Stdio::piped(),
            })
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let stderr = Arc::new(Mutex::new(String::new()));
        let err_pipe = child.stderr.take().unwrap();
        let (ready, banner) = match self.kind {
            Kind::Serve => {
                // The address comes on stderr, which is then kept as the server's log.
                let (ready, _) = watch(err_pipe, Some(stderr.clone()), |line| {
                    line.strip_prefix(LISTENING).map(str::to_owned)
                });
                (ready, Vec::new())
            }
            Kind::Demo => {
                let log = drain(err_pipe, stderr.clone());
                let (ready, banner) = watch(child.stdout.take().unwrap(), None, |line| {
                    let url = line.strip_prefix(DEMO_HEALTH)?.trim();
                    let base = url.trim_end_matches("/healthz");
                    base.strip_prefix("http://").map(str::to_owned)
                });
                if ready.is_none() {
                    let _ = child.wait();
                    let _ = log.join();
                }
                (ready, banner)
            }
        };
        let mut server = Server {
            child,
            addr: String::new(),
            base: String::new(),
            banner,
            stderr,
        };
        let Some(addr) = ready else {
            let _ = server.child.wait();
            panic!(
                "warden ended before it listened; its stderr:\n{}",
                server.stderr()
            );
        };
        server.base = format!("http://{addr}");
        server.addr = addr;
        server
    }
}

/// Reads `pipe` line by line until `ready` finds what it looks for in a line (trimmed), keeping
/// the lines before it; then keeps reading in a thread, as a terminal would, so that the
/// process never blocks on a full pipe. Every line goes to `log` when given.
fn watch(
    pipe: impl Read + Send + 'static,
    log: Option<Arc<Mutex<String>>>,
    ready: impl Fn(&str) -> Option<String>,
) -> (Option<String>, Vec<String>) {
    let mut lines = BufReader::new(pipe).lines();
    let mut seen = Vec::new();
    let mut found = None;
    for line in lines.by_ref() {
        let Ok(line) = line else { break };
        append(log.as_ref(), &line);
        if let Some(f) = ready(line.trim()) {
            found = Some(f);
            break;
        }
        seen.push(line);
    }
    std::thread::spawn(move || {
        for line in lines.map_while(Result::ok) {
            append(log.as_ref(), &line);
        }
    });
    (found, seen)
}

/// Keeps what the process writes on stderr in `log`, in a thread.
fn drain(pipe: ChildStderr, log: Arc<Mutex<String>>) -> JoinHandle<()> {
    std::thread::spawn(move || {
        for line in BufReader::new(pipe).lines().map_while(Result::ok) {
            append(Some(&log), &line);
        }
    })
}

fn append(log: Option<&Arc<Mutex<String>>>, line: &str) {
    if let Some(log) = log {
        let mut log = log.lock().unwrap();
        log.push_str(line);
        log.push('\n');
    }
}

/// A running `warden serve` or `warden demo`, killed when dropped.
pub struct Server {
    child: Child,
    /// `127.0.0.1:PORT`.
    pub addr: String,
    /// `http://127.0.0.1:PORT`.
    pub base: String,
    /// The lines printed on stdout before the server was ready (the demo's banner: its tokens).
    pub banner: Vec<String>,
    stderr: Arc<Mutex<String>>,
}

impl Server {
    /// The process id (to send it a signal).
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// The exit status, if the process has ended.
    pub fn try_wait(&mut self) -> Option<ExitStatus> {
        self.child.try_wait().unwrap()
    }

    /// Waits up to `patience` for the process to end by itself: its exit status, or None when
    /// it is still running.
    pub fn wait_for_exit(&mut self, patience: Duration) -> Option<ExitStatus> {
        let start = Instant::now();
        loop {
            if let Some(status) = self.try_wait() {
                return Some(status);
            }
            if start.elapsed() >= patience {
                return None;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// What the process wrote on stderr so far.
    pub fn stderr(&self) -> String {
        self.stderr.lock().unwrap().clone()
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
