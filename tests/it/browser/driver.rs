//! One `chromedriver` on a free loopback port, in its own process group, killed with every
//! browser it started when the value is dropped (also when the test that owns it panics).

use std::fs::{self, File};
use std::net::{Ipv4Addr, TcpListener};
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// How long chromedriver gets to answer `/status` with `ready: true`.
const READY_TIMEOUT: Duration = Duration::from_secs(30);

/// A running chromedriver that lives as long as this value.
pub struct Driver {
    /// `http://127.0.0.1:PORT`, the WebDriver endpoint.
    pub url: String,
    child: Child,
    log: PathBuf,
}

impl Driver {
    /// Starts `program` and waits until it is ready for sessions; the log goes to `dir`.
    pub async fn start(program: &Path, dir: &Path) -> Result<Driver, String> {
        let log = dir.join("chromedriver.log");
        // Another process may take the free port between our probe and chromedriver's bind: retry
        // on a fresh port.
        let mut last = String::new();
        for _ in 0..3 {
            match Driver::launch(program, &log).await {
                Ok(d) => return Ok(d),
                Err(e) => last = e,
            }
        }
        Err(last)
    }

    async fn launch(program: &Path, log: &Path) -> Result<Driver, String> {
        let port = free_port()?;
        let out = File::create(log).map_err(|e| format!("cannot create {}: {e}", log.display()))?;
        let err = out.try_clone().map_err(|e| e.to_string())?;
        let child = Command::new(program)
            .arg(format!("--port={port}"))
            .stdin(Stdio::null())
            .stdout(out)
            .stderr(err)
            // Its own process group: Drop kills chromedriver and every chromium it started at once.
            .process_group(0)
            .spawn()
            .map_err(|e| format!("cannot run {}: {e}", program.display()))?;
        // From here on Drop cleans up, whatever happens below.
        let mut driver = Driver {
            url: format!("http://127.0.0.1:{port}"),
            child,
            log: log.to_path_buf(),
        };
        let http = reqwest::Client::builder()
            .no_proxy()
            .timeout(Duration::from_secs(2))
            .build()
            .map_err(|e| e.to_string())?;
        let deadline = Instant::now() + READY_TIMEOUT;
        loop {
            if let Ok(Some(status)) = driver.child.try_wait() {
                return Err(format!(
                    "chromedriver exited early ({status}); its log:\n{}",
                    driver.log()
                ));
            }
            if driver.ready(&http).await {
                return Ok(driver);
            }
            if Instant::now() > deadline {
                return Err(format!(
                    "chromedriver did not become ready on port {port} within {READY_TIMEOUT:?}; \
                     its log:\n{}",
                    driver.log()
                ));
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// `GET /status` answers `{"value": {"ready": true}}`.
    async fn ready(&self, http: &reqwest::Client) -> bool {
        let Ok(r) = http.get(format!("{}/status", self.url)).send().await else {
            return false;
        };
        let Ok(v) = r.json::<serde_json::Value>().await else {
            return false;
        };
        v["value"]["ready"] == true
    }

    /// chromedriver's log so far (for failure messages).
    pub fn log(&self) -> String {
        fs::read_to_string(&self.log).unwrap_or_default()
    }

    /// chromedriver's process id (its process group's id too).
    pub fn pid(&self) -> u32 {
        self.child.id()
    }
}

impl Drop for Driver {
    fn drop(&mut self) {
        // The group's id is chromedriver's pid, and stays taken until we reap chromedriver below,
        // so this cannot hit an unrelated group.
        if let Ok(pgid) = libc::pid_t::try_from(self.child.id()) {
            // SAFETY: kill(2) takes plain integers and touches no memory of ours.
            unsafe {
                libc::kill(-pgid, libc::SIGKILL);
            }
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn free_port() -> Result<u16, String> {
    let l = TcpListener::bind((Ipv4Addr::LOCALHOST, 0))
        .map_err(|e| format!("cannot bind a loopback port: {e}"))?;
    l.local_addr().map(|a| a.port()).map_err(|e| e.to_string())
}
