//! A PostgreSQL server for the tests: `FINISTERRA_TEST_POSTGRES_URL` if set,
//! otherwise a throwaway server (initdb + pg_ctl, as user `postgres` when
//! running as root) in a temporary directory on a free port, stopped by
//! `Drop` even when a test fails. Each test store gets its own schema.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::atomic::{AtomicUsize, Ordering};

use super::Env;

/// Environment variable naming an existing server to test against.
pub const URL_ENV: &str = "FINISTERRA_TEST_POSTGRES_URL";
/// Set to `1` to fail, instead of skipping, when no server can be had
/// (so does `CI`, see [`super::ci`]).
pub const REQUIRED_ENV: &str = "FINISTERRA_TEST_POSTGRES_REQUIRED";

/// A running server (ours or the one named by [`URL_ENV`]).
pub struct PgServer {
    /// Base connection URL (no query string).
    pub url: String,
    /// Our server's files (`None` for an external server).
    local: Option<Local>,
    schemas: std::sync::Mutex<Vec<String>>,
    counter: AtomicUsize,
}

struct Local {
    dir: PathBuf,
    bin: PathBuf,
    as_postgres: bool,
}

impl Local {
    fn data(&self) -> PathBuf {
        self.dir.join("data")
    }

    /// Runs a server program, as `postgres` when we are root.
    fn run(&self, program: &str, args: &[&str]) -> Result<String, String> {
        let prog = self.bin.join(program);
        let out = if self.as_postgres {
            let mut cmd = shell_quote(&prog.to_string_lossy());
            for a in args {
                cmd.push(' ');
                cmd.push_str(&shell_quote(a));
            }
            Command::new("su")
                .args(["postgres", "-s", "/bin/sh", "-c", &cmd])
                .output()
        } else {
            Command::new(&prog).args(args).output()
        }
        .map_err(|e| format!("cannot run {}: {e}", prog.display()))?;
        let text = format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        if out.status.success() {
            Ok(text)
        } else {
            Err(format!(
                "{program} failed ({}): {}",
                out.status,
                text.trim()
            ))
        }
    }
}

fn shell_quote(s: &str) -> String {
    format!("'{}'", s.replace('\'', r"'\''"))
}

fn is_root() -> bool {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("Uid:"))
                .and_then(|l| l.split_whitespace().nth(1).map(|u| u == "0"))
        })
        .unwrap_or(false)
}

/// The newest `/usr/lib/postgresql/<version>/bin` holding `initdb`, or a
/// directory on `PATH` holding it.
fn find_bin() -> Option<PathBuf> {
    let mut found: Vec<(u32, PathBuf)> = std::fs::read_dir("/usr/lib/postgresql")
        .into_iter()
        .flatten()
        .flatten()
        .filter_map(|e| {
            let v: u32 = e.file_name().to_str()?.parse().ok()?;
            let bin = e.path().join("bin");
            bin.join("initdb").is_file().then_some((v, bin))
        })
        .collect();
    found.sort();
    if let Some((_, bin)) = found.pop() {
        return Some(bin);
    }
    std::env::split_paths(&std::env::var_os("PATH")?)
        .find(|p| p.join("initdb").is_file() && p.join("pg_ctl").is_file())
}

impl PgServer {
    /// A server, or why there is none.
    pub fn start() -> Result<PgServer, String> {
        if let Ok(url) = std::env::var(URL_ENV) {
            let server = PgServer {
                url,
                local: None,
                schemas: Default::default(),
                counter: AtomicUsize::new(0),
            };
            server
                .client()
                .map_err(|e| format!("{URL_ENV}={}: {e}", server.url))?;
            return Ok(server);
        }
        let bin = find_bin().ok_or("no PostgreSQL server programs (initdb, pg_ctl) found")?;
        let as_postgres = is_root();
        if as_postgres
            && Command::new("id")
                .arg("postgres")
                .output()
                .map(|o| !o.status.success())
                .unwrap_or(true)
        {
            return Err("running as root and there is no `postgres` user to run the server".into());
        }
        let dir = tempfile::Builder::new()
            .prefix("finisterra-pg-")
            .tempdir()
            .map_err(|e| format!("temp dir: {e}"))?
            .keep();
        // From here on, Drop stops the server and removes the directory.
        let mut server = PgServer {
            url: String::new(),
            local: Some(Local {
                dir: dir.clone(),
                bin,
                as_postgres,
            }),
            schemas: Default::default(),
            counter: AtomicUsize::new(0),
        };
        let local = server.local.as_ref().ok_or("no local")?;
        if as_postgres {
            let st = Command::new("chown")
                .args(["postgres:", &dir.to_string_lossy()])
                .status()
                .map_err(|e| format!("chown: {e}"))?;
            if !st.success() {
                return Err(format!("chown postgres {} failed", dir.display()));
            }
        }
        let data = local.data();
        let data_s = data.to_string_lossy().into_owned();
        local.run(
            "initdb",
            &[
                "-D",
                &data_s,
                "-A",
                "trust",
                "-U",
                "postgres",
                "--no-sync",
                "--no-locale",
                "-E",
                "UTF8",
            ],
        )?;
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .map_err(|e| format!("free port: {e}"))?
            .port();
        let opts = format!(
            "-k {} -p {port} -c listen_addresses=127.0.0.1 -c fsync=off -c full_page_writes=off",
            dir.display()
        );
        let log = dir.join("log").to_string_lossy().into_owned();
        if let Err(e) = local.run(
            "pg_ctl",
            &[
                "-D", &data_s, "-o", &opts, "-l", &log, "-w", "-t", "60", "start",
            ],
        ) {
            let tail = std::fs::read_to_string(&log).unwrap_or_default();
            return Err(format!("{e}\nserver log:\n{tail}"));
        }
        server.url = format!("postgres://postgres@127.0.0.1:{port}/postgres");
        server
            .client()
            .map_err(|e| format!("connect to {}: {e}", server.url))?;
        Ok(server)
    }

    /// Whether the tests must fail rather than skip without a server:
    /// under CI, or when [`REQUIRED_ENV`] is `1`.
    pub fn required() -> bool {
        super::ci() || std::env::var(REQUIRED_ENV).is_ok_and(|v| v == "1")
    }

    /// What made the server required, for the failure message.
    pub fn required_by() -> String {
        if super::ci() {
            "CI is set".into()
        } else {
            format!("{REQUIRED_ENV}=1")
        }
    }

    /// A plain client on the base URL.
    pub fn client(&self) -> Result<postgres::Client, postgres::Error> {
        postgres::Client::connect(&self.url, postgres::NoTls)
    }

    /// Location of a store in schema `name` (created if missing).
    pub fn schema_url(&self, name: &str) -> String {
        let mut c = self.client().expect("connect");
        c.batch_execute(&format!("CREATE SCHEMA IF NOT EXISTS {name}"))
            .expect("create schema");
        self.schemas.lock().unwrap().push(name.to_owned());
        let sep = if self.url.contains('?') { '&' } else { '?' };
        format!("{}{sep}options=-csearch_path%3D{name}", self.url)
    }

    /// Whether this is our throwaway server.
    pub fn is_local(&self) -> bool {
        self.local.is_some()
    }

    /// Data directory of our server.
    pub fn data_dir(&self) -> Option<PathBuf> {
        self.local.as_ref().map(Local::data)
    }
}

impl Env for PgServer {
    fn fresh(&self) -> String {
        let n = self.counter.fetch_add(1, Ordering::SeqCst);
        self.schema_url(&format!("fst_{}_{n}", std::process::id()))
    }
}

impl Drop for PgServer {
    fn drop(&mut self) {
        match &self.local {
            Some(local) => {
                let data = local.data();
                if data.join("postmaster.pid").exists() {
                    let data_s = data.to_string_lossy().into_owned();
                    if let Err(e) =
                        local.run("pg_ctl", &["-D", &data_s, "-m", "immediate", "-w", "stop"])
                    {
                        eprintln!("PostgreSQL test server: stop failed: {e}");
                    }
                }
                remove_dir(&local.dir);
            }
            None => {
                // An external server: drop the schemas we made.
                let schemas =
                    std::mem::take(&mut *self.schemas.lock().unwrap_or_else(|e| e.into_inner()));
                if let Ok(mut c) = self.client() {
                    for s in schemas {
                        let _ = c.batch_execute(&format!("DROP SCHEMA IF EXISTS {s} CASCADE"));
                    }
                }
            }
        }
    }
}

fn remove_dir(dir: &Path) {
    if let Err(e) = std::fs::remove_dir_all(dir) {
        eprintln!(
            "PostgreSQL test server: cannot remove {}: {e}",
            dir.display()
        );
    }
}
