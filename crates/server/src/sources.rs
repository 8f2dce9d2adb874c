//! The edges: UDP, TCP client and server, files (replayed), stdin. Each
//! line is stamped with its receive time and handed to the core thread —
//! or, through the same [`CoreTx`], to another program's reader
//! (`finisterra ingest`): what the sources need from whoever runs them
//! (names, limits, counters, what to do when the queue is full) is the
//! [`SourceHost`] trait, which the server's [`Shared`] implements.

use std::net::SocketAddr;
use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::{Duration, Instant};

use tokio::io::{AsyncBufRead, AsyncBufReadExt, AsyncRead, BufReader};
use tokio::net::{TcpListener, TcpStream, UdpSocket};

use crate::channel::{AirFrame, CoreTx, Input, Line};
use crate::core::Shared;

use finisterra_nmea::LineSplitter;

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
    /// Connect to a Beast binary feed (dump1090/readsb port 30005),
    /// reconnecting with backoff.
    Beast(String),
    /// Accept TCP connections carrying Beast binary.
    BeastListen(SocketAddr),
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
            SourceSpec::Beast(a) => format!("beast:{a}"),
            SourceSpec::BeastListen(a) => format!("beast-listen:{a}"),
            SourceSpec::Feed(f) => f.name.clone(),
        }
    }

    /// `true` for live feeds (time passes with the wall clock).
    pub fn is_live(&self) -> bool {
        !matches!(self, SourceSpec::Replay { .. } | SourceSpec::Feed(_))
    }
}

use crate::clock::now_ms;

/// What a stream source (TCP, a file, stdin) does with a line when the
/// queue is full. Datagrams are always dropped and counted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Overflow {
    /// Wait for room: back-pressure on the stream (the server).
    Wait,
    /// Drop the line and count it ([`SourceCount::Dropped`]): a live feed
    /// is not held back by a slow consumer (`ingest` when the broker is
    /// slow).
    Drop,
}

/// What the sources count.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SourceCount {
    /// A line dropped because the queue was full.
    Dropped,
    /// Over-long lines cut (this many).
    OverlongLines(u64),
    /// A TCP connection made or accepted.
    TcpConnection,
    /// A TCP feed closed after its idle timeout.
    TcpIdleClosed,
    /// Beast bytes rejected, with the framer's reason.
    BeastError(&'static str),
}

/// What the sources need from the program that runs them.
pub trait SourceHost: Send + Sync + 'static {
    /// The name of source `i` (for logs).
    fn source_name(&self, i: usize) -> &str;
    /// The receive buffer to ask for each UDP socket, bytes.
    fn udp_recv_buffer(&self) -> usize;
    /// A TCP feed silent this long is closed (zero: never).
    fn tcp_idle_timeout(&self) -> Duration;
    /// What a stream source does when the queue is full.
    fn overflow(&self) -> Overflow {
        Overflow::Wait
    }
    /// Counts one thing.
    fn count(&self, c: SourceCount);
    /// The receive buffer the kernel granted a UDP source, bytes.
    fn udp_buffer_granted(&self, name: &str, granted: u64);
    /// The kernel's count of datagrams it dropped on a UDP source so far.
    fn udp_kernel_drops(&self, name: &str, drops: u64);
}

impl SourceHost for Shared {
    fn source_name(&self, i: usize) -> &str {
        Shared::source_name(self, i)
    }

    fn udp_recv_buffer(&self) -> usize {
        self.limits.udp_recv_buffer
    }

    fn tcp_idle_timeout(&self) -> Duration {
        self.limits.tcp_idle_timeout
    }

    fn count(&self, c: SourceCount) {
        let m = &self.metrics;
        let (counter, n) = match c {
            // Streams wait (`Overflow::Wait`): only datagrams are dropped.
            SourceCount::Dropped => (&m.dropped_datagrams, 1),
            SourceCount::OverlongLines(n) => (&m.overlong_lines, n),
            SourceCount::TcpConnection => (&m.tcp_connections, 1),
            SourceCount::TcpIdleClosed => (&m.tcp_idle_closed, 1),
            SourceCount::BeastError(reason) => return m.decode_error(reason),
        };
        counter.fetch_add(n, Ordering::Relaxed);
    }

    fn udp_buffer_granted(&self, name: &str, granted: u64) {
        self.metrics
            .udp_recv_buffer
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .push((name.to_string(), granted));
    }

    fn udp_kernel_drops(&self, name: &str, drops: u64) {
        let mut m = self
            .metrics
            .udp_kernel_drops
            .lock()
            .unwrap_or_else(|e| e.into_inner());
        match m.iter_mut().find(|(n, _)| n == name) {
            Some(e) => e.1 = drops,
            None => m.push((name.to_string(), drops)),
        }
    }
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
/// start), then runs them all; `i`-th spec's lines carry source `i`.
pub async fn start<H: SourceHost>(
    specs: Vec<SourceSpec>,
    tx: CoreTx,
    shared: Arc<H>,
) -> anyhow::Result<Vec<tokio::task::JoinHandle<()>>> {
    let mut tasks = Vec::new();
    for (i, spec) in specs.into_iter().enumerate() {
        let tx = tx.clone();
        let shared = shared.clone();
        match spec {
            SourceSpec::Udp(addr) => {
                let sock = bind_udp(addr, shared.udp_recv_buffer())
                    .map_err(|e| anyhow::anyhow!("cannot listen for UDP on {addr}: {e}"))?;
                let granted = socket2::SockRef::from(&sock)
                    .recv_buffer_size()
                    .unwrap_or(0);
                if granted < shared.udp_recv_buffer() {
                    eprintln!(
                        "finisterra: UDP {addr}: asked for a {} byte receive buffer, the kernel granted {granted} (raise net.core.rmem_max); kernel drops are counted",
                        shared.udp_recv_buffer()
                    );
                }
                let name = shared.source_name(i).to_string();
                shared.udp_buffer_granted(&name, granted as u64);
                tasks.push(tokio::spawn(watch_udp_drops(
                    name,
                    sock.local_addr()?,
                    shared.clone(),
                )));
                tasks.push(tokio::spawn(udp(i, sock, tx, shared)));
            }
            SourceSpec::TcpListen(addr) => {
                let l = TcpListener::bind(addr)
                    .await
                    .map_err(|e| anyhow::anyhow!("cannot listen for TCP on {addr}: {e}"))?;
                tasks.push(tokio::spawn(tcp_listen(i, l, Framing::Lines, tx, shared)));
            }
            SourceSpec::Connect(addr) => {
                tasks.push(tokio::spawn(connect(i, addr, Framing::Lines, tx, shared)))
            }
            SourceSpec::Beast(addr) => {
                tasks.push(tokio::spawn(connect(i, addr, Framing::Beast, tx, shared)))
            }
            SourceSpec::BeastListen(addr) => {
                let l = TcpListener::bind(addr)
                    .await
                    .map_err(|e| anyhow::anyhow!("cannot listen for Beast on {addr}: {e}"))?;
                tasks.push(tokio::spawn(tcp_listen(i, l, Framing::Beast, tx, shared)));
            }
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
                        if !send_line(&tx, line(i, &l), &*shared).await {
                            return;
                        }
                    }
                }));
            }
            SourceSpec::Stdin => tasks.push(tokio::spawn(async move {
                let r = BufReader::new(tokio::io::stdin());
                read_lines(i, r, &tx, &shared, None, None).await;
            })),
        }
    }
    Ok(tasks)
}

/// A UDP socket with the receive buffer asked for (bursts from many
/// receivers must not overflow the kernel's default of a few hundred KiB).
fn bind_udp(addr: SocketAddr, recv_buffer: usize) -> std::io::Result<UdpSocket> {
    use socket2::{Domain, Protocol, Socket, Type};
    let sock = Socket::new(Domain::for_address(addr), Type::DGRAM, Some(Protocol::UDP))?;
    if recv_buffer > 0 {
        // Best effort: the kernel caps it at net.core.rmem_max.
        let _ = sock.set_recv_buffer_size(recv_buffer);
    }
    sock.set_nonblocking(true)?;
    sock.bind(&addr.into())?;
    UdpSocket::from_std(sock.into())
}

/// Datagrams the kernel dropped on a UDP socket bound to `local`, from
/// `/proc/net/udp` (`/proc/net/udp6`): the last column of the socket's
/// row. `None` where the kernel does not say (not Linux).
pub fn udp_kernel_drops(local: SocketAddr) -> Option<u64> {
    let (file, want) = match local {
        SocketAddr::V4(a) => (
            "/proc/net/udp",
            format!(
                "{:08X}:{:04X}",
                u32::from_le_bytes(a.ip().octets()),
                a.port()
            ),
        ),
        SocketAddr::V6(a) => {
            let o = a.ip().octets();
            let mut hex = String::with_capacity(32);
            for w in o.chunks(4) {
                hex.push_str(&format!(
                    "{:08X}",
                    u32::from_le_bytes([w[0], w[1], w[2], w[3]])
                ));
            }
            ("/proc/net/udp6", format!("{hex}:{:04X}", a.port()))
        }
    };
    let text = std::fs::read_to_string(file).ok()?;
    let mut total = None;
    for row in text.lines().skip(1) {
        let cols: Vec<&str> = row.split_whitespace().collect();
        if cols.get(1) == Some(&want.as_str()) {
            let drops = cols.last()?.parse::<u64>().ok()?;
            total = Some(total.unwrap_or(0) + drops);
        }
    }
    total
}

/// Reads the kernel's drop counter of one UDP socket every second into
/// `/metrics`.
async fn watch_udp_drops<H: SourceHost>(name: String, local: SocketAddr, shared: Arc<H>) {
    let mut tick = tokio::time::interval(Duration::from_secs(1));
    loop {
        tick.tick().await;
        let Some(d) = udp_kernel_drops(local) else {
            return;
        };
        shared.udp_kernel_drops(&name, d);
    }
}

async fn udp<H: SourceHost>(i: usize, sock: UdpSocket, tx: CoreTx, shared: Arc<H>) {
    let mut buf = vec![0u8; 65_536];
    // The one line splitter of the project (its length limit, its count
    // of cut lines); each datagram is whole, its last line needs no `\n`.
    let mut sp = LineSplitter::new();
    loop {
        let Ok((n, _from)) = sock.recv_from(&mut buf).await else {
            continue;
        };
        let cut = sp.cut_lines();
        let send = |l: &[u8]| {
            if l.is_empty() {
                return;
            }
            if tx.try_send(line(i, l)).is_err() {
                shared.count(SourceCount::Dropped);
            }
        };
        sp.push(&buf[..n], |_, l| send(l));
        if let Some((_, l)) = sp.finish() {
            send(l);
        }
        shared.count(SourceCount::OverlongLines(sp.cut_lines() - cut));
    }
}

/// How a TCP stream is cut into inputs.
#[derive(Debug, Clone, Copy)]
enum Framing {
    /// Text lines (NMEA, and Mode S text).
    Lines,
    /// Beast binary frames.
    Beast,
}

/// Reads one TCP stream to its end (or its idle timeout) in its framing.
async fn read_stream<H: SourceHost>(
    i: usize,
    s: TcpStream,
    framing: Framing,
    tx: &CoreTx,
    shared: &Arc<H>,
) {
    match framing {
        Framing::Lines => {
            let idle = Some(shared.tcp_idle_timeout());
            read_lines(i, BufReader::new(s), tx, shared, None, idle).await;
        }
        Framing::Beast => read_beast(i, s, tx, shared).await,
    }
}

async fn tcp_listen<H: SourceHost>(
    i: usize,
    l: TcpListener,
    framing: Framing,
    tx: CoreTx,
    shared: Arc<H>,
) {
    // The connections belong to the listener: a listener stopped (its task
    // aborted) stops them too.
    let mut connections = tokio::task::JoinSet::new();
    loop {
        while connections.try_join_next().is_some() {}
        let Ok((stream, _)) = l.accept().await else {
            tokio::time::sleep(Duration::from_millis(100)).await;
            continue;
        };
        shared.count(SourceCount::TcpConnection);
        let tx = tx.clone();
        let shared = shared.clone();
        connections.spawn(async move { read_stream(i, stream, framing, &tx, &shared).await });
    }
}

/// Reads Beast binary: frames (0x1a framing, escapes, resynchronisation)
/// stamped with their receive time and handed to the core; garbage and
/// truncated frames are counted with their reason; a stream silent for the
/// idle timeout is closed.
async fn read_beast<H: SourceHost>(i: usize, mut s: TcpStream, tx: &CoreTx, shared: &Arc<H>) {
    use tokio::io::AsyncReadExt;
    let mut framer = finisterra_modes::BeastFramer::new();
    let mut buf = vec![0u8; 1 << 16];
    let idle = shared.tcp_idle_timeout();
    loop {
        let n = if idle.is_zero() {
            s.read(&mut buf).await
        } else {
            match tokio::time::timeout(idle, s.read(&mut buf)).await {
                Ok(r) => r,
                Err(_) => {
                    shared.count(SourceCount::TcpIdleClosed);
                    return;
                }
            }
        };
        let n = match n {
            Ok(0) | Err(_) => return,
            Ok(n) => n,
        };
        let recv_ms = now_ms();
        let mut frames = Vec::new();
        framer.push(&buf[..n], |f| match f {
            Ok(f) => frames.push(f.bytes().to_vec()),
            Err(e) => shared.count(SourceCount::BeastError(e.reason.reason())),
        });
        for bytes in frames {
            let input = Input::Air(AirFrame {
                source: i,
                bytes,
                recv_ms,
                arrived: Instant::now(),
            });
            if !send_line(tx, input, &**shared).await {
                return;
            }
        }
    }
}

async fn connect<H: SourceHost>(
    i: usize,
    addr: String,
    framing: Framing,
    tx: CoreTx,
    shared: Arc<H>,
) {
    let mut backoff = Duration::from_millis(500);
    loop {
        match TcpStream::connect(&addr).await {
            Ok(s) => {
                shared.count(SourceCount::TcpConnection);
                backoff = Duration::from_millis(500);
                read_stream(i, s, framing, &tx, &shared).await;
            }
            Err(e) => {
                eprintln!("finisterra: cannot connect to {addr}: {e}; retrying in {backoff:?}")
            }
        }
        tokio::time::sleep(backoff).await;
        backoff = (backoff * 2).min(Duration::from_secs(30));
    }
}

async fn replay<H: SourceHost>(
    i: usize,
    path: String,
    f: tokio::fs::File,
    speed: Option<f64>,
    tx: CoreTx,
    shared: Arc<H>,
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
            let Ok(f) = std::fs::File::open(&p) else {
                return;
            };
            // The project's one line splitter: its length limit holds for
            // a decompressed stream too.
            let mut r = flate2_reader(f);
            let mut sp = LineSplitter::new();
            let mut chunk = vec![0u8; 1 << 16];
            let mut lines: Vec<Vec<u8>> = Vec::new();
            loop {
                let n = match std::io::Read::read(&mut r, &mut chunk) {
                    Ok(0) | Err(_) => break,
                    Ok(n) => n,
                };
                sp.push(&chunk[..n], |_, l| lines.push(l.to_vec()));
                for l in lines.drain(..) {
                    if ltx.blocking_send(l).is_err() {
                        return;
                    }
                }
            }
            if let Some((_, l)) = sp.finish() {
                let _ = ltx.blocking_send(l.to_vec());
            }
        });
        let mut pacer = Pacer::new(speed);
        while let Some(l) = lrx.recv().await {
            pacer.wait(&l).await;
            if !send_line(&tx, line(i, &l), &*shared).await {
                return;
            }
        }
    } else {
        read_lines(i, head, &tx, &shared, speed, None).await;
    }
    eprintln!("finisterra: {path}: replay finished");
}

fn flate2_reader(f: std::fs::File) -> Box<dyn std::io::Read + Send> {
    Box::new(flate2::read::MultiGzDecoder::new(f))
}

/// Hands a line to the core without blocking the async runtime: when the
/// queue is full, waits a little and tries again (back-pressure on the
/// stream), or drops it and counts it when the host says so
/// ([`Overflow::Drop`]). `false` when the core is gone.
async fn send_line<H: SourceHost + ?Sized>(tx: &CoreTx, mut input: Input, host: &H) -> bool {
    if host.overflow() == Overflow::Drop {
        return match tx.try_send(input) {
            Ok(()) => true,
            Err(_) if tx.is_closed() => false,
            Err(_) => {
                host.count(SourceCount::Dropped);
                true
            }
        };
    }
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

/// Reads lines through the project's one line splitter (its length limit;
/// over-long lines are cut and counted), each stamped and handed to the
/// core; a stream silent for `idle` is closed.
async fn read_lines<R: AsyncRead + Unpin, H: SourceHost>(
    i: usize,
    mut r: BufReader<R>,
    tx: &CoreTx,
    shared: &Arc<H>,
    speed: Option<f64>,
    idle: Option<Duration>,
) where
    BufReader<R>: AsyncBufRead,
{
    let mut pacer = Pacer::new(speed);
    let mut sp = LineSplitter::new();
    let idle = idle.filter(|d| !d.is_zero());
    loop {
        let filled = match idle {
            Some(limit) => match tokio::time::timeout(limit, r.fill_buf()).await {
                Ok(f) => f,
                Err(_) => {
                    shared.count(SourceCount::TcpIdleClosed);
                    eprintln!(
                        "finisterra: {}: silent for {limit:?}; closing the connection",
                        shared.source_name(i)
                    );
                    break;
                }
            },
            None => r.fill_buf().await,
        };
        let buf = match filled {
            Ok([]) => break,
            Ok(b) => b,
            Err(_) => break,
        };
        let n = buf.len();
        let cut = sp.cut_lines();
        let mut pos = 0;
        while let Some((_, l)) = sp.next_line(buf, &mut pos) {
            pacer.wait(l).await;
            if !send_line(tx, line(i, l), &**shared).await {
                return;
            }
        }
        shared.count(SourceCount::OverlongLines(sp.cut_lines() - cut));
        r.consume(n);
    }
    if let Some((_, l)) = sp.finish() {
        pacer.wait(l).await;
        send_line(tx, line(i, l), &**shared).await;
    }
}
