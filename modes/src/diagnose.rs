//! Why is a tunnel down: the typed engine events of each peer, kept per
//! peer and bounded ([`History`], fed by `Router::engine_drain`), and their
//! reading ([`diagnose`]) into a [`Diagnosis`]: how far the last attempts
//! got, the first failure, both sides' values side by side (the peer's
//! offers against each local proposal they were checked with, the
//! attribute that differs marked; proxy identities or traffic selectors
//! against the local ACL; pre-shared key signs; NAT; retransmissions and
//! DPD). Nothing is read from log text. Each dialect words it and names
//! the configuration line to change (`ios/diagnose.rs`,
//! `smartedge/diagnose.rs`); `| json` prints the same struct.

use crate::session::Router;
use edgesh_engine::config::{Esn, IkeVersion};
use edgesh_engine::ike::Event;
use edgesh_engine::ike::conf::{PeerConf, Selector};
use edgesh_engine::ike::events::{DownReason, NoPeerReason, P1Mismatch, P2Mismatch};
use serde::Serialize;
use std::net::Ipv4Addr;

pub use crate::diag_history::{EVENTS_PER_PEER, History, PEERS, PeerRecord};

/// How far negotiation got.
#[derive(Serialize, Debug, Clone, Copy, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum Stage {
    /// Nothing sent to or heard from the peer.
    NotTried,
    /// Sent, never answered.
    NoAnswer,
    /// Phase 1 (IKE_SA_INIT / IKE_AUTH) did not complete.
    Phase1,
    /// The IKE SA is up; no IPsec SA.
    Phase2,
    Up,
}

impl Stage {
    pub fn text(self) -> &'static str {
        match self {
            Stage::NotTried => "not tried (nothing sent to or received from the peer)",
            Stage::NoAnswer => "no answer (requests sent, nothing received)",
            Stage::Phase1 => "phase 1 (no IKE SA established)",
            Stage::Phase2 => "phase 2 (IKE SA up, no IPsec SA)",
            Stage::Up => "up (IKE SA and IPsec SAs established)",
        }
    }
}

/// One value compared: the peer's, ours, and whether they differ.
#[derive(Serialize, Debug, Clone, PartialEq, Eq)]
pub struct Pair {
    pub attribute: &'static str,
    pub peer: String,
    pub local: String,
    pub mismatch: bool,
}

/// One offer of the peer checked against one local proposal.
#[derive(Serialize, Debug, Clone, PartialEq, Eq)]
pub struct Check {
    /// The local proposal (`isakmp-10`, `p1`, `TS`, ...).
    pub local_proposal: String,
    pub values: Vec<Pair>,
}

/// The first failure of the last attempts, with both sides' values.
#[derive(Serialize, Debug, Clone, PartialEq, Eq)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Failure {
    /// No local configuration for this peer (or it may not be used).
    NoConfiguration { reason: String },
    /// A phase-1 proposal mismatch seen here (we are the responder).
    IkeProposal { checks: Vec<Check> },
    /// The peer refused our proposals (its notify), ours listed.
    IkeProposalRefused { notify: String, local: Vec<Check> },
    /// A phase-2 transform set / proposal mismatch seen here.
    IpsecProposal { checks: Vec<Check> },
    /// The pre-shared keys differ (signs: the peer's encrypted message does
    /// not decrypt, or its hash does not verify).
    PreSharedKey { sign: String },
    /// The peer's identity is not the one configured.
    Identity { received: String, configured: String },
    /// Proxy identities (IKEv1, exact match) or traffic selectors (IKEv2, narrowing).
    Selectors { version: &'static str, peer_local: String, peer_remote: String, local: Vec<(String, String)> },
    /// The peer refused our IPsec proposals (its notify), ours listed.
    IpsecProposalRefused { notify: String, local: Vec<Check> },
    /// The peer refused our proxy identities / traffic selectors, ours listed.
    SelectorsRefused { notify: String, local: Vec<(String, String)> },
    /// IKEv2: the peer's DH group is not ours (INVALID_KE_PAYLOAD).
    KeyExchange { peer_group: u16, local_group: u16 },
    /// The peer answered with an error notify.
    PeerNotify { notify: String },
    /// The peer speaks another IKE version.
    IkeVersion { peer: &'static str, local: &'static str },
    /// Requests were sent and never answered.
    NoAnswer { requests: u64, retransmits: u64 },
    /// The negotiation stopped waiting for the peer after it had answered.
    TimedOut { state: String },
    /// Dead peer detection declared the peer dead.
    PeerDead,
    /// The IKE SA went down for another reason.
    Down { reason: String },
}

/// What `show crypto diagnose peer` / `show tunnel ipsec name T diagnose` say.
#[derive(Serialize, Debug, Clone, PartialEq, Eq)]
pub struct Diagnosis {
    pub peer: String,
    pub tunnels: Vec<String>,
    pub version: Option<&'static str>,
    pub stage: Stage,
    pub stage_text: &'static str,
    pub first_failure: Option<Failure>,
    /// Problems in the local configuration that keep the tunnel down.
    pub local_configuration: Vec<String>,
    pub nat_detected: Option<bool>,
    pub messages_sent: u64,
    pub messages_received: u64,
    pub retransmits: u64,
    pub dpd: Option<String>,
    /// The last DPD exchanges with the peer, oldest first, with their outcome.
    pub dpd_exchanges: Vec<DpdExchange>,
    pub events_kept: usize,
}

/// How a DPD exchange ended.
#[derive(Serialize, Debug, Clone, Copy, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum DpdOutcome {
    /// Our request was answered.
    Answered,
    /// Our request got no answer (a later one did not either, or the peer was declared dead).
    Unanswered,
    /// Our request is the last one and has no answer yet.
    Waiting,
    /// The peer asked and we answered.
    AnsweredPeer,
}

/// One DPD exchange: IKEv1 R-U-THERE / R-U-THERE-ACK, IKEv2 an empty INFORMATIONAL.
#[derive(Serialize, Debug, Clone, PartialEq, Eq)]
pub struct DpdExchange {
    /// When it started (ms of the router's clock).
    pub at_ms: u64,
    pub version: &'static str,
    /// `sent`: we asked; `received`: the peer asked.
    pub direction: &'static str,
    /// The R-U-THERE sequence number (IKEv1) or the message ID (IKEv2).
    pub seq: u32,
    pub outcome: DpdOutcome,
    /// Time to the answer, for an answered request of ours.
    pub answer_ms: Option<u64>,
}

/// DPD exchanges shown (the last ones).
pub const DPD_EXCHANGES_SHOWN: usize = 8;

/// The peer's DPD exchanges from its recorded steps: each request of ours
/// paired with the answer of the same sequence number / message ID.
pub fn dpd_exchanges(steps: &std::collections::VecDeque<(u64, Event)>) -> Vec<DpdExchange> {
    use edgesh_engine::ike::events::DpdStep;
    let mut v: Vec<DpdExchange> = Vec::new();
    for (at, e) in steps {
        match e {
            Event::Dpd { v2, step, seq, .. } => {
                let version = if *v2 { "IKEv2" } else { "IKEv1" };
                match step {
                    DpdStep::Asked => {
                        // A request not answered before the next one was sent went unanswered.
                        for x in v.iter_mut().filter(|x| x.outcome == DpdOutcome::Waiting && x.version == version) {
                            x.outcome = DpdOutcome::Unanswered;
                        }
                        v.push(DpdExchange {
                            at_ms: *at,
                            version,
                            direction: "sent",
                            seq: *seq,
                            outcome: DpdOutcome::Waiting,
                            answer_ms: None,
                        });
                    }
                    DpdStep::Answered => {
                        // The ACK of an IKEv1 R-U-THERE may answer an earlier one (its sequence number says which).
                        if let Some(x) =
                            v.iter_mut().rev().find(|x| x.direction == "sent" && x.version == version && x.seq == *seq)
                        {
                            x.outcome = DpdOutcome::Answered;
                            x.answer_ms = Some(at.saturating_sub(x.at_ms));
                        }
                    }
                    DpdStep::PeerAsked => v.push(DpdExchange {
                        at_ms: *at,
                        version,
                        direction: "received",
                        seq: *seq,
                        outcome: DpdOutcome::AnsweredPeer,
                        answer_ms: None,
                    }),
                }
            }
            Event::DpdDead { .. } => {
                for x in v.iter_mut().filter(|x| x.outcome == DpdOutcome::Waiting) {
                    x.outcome = DpdOutcome::Unanswered;
                }
            }
            _ => {}
        }
    }
    let skip = v.len().saturating_sub(DPD_EXCHANGES_SHOWN);
    v.split_off(skip)
}

fn p1_values(
    offered: &edgesh_engine::ike::events::OfferedP1,
    local: &edgesh_engine::ike::conf::IkeProp,
    m: Option<&P1Mismatch>,
) -> Vec<Pair> {
    let name = |r: Result<&'static str, u16>| r.unwrap_or("unknown");
    let enc = offered.encr.map(|e| e.proto_name());
    let hash = offered.hash.map(|e| e.proto_name());
    let auth = offered.auth.map(|e| e.proto_name());
    vec![
        Pair {
            attribute: "encryption",
            peer: name(enc).into(),
            local: local.encr.proto_name().into(),
            mismatch: matches!(m, Some(P1Mismatch::Encryption { .. })),
        },
        Pair {
            attribute: "hash",
            peer: name(hash).into(),
            local: local.hash.proto_name().into(),
            mismatch: matches!(m, Some(P1Mismatch::Hash { .. })),
        },
        Pair {
            attribute: "authentication",
            peer: name(auth).into(),
            local: local.auth.proto_name().into(),
            mismatch: matches!(m, Some(P1Mismatch::AuthMethod { .. })),
        },
        Pair {
            attribute: "DH group",
            peer: offered.group.to_string(),
            local: local.group.to_string(),
            mismatch: matches!(m, Some(P1Mismatch::Group { .. })),
        },
        Pair {
            attribute: "lifetime",
            peer: offered.lifetime.to_string(),
            local: local.lifetime.to_string(),
            mismatch: false,
        },
    ]
}

fn esp_text(e: Option<edgesh_engine::config::EspEncr>) -> String {
    e.map(|e| e.proto_name().to_string()).unwrap_or_else(|| "none".into())
}

fn auth_text(a: Option<edgesh_engine::config::EspAuth>) -> String {
    a.map(|a| a.proto_name().to_string()).unwrap_or_else(|| "none".into())
}

fn group_text(g: Option<u16>) -> String {
    g.map(|g| format!("group {g}")).unwrap_or_else(|| "none".into())
}

/// A selector as `198.51.100.0/24` (with protocol and port when set).
pub fn sel(s: &Selector) -> String {
    let mut t = format!("{}/{}", s.net.network(), s.net.len);
    if s.proto != 0 {
        t.push_str(&format!(" proto {}", s.proto));
    }
    if s.port != 0 {
        t.push_str(&format!(" port {}", s.port));
    }
    t
}

/// RFC 2408 / RFC 7296 notify names for the error notifies a negotiation ends with.
pub fn notify_name(kind: u16) -> String {
    match kind {
        7 => "INVALID_HASH_INFORMATION".into(),
        14 => "NO_PROPOSAL_CHOSEN".into(),
        17 => "INVALID_KE_PAYLOAD".into(),
        18 => "INVALID_ID_INFORMATION".into(),
        23 => "INVALID_HASH_INFORMATION".into(),
        24 => "AUTHENTICATION_FAILED".into(),
        30 => "UNEQUAL-PAYLOAD-LENGTHS".into(),
        38 => "TS_UNACCEPTABLE".into(),
        k => format!("notify {k}"),
    }
}

fn is_error_notify(kind: u16) -> bool {
    (1..16384).contains(&kind)
}

fn version_name(v: IkeVersion) -> &'static str {
    v.proto_name()
}

/// Read the peer's events against the local configuration.
pub fn diagnose(r: &Router, peer: Ipv4Addr) -> Diagnosis {
    let conf = r.ike().conf();
    let peers: Vec<&PeerConf> = conf.peers.iter().filter(|p| p.remote == Some(peer)).collect();
    let tunnels: Vec<String> = peers.iter().map(|p| p.name.clone()).collect();
    let version = peers.first().map(|p| version_name(p.version));
    let rec = r.diag.peer(peer).cloned().unwrap_or_default();
    // The last attempts: what followed the last time the tunnel came up.
    let start = rec.events.iter().rposition(|(_, e)| matches!(e, Event::ChildUp { .. })).map(|i| i + 1).unwrap_or(0);
    let recent: Vec<&Event> = rec.events.iter().skip(start).map(|(_, e)| e).collect();
    let ike_up = r.ike().ike_sas().iter().any(|s| s.remote.ip() == &peer && s.is_established())
        || r.ike().v2().sas().iter().any(|s| s.remote.ip() == &peer && s.is_established());
    let child_up = r.ike().child_sas().iter().any(|c| c.remote.ip() == &peer);
    let stage = if ike_up && child_up {
        Stage::Up
    } else if ike_up {
        Stage::Phase2
    } else if rec.sent == 0 && rec.received == 0 && rec.events.is_empty() {
        Stage::NotTried
    } else if rec.received == 0
        && !rec
            .events
            .iter()
            .any(|(_, e)| matches!(e, Event::P1Check { .. } | Event::NoPeer { .. } | Event::V2NoProposal { .. }))
    {
        Stage::NoAnswer
    } else {
        Stage::Phase1
    };
    let mut failure = None;
    let mut p1_checks: Vec<Check> = Vec::new();
    let mut p2_checks: Vec<Check> = Vec::new();
    for e in &recent {
        if failure.is_some() {
            break;
        }
        match e {
            Event::P1Check { proposal, offered, result: Err(m), .. } => {
                if let Some(local) = peers.iter().flat_map(|p| p.proposals.iter()).find(|x| &x.name == proposal) {
                    p1_checks
                        .push(Check { local_proposal: proposal.clone(), values: p1_values(offered, local, Some(m)) });
                }
            }
            Event::P1NoneAcceptable { .. } => {
                failure = Some(Failure::IkeProposal { checks: std::mem::take(&mut p1_checks) })
            }
            Event::P2Check { offered, result: Err(m), .. } => {
                let (pe, pa, pg) = match m {
                    P2Mismatch::Encryption { configured, .. } => (*configured, None, None),
                    P2Mismatch::Auth { configured, .. } => (None, *configured, None),
                    P2Mismatch::Pfs { configured, .. } => (None, None, *configured),
                    P2Mismatch::Protocols { .. } | P2Mismatch::Mode { .. } | P2Mismatch::Esn { .. } => {
                        (None, None, None)
                    }
                };
                let local = peers.iter().flat_map(|p| p.children.iter()).next();
                let lp = local.and_then(|c| c.proposals.first());
                let (le, la) = lp.and_then(|p| p.esp).map(|(e, a)| (Some(e), a)).unwrap_or((None, None));
                let values = vec![
                    Pair {
                        attribute: "encryption",
                        peer: esp_text(offered.esp),
                        local: esp_text(pe.or(le)),
                        mismatch: matches!(m, P2Mismatch::Encryption { .. }),
                    },
                    Pair {
                        attribute: "integrity",
                        peer: auth_text(offered.auth),
                        local: auth_text(pa.or(la)),
                        mismatch: matches!(m, P2Mismatch::Auth { .. }),
                    },
                    Pair {
                        attribute: "PFS",
                        peer: group_text(offered.group),
                        local: group_text(pg.or(local.and_then(|c| c.pfs))),
                        mismatch: matches!(m, P2Mismatch::Pfs { .. }),
                    },
                    Pair {
                        attribute: "protocols",
                        peer: if offered.protocol == 2 { "AH".into() } else { "ESP".into() },
                        local: if lp.is_some_and(|p| p.ah.is_some() && p.esp.is_none()) {
                            "AH".into()
                        } else {
                            "ESP".into()
                        },
                        mismatch: matches!(m, P2Mismatch::Protocols { .. }),
                    },
                ];
                // The mode row only where the mode is in question (transport offered, configured or differing).
                let mut values = values;
                if matches!(m, P2Mismatch::Mode { .. })
                    || lp.is_some_and(|p| p.transport.is_some())
                    || transport_offered(offered.encap)
                {
                    values.push(Pair {
                        attribute: "mode",
                        peer: if crate::diagnose::transport_offered(offered.encap) {
                            "transport".into()
                        } else {
                            "tunnel".into()
                        },
                        local: match lp.and_then(|p| p.transport) {
                            None => "tunnel".into(),
                            Some(edgesh_engine::config::TransportMode::Preferred) => "transport (or tunnel)".into(),
                            Some(edgesh_engine::config::TransportMode::Required) => "transport".into(),
                        },
                        mismatch: matches!(m, P2Mismatch::Mode { .. }),
                    });
                }
                // The ESN row only where ESN is in question (offered, configured or differing).
                let esn_conf = local.map(|c| c.esn).unwrap_or_default();
                if matches!(m, P2Mismatch::Esn { .. }) || offered.esn || esn_conf != Esn::Off {
                    values.push(Pair {
                        attribute: "ESN",
                        peer: if offered.esn { "ESN".into() } else { "no ESN".into() },
                        local: match esn_conf {
                            Esn::Off => "no ESN".into(),
                            Esn::Preferred => "ESN (or no ESN)".into(),
                            Esn::Required => "ESN".into(),
                        },
                        mismatch: matches!(m, P2Mismatch::Esn { .. }),
                    });
                }
                p2_checks.push(Check { local_proposal: local.map(|c| c.policy.clone()).unwrap_or_default(), values });
            }
            Event::P2NoneAcceptable { .. } => {
                failure = Some(Failure::IpsecProposal { checks: std::mem::take(&mut p2_checks) })
            }
            Event::ProxyIdMismatch { initiator, responder, .. } => {
                let local = peers
                    .iter()
                    .flat_map(|p| p.children.iter())
                    .map(|c| (sel(&c.local_ts), sel(&c.remote_ts)))
                    .collect();
                failure = Some(Failure::Selectors {
                    version: "IKEv1",
                    peer_local: initiator.data_text(),
                    peer_remote: responder.data_text(),
                    local,
                });
            }
            Event::V2TsUnacceptable { tsi, tsr, .. } => {
                let t = |v: &Vec<edgesh_engine::ike::v2::wire::Ts>| {
                    v.iter().map(|t| range_text(t.start, t.end)).collect::<Vec<_>>().join(", ")
                };
                let local = peers
                    .iter()
                    .flat_map(|p| p.children.iter())
                    .map(|c| (sel(&c.local_ts), sel(&c.remote_ts)))
                    .collect();
                failure = Some(Failure::Selectors { version: "IKEv2", peer_local: t(tsi), peer_remote: t(tsr), local });
            }
            Event::KeyMismatch { message, .. } => {
                failure = Some(Failure::PreSharedKey {
                    sign: format!("the peer's encrypted message {message} does not decrypt with the key here"),
                })
            }
            Event::AuthFailed { .. } => {
                failure =
                    Some(Failure::PreSharedKey { sign: "the peer's HASH does not verify with the key here".into() })
            }
            Event::V2AuthFailed { identity_mismatch: false, .. } => {
                failure = Some(Failure::PreSharedKey {
                    sign: "the peer's AUTH payload does not verify with the key here".into(),
                })
            }
            Event::V2AuthFailed { id, identity_mismatch: true, .. } => {
                let configured = peers.first().map(|p| p.remote_id.to_string()).unwrap_or_default();
                failure = Some(Failure::Identity {
                    received: id.as_ref().map(|i| String::from_utf8_lossy(&i.data).into_owned()).unwrap_or_default(),
                    configured,
                });
            }
            Event::IdMismatch { id, .. } => {
                let configured = peers.first().map(|p| p.remote_id.to_string()).unwrap_or_default();
                failure = Some(Failure::Identity { received: id.data_text(), configured });
            }
            Event::NoPeer { .. }
                if rec.v2_received > 0
                    && peers.iter().any(|p| p.version == IkeVersion::V1)
                    && !peers.iter().any(|p| p.version == IkeVersion::V2) =>
            {
                failure = Some(Failure::IkeVersion { peer: "IKEv2", local: "IKEv1" });
            }
            Event::NoPeer { .. }
                if rec.v2_received < rec.received
                    && peers.iter().all(|p| p.version == IkeVersion::V2)
                    && !peers.is_empty() =>
            {
                failure = Some(Failure::IkeVersion { peer: "IKEv1", local: "IKEv2" });
            }
            Event::NoPeer { reason, .. } => {
                let reason = match reason {
                    NoPeerReason::NotFound => "no tunnel or crypto map entry has this peer".to_string(),
                    NoPeerReason::NoKey => "no pre-shared key for this peer".to_string(),
                    NoPeerReason::BadLocalAddress => {
                        "the peer's destination address is not a local end point".to_string()
                    }
                    NoPeerReason::InitiatorOnly => "the tunnel is initiator-only".to_string(),
                    NoPeerReason::Exchange { received, configured } => format!(
                        "the peer uses exchange {received}, the configuration {configured} (main vs aggressive mode)"
                    ),
                    NoPeerReason::MaxTunnels(n) => format!("the {n} tunnels allowed are in use"),
                };
                failure = Some(Failure::NoConfiguration { reason });
            }
            Event::V2NoProposal { .. } | Event::V2InvalidKe { sent: true, .. } if peers.is_empty() => {}
            Event::V2InvalidKe { offered, requested, .. } => {
                failure = Some(Failure::KeyExchange { peer_group: *offered, local_group: *requested })
            }
            Event::V2NoProposal { offered, configured, protocol, .. } => {
                // Each local proposal against the peer's first, transform type by type.
                let names: Vec<String> =
                    peers.iter().flat_map(|p| p.proposals.iter().map(|x| x.name.clone())).collect();
                let checks = configured
                    .iter()
                    .enumerate()
                    .map(|(i, c)| Check {
                        local_proposal: if *protocol == 1 {
                            names.get(i).cloned().unwrap_or_else(|| format!("proposal {}", c.number))
                        } else {
                            peers
                                .iter()
                                .flat_map(|p| p.children.iter())
                                .next()
                                .map(|c| c.policy.clone())
                                .unwrap_or_default()
                        },
                        values: v2_pairs(offered.first(), c),
                    })
                    .collect();
                failure = Some(if *protocol == 1 {
                    Failure::IkeProposal { checks }
                } else {
                    Failure::IpsecProposal { checks }
                });
            }
            Event::NotifyReceived { kind, .. } | Event::V2Notify { kind, sent: false, .. }
                if is_error_notify(*kind) =>
            {
                let notify = notify_name(*kind);
                let phase2 =
                    stage == Stage::Phase2 || rec.events.iter().any(|(_, e)| matches!(e, Event::Phase1Up { .. }));
                let our_children = || peers.iter().flat_map(|p| p.children.iter());
                failure = Some(if matches!(*kind, 30 | 24 | 23 | 7) && !phase2 {
                    Failure::PreSharedKey {
                        sign: format!(
                            "the peer could not read or verify our encrypted messages ({notify}): the keys differ"
                        ),
                    }
                } else if *kind == 14 && phase2 {
                    let local = our_children()
                        .flat_map(|c| c.proposals.iter().map(move |x| (c, x)))
                        .map(|(c, x)| Check {
                            local_proposal: x.name.clone(),
                            values: vec![
                                Pair {
                                    attribute: "encryption",
                                    peer: "-".into(),
                                    local: esp_text(x.esp.map(|e| e.0)),
                                    mismatch: false,
                                },
                                Pair {
                                    attribute: "integrity",
                                    peer: "-".into(),
                                    local: auth_text(x.esp.and_then(|e| e.1).or(x.ah)),
                                    mismatch: false,
                                },
                                Pair { attribute: "PFS", peer: "-".into(), local: group_text(c.pfs), mismatch: false },
                            ],
                        })
                        .collect();
                    Failure::IpsecProposalRefused { notify, local }
                } else if matches!(*kind, 18 | 38) && phase2 {
                    Failure::SelectorsRefused {
                        notify,
                        local: our_children().map(|c| (sel(&c.local_ts), sel(&c.remote_ts))).collect(),
                    }
                } else if *kind == 14 {
                    // The peer's policies are not known here: its values are "-".
                    let local = peers
                        .iter()
                        .flat_map(|p| p.proposals.iter())
                        .map(|x| Check {
                            local_proposal: x.name.clone(),
                            values: p1_values(&offered_of(x), x, None)
                                .into_iter()
                                .map(|v| Pair { peer: "-".into(), ..v })
                                .collect(),
                        })
                        .collect();
                    Failure::IkeProposalRefused { notify, local }
                } else {
                    Failure::PeerNotify { notify }
                });
            }
            Event::GiveUp { state, .. } => {
                failure = Some(if rec.received == 0 {
                    Failure::NoAnswer { requests: rec.sent, retransmits: rec.retransmits }
                } else {
                    Failure::TimedOut { state: state.to_string() }
                })
            }
            Event::V2GiveUp { .. } => {
                failure = Some(if rec.received == 0 {
                    Failure::NoAnswer { requests: rec.sent, retransmits: rec.retransmits }
                } else {
                    Failure::TimedOut { state: "IKEv2 exchange".into() }
                })
            }
            Event::DpdDead { .. } => failure = Some(Failure::PeerDead),
            Event::Phase1Down { reason, established: true, .. }
                if !matches!(reason, DownReason::Rekeyed | DownReason::Cleared) =>
            {
                failure = Some(Failure::Down { reason: format!("{reason:?}") })
            }
            _ => {}
        }
    }
    if failure.is_none() && !p1_checks.is_empty() {
        failure = Some(Failure::IkeProposal { checks: p1_checks });
    }
    if failure.is_none() && !p2_checks.is_empty() {
        failure = Some(Failure::IpsecProposal { checks: p2_checks });
    }
    // An IKE version mismatch: the peer's messages are of the other version.
    if failure.is_none()
        && stage == Stage::Phase1
        && let Some(p) = peers.first()
    {
        let v2_seen = r.ike().v2().sas().iter().any(|s| s.remote.ip() == &peer);
        if p.version == IkeVersion::V1 && v2_seen
            || p.version == IkeVersion::V2 && r.ike().ike_sas().iter().any(|s| s.remote.ip() == &peer)
        {
            let other = if p.version == IkeVersion::V1 { "IKEv2" } else { "IKEv1" };
            failure = Some(Failure::IkeVersion { peer: other, local: version_name(p.version) });
        }
    }
    if failure.is_none() && stage == Stage::NoAnswer && rec.sent > 0 {
        failure = Some(Failure::NoAnswer { requests: rec.sent, retransmits: rec.retransmits });
    }
    let mut local_configuration = Vec::new();
    let mut tunnels = tunnels;
    // Tunnels to this peer the engine does not run: their configuration is why.
    let model = r.dialect.ops().engine_model(r);
    for (name, _) in model.tunnels.iter().filter(|(_, t)| t.remote == Some(peer)) {
        if !conf.peers.iter().any(|p| &p.name == name) {
            let why = conf.notes.iter().find(|n| n.starts_with(&format!("tunnel {name}:"))).cloned();
            local_configuration.push(why.unwrap_or_else(|| format!("tunnel {name}: not negotiated")));
            tunnels.push(name.clone());
        }
    }
    if tunnels.is_empty() {
        local_configuration.push(format!("no tunnel or crypto map entry has peer {peer}"));
    }
    for p in &peers {
        if p.psk.is_none() {
            local_configuration.push(format!("{}: no pre-shared key for {peer}", p.name));
        }
        if p.proposals.is_empty() {
            local_configuration.push(format!("{}: no IKE proposal", p.name));
        }
        if p.children.is_empty() {
            local_configuration.push(format!("{}: no IPsec policy (transform set, ACL)", p.name));
        }
    }
    let nat = rec.events.iter().rev().find_map(|(_, e)| match e {
        Event::NatDetected { local_behind, remote_behind, .. } => Some(*local_behind || *remote_behind),
        _ => None,
    });
    let dpd = rec.events.iter().rev().find_map(|(at, e)| match e {
        Event::DpdDead { .. } => Some(format!("peer declared dead at {}", crate::time::clock_ms(*at))),
        _ => None,
    });
    Diagnosis {
        peer: peer.to_string(),
        tunnels,
        version,
        stage,
        stage_text: stage.text(),
        first_failure: if stage == Stage::Up { None } else { failure },
        local_configuration,
        nat_detected: nat,
        messages_sent: rec.sent,
        messages_received: rec.received,
        retransmits: rec.retransmits,
        dpd,
        dpd_exchanges: dpd_exchanges(&rec.dpd),
        events_kept: rec.events.len(),
    }
}

/// A local proposal as an offer (to list ours next to a refusal).
fn offered_of(x: &edgesh_engine::ike::conf::IkeProp) -> edgesh_engine::ike::events::OfferedP1 {
    edgesh_engine::ike::events::OfferedP1 {
        encr: Ok(x.encr),
        hash: Ok(x.hash),
        auth: Ok(x.auth),
        group: x.group,
        lifetime: x.lifetime,
    }
}

/// An address range as a prefix when it is one (`10.9.9.0/24`), else `A-B`.
pub fn range_text(start: Ipv4Addr, end: Ipv4Addr) -> String {
    let (a, b) = (u32::from(start), u32::from(end));
    let span = b.wrapping_sub(a).wrapping_add(1);
    if b >= a && (span == 0 || (span.is_power_of_two() && a & (span - 1) == 0)) {
        let len = if span == 0 { 0 } else { 32 - span.trailing_zeros() };
        return format!("{start}/{len}");
    }
    format!("{start}-{end}")
}

/// An IKEv2 transform in RFC 7296 words (`AES_CBC_128`, `PRF_HMAC_SHA1`, `AUTH_HMAC_SHA1_96`, `14`).
fn v2_transform(t: &edgesh_engine::ike::v2::wire::TransformRepr) -> String {
    match (t.kind, t.id) {
        (1, 12) => format!("AES_CBC_{}", t.key_len.unwrap_or(128)),
        (1, 20) => format!("AES_GCM_16_{}", t.key_len.unwrap_or(128)),
        (1, 3) => "3DES".into(),
        (1, 2) => "DES".into(),
        (2, 1) => "PRF_HMAC_MD5".into(),
        (2, 2) => "PRF_HMAC_SHA1".into(),
        (2, 4) => "PRF_AES128_XCBC".into(),
        (2, 5) => "PRF_HMAC_SHA2_256".into(),
        (2, 6) => "PRF_HMAC_SHA2_384".into(),
        (2, 7) => "PRF_HMAC_SHA2_512".into(),
        (3, 1) => "AUTH_HMAC_MD5_96".into(),
        (3, 2) => "AUTH_HMAC_SHA1_96".into(),
        (3, 5) => "AUTH_AES_XCBC_96".into(),
        (3, 12) => "AUTH_HMAC_SHA2_256_128".into(),
        (3, 13) => "AUTH_HMAC_SHA2_384_192".into(),
        (3, 14) => "AUTH_HMAC_SHA2_512_256".into(),
        (4, g) => g.to_string(),
        (5, 0) => "no ESN".into(),
        (5, 1) => "ESN".into(),
        (k, id) => format!("type {k} id {id}"),
    }
}

/// The peer's first IKEv2 proposal against a local one, transform type by
/// type (a type differs when no transform of it is in both).
fn v2_pairs(
    peer: Option<&edgesh_engine::ike::v2::wire::ProposalRepr>,
    local: &edgesh_engine::ike::v2::wire::ProposalRepr,
) -> Vec<Pair> {
    let of = |p: &edgesh_engine::ike::v2::wire::ProposalRepr, kind: u8| -> Vec<String> {
        p.transforms.iter().filter(|t| t.kind == kind).map(v2_transform).collect()
    };
    [(1u8, "encryption"), (2, "PRF"), (3, "integrity"), (4, "DH group")]
        .into_iter()
        .filter_map(|(kind, attribute)| {
            let l = of(local, kind);
            let p = peer.map(|p| of(p, kind)).unwrap_or_default();
            if l.is_empty() && p.is_empty() {
                return None;
            }
            let mismatch = !p.iter().any(|x| l.contains(x));
            Some(Pair {
                attribute,
                peer: if p.is_empty() { "none".into() } else { p.join(",") },
                local: if l.is_empty() { "none".into() } else { l.join(",") },
                mismatch,
            })
        })
        .collect()
}

impl Failure {
    /// One line saying what failed.
    pub fn headline(&self) -> String {
        match self {
            Failure::NoConfiguration { reason } => format!("no configuration for the peer: {reason}"),
            Failure::IkeProposal { .. } => "IKE proposal mismatch: no local proposal accepts the peer's offer".into(),
            Failure::IkeProposalRefused { notify, .. } => format!("the peer refused our IKE proposals ({notify})"),
            Failure::IpsecProposal { .. } => {
                "IPsec proposal mismatch: no local transform set / proposal accepts the peer's offer".into()
            }
            Failure::IpsecProposalRefused { notify, .. } => format!("the peer refused our IPsec proposals ({notify})"),
            Failure::SelectorsRefused { notify, .. } => {
                format!("the peer refused our proxy identities / traffic selectors ({notify})")
            }
            Failure::PreSharedKey { sign } => format!("pre-shared key mismatch suspected: {sign}"),
            Failure::Identity { received, configured } => {
                format!("identity mismatch: the peer is {received}, the configuration expects {configured}")
            }
            Failure::Selectors { version: "IKEv1", .. } => {
                "proxy identities do not match the crypto ACL (IKEv1 needs an exact mirror)".into()
            }
            Failure::Selectors { .. } => {
                "traffic selectors unacceptable (IKEv2: no overlap with the local ACL to narrow to)".into()
            }
            Failure::KeyExchange { peer_group, local_group } => {
                format!("DH group mismatch: the peer sent group {peer_group}, this router wants group {local_group}")
            }
            Failure::PeerNotify { notify } => format!("the peer refused the negotiation ({notify})"),
            Failure::IkeVersion { peer, local } => {
                format!("IKE version mismatch: the peer speaks {peer}, this router {local}")
            }
            Failure::NoAnswer { requests, retransmits } => {
                format!("no answer from the peer ({requests} requests sent, {retransmits} of them retransmissions)")
            }
            Failure::TimedOut { state } => format!("the negotiation timed out in {state} (the peer stopped answering)"),
            Failure::PeerDead => "dead peer detection declared the peer dead".into(),
            Failure::Down { reason } => format!("the IKE SA went down: {reason}"),
        }
    }
}

/// Print a diagnosis: `fix` gives the dialect's configuration lines to change.
pub fn render(d: &Diagnosis, fix: &dyn Fn(&Diagnosis, &Failure) -> Vec<String>, out: &mut dyn crate::out::Out) {
    let kv = |out: &mut dyn crate::out::Out, k: &str, v: &str| out.line(&format!("  {k:<24}: {v}"));
    out.line(&format!("Diagnosis of peer {}", d.peer));
    kv(out, "Tunnels", &if d.tunnels.is_empty() { "-".to_string() } else { d.tunnels.join(", ") });
    kv(out, "IKE version", d.version.unwrap_or("-"));
    kv(out, "Negotiation reached", d.stage_text);
    for c in &d.local_configuration {
        kv(out, "Local configuration", c);
    }
    match &d.first_failure {
        None => kv(out, "First failure", "none"),
        Some(f) => {
            kv(out, "First failure", &f.headline());
            let table = |out: &mut dyn crate::out::Out, c: &Check, peer_col: &str| {
                out.line(&format!(
                    "    {:<16}{:<22}{:<22}(local {})",
                    "attribute", peer_col, "this router", c.local_proposal
                ));
                for p in &c.values {
                    out.line(
                        format!(
                            "    {:<16}{:<22}{:<22}{}",
                            p.attribute,
                            p.peer,
                            p.local,
                            if p.mismatch { "<-- differs" } else { "" }
                        )
                        .trim_end(),
                    );
                }
            };
            match f {
                Failure::IkeProposal { checks } | Failure::IpsecProposal { checks } => {
                    checks.iter().for_each(|c| table(out, c, "peer offered"))
                }
                Failure::IkeProposalRefused { local, .. } | Failure::IpsecProposalRefused { local, .. } => {
                    local.iter().for_each(|c| table(out, c, "peer (not known)"))
                }
                Failure::SelectorsRefused { local, .. } => {
                    for (l, r) in local {
                        out.line(&format!("    {:<16}{l} === {r}", "this router"));
                    }
                }
                Failure::Selectors { peer_local, peer_remote, local, .. } => {
                    out.line(&format!("    {:<16}{:<34}{}", "", "peer proposed", "this router (ACL)"));
                    let (ll, lr) = local.first().cloned().unwrap_or_default();
                    out.line(&format!("    {:<16}{:<34}{}", "peer side", peer_local, lr));
                    out.line(&format!("    {:<16}{:<34}{}", "this side", peer_remote, ll));
                }
                _ => {}
            }
            for l in fix(d, f) {
                kv(out, "Change", &l);
            }
        }
    }
    kv(
        out,
        "NAT detected",
        match d.nat_detected {
            None => "-",
            Some(true) => "yes (UDP 4500)",
            Some(false) => "no",
        },
    );
    kv(out, "Messages sent/received", &format!("{}/{}", d.messages_sent, d.messages_received));
    kv(out, "Retransmissions", &d.retransmits.to_string());
    kv(out, "DPD", d.dpd.as_deref().unwrap_or("-"));
    if !d.dpd_exchanges.is_empty() {
        kv(out, "DPD exchanges", &format!("the last {}, oldest first", d.dpd_exchanges.len()));
        for x in &d.dpd_exchanges {
            let (what, ans) = match (x.version, x.direction) {
                ("IKEv1", "sent") => (format!("R-U-THERE seq {} sent", x.seq), "R-U-THERE-ACK"),
                ("IKEv1", _) => (format!("R-U-THERE seq {} received", x.seq), "R-U-THERE-ACK"),
                (_, "sent") => (format!("INFORMATIONAL msgid {} sent", x.seq), "response"),
                _ => (format!("INFORMATIONAL msgid {} received", x.seq), "response"),
            };
            let outcome = match x.outcome {
                DpdOutcome::Answered => format!("{ans} after {} ms", x.answer_ms.unwrap_or(0)),
                DpdOutcome::Unanswered => "no answer".to_string(),
                DpdOutcome::Waiting => "waiting for the answer".to_string(),
                DpdOutcome::AnsweredPeer => format!("{ans} sent"),
            };
            out.line(&format!("    {}  {:<36}{}", crate::time::clock_ms(x.at_ms), what, outcome));
        }
    }
}

/// The values marked as differing in the first check (the local proposal
/// tried first, the one to change): (attribute, peer's, ours).
pub fn differing(checks: &[Check]) -> Vec<(&'static str, String, String)> {
    let mut v: Vec<(&'static str, String, String)> = Vec::new();
    for c in checks.iter().take(1) {
        for p in c.values.iter().filter(|p| p.mismatch) {
            if !v.iter().any(|x| x.0 == p.attribute) {
                v.push((p.attribute, p.peer.clone(), p.local.clone()));
            }
        }
    }
    v
}

/// An IKEv1 encapsulation mode attribute that says transport (RFC 3947 3).
pub(crate) fn transport_offered(encap: u16) -> bool {
    matches!(encap, 2 | 4 | 61444)
}

#[cfg(test)]
mod tests {
    use super::*;
    use edgesh_engine::ike::events::P1State;

    fn state(peer: Ipv4Addr) -> Event {
        Event::State { conn: 1, peer, old: P1State::MmNoState, new: P1State::MmNoState }
    }

    #[test]
    fn dpd_exchanges_pair_requests_with_answers() {
        use edgesh_engine::ike::events::DpdStep::*;
        let p = Ipv4Addr::new(192, 0, 2, 2);
        let dpd = |v2, step, seq| Event::Dpd { conn: 1, peer: p, v2, step, seq };
        let mut h = History::default();
        // IKEv1: seq 1 answered after 40 ms; the peer asks (seq 9); seq 2 unanswered, seq 3's ACK
        // comes after seq 4 was sent; seq 4 is still waiting.
        for (at, e) in [
            (1_000, dpd(false, Asked, 1)),
            (1_040, dpd(false, Answered, 1)),
            (2_000, dpd(false, PeerAsked, 9)),
            (11_000, dpd(false, Asked, 2)),
            (13_000, dpd(false, Asked, 3)),
            (15_000, dpd(false, Asked, 4)),
            (15_500, dpd(false, Answered, 3)),
        ] {
            h.record(at, &e);
        }
        let x = dpd_exchanges(&h.peer(p).unwrap().dpd);
        let got: Vec<(u64, &str, u32, DpdOutcome, Option<u64>)> =
            x.iter().map(|x| (x.at_ms, x.direction, x.seq, x.outcome, x.answer_ms)).collect();
        assert_eq!(
            got,
            vec![
                (1_000, "sent", 1, DpdOutcome::Answered, Some(40)),
                (2_000, "received", 9, DpdOutcome::AnsweredPeer, None),
                (11_000, "sent", 2, DpdOutcome::Unanswered, None),
                (13_000, "sent", 3, DpdOutcome::Answered, Some(2_500)),
                (15_000, "sent", 4, DpdOutcome::Waiting, None),
            ]
        );
        // IKEv2, then the peer declared dead: the request waiting is unanswered; only the last
        // DPD_EXCHANGES_SHOWN are kept, and the DPD steps do not push the other events out.
        let q = Ipv4Addr::new(192, 0, 2, 3);
        let mut h = History::default();
        h.record(0, &state(q));
        for i in 0..20u32 {
            h.record(u64::from(i) * 10_000, &Event::Dpd { conn: 2, peer: q, v2: true, step: Asked, seq: i + 2 });
            h.record(u64::from(i) * 10_000 + 5, &Event::Dpd { conn: 2, peer: q, v2: true, step: Answered, seq: i + 2 });
        }
        h.record(300_000, &Event::Dpd { conn: 2, peer: q, v2: true, step: Asked, seq: 22 });
        h.record(340_000, &Event::DpdDead { conn: 2, peer: q, tunnel: "t".into() });
        let rec = h.peer(q).unwrap();
        assert_eq!(rec.events.len(), 2, "the state event and DpdDead");
        let x = dpd_exchanges(&rec.dpd);
        assert_eq!(x.len(), DPD_EXCHANGES_SHOWN);
        assert_eq!(x.last().map(|x| (x.version, x.seq, x.outcome)), Some(("IKEv2", 22, DpdOutcome::Unanswered)));
        assert!(
            x[..DPD_EXCHANGES_SHOWN - 1].iter().all(|x| x.outcome == DpdOutcome::Answered && x.answer_ms == Some(5))
        );
    }

    #[test]
    fn history_is_bounded_per_peer_and_in_peers() {
        let mut h = History::default();
        let a = Ipv4Addr::new(192, 0, 2, 1);
        for i in 0..(EVENTS_PER_PEER as u64 + 10) {
            h.record(i, &state(a));
        }
        let r = h.peer(a).unwrap();
        assert_eq!(r.events.len(), EVENTS_PER_PEER);
        assert_eq!(r.events.front().unwrap().0, 10, "the oldest went first");
        for i in 0..(PEERS as u32 + 5) {
            h.record(0, &state(Ipv4Addr::from(0x0a00_0000 + i)));
        }
        assert_eq!(h.len(), PEERS);
        assert!(h.peer(a).is_none(), "the peer heard of least recently went first");
        assert!(h.peer(Ipv4Addr::from(0x0a00_0000 + PEERS as u32 + 4)).is_some());
    }
}
