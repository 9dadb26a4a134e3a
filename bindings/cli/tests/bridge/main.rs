//! `vqueue bridge` against a real `nats-server` with JetStream on loopback:
//! a large round trip, SIGKILLs of the bridge and a server restart in the
//! middle of the stream, TLS and token authentication, clean stops, the
//! progress line.

#[path = "../common/mod.rs"]
mod common;
mod server;

use std::collections::BTreeMap;
use std::path::Path;
use std::time::{Duration, Instant, SystemTime};

use common::*;
use server::{wait_until, BridgeProcess, Certs, Client, Config, NatsServer};
use sha2::{Digest, Sha256};
use vqueue_core::{Consumer, Mode, MsgType, Queue, Start};

const LONG: Duration = Duration::from_secs(120);

/// Message `i`: a unique, parseable start and a length that varies from 8 to 200 bytes.
fn body(i: usize) -> Vec<u8> {
    let mut b = format!("{i:07}:").into_bytes();
    b.extend(std::iter::repeat_n(b'a' + (i % 26) as u8, (i * 7919) % 193));
    b
}

fn msg_type(i: usize) -> MsgType {
    if i.is_multiple_of(3) {
        MsgType::Object
    } else {
        MsgType::String
    }
}

fn index_of(body: &[u8]) -> usize {
    std::str::from_utf8(&body[..7]).unwrap().parse().unwrap()
}

/// One writer session of messages `0..n` in queue `q` under `base`.
fn write_queue(base: &Path, n: usize) {
    let mut q = Queue::open(base, "q", Mode::ReadWrite).unwrap();
    for i in 0..n {
        q.push(&body(i), msg_type(i)).unwrap();
    }
    q.close().unwrap();
}

/// Every message of queue `q` from its first part, with its type.
fn read_queue(base: &Path) -> Vec<(MsgType, Vec<u8>)> {
    let reader = Consumer::open_reader(base, "q", Start::FirstPart).unwrap();
    reader
        .map(|m| {
            let m = m.unwrap();
            (m.msg_type, m.body)
        })
        .collect()
}

fn digest(messages: &[(MsgType, Vec<u8>)]) -> String {
    let mut h = Sha256::new();
    for (t, b) in messages {
        h.update([t.as_byte()]);
        h.update((b.len() as u64).to_le_bytes());
        h.update(b);
    }
    format!("{:x}", h.finalize())
}

/// How many times each message index occurs in queue `q`.
fn index_counts(base: &Path) -> BTreeMap<usize, usize> {
    let mut counts = BTreeMap::new();
    for (_, b) in read_queue(base) {
        *counts.entry(index_of(&b)).or_insert(0) += 1;
    }
    counts
}

/// A small xorshift generator; the seed is printed so a failing run can be replayed.
struct Rng(u64);

impl Rng {
    fn from_clock() -> Rng {
        let seed = std::env::var("BRIDGE_TEST_SEED")
            .ok()
            .and_then(|s| s.parse().ok())
            .unwrap_or_else(|| {
                SystemTime::now()
                    .duration_since(SystemTime::UNIX_EPOCH)
                    .unwrap()
                    .as_nanos() as u64
                    | 1
            });
        println!("random seed {seed} (BRIDGE_TEST_SEED={seed} replays it)");
        Rng(seed)
    }

    fn below(&mut self, n: u64) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0 % n
    }
}

fn out_args<'a>(base: &'a Path, url: &'a str, extra: &[&'a str]) -> Vec<&'a str> {
    let mut args = vec![
        "bridge",
        "out",
        base_arg(base),
        "q",
        "--consumer",
        "to-nats",
        "--nats",
        url,
        "--stream",
        "ORDERS",
        "--subject",
        "orders.new",
        "--create-stream",
    ];
    args.extend_from_slice(extra);
    args
}

fn in_args<'a>(base: &'a Path, url: &'a str, extra: &[&'a str]) -> Vec<&'a str> {
    let mut args = vec![
        "bridge",
        "in",
        "--nats",
        url,
        "--stream",
        "ORDERS",
        "--durable",
        "to-queue",
        base_arg(base),
        "q",
    ];
    args.extend_from_slice(extra);
    args
}

/// Runs a bridge with `--drain` to its end; returns its stdout.
fn drain(args: &[&str]) -> String {
    let mut all = args.to_vec();
    all.push("--drain");
    let mut p = BridgeProcess::spawn(&all);
    let code = p.wait(LONG);
    assert_eq!(code, 0, "stdout:\n{}\nstderr:\n{}", p.stdout(), p.stderr());
    p.stdout()
}

/// The numbers in `bridge out: N messages published, D of them already in the stream`.
fn out_summary(stdout: &str) -> (u64, u64) {
    let line = stdout
        .lines()
        .find(|l| l.starts_with("bridge out: "))
        .unwrap_or_else(|| panic!("no summary in {stdout:?}"));
    let numbers: Vec<u64> = line
        .split(|c: char| !c.is_ascii_digit())
        .filter_map(|w| w.parse().ok())
        .collect();
    (numbers[0], numbers[1])
}

fn in_summary(stdout: &str) -> u64 {
    let line = stdout
        .lines()
        .find(|l| l.starts_with("bridge in: "))
        .unwrap_or_else(|| panic!("no summary in {stdout:?}"));
    line.split(' ').nth(2).unwrap().parse().unwrap()
}

/// Stops the server under a running bridge, checks that the bridge says it
/// paused, starts the server again, and checks that the bridge says it
/// resumed and that `progress` moves on (or has reached `end`).
fn restart_under(srv: &mut NatsServer, p: &BridgeProcess, progress: impl Fn() -> u64, end: u64) {
    srv.stop();
    assert!(
        wait_until(Duration::from_secs(30), || p.stderr().contains("paused")),
        "no pause on stderr:\n{}",
        p.stderr()
    );
    srv.start_again();
    let before = progress();
    assert!(
        wait_until(LONG, || p.stderr().contains("resumed") && {
            let now = progress();
            now > before || now == end
        }),
        "the bridge did not resume:\n{}",
        p.stderr()
    );
}

#[test]
fn hundred_thousand_messages_out_and_back_in_keep_their_digest() {
    const N: usize = 100_000;
    let srv = NatsServer::start(Config::default());
    let url = srv.url();
    let src = tempfile::tempdir().unwrap();
    let dst = tempfile::tempdir().unwrap();
    write_queue(src.path(), N);

    let start = Instant::now();
    let out = drain(&out_args(src.path(), &url, &[]));
    let out_secs = start.elapsed().as_secs_f64();
    assert_eq!(out_summary(&out), (N as u64, 0));
    let client = Client::connect(&url);
    assert_eq!(client.stream_messages("ORDERS"), N as u64);
    assert_eq!(client.duplicate_window("ORDERS"), Duration::from_secs(120));

    // Type and place travel as headers; the deduplication id is the place.
    let (h, payload) = client.message("ORDERS", 4);
    assert_eq!(payload, body(3));
    let part: u64 = h.get("Vqueue-Part").unwrap().as_str().parse().unwrap();
    let offset: u64 = h.get("Vqueue-Offset").unwrap().as_str().parse().unwrap();
    assert_eq!(h.get("Nats-Msg-Id").unwrap().as_str(), format!("q/{part}/{offset}"));
    assert_eq!(h.get("Vqueue-Type").unwrap().as_str(), "O");
    assert_eq!(h.get("Vqueue-Queue").unwrap().as_str(), "q");

    let start = Instant::now();
    let back = drain(&in_args(dst.path(), &url, &[]));
    let in_secs = start.elapsed().as_secs_f64();
    assert_eq!(in_summary(&back), N as u64);

    let sent = read_queue(src.path());
    let received = read_queue(dst.path());
    assert_eq!(received.len(), N);
    assert_eq!(digest(&received), digest(&sent));
    let bodies: Vec<Vec<u8>> = (0..N).map(body).collect();
    let peer_secs = client.publish_raw("PEER", &bodies);
    println!(
        "bridge round trip of {N} messages: out {:.0} msg/s, in {:.0} msg/s; \
         a bare async-nats publisher from memory {:.0} msg/s (out is {:.2}x of it)",
        N as f64 / out_secs,
        N as f64 / in_secs,
        N as f64 / peer_secs,
        peer_secs / out_secs
    );
}

/// The out direction's guarantee under crashes: while a writer keeps
/// pushing, SIGKILLs at random moments and server restarts leave every
/// message in the stream exactly once.
#[test]
fn killed_bridge_and_restarted_server_lose_nothing_and_duplicate_nothing() {
    const N: usize = 100_000;
    const KILLS: usize = 20;
    const RESTART_AT: [usize; 2] = [6, 13];
    let mut rng = Rng::from_clock();
    let mut srv = NatsServer::start(Config::default());
    let url = srv.url();
    let src = tempfile::tempdir().unwrap();
    let client = Client::connect(&url);

    // The writer pushes about 1,500 messages a second (a bit over a minute)
    // the whole time, so every kill and restart happens in the middle of the
    // stream, even when a restart takes 15 s on a busy machine.
    let mut writer = Queue::open(src.path(), "q", Mode::ReadWrite).unwrap();
    Consumer::open(src.path(), "to-nats", "q").unwrap().close().unwrap();
    let feeding = std::thread::spawn(move || {
        for i in 0..N {
            writer.push(&body(i), msg_type(i)).unwrap();
            if i % 15 == 14 {
                std::thread::sleep(Duration::from_millis(10));
            }
        }
        writer.close().unwrap();
    });

    let mut killed_mid_stream = 0;
    for kill in 0..KILLS {
        let before = client.stream_messages_or_zero("ORDERS");
        let mut p = BridgeProcess::spawn(&out_args(src.path(), &url, &["--batch", "128"]));
        assert!(
            wait_until(LONG, || client.stream_messages_or_zero("ORDERS") > before),
            "the bridge made no progress\nstderr:\n{}",
            p.stderr()
        );
        if RESTART_AT.contains(&kill) {
            restart_under(&mut srv, &p, || client.stream_messages("ORDERS"), N as u64);
        }
        std::thread::sleep(Duration::from_millis(rng.below(100)));
        p.kill9();
        let stored = client.stream_messages("ORDERS");
        if stored < N as u64 {
            killed_mid_stream += 1;
        }
        println!("kill {}: {stored} messages in the stream", kill + 1);
    }
    assert_eq!(killed_mid_stream, KILLS, "a kill came after the end of the stream");
    feeding.join().unwrap();

    let (published, duplicates) = out_summary(&drain(&out_args(src.path(), &url, &[])));
    assert_eq!(client.stream_messages("ORDERS"), N as u64);
    println!(
        "{KILLS} SIGKILLs, {} server restarts, all mid-stream; the last run published \
         {published}, of which {duplicates} were already stored",
        RESTART_AT.len()
    );

    // Each of the N messages is in the stream once, in the order pushed
    // except where a window was published again: read it all back.
    let dst = tempfile::tempdir().unwrap();
    assert_eq!(in_summary(&drain(&in_args(dst.path(), &url, &[]))), N as u64);
    let counts = index_counts(dst.path());
    assert_eq!(counts.len(), N);
    assert!(counts.values().all(|&c| c == 1));
}

/// The in direction acknowledges only what is durable in the queue: after a
/// SIGKILL, every message the server counts as acknowledged is in the queue.
#[test]
fn in_direction_acknowledges_only_durable_pushes() {
    const N: usize = 30_000;
    const KILLS: usize = 6;
    // Small groups: more syncs and acknowledgements, so the kills land
    // in the middle of the stream.
    const BATCH: &str = "10";
    let mut rng = Rng::from_clock();
    let mut srv = NatsServer::start(Config::default());
    let url = srv.url();
    let src = tempfile::tempdir().unwrap();
    write_queue(src.path(), N);
    drain(&out_args(src.path(), &url, &[]));
    let client = Client::connect(&url);

    let dst = tempfile::tempdir().unwrap();
    let args = in_args(dst.path(), &url, &["--batch", BATCH, "--ack-wait", "2"]);
    let mut floor = 0;
    let mut kills = 0;
    while kills < KILLS && floor < N as u64 {
        let kill = kills;
        kills += 1;
        let mut p = BridgeProcess::spawn(&args);
        let acked_before = floor;
        assert!(
            wait_until(LONG, || client.ack_floor("ORDERS", "to-queue") > acked_before),
            "no acknowledgement\nstderr:\n{}",
            p.stderr()
        );
        if kill == 3 {
            restart_under(&mut srv, &p, || client.ack_floor("ORDERS", "to-queue"), N as u64);
        }
        std::thread::sleep(Duration::from_millis(rng.below(40)));
        p.kill9();
        floor = client.ack_floor("ORDERS", "to-queue");
        // Stream sequence s holds message s - 1 (published once, in order).
        let counts = index_counts(dst.path());
        let missing: Vec<u64> = (1..=floor)
            .filter(|s| !counts.contains_key(&(*s as usize - 1)))
            .collect();
        assert!(
            missing.is_empty(),
            "acknowledged but not in the queue: {} messages, first {:?}",
            missing.len(),
            &missing[..missing.len().min(5)]
        );
        println!("kill {}: ack floor {floor}, all of it in the queue", kill + 1);
    }

    assert!(kills >= 4, "only {kills} kills before the end of the stream");

    // The rest, including what was delivered but not acknowledged before a
    // kill (delivered again after the 2 s ack wait).
    drain(&args);
    let counts = index_counts(dst.path());
    assert_eq!(counts.len(), N, "every message arrived");
    let duplicates: usize = counts.values().map(|c| c - 1).sum();
    println!("in direction: {kills} SIGKILLs, 1 server restart, {duplicates} messages pushed twice");
    // One group per interruption (kills and the restart), and as much again
    // for groups that took longer than the short ack wait on a busy machine.
    let interruptions = kills + 1;
    assert!(
        duplicates <= 2 * interruptions * 10,
        "{duplicates} duplicates for {interruptions} interruptions of groups of 10"
    );
}

#[test]
fn tls_and_token_authentication() {
    let certs = Certs::generate();
    let srv = NatsServer::start(Config {
        token: Some("s3cret-token"),
        tls: Some(&certs),
    });
    let url = srv.url();
    let secrets = tempfile::tempdir().unwrap();
    let good = secrets.path().join("token");
    let bad = secrets.path().join("wrong");
    std::fs::write(&good, "s3cret-token\n").unwrap();
    std::fs::write(&bad, "guess\n").unwrap();
    let (good, bad, ca) = (
        good.to_str().unwrap().to_string(),
        bad.to_str().unwrap().to_string(),
        certs.ca().to_str().unwrap().to_string(),
    );
    let src = tempfile::tempdir().unwrap();
    write_queue(src.path(), 500);

    let refused = |extra: &[&str], expect: &str| {
        let out = run(&out_args(src.path(), &url, extra), b"");
        assert_eq!(code(&out), 4, "{extra:?}: {}", stderr(&out));
        assert!(
            stderr(&out).to_lowercase().contains(expect),
            "{extra:?}: {}",
            stderr(&out)
        );
    };
    refused(&["--tls-ca", &ca], "authorization");
    refused(&["--tls-ca", &ca, "--token-file", &bad], "authorization");
    refused(&["--token-file", &good], "certificate");

    let secure = ["--tls-ca", ca.as_str(), "--token-file", good.as_str()];
    assert_eq!(out_summary(&drain(&out_args(src.path(), &url, &secure))), (500, 0));
    let dst = tempfile::tempdir().unwrap();
    assert_eq!(in_summary(&drain(&in_args(dst.path(), &url, &secure))), 500);
    assert_eq!(digest(&read_queue(dst.path())), digest(&read_queue(src.path())));
}

/// SIGINT ends both directions with exit 0 and a summary: mid-stream, while
/// the server is away, and when idle; a clean stop commits exactly what the
/// server acknowledged, so the next run publishes nothing twice.
#[test]
fn sigint_stops_cleanly() {
    const N: usize = 50_000;
    let mut srv = NatsServer::start(Config::default());
    let url = srv.url();
    let client = Client::connect(&url);
    let src = tempfile::tempdir().unwrap();
    write_queue(src.path(), N);

    let mut p = BridgeProcess::spawn(&out_args(src.path(), &url, &[]));
    assert!(wait_until(LONG, || client.stream_messages_or_zero("ORDERS") > 0));
    p.interrupt();
    assert_eq!(p.wait(Duration::from_secs(30)), 0, "{}", p.stderr());
    let (first, duplicates) = out_summary(&p.stdout());
    assert_eq!(duplicates, 0);
    assert_eq!(client.stream_messages("ORDERS"), first);
    assert!(first < N as u64, "stopped only at the end");
    let (rest, duplicates) = out_summary(&drain(&out_args(src.path(), &url, &[])));
    assert_eq!((first + rest, duplicates), (N as u64, 0));

    // Idle, waiting for new records.
    let mut p = BridgeProcess::spawn(&out_args(src.path(), &url, &[]));
    std::thread::sleep(Duration::from_millis(500));
    p.interrupt();
    assert_eq!(p.wait(Duration::from_secs(30)), 0, "{}", p.stderr());
    assert_eq!(out_summary(&p.stdout()), (0, 0));

    // The in direction, idle after copying everything.
    let dst = tempfile::tempdir().unwrap();
    let mut p = BridgeProcess::spawn(&in_args(dst.path(), &url, &[]));
    assert!(wait_until(LONG, || p.stdout().is_empty()
        && client.ack_floor("ORDERS", "to-queue") == N as u64));
    p.interrupt();
    assert_eq!(p.wait(Duration::from_secs(30)), 0, "{}", p.stderr());
    assert_eq!(in_summary(&p.stdout()), N as u64);
    assert_eq!(read_queue(dst.path()).len(), N);

    // Paused because the server is away.
    let mut p = BridgeProcess::spawn(&in_args(dst.path(), &url, &[]));
    std::thread::sleep(Duration::from_millis(300));
    srv.stop();
    assert!(
        wait_until(Duration::from_secs(30), || p.stderr().contains("paused")),
        "no pause on stderr:\n{}",
        p.stderr()
    );
    p.interrupt();
    assert_eq!(p.wait(Duration::from_secs(30)), 0, "{}", p.stderr());
    assert_eq!(in_summary(&p.stdout()), 0);
}

/// An idle `bridge in` (pulling from an empty stream) notices each time the
/// server goes away and comes back: an empty pull while disconnected is the
/// server's absence, not an empty stream. A crashed server (SIGKILL) ends no
/// pull with a status, so only the client side can tell. Then the bridge
/// copies what arrives later.
#[test]
fn an_idle_bridge_in_pauses_and_resumes_with_the_server() {
    const N: usize = 100;
    const RESTARTS: usize = 3;
    let mut srv = NatsServer::start(Config::default());
    let url = srv.url();
    let client = Client::connect(&url);
    let src = tempfile::tempdir().unwrap();
    write_queue(src.path(), N);
    drain(&out_args(src.path(), &url, &[]));

    let dst = tempfile::tempdir().unwrap();
    let mut p = BridgeProcess::spawn(&in_args(dst.path(), &url, &[]));
    assert!(wait_until(LONG, || client.ack_floor("ORDERS", "to-queue") == N as u64));
    for restart in 1..=RESTARTS {
        if restart % 2 == 1 {
            srv.kill9();
        } else {
            srv.stop();
        }
        assert!(
            wait_until(Duration::from_secs(30), || p.stderr().matches("paused").count()
                == restart),
            "restart {restart}: no pause on stderr:\n{}",
            p.stderr()
        );
        srv.start_again();
        assert!(
            wait_until(Duration::from_secs(30), || p.stderr().matches("resumed").count()
                == restart),
            "restart {restart}: the bridge did not resume:\n{}",
            p.stderr()
        );
    }

    // Messages published after the restarts arrive too.
    let mut q = Queue::open(src.path(), "q", Mode::ReadWrite).unwrap();
    for i in N..2 * N {
        q.push(&body(i), msg_type(i)).unwrap();
    }
    q.close().unwrap();
    drain(&out_args(src.path(), &url, &[]));
    assert!(
        wait_until(LONG, || client.ack_floor("ORDERS", "to-queue") == 2 * N as u64),
        "{}",
        p.stderr()
    );
    p.interrupt();
    assert_eq!(p.wait(Duration::from_secs(30)), 0, "{}", p.stderr());
    let counts = index_counts(dst.path());
    assert_eq!(counts.len(), 2 * N, "every message arrived");
    assert_eq!(in_summary(&p.stdout()), counts.values().sum::<usize>() as u64);
    // A killed server may forget acknowledgements it had not stored yet and
    // deliver the first messages again; what came after the restarts is
    // pushed once.
    assert!((N..2 * N).all(|i| counts[&i] == 1), "{counts:?}");
}

#[test]
fn a_missing_stream_or_a_bad_name_is_refused() {
    let srv = NatsServer::start(Config::default());
    let url = srv.url();
    let src = tempfile::tempdir().unwrap();
    write_queue(src.path(), 3);
    let mut args = out_args(src.path(), &url, &[]);
    args.retain(|a| *a != "--create-stream");
    let out = run(&args, b"");
    assert_eq!(code(&out), 4, "{}", stderr(&out));
    assert!(
        stderr(&out).contains("no stream captures subject orders.new"),
        "{}",
        stderr(&out)
    );

    let out = run(&in_args(src.path(), &url, &[]), b"");
    assert_eq!(code(&out), 4, "{}", stderr(&out));
    assert!(stderr(&out).contains("stream ORDERS not found"), "{}", stderr(&out));

    let mut args = out_args(src.path(), &url, &[]);
    args[5] = "../escape";
    let out = run(&args, b"");
    assert_eq!(code(&out), 2, "{}", stderr(&out));
}

#[test]
fn progress_line_on_a_terminal_only() {
    let srv = NatsServer::start(Config::default());
    let url = srv.url();
    let src = tempfile::tempdir().unwrap();
    write_queue(src.path(), 2_000);
    let mut args = out_args(src.path(), &url, &["--drain"]);
    let (code, out, terminal) = run_with_terminal_stderr(&args);
    assert_eq!(code, 0, "{out}{terminal}");
    assert!(
        terminal.contains("bridge out: ") && terminal.contains("2,000 messages"),
        "no progress line on the terminal: {terminal:?}"
    );
    assert_eq!(out_summary(&out), (2_000, 0));

    // The same with stderr on a pipe: nothing but the summary on stdout.
    args[5] = "other-consumer";
    let out = run(&args, b"");
    assert_ok(&out);
    assert_eq!(stderr(&out), "");
    assert_eq!(out_summary(&stdout(&out)), (2_000, 2_000));
}
