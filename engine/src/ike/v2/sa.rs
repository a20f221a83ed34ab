//! IKEv2 SA state: owns the [`Sa`] record (state, keys, message-ID window,
//! queued and outstanding requests, stored response) and the core's SA
//! table operations (create, find by number, remove with its children).

use super::*;

/// Where an IKEv2 SA is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum State {
    /// Initiator: IKE_SA_INIT sent.
    InitSent,
    /// Responder: IKE_SA_INIT answered, waiting for IKE_AUTH (half-open).
    InitDone,
    /// Initiator: IKE_AUTH sent.
    AuthSent,
    Established,
    /// Replaced by a rekeyed SA or being deleted.
    Deleting,
}

impl State {
    pub fn name(self) -> &'static str {
        match self {
            State::InitSent | State::InitDone => "IN-NEG",
            State::AuthSent => "IN-NEG",
            State::Established => "READY",
            State::Deleting => "DELETE",
        }
    }
}

/// A child negotiation in progress (our side's half).
pub(crate) struct ChildNeg {
    pub tunnel: String,
    pub child: usize,
    pub spi_in: u32,
    pub ni: Vec<u8>,
    pub dh: Option<DhSecret>,
    pub rekey_of: Option<u32>,
}

/// What an outstanding request was.
pub(crate) enum What {
    Init,
    Auth(Option<ChildNeg>),
    Child(ChildNeg),
    RekeyIke { spi_i: [u8; 8], ni: Vec<u8>, dh: DhSecret },
    Dpd,
    DeleteChildren,
    DeleteIke,
}

pub(crate) struct Pending {
    pub msgid: u32,
    pub exchange: u8,
    /// The datagrams of the request (several when fragmented, RFC 7383).
    pub data: Vec<Vec<u8>>,
    pub tries: u32,
    pub timer: Millis,
    pub what: What,
}

/// A request waiting for the window (size 1).
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Req {
    Child {
        tunnel: String,
        child: usize,
        rekey_of: Option<u32>,
    },
    RekeyIke,
    Dpd,
    DeleteChildren(Vec<u32>),
    /// Pairs already removed here (expired): the peer is told their SPIs (ours, inbound).
    DeleteExpired(Vec<u32>),
}

/// The response to the peer's latest request, kept to answer a retransmitted copy.
pub(crate) struct LastResponse {
    pub msgid: u32,
    /// The request's datagram (when fragmented: the fragment that completed it).
    pub request: Vec<u8>,
    /// The response's datagrams (several when fragmented).
    pub response: Vec<Vec<u8>>,
    pub replays: u32,
}

/// An IKEv2 SA.
/// What an AUTH payload was made with: the pre-shared key's MIC, or a
/// signature by an RSA or an ECDSA key (whichever method carried it: the
/// classic ones or RFC 7427's).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum AuthKind {
    #[default]
    Psk,
    Rsa,
    Ecdsa,
}

impl AuthKind {
    /// The kind of signature a public key makes.
    pub fn of_key(k: &crate::pki::PublicKey) -> AuthKind {
        match k {
            crate::pki::PublicKey::Rsa(_) => AuthKind::Rsa,
            _ => AuthKind::Ecdsa,
        }
    }
}

pub struct Sa {
    pub conn: u32,
    pub tunnel: String,
    /// Original initiator or responder of this IKE SA.
    pub role: Role,
    pub spi_i: [u8; 8],
    pub spi_r: [u8; 8],
    pub local: SocketAddrV4,
    pub remote: SocketAddrV4,
    pub state: State,
    pub suite: Option<Suite>,
    /// The configured proposal that matched.
    pub proposal: String,
    pub nat_local: bool,
    pub nat_remote: bool,
    pub peer_id: Option<IdRepr>,
    /// How this end authenticated itself, and how the peer was verified
    /// (IOS-XE's `Auth sign:` / `Auth verify:`); `Psk` until IKE_AUTH.
    pub auth_sign: AuthKind,
    pub auth_verify: AuthKind,
    pub created: Millis,
    pub established: Option<Millis>,
    pub lifetime: u32,
    pub(crate) keys: Option<IkeKeys>,
    pub(crate) ni: Vec<u8>,
    pub(crate) nr: Vec<u8>,
    pub(crate) dh: Option<DhSecret>,
    pub(crate) cookie: Option<Vec<u8>>,
    pub(crate) init_retries: u32,
    pub(crate) init_req: Vec<u8>,
    pub(crate) init_resp: Vec<u8>,
    pub(crate) next_msgid: u32,
    pub(crate) pending: Option<Pending>,
    pub(crate) queue: VecDeque<Req>,
    pub(crate) peer_msgid: u32,
    pub(crate) last_resp: Option<LastResponse>,
    pub(crate) last_heard: Millis,
    pub(crate) rekeyed: bool,
    /// How early (per mille of the lifetime) this side rekeys the SA (see `timers`).
    pub(crate) jitter: u64,
    /// Children still to negotiate for the tunnel (initiator).
    pub(crate) want: VecDeque<usize>,
    /// An SA made by rekeying another: (the old SA, the lowest nonce of the
    /// rekey exchange), to resolve simultaneous IKE SA rekeys (RFC 7296 2.8.2).
    pub(crate) rekey_from: Option<(u32, Vec<u8>)>,
    /// Both ends announced IKEV2_FRAGMENTATION_SUPPORTED (RFC 7383 2.3).
    pub frag: bool,
    /// Messages being reassembled (at most one request and one response).
    pub(crate) reasm: Vec<Reasm>,
    /// The last message reassembled: (message ID, response, first payload, inner chain).
    pub(crate) reassembled: Option<(u32, bool, u8, Vec<u8>)>,
}

impl Sa {
    pub fn is_established(&self) -> bool {
        self.state == State::Established
    }
    pub fn expires(&self) -> Millis {
        self.established.unwrap_or(self.created) + self.lifetime as u64 * 1000
    }
    /// (Our next request's message ID, the next one expected from the peer,
    /// whether a request of ours is outstanding): for the shows.
    pub fn msg_ids(&self) -> (u32, u32, bool) {
        (self.next_msgid, self.peer_msgid, self.pending.is_some())
    }
    /// (Local SPI, remote SPI) as this side sees them.
    pub fn spis(&self) -> ([u8; 8], [u8; 8]) {
        if self.role == Role::Initiator { (self.spi_i, self.spi_r) } else { (self.spi_r, self.spi_i) }
    }
    /// The SK keys for messages this side sends.
    pub(crate) fn out_keys(&self) -> Option<SkKeys<'_>> {
        let (s, k) = (self.suite.as_ref()?, self.keys.as_ref()?);
        let (ek, ak) = if self.role == Role::Initiator { (&k.ei, &k.ai) } else { (&k.er, &k.ar) };
        Some(SkKeys { encr: s.encr, integ: s.integ, ek, ak })
    }
    /// The SK keys for messages the peer sends.
    pub(crate) fn in_keys(&self) -> Option<SkKeys<'_>> {
        let (s, k) = (self.suite.as_ref()?, self.keys.as_ref()?);
        let (ek, ak) = if self.role == Role::Initiator { (&k.er, &k.ar) } else { (&k.ei, &k.ai) };
        Some(SkKeys { encr: s.encr, integ: s.integ, ek, ak })
    }
}

impl Core {
    pub(crate) fn new_sa(
        &mut self,
        now: Millis,
        tunnel: &str,
        role: Role,
        local: SocketAddrV4,
        remote: SocketAddrV4,
        spi_i: [u8; 8],
    ) -> usize {
        let conn = self.alloc_conn();
        let lifetime = self.pc(tunnel).and_then(|p| p.proposals.first()).map(|p| p.lifetime).unwrap_or(86_400);
        let sa = Sa {
            conn,
            tunnel: tunnel.to_string(),
            role,
            spi_i,
            spi_r: [0; 8],
            local,
            remote,
            state: if role == Role::Initiator { State::InitSent } else { State::InitDone },
            suite: None,
            proposal: String::new(),
            nat_local: false,
            nat_remote: false,
            peer_id: None,
            auth_sign: AuthKind::Psk,
            auth_verify: AuthKind::Psk,
            created: now,
            established: None,
            lifetime,
            keys: None,
            ni: Vec::new(),
            nr: Vec::new(),
            dh: None,
            cookie: None,
            init_retries: 0,
            init_req: Vec::new(),
            init_resp: Vec::new(),
            next_msgid: 0,
            pending: None,
            queue: VecDeque::new(),
            peer_msgid: 0,
            last_resp: None,
            last_heard: now,
            rekeyed: false,
            jitter: self.jitter_rng.next_u64() % timers::REKEY_JITTER,
            want: VecDeque::new(),
            rekey_from: None,
            frag: false,
            reasm: Vec::new(),
            reassembled: None,
        };
        self.by_spi.entry(spi_i).or_default().push(conn);
        self.sas.push(sa);
        self.sas.len() - 1
    }

    pub(crate) fn index(&self, conn: u32) -> Option<usize> {
        self.sas.binary_search_by_key(&conn, |s| s.conn).ok()
    }

    pub(crate) fn take_sa(&mut self, i: usize) -> Sa {
        let sa = self.sas.remove(i);
        if let Some(v) = self.by_spi.get_mut(&sa.spi_i) {
            v.retain(|c| *c != sa.conn);
            if v.is_empty() {
                self.by_spi.remove(&sa.spi_i);
            }
        }
        sa
    }

    /// Remove an SA and its children, with events; a static tunnel is tried again later.
    pub(crate) fn drop_sa(&mut self, i: usize, reason: DownReason, retry: bool) {
        let sa = self.take_sa(i);
        let peer = *sa.remote.ip();
        // Children of an SA already rekeyed (a collision still being resolved)
        // live on in its successor rather than going with it.
        if let Some(heir) = self
            .sas
            .iter()
            .find(|s| s.state == State::Established && s.rekey_from.as_ref().is_some_and(|r| r.0 == sa.conn))
            .map(|s| s.conn)
        {
            self.children.move_ike(sa.conn, heir);
        }
        // Newest first, as they went one by one before (the events' order).
        for c in self.children.take_where(|c| c.ike == sa.conn).into_iter().rev() {
            self.emit(Event::ChildDown { tunnel: c.tunnel, peer, spi_in: c.spi_in, spi_out: c.spi_out, reason });
        }
        if sa.state != State::Deleting || sa.established.is_none() {
            self.emit(Event::Phase1Down {
                conn: sa.conn,
                peer,
                tunnel: sa.tunnel.clone(),
                reason,
                established: sa.established.is_some(),
            });
        }
        if retry
            && self.pc(&sa.tunnel).is_some_and(|p| p.auto_start && p.may_initiate())
            && !self.sas.iter().any(|s| s.tunnel == sa.tunnel)
        {
            self.retry_at.insert(sa.tunnel.clone(), self.now + RETRY_INTERVAL);
        }
    }
}
