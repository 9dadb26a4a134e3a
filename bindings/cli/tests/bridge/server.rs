//! A real `nats-server` with JetStream on loopback, a JetStream client to look
//! at what it stores, test certificates, and bridge processes that never
//! outlive a test.

use std::fs;
use std::net::TcpListener;
use std::path::PathBuf;
use std::process::{Child, Command, ExitStatus, Stdio};
use std::time::{Duration, Instant};

use async_nats::jetstream;
use tempfile::TempDir;

/// Polls `done` every 20 ms until it holds or `limit` passes.
pub fn wait_until(limit: Duration, mut done: impl FnMut() -> bool) -> bool {
    let start = Instant::now();
    while start.elapsed() < limit {
        if done() {
            return true;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    done()
}

/// `$NATS_SERVER_BIN` (set by ci/suite-bridge.sh), else `nats-server` on PATH.
fn server_binary() -> PathBuf {
    if let Some(p) = std::env::var_os("NATS_SERVER_BIN") {
        return PathBuf::from(p);
    }
    let found = std::env::var_os("PATH").and_then(|paths| {
        std::env::split_paths(&paths)
            .map(|d| d.join("nats-server"))
            .find(|p| p.is_file())
    });
    found.expect("no nats-server: run ci/suite-bridge.sh, which builds it, or set NATS_SERVER_BIN")
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("bind a loopback port")
        .port()
}

fn signal(child: &Child, sig: libc::c_int) {
    // SAFETY: kill(2) on a child this process spawned and has not reaped.
    unsafe {
        libc::kill(child.id() as libc::pid_t, sig);
    }
}

/// Waits for `child` to exit for at most `limit`.
fn wait_for_exit(child: &mut Child, limit: Duration) -> Option<ExitStatus> {
    let mut status = None;
    wait_until(limit, || {
        status = child.try_wait().expect("try_wait");
        status.is_some()
    });
    status
}

/// A CA and a server certificate for 127.0.0.1 signed by it, made with the
/// `openssl` command (ci/suite-bridge.sh installs it when missing).
pub struct Certs {
    pub dir: TempDir,
}

impl Certs {
    pub fn generate() -> Certs {
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path();
        fs::write(
            d.join("server.ext"),
            "subjectAltName=IP:127.0.0.1,DNS:localhost\nbasicConstraints=CA:FALSE\n\
             keyUsage=critical,digitalSignature\nextendedKeyUsage=serverAuth\n",
        )
        .unwrap();
        let steps: [&[&str]; 3] = [
            &[
                "req",
                "-x509",
                "-newkey",
                "ec",
                "-pkeyopt",
                "ec_paramgen_curve:prime256v1",
                "-nodes",
                "-keyout",
                "ca.key",
                "-out",
                "ca.pem",
                "-days",
                "2",
                "-subj",
                "/CN=vqueue test CA",
                "-addext",
                "basicConstraints=critical,CA:TRUE",
                "-addext",
                "keyUsage=critical,keyCertSign,cRLSign",
            ],
            &[
                "req",
                "-newkey",
                "ec",
                "-pkeyopt",
                "ec_paramgen_curve:prime256v1",
                "-nodes",
                "-keyout",
                "server.key",
                "-out",
                "server.csr",
                "-subj",
                "/CN=localhost",
            ],
            &[
                "x509",
                "-req",
                "-in",
                "server.csr",
                "-CA",
                "ca.pem",
                "-CAkey",
                "ca.key",
                "-CAcreateserial",
                "-out",
                "server.pem",
                "-days",
                "2",
                "-extfile",
                "server.ext",
            ],
        ];
        for args in steps {
            let out = Command::new("openssl")
                .args(args)
                .current_dir(d)
                .output()
                .expect("run openssl (ci/suite-bridge.sh installs it)");
            assert!(
                out.status.success(),
                "openssl {args:?}: {}",
                String::from_utf8_lossy(&out.stderr)
            );
        }
        Certs { dir }
    }

    pub fn ca(&self) -> PathBuf {
        self.dir.path().join("ca.pem")
    }
}

#[derive(Default)]
pub struct Config<'a> {
    pub token: Option<&'a str>,
    pub tls: Option<&'a Certs>,
}

/// One `nats-server` process: loopback only, a random free port, its
/// JetStream store in a temp dir. Killed when dropped.
pub struct NatsServer {
    dir: TempDir,
    port: u16,
    child: Option<Child>,
}

impl NatsServer {
    pub fn start(config: Config<'_>) -> NatsServer {
        let dir = tempfile::tempdir().unwrap();
        let port = free_port();
        let mut conf = format!(
            "listen: \"127.0.0.1:{port}\"\n\
             jetstream {{\n  store_dir: \"{}\"\n  max_memory_store: 64MB\n  max_file_store: 2GB\n}}\n",
            dir.path().join("store").display()
        );
        if let Some(token) = config.token {
            conf.push_str(&format!("authorization {{\n  token: \"{token}\"\n}}\n"));
        }
        if let Some(certs) = config.tls {
            let d = certs.dir.path();
            conf.push_str(&format!(
                "tls {{\n  cert_file: \"{}\"\n  key_file: \"{}\"\n}}\n",
                d.join("server.pem").display(),
                d.join("server.key").display()
            ));
        }
        fs::write(dir.path().join("server.conf"), conf).unwrap();
        let mut server = NatsServer { dir, port, child: None };
        server.start_again();
        server
    }

    pub fn url(&self) -> String {
        format!("nats://127.0.0.1:{}", self.port)
    }

    fn log_path(&self) -> PathBuf {
        self.dir.path().join("server.log")
    }

    pub fn log(&self) -> String {
        fs::read_to_string(self.log_path()).unwrap_or_default()
    }

    /// Starts the process (again, on the same port and store) and waits until it serves.
    pub fn start_again(&mut self) {
        assert!(self.child.is_none(), "server already running");
        let _ = fs::remove_file(self.log_path());
        let child = Command::new(server_binary())
            .arg("-c")
            .arg(self.dir.path().join("server.conf"))
            .arg("-l")
            .arg(self.log_path())
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("spawn nats-server");
        self.child = Some(child);
        let ready = wait_until(Duration::from_secs(20), || {
            self.log().contains("Server is ready") || self.child.as_mut().unwrap().try_wait().unwrap().is_some()
        });
        assert!(
            ready && self.log().contains("Server is ready"),
            "nats-server did not start:\n{}",
            self.log()
        );
    }

    /// Stops the server the way an operator does (SIGTERM), so it shuts down cleanly.
    pub fn stop(&mut self) {
        let mut child = self.child.take().expect("server running");
        signal(&child, libc::SIGTERM);
        if wait_for_exit(&mut child, Duration::from_secs(15)).is_none() {
            let _ = child.kill();
            let _ = child.wait();
            panic!("nats-server ignored SIGTERM for 15 s:\n{}", self.log());
        }
    }

    /// Kills the server as a crash does (SIGKILL): unlike a clean stop, it
    /// ends no pending request with a status of its own.
    pub fn kill9(&mut self) {
        let mut child = self.child.take().expect("server running");
        let _ = child.kill();
        let _ = child.wait();
    }
}

impl Drop for NatsServer {
    fn drop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

/// A JetStream client for the checks, with its own runtime.
pub struct Client {
    rt: tokio::runtime::Runtime,
    js: jetstream::Context,
}

impl Client {
    pub fn connect(url: &str) -> Client {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        let js = rt.block_on(async {
            let client = async_nats::ConnectOptions::new()
                .max_reconnects(None)
                .connect(url)
                .await
                .expect("test client connects");
            jetstream::new(client)
        });
        Client { rt, js }
    }

    /// Runs `op` until it succeeds: the server may be restarting, and the
    /// client reconnects on its own. Panics after 60 s.
    fn retry<T>(&self, what: &str, op: impl AsyncFn(&jetstream::Context) -> Result<T, String>) -> T {
        self.rt.block_on(async {
            let start = Instant::now();
            loop {
                match op(&self.js).await {
                    Ok(v) => return v,
                    Err(e) if start.elapsed() > Duration::from_secs(60) => panic!("{what}: {e}"),
                    Err(_) => tokio::time::sleep(Duration::from_millis(50)).await,
                }
            }
        })
    }

    fn stream_info(&self, stream: &str) -> jetstream::stream::Info {
        self.retry("stream info", async |js| {
            let mut s = js.get_stream(stream).await.map_err(|e| e.to_string())?;
            s.info().await.cloned().map_err(|e| e.to_string())
        })
    }

    /// Messages stored in `stream`.
    pub fn stream_messages(&self, stream: &str) -> u64 {
        self.stream_info(stream).state.messages
    }

    /// Messages stored in `stream`, 0 while it does not exist yet.
    pub fn stream_messages_or_zero(&self, stream: &str) -> u64 {
        self.rt.block_on(async {
            match self.js.get_stream(stream).await {
                Ok(mut s) => s.info().await.map(|i| i.state.messages).unwrap_or(0),
                Err(_) => 0,
            }
        })
    }

    pub fn duplicate_window(&self, stream: &str) -> Duration {
        self.stream_info(stream).config.duplicate_window
    }

    /// Headers and payload of the message at `seq`.
    pub fn message(&self, stream: &str, seq: u64) -> (async_nats::HeaderMap, Vec<u8>) {
        self.retry("get message", async |js| {
            let s = js.get_stream(stream).await.map_err(|e| e.to_string())?;
            let m = s.get_raw_message(seq).await.map_err(|e| e.to_string())?;
            Ok((m.headers, m.payload.to_vec()))
        })
    }

    /// The peer of `bridge out` for the rates: publishes `bodies` to a new
    /// stream with the same pipelining (windows of 256, then every ack),
    /// straight from memory. Returns the seconds it took.
    pub fn publish_raw(&self, stream: &str, bodies: &[Vec<u8>]) -> f64 {
        self.rt.block_on(async {
            self.js
                .create_stream(jetstream::stream::Config {
                    name: stream.to_string(),
                    subjects: vec![format!("{stream}.in")],
                    ..Default::default()
                })
                .await
                .expect("create stream");
            let start = Instant::now();
            for (w, window) in bodies.chunks(256).enumerate() {
                let mut acks = Vec::with_capacity(window.len());
                for (i, b) in window.iter().enumerate() {
                    let mut h = async_nats::HeaderMap::new();
                    h.insert("Nats-Msg-Id", format!("peer/{w}/{i}").as_str());
                    let ack = self
                        .js
                        .publish_with_headers(format!("{stream}.in"), h, b.clone().into())
                        .await
                        .expect("publish");
                    acks.push(ack);
                }
                for ack in acks {
                    ack.await.expect("ack");
                }
            }
            start.elapsed().as_secs_f64()
        })
    }

    /// The highest stream sequence the durable consumer counts as acknowledged.
    pub fn ack_floor(&self, stream: &str, durable: &str) -> u64 {
        self.retry("consumer info", async |js| {
            let s = js.get_stream(stream).await.map_err(|e| e.to_string())?;
            let c: jetstream::consumer::PullConsumer = s.get_consumer(durable).await.map_err(|e| e.to_string())?;
            let info = c.get_info().await.map_err(|e| e.to_string())?;
            Ok(info.ack_floor.stream_sequence)
        })
    }
}

/// A `vqueue bridge` process with stdout and stderr in files; killed when dropped.
pub struct BridgeProcess {
    child: Option<Child>,
    dir: TempDir,
}

impl BridgeProcess {
    pub fn spawn(args: &[&str]) -> BridgeProcess {
        let dir = tempfile::tempdir().unwrap();
        let child = Command::new(crate::common::BIN)
            .args(args)
            .stdin(Stdio::null())
            .stdout(fs::File::create(dir.path().join("stdout")).unwrap())
            .stderr(fs::File::create(dir.path().join("stderr")).unwrap())
            .spawn()
            .expect("spawn vqueue bridge");
        BridgeProcess {
            child: Some(child),
            dir,
        }
    }

    fn read(&self, name: &str) -> String {
        fs::read_to_string(self.dir.path().join(name)).unwrap_or_default()
    }

    pub fn stdout(&self) -> String {
        self.read("stdout")
    }

    pub fn stderr(&self) -> String {
        self.read("stderr")
    }

    pub fn kill9(&mut self) {
        let mut child = self.child.take().expect("bridge running");
        let _ = child.kill();
        let _ = child.wait();
    }

    pub fn interrupt(&self) {
        signal(self.child.as_ref().expect("bridge running"), libc::SIGINT);
    }

    /// The exit code, after waiting at most `limit`; panics when it is still running.
    pub fn wait(&mut self, limit: Duration) -> i32 {
        let mut child = self.child.take().expect("bridge running");
        let status = wait_for_exit(&mut child, limit);
        if status.is_none() {
            let _ = child.kill();
            let _ = child.wait();
        }
        let status =
            status.unwrap_or_else(|| panic!("bridge still running after {limit:?}\nstderr:\n{}", self.stderr()));
        status.code().expect("bridge ended by a signal")
    }
}

impl Drop for BridgeProcess {
    fn drop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}
