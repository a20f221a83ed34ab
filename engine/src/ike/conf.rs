//! What the IKE engine runs from: peers derived from the committed,
//! dialect-neutral [`Config`]. One [`PeerConf`] per tunnel with automatic
//! keying; each IPsec policy entry of the tunnel gives one [`ChildConf`] per
//! permit rule of its access group (one proxy-ID pair each), or a single
//! any-to-any child when the entry has no access group.

use super::crypto::{CipherAlg, HashAlg};
use crate::config::*;
use std::net::Ipv4Addr;

/// A phase-1 proposal in protocol terms.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct IkeProp {
    /// The name it has in the configuration (`isakmp-10`, `prop1`).
    pub name: String,
    pub encr: IkeEncr,
    pub hash: IkeAuthAlg,
    pub group: u16,
    pub auth: AuthMethod,
    pub lifetime: u32,
    /// IKEv2 only: the pseudo-random function (IKEv1 uses the hash's HMAC).
    pub prf: Prf,
}

impl IkeProp {
    pub fn cipher(&self) -> CipherAlg {
        match self.encr {
            IkeEncr::DesCbc => CipherAlg::Des,
            IkeEncr::TripleDesCbc => CipherAlg::TripleDes,
            IkeEncr::Aes128Cbc => CipherAlg::Aes(16),
            IkeEncr::Aes192Cbc => CipherAlg::Aes(24),
            IkeEncr::Aes256Cbc => CipherAlg::Aes(32),
            // Never IKEv1's (the derivation below drops them from IKEv1 peers);
            // the key length for IKEv2's own mapping (`v2::keys::Encr`).
            IkeEncr::Aes128Gcm16 => CipherAlg::Aes(16),
            IkeEncr::Aes256Gcm16 => CipherAlg::Aes(32),
        }
    }
    pub fn hash_alg(&self) -> HashAlg {
        hash_of(self.hash)
    }
}

pub fn hash_of(a: IkeAuthAlg) -> HashAlg {
    match a {
        IkeAuthAlg::HmacMd5_96 => HashAlg::Md5,
        IkeAuthAlg::HmacSha1_96 => HashAlg::Sha1,
        IkeAuthAlg::HmacSha256 => HashAlg::Sha256,
        IkeAuthAlg::HmacSha384 => HashAlg::Sha384,
        IkeAuthAlg::HmacSha512 => HashAlg::Sha512,
    }
}

/// One ESP (or AH) transform a child may use.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EspProp {
    pub name: String,
    pub ah: Option<EspAuth>,
    pub esp: Option<(EspEncr, Option<EspAuth>)>,
    pub lifetime_seconds: u32,
    pub lifetime_kbytes: Option<u64>,
    /// Transport mode asked for (issue 19; IOS `mode transport [require]`).
    pub transport: Option<TransportMode>,
}

/// A traffic selector (IKEv1 proxy identity).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Selector {
    pub net: Prefix4,
    pub proto: u8,
    pub port: u16,
}

impl Selector {
    pub const ANY: Selector = Selector { net: Prefix4 { addr: Ipv4Addr::UNSPECIFIED, len: 0 }, proto: 0, port: 0 };
    pub fn mask(&self) -> Ipv4Addr {
        Ipv4Addr::from(if self.net.len == 0 { 0 } else { u32::MAX << (32 - self.net.len as u32) })
    }
    pub fn contains(&self, a: Ipv4Addr) -> bool {
        self.net.contains(a)
    }
    /// Whether `other` lies within this selector (addresses, protocol and port).
    pub fn covers(&self, other: &Selector) -> bool {
        self.net.len <= other.net.len
            && self.net.contains(other.net.network())
            && (self.proto == 0 || self.proto == other.proto)
            && (self.port == 0 || self.port == other.port)
    }
}

/// One child SA a peer negotiates in quick mode.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ChildConf {
    /// The IPsec policy (SmartEdge) or crypto map entry (IOS) it comes from.
    pub policy: String,
    pub local_ts: Selector,
    pub remote_ts: Selector,
    pub proposals: Vec<EspProp>,
    pub pfs: Option<u16>,
    /// Inbound anti-replay window of its SAs in packets (0: no check): the
    /// IPsec policy's `anti-replay-window` (IOS: the crypto map entry's or
    /// the global `security-association replay window-size`).
    pub replay_window: u32,
    /// Extended Sequence Numbers offered and accepted (the IPsec policy's).
    pub esn: crate::config::Esn,
}

/// A peer: everything needed to negotiate with it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PeerConf {
    /// The IKE version of the tunnel's policy: IKEv1 peers run in the
    /// endpoint's IKEv1 core, IKEv2 ones in [`super::v2`].
    pub version: IkeVersion,
    /// The tunnel's name (SmartEdge) or the crypto map entry / VTI (IOS).
    pub name: String,
    pub context: String,
    pub kind: TunnelKind,
    pub local: Ipv4Addr,
    /// `None` for on-demand tunnels (any address).
    pub remote: Option<Ipv4Addr>,
    pub local_id: Identity,
    /// The identity the peer must present (`Any` for wildcard on-demand).
    pub remote_id: Identity,
    pub mode: ExchangeMode,
    pub connection: ConnectionType,
    pub psk: Option<Vec<u8>>,
    pub proposals: Vec<IkeProp>,
    pub children: Vec<ChildConf>,
    pub dpd: bool,
    /// Negotiate as soon as the configuration is committed.
    pub auto_start: bool,
    pub max_tunnels: Option<u32>,
    /// IOS dynamic crypto map: either exchange mode, and the initiator's proxy
    /// identities are accepted when the configured selectors contain them.
    pub dynamic: bool,
    /// Certificates (issue 18): how each side authenticates and with what;
    /// None: pre-shared keys only. The dialects attach it (IOS trustpoints).
    pub pki: Option<std::sync::Arc<crate::pki::PeerPki>>,
    /// IKEv2: UDP encapsulation without a NAT ([`crate::config::IkePolicy::nat_force_encap`]).
    pub force_encap: bool,
}

impl PeerConf {
    pub fn may_initiate(&self) -> bool {
        self.connection != ConnectionType::ResponderOnly && self.remote.is_some()
    }
    pub fn may_respond(&self) -> bool {
        self.connection != ConnectionType::InitiatorOnly
    }
    /// Whether one IKE SA can serve both tunnels' child SAs: the same IKE
    /// version, ends, identities, keys, proposals, exchange mode, DPD and
    /// certificates (IOS: crypto map entries to one peer with the same
    /// ISAKMP identity run their quick modes over one ISAKMP SA). Which
    /// tunnels may share is the cores' choice (crypto map entries only:
    /// [`EngineConf::map_entries`]).
    pub fn same_ike_sa(&self, o: &PeerConf) -> bool {
        self.remote.is_some()
            && self.remote == o.remote
            && self.local == o.local
            && self.version == o.version
            && self.context == o.context
            && self.local_id == o.local_id
            && self.remote_id == o.remote_id
            && self.mode == o.mode
            && self.dpd == o.dpd
            && self.psk == o.psk
            && self.proposals == o.proposals
            && self.pki == o.pki
            && self.force_encap == o.force_encap
    }
}

/// The engine's whole configuration.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct EngineConf {
    pub peers: Vec<PeerConf>,
    /// Tunnels that could not become peers, and why (shown, never silent).
    pub notes: Vec<String>,
    /// IKEv2 cookie threshold (half-open SAs); None: [`super::v2::COOKIE_THRESHOLD`].
    pub v2_cookie_threshold: Option<usize>,
    /// IKEv2 fragment size (IP datagram octets); None: [`super::v2::FRAGMENT_SIZE`].
    pub v2_fragment_size: Option<usize>,
    /// IKEv1: answer aggressive mode for main-mode tunnels too (`Config::ikev1_aggressive_responder`).
    pub v1_aggressive_responder: bool,
    /// Static routes and what each tunnel routes (`crate::routes`).
    pub routes: crate::route_conf::RouteConf,
    /// Manual-key SA pairs (`crate::manual_conf`), installed without IKE.
    pub manual: Vec<crate::manual_conf::ManualSa>,
    /// IOS crypto map entries by tunnel name (`Tunnel::map_entry`): the
    /// order in which they claim uncovered traffic.
    pub map_entries: std::collections::BTreeMap<String, (String, u32)>,
}

impl EngineConf {
    /// Derive the peers from a committed configuration.
    pub fn from_config(cfg: &Config) -> EngineConf {
        let mut ec = EngineConf {
            v2_cookie_threshold: cfg.ikev2_cookie_challenge.map(|n| n as usize),
            v2_fragment_size: cfg.ikev2_fragment_mtu.map(usize::from),
            v1_aggressive_responder: cfg.ikev1_aggressive_responder,
            routes: crate::route_conf::RouteConf::from_config(cfg),
            ..EngineConf::default()
        };
        for (name, t) in &cfg.tunnels {
            if t.shutdown {
                continue;
            }
            // Manual entries too: they take their place in the map's order.
            if let Some(e) = &t.map_entry {
                ec.map_entries.insert(name.clone(), e.clone());
            }
            if t.kind == TunnelKind::Manual {
                continue;
            }
            match peer(cfg, name, t) {
                Ok(Some(p)) => ec.peers.push(p),
                Ok(None) => {}
                Err(e) => ec.notes.push(format!("tunnel {name}: {e}")),
            }
        }
        ec.manual = crate::manual_conf::compile(cfg, &mut ec.notes);
        ec
    }
    pub fn peer(&self, name: &str) -> Option<&PeerConf> {
        self.peers.iter().find(|p| p.name == name)
    }

    /// Every child policy (tunnel, child index, local and remote selectors;
    /// manual SAs too) in the order outbound traffic is matched against
    /// them: tunnels that are no crypto map entry first, in configuration
    /// order (negotiated, then manual), then crypto map entries by map and
    /// sequence number. As on IOS, the first policy that covers a packet
    /// decides: its SA carries it, and without one the packet starts that
    /// policy's negotiation (it is never carried by a later policy's SA).
    pub fn policies(&self) -> Vec<(&str, usize, Selector, Selector)> {
        let sel = |s: crate::manual_conf::Sel| Selector { net: s.0, proto: s.1, port: s.2 };
        let mut all: Vec<(usize, &str, usize, Selector, Selector)> = Vec::new();
        for p in &self.peers {
            let base = all.len();
            all.extend(
                p.children.iter().enumerate().map(|(c, cc)| (base + c, p.name.as_str(), c, cc.local_ts, cc.remote_ts)),
            );
        }
        for m in &self.manual {
            all.push((all.len(), m.tunnel.as_str(), m.child, sel(m.local_ts), sel(m.remote_ts)));
        }
        all.sort_by_key(|&(i, t, ..)| (self.map_entries.get(t), i));
        all.into_iter().map(|(_, t, c, l, r)| (t, c, l, r)).collect()
    }
}

fn selector_of(a: &AclAddr, proto: Option<u8>, port: Option<(PortOp, u16)>) -> Selector {
    let net = match a {
        AclAddr::Any => Prefix4 { addr: Ipv4Addr::UNSPECIFIED, len: 0 },
        AclAddr::Prefix(p) => Prefix4 { addr: p.network(), len: p.len },
    };
    let port = match port {
        Some((PortOp::Eq, p)) => p,
        _ => 0,
    };
    Selector { net, proto: proto.unwrap_or(0), port }
}

fn peer(cfg: &Config, name: &str, t: &Tunnel) -> Result<Option<PeerConf>, String> {
    let Some(pname) = &t.ike_policy else { return Ok(None) };
    let ctx_name = t.ike_context().to_string();
    let ctx = cfg.contexts.get(&ctx_name).ok_or_else(|| format!("context {ctx_name} does not exist"))?;
    let pol = ctx.ike_policies.get(pname).ok_or_else(|| format!("ike policy {pname} does not exist"))?;
    let local = t.local.ok_or("no local end point")?;
    let mut proposals = Vec::new();
    for pn in pol.proposals.values() {
        let p = cfg.ike_proposals.get(pn).ok_or_else(|| format!("ike proposal {pn} does not exist"))?;
        // IKEv2: the lifetime is the policy's (Table 2), the authentication method too.
        let (lifetime, auth) = if pol.version == IkeVersion::V2 {
            (pol.lifetime, pol.authentication)
        } else {
            (p.lifetime, p.auth_method)
        };
        // IKEv1 has no combined-mode cipher for phase 1 (RFC 5282 is IKEv2's).
        if pol.version == IkeVersion::V1 && p.encryption.is_aead() {
            continue;
        }
        proposals.push(IkeProp {
            name: pn.clone(),
            encr: p.encryption,
            hash: p.auth_alg,
            group: p.dh_group,
            auth,
            lifetime,
            prf: p.prf,
        });
    }
    if proposals.is_empty() {
        return Err(format!("ike policy {pname} has no proposal"));
    }
    let mut children = Vec::new();
    for e in t.entries.values() {
        let TunnelEntry::Policy(pe) = e else { continue };
        let ip =
            cfg.ipsec_policies.get(&pe.policy).ok_or_else(|| format!("ipsec policy {} does not exist", pe.policy))?;
        let mut props = Vec::new();
        for prn in ip.proposals.values() {
            let pr = cfg.ipsec_proposals.get(prn).ok_or_else(|| format!("ipsec proposal {prn} does not exist"))?;
            let eff = pr.effective();
            props.push(EspProp {
                name: prn.clone(),
                ah: eff.ah,
                esp: eff.esp,
                lifetime_seconds: pr.lifetime_seconds,
                lifetime_kbytes: pr.lifetime_kbytes,
                transport: pr.transport,
            });
        }
        if props.is_empty() {
            continue;
        }
        let rules: Vec<(Selector, Selector)> = match &pe.access_group {
            None => vec![(Selector::ANY, Selector::ANY)],
            Some(acl) => {
                // The context of the bound interface first (the guide's Example 16
                // keeps the access list there), then the tunnel's own.
                let bound = t.bind_interface.as_ref().and_then(|(_, c)| c.as_deref()).and_then(|c| cfg.contexts.get(c));
                let a = bound
                    .and_then(|b| b.ipsec_acls.get(acl))
                    .or_else(|| ctx.ipsec_acls.get(acl))
                    .ok_or_else(|| format!("access group {acl} does not exist"))?;
                a.rules
                    .values()
                    .map(|r| {
                        (
                            selector_of(&r.src, r.protocol, r.src_port),
                            selector_of(r.dst.as_ref().unwrap_or(&AclAddr::Any), r.protocol, r.dst_port),
                        )
                    })
                    .collect()
            }
        };
        for (l, r) in rules {
            children.push(ChildConf {
                policy: pe.policy.clone(),
                local_ts: l,
                remote_ts: r,
                proposals: props.clone(),
                pfs: ip.pfs_group,
                replay_window: ip.anti_replay_window,
                esn: ip.esn,
            });
        }
    }
    let psk = match &pol.pre_shared_key {
        Some(PreSharedKey::Key(k)) => Some(k.bytes()),
        _ => None,
    };
    let remote_id = t
        .remote_id
        .clone()
        .or_else(|| pol.identity_remote.clone())
        .or(t.remote.map(Identity::Ipv4))
        .unwrap_or(Identity::Any);
    Ok(Some(PeerConf {
        version: pol.version,
        name: name.to_string(),
        context: ctx_name,
        kind: t.kind,
        local,
        remote: if t.kind == TunnelKind::OnDemand { None } else { t.remote },
        local_id: pol.identity_local.clone().unwrap_or(Identity::Ipv4(local)),
        remote_id,
        mode: if t.kind == TunnelKind::OnDemand && !t.dynamic_map { ExchangeMode::Aggressive } else { pol.mode },
        connection: if t.kind == TunnelKind::OnDemand { ConnectionType::ResponderOnly } else { pol.connection_type },
        psk,
        proposals,
        children,
        dpd: ctx.ike_keepalive,
        auto_start: t.kind == TunnelKind::Static
            && !t.on_traffic
            && pol.connection_type != ConnectionType::ResponderOnly,
        max_tunnels: t.max_tunnels,
        dynamic: t.dynamic_map,
        pki: None,
        force_encap: pol.nat_force_encap && pol.version == IkeVersion::V2,
    }))
}
