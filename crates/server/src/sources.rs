//! The edges: UDP, TCP client and server, files (replayed), stdin. Each
//! line is stamped with its receive time and handed to the core thread.

use std::net::SocketAddr;
use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use tokio::io::{AsyncBufRead, AsyncBufReadExt, AsyncRead, BufReader};
use tokio::net::{TcpListener, TcpStream, UdpSocket};

use crate::core::{CoreTx, Input, Line, Shared};

/// Longest line accepted; longer ones are cut here and counted (AIS
/// sentences are at most 82 characters plus tag blocks and trailers).
pub const MAX_LINE: usize = 4096;

/// One input of the server.
#[derive(Debug, Clone, PartialEq)]
pub enum SourceSpec {
    /// Listen for datagrams (AIS-catcher, rtl-ais...).
    Udp(SocketAddr),
    /// Accept TCP connections and read lines from each (receivers push).
    TcpListen(SocketAddr),
    /// Connect to a TCP feed, reconnecting with backoff.
    Connect(String),
    /// Read a file (plain or gzip), paced at `speed` times its recorded
    /// rate (None: as fast as possible).
    Replay {
        /// The file.
        path: String,
        /// Pace multiplier.
        speed: Option<f64>,
    },
    /// Standard input.
    Stdin,
    /// Lines handed over by the embedding program (the demonstration), in
    /// data-time order and already paced by it.
    Feed(Arc<Feed>),
}

/// A source fed by the embedding program through a channel.
pub struct Feed {
    name: String,
    rx: std::sync::Mutex<Option<tokio::sync::mpsc::Receiver<Vec<u8>>>>,
}

impl Feed {
    /// A feed named `name`, and the sender for its lines (bounded: a
    /// sender that runs ahead waits).
    pub fn new(name: &str) -> (Arc<Feed>, tokio::sync::mpsc::Sender<Vec<u8>>) {
        let (tx, rx) = tokio::sync::mpsc::channel(4096);
        (
            Arc::new(Feed {
                name: name.to_string(),
                rx: std::sync::Mutex::new(Some(rx)),
            }),
            tx,
        )
    }
}

impl std::fmt::Debug for Feed {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Feed({})", self.name)
    }
}

impl PartialEq for Feed {
    fn eq(&self, other: &Feed) -> bool {
        std::ptr::eq(self, other)
    }
}

impl SourceSpec {
    /// A short name for metrics and logs.
    pub fn name(&self) -> String {
        match self {
            SourceSpec::Udp(a) => format!("udp:{a}"),
            SourceSpec::TcpListen(a) => format!("tcp-listen:{a}"),
            SourceSpec::Connect(a) => format!("tcp:{a}"),
            SourceSpec::Replay { path, .. } => format!("file:{path}"),
            SourceSpec::Stdin => "stdin".into(),
            SourceSpec::Feed(f) => f.name.clone(),
        }
    }

    /// `true` for live feeds (time passes with the wall clock).
    pub fn is_live(&self) -> bool {
        !matches!(self, SourceSpec::Replay { .. } | SourceSpec::Feed(_))
    }
}

/// Wall-clock time at the edge, ms since the epoch.
pub fn now_ms() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_millis() as i64)
        .unwrap_or(0)
}

fn line(source: usize, bytes: &[u8]) -> Input {
    let mut b = bytes;
    while let [rest @ .., b'\r'] = b {
        b = rest;
    }
    Input::Line(Line {
        source,
        bytes: b.to_vec(),
        recv_ms: now_ms(),
        arrived: Instant::now(),
    })
}

/// Binds every listening source first (so that a bad address fails at
/// start), then runs them all.
pub async fn start(
    specs: Vec<SourceSpec>,
    tx: CoreTx,
    shared: Arc<Shared>,
) -> anyhow::Result<Vec<tokio::task::JoinHandle<()>>> {
    let mut tasks = Vec::new();
    for (i, spec) in specs.into_iter().enumerate() {
        let tx = tx.clone();
        let shared = shared.clone();
        match spec {
            SourceSpec::Udp(addr) => {
                let sock = UdpSocket::bind(addr)
                    .await
                    .map_err(|e| anyhow::anyhow!("cannot listen for UDP on {addr}: {e}"))?;
                tasks.push(tokio::spawn(udp(i, sock, tx, shared)));
            }
            SourceSpec::TcpListen(addr) => {
                let l = TcpListener::bind(addr)
                    .await
                    .map_err(|e| anyhow::anyhow!("cannot listen for TCP on {addr}: {e}"))?;
                tasks.push(tokio::spawn(tcp_listen(i, l, tx, shared)));
            }
            SourceSpec::Connect(addr) => tasks.push(tokio::spawn(connect(i, addr, tx, shared))),
            SourceSpec::Replay { path, speed } => {
                let f = tokio::fs::File::open(&path)
                    .await
                    .map_err(|e| anyhow::anyhow!("cannot open {path}: {e}"))?;
                tasks.push(tokio::spawn(replay(i, path, f, speed, tx, shared)));
            }
            SourceSpec::Feed(feed) => {
                let rx = feed.rx.lock().unwrap_or_else(|e| e.into_inner()).take();
                let Some(mut rx) = rx else {
                    anyhow::bail!("feed {} started twice", feed.name);
                };
                tasks.push(tokio::spawn(async move {
                    while let Some(l) = rx.recv().await {
                        if !send_line(&tx, line(i, &l)).await {
                            return;
                        }
                    }
                }));
            }
            SourceSpec::Stdin => tasks.push(tokio::spawn(async move {
                let r = BufReader::new(tokio::io::stdin());
                read_lines(i, r, &tx, &shared, None).await;
            })),
        }
    }
    Ok(tasks)
}

async fn udp(i: usize, sock: UdpSocket, tx: CoreTx, shared: Arc<Shared>) {
    let mut buf = vec![0u8; 65_536];
    loop {
        let Ok((n, _from)) = sock.recv_from(&mut buf).await else {
            continue;
        };
        for l in buf[..n].split(|&b| b == b'\n') {
            if l.is_empty() || l == b"\r" {
                continue;
            }
            let l = if l.len() > MAX_LINE {
                shared
                    .metrics
                    .overlong_lines
                    .fetch_add(1, Ordering::Relaxed);
                &l[..MAX_LINE]
            } else {
                l
            };
            if tx.try_send(line(i, l)).is_err() {
                shared
                    .metrics
                    .dropped_datagrams
                    .fetch_add(1, Ordering::Relaxed);
            }
        }
    }
}

async fn tcp_listen(i: usize, l: TcpListener, tx: CoreTx, shared: Arc<Shared>) {
    loop {
        let Ok((stream, _)) = l.accept().await else {
            tokio::time::sleep(Duration::from_millis(100)).await;
            continue;
        };
        shared
            .metrics
            .tcp_connections
            .fetch_add(1, Ordering::Relaxed);
        let tx = tx.clone();
        let shared = shared.clone();
        tokio::spawn(async move {
            read_lines(i, BufReader::new(stream), &tx, &shared, None).await;
        });
    }
}

async fn connect(i: usize, addr: String, tx: CoreTx, shared: Arc<Shared>) {
    let mut backoff = Duration::from_millis(500);
    loop {
        match TcpStream::connect(&addr).await {
            Ok(s) => {
                shared
                    .metrics
                    .tcp_connections
                    .fetch_add(1, Ordering::Relaxed);
                backoff = Duration::from_millis(500);
                read_lines(i, BufReader::new(s), &tx, &shared, None).await;
            }
            Err(e) => {
                eprintln!("finisterra: cannot connect to {addr}: {e}; retrying in {backoff:?}")
            }
        }
        tokio::time::sleep(backoff).await;
        backoff = (backoff * 2).min(Duration::from_secs(30));
    }
}

async fn replay(
    i: usize,
    path: String,
    f: tokio::fs::File,
    speed: Option<f64>,
    tx: CoreTx,
    shared: Arc<Shared>,
) {
    let mut head = BufReader::with_capacity(1 << 16, f);
    let gzip = head
        .fill_buf()
        .await
        .is_ok_and(|b| b.starts_with(&[0x1f, 0x8b]));
    if gzip {
        // Decompress on a blocking thread, lines through a channel.
        let (ltx, mut lrx) = tokio::sync::mpsc::channel::<Vec<u8>>(1024);
        let p = path.clone();
        tokio::task::spawn_blocking(move || {
            use std::io::BufRead;
            let Ok(f) = std::fs::File::open(&p) else {
                return;
            };
            let r = std::io::BufReader::new(flate2_reader(f));
            for l in r.split(b'\n').map_while(Result::ok) {
                if ltx.blocking_send(l).is_err() {
                    break;
                }
            }
        });
        let mut pacer = Pacer::new(speed);
        while let Some(l) = lrx.recv().await {
            pacer.wait(&l).await;
            if !send_line(&tx, line(i, &l)).await {
                return;
            }
        }
        let _ = &shared;
    } else {
        read_lines(i, head, &tx, &shared, speed).await;
    }
    eprintln!("finisterra: {path}: replay finished");
}

fn flate2_reader(f: std::fs::File) -> Box<dyn std::io::Read + Send> {
    Box::new(flate2::read::MultiGzDecoder::new(f))
}

/// Hands a line to the core without blocking the async runtime: when the
/// queue is full, waits a little and tries again (back-pressure on the
/// stream). `false` when the core is gone.
async fn send_line(tx: &CoreTx, mut input: Input) -> bool {
    loop {
        match tx.try_send(input) {
            Ok(()) => return true,
            Err(Input::Shutdown) => return false,
            Err(back) => {
                input = back;
                if tx.is_closed() {
                    return false;
                }
                tokio::time::sleep(Duration::from_millis(1)).await;
            }
        }
    }
}

/// Paces a replay at `speed` times the recorded rate, from the times in
/// the data.
struct Pacer {
    speed: Option<f64>,
    start: Option<(i64, Instant)>,
}

impl Pacer {
    fn new(speed: Option<f64>) -> Pacer {
        Pacer {
            speed: speed.filter(|s| *s > 0.0),
            start: None,
        }
    }

    async fn wait(&mut self, l: &[u8]) {
        let Some(speed) = self.speed else {
            return;
        };
        let t = match finisterra_nmea::parse_line(l) {
            Ok(finisterra_nmea::Line::Vdm(v)) => v.time.map(|t| t.unix_ms),
            Ok(finisterra_nmea::Line::Timestamp(t)) => Some(t.unix_ms),
            _ => None,
        };
        let Some(t) = t else {
            return;
        };
        let (t0, w0) = *self.start.get_or_insert((t, Instant::now()));
        let due = w0 + Duration::from_secs_f64(((t - t0).max(0) as f64 / 1000.0) / speed);
        let now = Instant::now();
        if due > now {
            tokio::time::sleep(due - now).await;
        }
    }
}

/// Reads lines with a length limit; over-long lines are cut and counted.
async fn read_lines<R: AsyncRead + Unpin>(
    i: usize,
    mut r: BufReader<R>,
    tx: &CoreTx,
    shared: &Arc<Shared>,
    speed: Option<f64>,
) where
    BufReader<R>: AsyncBufRead,
{
    let mut pacer = Pacer::new(speed);
    let mut cur: Vec<u8> = Vec::with_capacity(256);
    let mut overlong = false;
    loop {
        let buf = match r.fill_buf().await {
            Ok([]) => break,
            Ok(b) => b,
            Err(_) => break,
        };
        let n = buf.len();
        let mut start = 0;
        while let Some(p) = buf[start..].iter().position(|&b| b == b'\n') {
            let end = start + p;
            let room = MAX_LINE.saturating_sub(cur.len());
            cur.extend_from_slice(&buf[start..end.min(start + room)]);
            if overlong || end - start > room {
                shared
                    .metrics
                    .overlong_lines
                    .fetch_add(1, Ordering::Relaxed);
            }
            pacer.wait(&cur).await;
            if !send_line(tx, line(i, &cur)).await {
                return;
            }
            cur.clear();
            overlong = false;
            start = end + 1;
        }
        let room = MAX_LINE.saturating_sub(cur.len());
        let rest = &buf[start..];
        if rest.len() > room {
            overlong = true;
        }
        cur.extend_from_slice(&rest[..rest.len().min(room)]);
        r.consume(n);
    }
    if !cur.is_empty() {
        pacer.wait(&cur).await;
        send_line(tx, line(i, &cur)).await;
    }
}
