//! The SSH server (`edgesh --ssh ADDR:PORT`, or where the configuration's
//! `ip ssh server listen` / `ssh server listen` line says, followed as the
//! configuration changes: see `edgesh_modes::sshconf`), on russh.
//!
//! Every channel gets its own [`Session`] driven by its own [`Terminal`]
//! (keys in, screen bytes out): the same `?`, TAB, history and pager as the
//! console and the golden transcripts. Shell channels (with or without a
//! PTY) get the prompt; exec channels (`ssh host 'show version'`) run the
//! command and exit with status 0, or 1 if it was rejected.
//!
//! * Host key: `ssh_host_ed25519_key` in the state directory, made at the
//!   first start (mode 0600) and kept.
//! * Password authentication against the configured users (`crate::auth`
//!   in edgesh-modes); public keys from the configuration (IOS `ip ssh
//!   pubkey-chain` key hashes, SmartEdge `ssh public-key` under
//!   `administrator`) or from `ssh/authorized_keys/USER` in the state
//!   directory (OpenSSH format) for a configured user. No user configured:
//!   nobody gets in.
//! * Failed logins: the same answer whether or not the user exists, a log
//!   line (`show log`, standard error) without the password, and a delay
//!   per source address and per user, across connections, that doubles
//!   with each failure (0.5 s up to 8 s), then a lockout
//!   (`crate::loginguard`), forgotten after a success or 10 quiet minutes.
//! * Idle sessions close after the configured time (IOS `line vty` /
//!   `exec-timeout`, SmartEdge `timeout session idle`; 10 minutes by
//!   default); `clear line N` / `clear session N` closes another session.
//! * Before login: a grace time, a cap on unauthenticated connections with
//!   early random drop and a per-source limit (`crate::sshguard`).
//! * SIGTERM or SIGINT: every session is told, closed, its uncommitted
//!   candidate discarded, and the process exits 0.

use crate::sshguard::{Gate, Slot};
use crate::terminal::Terminal;
use edgesh_modes::auth::LoginUser;
use edgesh_modes::{Dialect, Router, Session, SessionOptions};
use russh::keys::{Algorithm, PrivateKey, PublicKey};
use russh::server::{Auth, ChannelOpenHandle, Handle, Msg, Session as SshSession};
use russh::{Channel, ChannelId, MethodKind, MethodSet};
use std::collections::HashMap;
use std::net::{IpAddr, SocketAddr};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

type Term = Terminal<Vec<u8>>;

/// One channel's terminal, shared with its watchdog (idle timeout, `clear line`).
struct ChanState {
    term: Option<Term>,
    last_input: Instant,
    pty: bool,
    cols: u32,
    rows: u32,
}

type ChanRef = Arc<Mutex<ChanState>>;

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

/// State shared by every connection.
struct Shared {
    router: Arc<Mutex<Router>>,
    dialect: Dialect,
    state_dir: PathBuf,
    /// Failed logins per source address and per user (`crate::loginguard`).
    failures: Mutex<crate::loginguard::Backoff>,
    /// Open shell and exec channels (to close them at shutdown).
    open: Mutex<HashMap<(u64, ChannelId), (Handle, ChanRef)>>,
    /// Every connection, to disconnect at shutdown.
    conns: Mutex<HashMap<u64, Handle>>,
    next_conn: AtomicU64,
    /// Unauthenticated connections (grace time, MaxStartups, per source).
    gate: Arc<Mutex<Gate>>,
}

impl Shared {
    fn log(&self, severity: u8, mnemonic: &str, text: &str) {
        let line = lock(&self.router).log_event("SEC_LOGIN", severity, mnemonic, text);
        eprintln!("{line}");
    }

    fn failed(&self, ip: IpAddr, user: &str, why: &str) {
        let blocked = lock(&self.failures).failed(ip, user, Instant::now());
        self.log(
            4,
            "LOGIN_FAILED",
            &format!("Login failed [user: {}] [Source: {ip}] [Reason: {why}]", printable(user)),
        );
        if let Some(b) = blocked {
            self.log(1, "QUIET_MODE_ON", &b);
        }
    }
}

/// A user name as it may appear in a log line.
fn printable(s: &str) -> String {
    s.chars().take(64).map(|c| if c.is_control() { '?' } else { c }).collect()
}

struct Conn {
    shared: Arc<Shared>,
    id: u64,
    peer: Option<SocketAddr>,
    user: Option<LoginUser>,
    chans: HashMap<ChannelId, ChanRef>,
    /// Its place among the unauthenticated connections, until it logs in.
    slot: Option<Slot>,
    /// Logged in (the grace timer looks).
    authed: Arc<AtomicBool>,
}

impl Conn {
    fn from(&self) -> String {
        self.peer.map(|p| p.to_string()).unwrap_or_else(|| "-".into())
    }

    fn ip(&self) -> IpAddr {
        self.peer.map(|p| p.ip()).unwrap_or(IpAddr::from([0, 0, 0, 0]))
    }

    /// Logged in: no longer counted among the unauthenticated connections.
    fn logged_in(&mut self, lu: LoginUser) {
        self.user = Some(lu);
        self.slot = None;
        self.authed.store(true, Ordering::SeqCst);
    }

    fn new_session(&self) -> Option<Session> {
        let u = self.user.as_ref()?;
        let mut s = Session::new(
            self.shared.router.clone(),
            SessionOptions { user: u.name.clone(), dialect: self.shared.dialect, ..Default::default() },
        );
        s.login(u, true, &self.from());
        Some(s)
    }

    async fn check_password(&mut self, user: &str, password: &str) -> Auth {
        let ip = self.ip();
        // Back-off and lockout per address and per user, across connections:
        // parallel attempts wait their turn.
        let verdict = lock(&self.shared.failures).attempt(ip, user, Instant::now());
        match verdict {
            crate::loginguard::Verdict::Check(d) if !d.is_zero() => tokio::time::sleep(d).await,
            crate::loginguard::Verdict::Check(_) => {}
            crate::loginguard::Verdict::Locked(_) => return Auth::reject(),
        }
        let shared = self.shared.clone();
        let (u, p) = (user.to_string(), password.to_string());
        let found = tokio::task::spawn_blocking(move || {
            let r = lock(&shared.router);
            if !shared.dialect.ops().users_configured(&r) {
                return Err(());
            }
            Ok(shared.dialect.ops().authenticate(&r, &u, &p))
        })
        .await
        .unwrap_or(Ok(None));
        match found {
            Ok(Some(lu)) => {
                lock(&self.shared.failures).succeeded(ip, user, Instant::now());
                self.shared.log(5, "LOGIN_SUCCESS", &format!("Login Success [user: {}] [Source: {ip}]", lu.name));
                self.logged_in(lu);
                Auth::Accept
            }
            Ok(None) => {
                self.shared.failed(ip, user, "Login Authentication Failed");
                Auth::reject()
            }
            Err(()) => {
                self.shared.failed(ip, user, "No user is configured (username ... secret / administrator ...)");
                Auth::reject()
            }
        }
    }

    /// May `user` log in with `key`? Keys configured in the dialect's own
    /// syntax (IOS `ip ssh pubkey-chain`, SmartEdge `ssh public-key` under
    /// `administrator`), or listed in `STATE_DIR/ssh/authorized_keys/USER`.
    fn authorized_key(&self, user: &str, key: &PublicKey) -> bool {
        let name = user.split('@').next().unwrap_or(user);
        if name.is_empty() {
            return false;
        }
        if let Ok(blob) = key.to_bytes() {
            let r = lock(&self.shared.router);
            if edgesh_modes::sshconf::key_allowed(&r, self.shared.dialect, user, key.algorithm().as_str(), &blob) {
                return true;
            }
        }
        if name.contains(['/', '.']) {
            return false;
        }
        let path = self.shared.state_dir.join("ssh/authorized_keys").join(name);
        let Ok(text) = std::fs::read_to_string(path) else { return false };
        text.lines()
            .filter(|l| !l.trim().is_empty() && !l.starts_with('#'))
            .filter_map(|l| PublicKey::from_openssh(l.trim()).ok())
            .any(|k| k.key_data() == key.key_data())
    }

    /// Send what the terminal wrote; close the channel if the session ended.
    fn flush(&mut self, ch: ChannelId, session: &mut SshSession) -> Result<(), russh::Error> {
        let Some(state) = self.chans.get(&ch).cloned() else { return Ok(()) };
        let mut st = lock(&state);
        let Some(term) = st.term.as_mut() else { return Ok(()) };
        let out = std::mem::take(term.writer());
        let closed = term.closed;
        if !out.is_empty() {
            session.data(ch, out)?;
        }
        if closed {
            st.term = None;
            drop(st);
            self.end_channel(ch, session, 0)?;
        }
        Ok(())
    }

    fn end_channel(&mut self, ch: ChannelId, session: &mut SshSession, status: u32) -> Result<(), russh::Error> {
        self.chans.remove(&ch);
        lock(&self.shared.open).remove(&(self.id, ch));
        session.exit_status_request(ch, status)?;
        session.eof(ch)?;
        session.close(ch)?;
        Ok(())
    }

    /// Watch a shell channel: idle timeout and `clear line`.
    fn watch(&self, ch: ChannelId, state: ChanRef, handle: Handle) {
        let router = self.shared.router.clone();
        let dialect = self.shared.dialect;
        let user = self.user.as_ref().map(|u| u.name.clone()).unwrap_or_default();
        tokio::spawn(async move {
            loop {
                tokio::time::sleep(Duration::from_millis(500)).await;
                let why = {
                    let mut st = lock(&state);
                    let Some(term) = st.term.as_ref() else { return };
                    let timeout = dialect.ops().idle_timeout(&lock(&router), &user);
                    if term.session.clear_requested() {
                        Some("\r\n% This session was cleared by an administrator\r\n")
                    } else if timeout.is_some_and(|t| st.last_input.elapsed() >= t) {
                        Some("\r\n% Session idle timeout\r\n")
                    } else {
                        None
                    }
                    .inspect(|_| st.term = None)
                };
                // Monitored log lines and rollbacks, while the user is idle.
                let news = {
                    let mut st = lock(&state);
                    match st.term.as_mut() {
                        Some(t) => {
                            t.idle_poll();
                            std::mem::take(t.writer())
                        }
                        None => Vec::new(),
                    }
                };
                if !news.is_empty() {
                    let _ = handle.data(ch, news).await;
                }
                if let Some(msg) = why {
                    let _ = handle.data(ch, msg.as_bytes().to_vec()).await;
                    let _ = handle.exit_status_request(ch, 0).await;
                    let _ = handle.eof(ch).await;
                    let _ = handle.close(ch).await;
                    return;
                }
            }
        });
    }
}

impl russh::server::Handler for Conn {
    type Error = russh::Error;

    async fn auth_password(&mut self, user: &str, password: &str) -> Result<Auth, Self::Error> {
        Ok(self.check_password(user, password).await)
    }

    async fn auth_publickey_offered(
        &mut self,
        user: &str,
        offer: russh::server::PublicKeyOffer<'_>,
    ) -> Result<Auth, Self::Error> {
        Ok(if self.authorized_key(user, offer.public_key) { Auth::Accept } else { Auth::reject() })
    }

    async fn auth_publickey(
        &mut self,
        user: &str,
        key: russh::server::VerifiedPublicKey<'_>,
    ) -> Result<Auth, Self::Error> {
        if !self.authorized_key(user, key.public_key) {
            return Ok(Auth::reject());
        }
        // The key proves who it is; the configuration says at which level.
        let r = lock(&self.shared.router);
        let name = user.split('@').next().unwrap_or(user);
        let lu = self.shared.dialect.ops().key_user(&r, name);
        drop(r);
        match lu {
            Some(lu) => {
                self.shared.log(
                    5,
                    "LOGIN_SUCCESS",
                    &format!("Login Success [user: {}] [Source: {}] [publickey]", lu.name, self.ip()),
                );
                self.logged_in(lu);
                Ok(Auth::Accept)
            }
            None => Ok(Auth::reject()),
        }
    }

    async fn channel_open_session(
        &mut self,
        channel: Channel<Msg>,
        reply: ChannelOpenHandle,
        _session: &mut SshSession,
    ) -> Result<(), Self::Error> {
        let st = ChanState { term: None, last_input: Instant::now(), pty: false, cols: 80, rows: 0 };
        self.chans.insert(channel.id(), Arc::new(Mutex::new(st)));
        reply.accept().await;
        Ok(())
    }

    async fn pty_request(
        &mut self,
        channel: ChannelId,
        _term: &str,
        col_width: u32,
        row_height: u32,
        _pix_width: u32,
        _pix_height: u32,
        _modes: &[(russh::Pty, u32)],
        session: &mut SshSession,
    ) -> Result<(), Self::Error> {
        if let Some(c) = self.chans.get(&channel) {
            let mut st = lock(c);
            st.pty = true;
            st.cols = col_width;
            st.rows = row_height;
        }
        session.channel_success(channel)?;
        Ok(())
    }

    async fn window_change_request(
        &mut self,
        channel: ChannelId,
        col_width: u32,
        row_height: u32,
        _pw: u32,
        _ph: u32,
        _session: &mut SshSession,
    ) -> Result<(), Self::Error> {
        if let Some(c) = self.chans.get(&channel) {
            let mut st = lock(c);
            st.cols = col_width;
            st.rows = row_height;
            if let Some(t) = st.term.as_mut()
                && col_width > 0
            {
                t.session.terminal_width = col_width as usize;
            }
        }
        Ok(())
    }

    async fn shell_request(&mut self, channel: ChannelId, session: &mut SshSession) -> Result<(), Self::Error> {
        let (Some(state), Some(s)) = (self.chans.get(&channel).cloned(), self.new_session()) else {
            session.channel_failure(channel)?;
            return Ok(());
        };
        session.channel_success(channel)?;
        {
            let mut st = lock(&state);
            let mut t = Terminal::new(s, Vec::new(), false);
            t.crlf = true;
            // Without a pty the channel is a byte stream, not a terminal.
            t.paste = !st.pty;
            if st.cols > 0 {
                t.session.terminal_width = st.cols as usize;
            }
            if st.pty && st.rows > 0 {
                t.session.terminal_length = Some(st.rows as usize);
            }
            t.writer().extend_from_slice(b"\r\n");
            t.prompt();
            st.term = Some(t);
            st.last_input = Instant::now();
        }
        lock(&self.shared.open).insert((self.id, channel), (session.handle(), state.clone()));
        self.watch(channel, state, session.handle());
        self.flush(channel, session)
    }

    async fn exec_request(
        &mut self,
        channel: ChannelId,
        data: &[u8],
        session: &mut SshSession,
    ) -> Result<(), Self::Error> {
        let (Some(state), Some(s)) = (self.chans.get(&channel).cloned(), self.new_session()) else {
            session.channel_failure(channel)?;
            return Ok(());
        };
        session.channel_success(channel)?;
        let out = {
            let pty = lock(&state).pty;
            let mut t = Terminal::new(s, Vec::new(), false);
            t.crlf = pty;
            t.draw_prompt = false;
            t.caret_indent = Some(0);
            for raw in data.split(|b| *b == b'\n') {
                let raw = raw.strip_suffix(b"\r").unwrap_or(raw);
                // Bytes that are not UTF-8 are refused on their own line.
                match std::str::from_utf8(raw) {
                    Ok(line) => t.run_line(line),
                    // A comment is let go whatever its bytes, as at the terminal.
                    Err(_) if raw.trim_ascii_start().starts_with(b"!") => t.run_line(&String::from_utf8_lossy(raw)),
                    Err(e) => t.refuse_line(
                        String::from_utf8_lossy(&raw[..e.valid_up_to()]).chars().count(),
                        crate::terminal::NOT_UTF8,
                    ),
                }
                if t.closed {
                    break;
                }
            }
            let code = u32::from(t.session.rejected > 0);
            (t.into_writer(), code)
        };
        if !out.0.is_empty() {
            session.data(channel, out.0)?;
        }
        self.end_channel(channel, session, out.1)
    }

    async fn subsystem_request(
        &mut self,
        channel: ChannelId,
        _name: &str,
        session: &mut SshSession,
    ) -> Result<(), Self::Error> {
        // No sftp/netconf: a router CLI only.
        session.channel_failure(channel)?;
        Ok(())
    }

    async fn data(&mut self, channel: ChannelId, data: &[u8], session: &mut SshSession) -> Result<(), Self::Error> {
        if let Some(state) = self.chans.get(&channel).cloned() {
            let mut st = lock(&state);
            st.last_input = Instant::now();
            if let Some(t) = st.term.as_mut() {
                t.feed(data);
            }
        }
        self.flush(channel, session)
    }

    async fn channel_eof(&mut self, channel: ChannelId, session: &mut SshSession) -> Result<(), Self::Error> {
        // The client will send no more: the session ends (a SmartEdge
        // candidate that was not committed is discarded).
        if let Some(state) = self.chans.get(&channel).cloned() {
            let had = lock(&state).term.take();
            if let Some(t) = had {
                drop(t);
                self.end_channel(channel, session, 0)?;
            }
        }
        Ok(())
    }

    async fn channel_close(&mut self, channel: ChannelId, _session: &mut SshSession) -> Result<(), Self::Error> {
        if let Some(state) = self.chans.remove(&channel) {
            lock(&state).term = None;
        }
        lock(&self.shared.open).remove(&(self.id, channel));
        Ok(())
    }
}

impl Drop for Conn {
    fn drop(&mut self) {
        let mut open = lock(&self.shared.open);
        for (ch, state) in self.chans.drain() {
            lock(&state).term = None;
            open.remove(&(self.id, ch));
        }
    }
}

struct Server {
    shared: Arc<Shared>,
}

impl Server {
    fn new_client(&self, peer: Option<SocketAddr>) -> Conn {
        let id = self.shared.next_conn.fetch_add(1, Ordering::Relaxed);
        Conn {
            shared: self.shared.clone(),
            id,
            peer,
            user: None,
            chans: HashMap::new(),
            slot: None,
            authed: Arc::new(AtomicBool::new(false)),
        }
    }
}

/// Accept connections on `listener` until `stop` fires; each connection
/// runs on its own and outlives the listener (closing the port, as `no ip
/// ssh server listen` does, leaves the sessions that are open).
async fn accept_loop(
    listener: tokio::net::TcpListener,
    config: Arc<russh::server::Config>,
    server: Arc<Server>,
    mut stop: tokio::sync::oneshot::Receiver<()>,
) {
    loop {
        let (sock, peer) = tokio::select! {
            r = listener.accept() => match r {
                Ok(x) => x,
                Err(e) => {
                    // Out of descriptors and the like: wait a little, go on.
                    eprintln!("% SSH accept failed: {e}");
                    tokio::time::sleep(Duration::from_millis(100)).await;
                    continue;
                }
            },
            _ = &mut stop => return,
        };
        let _ = sock.set_nodelay(true);
        // MaxStartups and the per-source limit: refused before the handshake.
        let slot = match Slot::take(&server.shared.gate, peer.ip(), rand::random_range(0..100)) {
            Ok(s) => s,
            Err(r) => {
                drop(sock);
                let line = lock(&server.shared.gate).log_line(peer.ip(), r, Instant::now());
                if let Some(l) = line {
                    let line = lock(&server.shared.router).log_event("SSH", 4, "CONN_REFUSED", &l);
                    eprintln!("{line}");
                }
                continue;
            }
        };
        let mut handler = server.new_client(Some(peer));
        handler.slot = Some(slot);
        let (id, authed) = (handler.id, handler.authed.clone());
        let (config, shared) = (config.clone(), server.shared.clone());
        let grace = lock(&shared.gate).limits.grace;
        // Our own handle on the socket, to shut it when the grace time is
        // over (a disconnect message is not sent before the key exchange).
        let own = std::os::fd::AsFd::as_fd(&sock).try_clone_to_owned().ok().map(std::net::TcpStream::from);
        tokio::spawn(async move {
            // Login grace time: the handshake and the login within it.
            let started = Instant::now();
            let session = match tokio::time::timeout(grace, russh::server::run_stream(config, sock, handler)).await {
                Ok(Ok(s)) => s,
                Ok(Err(_)) => return,
                Err(_) => {
                    shared.log(
                        5,
                        "LOGIN_GRACE",
                        &format!("Login grace time ({} s) exceeded [Source: {peer}]: disconnected", grace.as_secs()),
                    );
                    return;
                }
            };
            let handle = session.handle();
            lock(&shared.conns).insert(id, handle.clone());
            let mut session = Box::pin(session);
            let rest = grace.saturating_sub(started.elapsed());
            let ended = tokio::select! {
                _ = &mut session => true,
                _ = tokio::time::sleep(rest) => false,
            };
            if !ended {
                if !authed.load(Ordering::SeqCst) {
                    shared.log(
                        5,
                        "LOGIN_GRACE",
                        &format!("Login grace time ({} s) exceeded [Source: {peer}]: disconnected", grace.as_secs()),
                    );
                    let _ = handle
                        .disconnect(russh::Disconnect::ByApplication, "Login grace time exceeded".into(), String::new())
                        .await;
                    if let Some(o) = &own {
                        let _ = o.shutdown(std::net::Shutdown::Both);
                    }
                }
                let _ = session.await;
            }
            lock(&shared.conns).remove(&id);
        });
    }
}

/// A listening socket and what stops it.
struct Listening {
    addr: SocketAddr,
    stop: tokio::sync::oneshot::Sender<()>,
    task: tokio::task::JoinHandle<()>,
}

impl Listening {
    /// Stop accepting and close the port (when this returns, it is closed).
    async fn close(self) {
        let _ = self.stop.send(());
        let _ = self.task.await;
    }
}

/// Bind `addr` and serve on it; `Err` is the message for the user.
async fn listen_on(addr: &str, config: &Arc<russh::server::Config>, server: &Arc<Server>) -> Result<Listening, String> {
    let listener =
        tokio::net::TcpListener::bind(addr).await.map_err(|e| format!("cannot listen on {addr} for SSH: {e}"))?;
    let local = listener.local_addr().map_err(|e| format!("cannot listen on {addr} for SSH: {e}"))?;
    let (tx, rx) = tokio::sync::oneshot::channel();
    let task = tokio::spawn(accept_loop(listener, config.clone(), server.clone(), rx));
    Ok(Listening { addr: local, stop: tx, task })
}

/// The host key: loaded from the state directory, or made and saved there.
pub fn host_key(state_dir: &Path) -> std::io::Result<PrivateKey> {
    let path = state_dir.join("ssh_host_ed25519_key");
    if let Ok(k) = PrivateKey::read_openssh_file(&path) {
        return Ok(k);
    }
    let key =
        PrivateKey::random(&mut rand::rng(), Algorithm::Ed25519).map_err(|e| std::io::Error::other(e.to_string()))?;
    edgesh_modes::statefs::private_dir(state_dir)?;
    let pem = key.to_openssh(russh::keys::ssh_key::LineEnding::LF).map_err(|e| std::io::Error::other(e.to_string()))?;
    let tmp = path.with_extension("tmp");
    {
        use std::io::Write;
        use std::os::unix::fs::OpenOptionsExt;
        let mut f = std::fs::OpenOptions::new().write(true).create(true).truncate(true).mode(0o600).open(&tmp)?;
        f.write_all(pem.as_bytes())?;
        f.sync_all()?;
    }
    std::fs::rename(&tmp, &path)?;
    if let Ok(pubk) = key.public_key().to_openssh() {
        let _ = std::fs::write(state_dir.join("ssh_host_ed25519_key.pub"), format!("{pubk}\n"));
    }
    Ok(key)
}

/// The server's settings, with its host key.
fn server_config(key: PrivateKey) -> russh::server::Config {
    let mut methods = MethodSet::empty();
    methods.push(MethodKind::Password);
    methods.push(MethodKind::PublicKey);
    russh::server::Config {
        server_id: russh::SshId::Standard(format!("SSH-2.0-edgesh_{}", env!("CARGO_PKG_VERSION")).into()),
        methods,
        auth_rejection_time: Duration::from_millis(300),
        auth_rejection_time_initial: Some(Duration::ZERO),
        keys: vec![key],
        inactivity_timeout: None,
        keepalive_interval: Some(Duration::from_secs(60)),
        nodelay: true,
        ..Default::default()
    }
}

/// Serve SSH until SIGTERM or SIGINT; then close every session and return
/// 0. `fixed` (`--ssh ADDR:PORT`) is where to listen; without it the
/// configuration says (IOS `ip ssh server listen A.B.C.D [port N]`,
/// SmartEdge `ssh server listen ...` in context local), followed as it
/// changes. `console`, when given, runs on this terminal beside the server;
/// when it ends and nothing listens, edgesh ends too.
pub fn serve(router: Arc<Mutex<Router>>, dialect: Dialect, fixed: Option<&str>, console: Option<Session>) -> i32 {
    let state_dir = lock(&router).state_dir.clone();
    let rt = match tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build() {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("% cannot start the SSH server: {e}");
            return 1;
        }
    };
    rt.block_on(async move {
        let shared = Arc::new(Shared {
            router: router.clone(),
            dialect,
            state_dir: state_dir.clone(),
            failures: Mutex::new(Default::default()),
            open: Mutex::new(HashMap::new()),
            conns: Mutex::new(HashMap::new()),
            next_conn: AtomicU64::new(1),
            gate: Arc::new(Mutex::new(Gate::new(crate::sshguard::limits()))),
        });
        let server = Arc::new(Server { shared: shared.clone() });
        // The host key is read (or made) when something is to listen.
        let mut config_ready: Option<Arc<russh::server::Config>> = None;
        let ready = |config_ready: &mut Option<Arc<russh::server::Config>>| -> Result<Arc<russh::server::Config>, String> {
            if let Some(c) = config_ready {
                return Ok(c.clone());
            }
            let key = host_key(&state_dir).map_err(|e| format!("cannot make or read the SSH host key in {}: {e}", state_dir.display()))?;
            let c = Arc::new(server_config(key));
            *config_ready = Some(c.clone());
            Ok(c)
        };
        let announce = |l: &Listening| {
            eprintln!("% SSH server listening on {}", l.addr);
            let r = &mut lock(&router);
            r.log("SSH", 5, "SERVER_LISTEN", &format!("SSH server listening on {}", l.addr));
            if !dialect.ops().users_configured(r) {
                eprintln!("% No user is configured: SSH logins are refused until one is (IOS `username NAME privilege 15 secret PASSWORD`, SmartEdge `administrator NAME password PASSWORD`)");
            }
        };
        let mut current: Option<Listening> = None;
        if let Some(addr) = fixed {
            let c = match ready(&mut config_ready) {
                Ok(c) => c,
                Err(e) => {
                    eprintln!("% {e}");
                    return 1;
                }
            };
            match listen_on(addr, &c, &server).await {
                Ok(l) => {
                    announce(&l);
                    current = Some(l);
                }
                Err(e) => {
                    eprintln!("% {e}");
                    return 1;
                }
            }
            if edgesh_modes::sshconf::listen(&lock(&router), dialect).is_some() {
                eprintln!("% --ssh {addr} is used; the SSH listen line of the configuration is not");
            }
        }
        // Catch the signals before the console starts: the console's line
        // editor restores the handlers it found when it ends.
        use tokio::signal::unix::{SignalKind, signal};
        let (Ok(mut term), Ok(mut int)) = (signal(SignalKind::terminate()), signal(SignalKind::interrupt())) else {
            eprintln!("% cannot catch signals");
            return 1;
        };
        let (console_done_tx, mut console_done) = tokio::sync::mpsc::channel::<()>(1);
        let mut has_console = console.is_some();
        if let Some(s) = console {
            std::thread::spawn(move || {
                crate::console::run(s);
                let _ = console_done_tx.blocking_send(());
            });
        }
        // What the configuration asked for last (bound or not), to act on changes only.
        let mut wanted: Option<SocketAddr> = None;
        let mut tick = tokio::time::interval(Duration::from_millis(250));
        let mut ever_listened = current.is_some();
        loop {
            tokio::select! {
                _ = tick.tick(), if fixed.is_none() => {
                    let want = edgesh_modes::sshconf::listen(&lock(&router), dialect);
                    if want == wanted {
                        continue;
                    }
                    wanted = want;
                    if let Some(l) = current.take() {
                        let addr = l.addr;
                        l.close().await;
                        eprintln!("% SSH server no longer listening on {addr} (open sessions stay)");
                        lock(&router).log_event("SSH", 5, "SERVER_STOP", &format!("SSH server no longer listening on {addr}"));
                    }
                    let Some(addr) = want else { continue };
                    let res = match ready(&mut config_ready) {
                        Ok(c) => listen_on(&addr.to_string(), &c, &server).await,
                        Err(e) => Err(e),
                    };
                    match res {
                        Ok(l) => {
                            announce(&l);
                            ever_listened = true;
                            current = Some(l);
                        }
                        Err(e) => {
                            eprintln!("% {e}");
                            lock(&router).log_event("SSH", 3, "SERVER_FAILED", &e);
                        }
                    }
                }
                _ = console_done.recv(), if has_console => {
                    has_console = false;
                    if current.is_none() && lock(&shared.open).is_empty() {
                        break;
                    }
                    eprintln!("% Console session ended; the SSH server goes on (SIGTERM or SIGINT stops it)");
                }
                _ = term.recv() => break,
                _ = int.recv() => break,
            }
        }
        if let Some(l) = current.take() {
            l.close().await;
        }
        // Close every session: tell the user, drop the session (an
        // uncommitted candidate is discarded), close the channel.
        let open: Vec<_> = lock(&shared.open).drain().collect();
        let n = open.len();
        for ((_, ch), (handle, state)) in open {
            let had = lock(&state).term.take();
            if let Some(t) = had {
                let discarded = t.session.has_changes();
                drop(t);
                let msg = if discarded { "\r\n% edgesh is shutting down; uncommitted changes were discarded\r\n" } else { "\r\n% edgesh is shutting down\r\n" };
                let _ = handle.data(ch, msg.as_bytes().to_vec()).await;
            }
            let _ = handle.exit_status_request(ch, 0).await;
            let _ = handle.eof(ch).await;
            let _ = handle.close(ch).await;
        }
        let conns: Vec<Handle> = lock(&shared.conns).drain().map(|(_, h)| h).collect();
        for h in conns {
            let _ = h.disconnect(russh::Disconnect::ByApplication, "edgesh is shutting down".into(), String::new()).await;
        }
        if ever_listened {
            tokio::time::sleep(Duration::from_millis(200)).await;
            eprintln!("% SSH server stopped ({n} session{} closed)", if n == 1 { "" } else { "s" });
        }
        0
    })
}
