//! SmartEdge `show tunnel ipsec name T diagnose [| json]`: the diagnosis of
//! `crate::diagnose` for the tunnel's remote end point, with the SmartEdge
//! configuration lines to change.

use crate::diagnose::{Diagnosis, Failure, diagnose, differing, render};
use crate::session::{Args, CmdResult, Handler, Session};
use edgesh_engine::config::{EspAuth, EspEncr, IkeAuthAlg, IkeEncr};

type G = edgesh_grammar::Graph<Handler>;

/// The show command of this file.
pub fn register(g: &mut G) {
    if let Err(e) = g.add(
        "show tunnel ipsec name NAME diagnose",
        &[
            "Display information",
            "Tunnel information",
            "IPsec tunnels",
            "One tunnel",
            "Tunnel name",
            "Why the tunnel is down, from the engine's record of the negotiation",
        ],
        Handler(show),
    ) {
        panic!("{e}");
    }
}

fn target(s: &Session, a: &Args) -> Result<std::net::Ipv4Addr, String> {
    let name = a.req("NAME")?;
    let cfg = s.view();
    let t = cfg.tunnels.get(name).ok_or_else(|| format!("Tunnel {name} not found"))?;
    t.remote.ok_or_else(|| format!("Tunnel {name} has no remote end point (peer-end-point)"))
}

/// The diagnosis of the tunnel's peer, with the configuration checks that
/// keep the tunnel down (as `show tunnel ipsec detail` gives them).
fn diagnosis(s: &Session, a: &Args) -> Result<Diagnosis, String> {
    let p = target(s, a)?;
    let name = a.req("NAME")?;
    let cfg = s.view();
    let mut d = diagnose(&s.router(), p);
    // Only for a tunnel the engine does not run (a warning such as an unbound
    // tunnel does not keep it from negotiating).
    let runs = s.router().ike().conf().peers.iter().any(|p| p.name == name);
    if !runs
        && d.stage != crate::diagnose::Stage::Up
        && let Some(t) = cfg.tunnels.get(name)
    {
        let problems = edgesh_engine::validate::validate(&cfg);
        let (_, reasons) = super::show::tunnel_state(&cfg, &problems, name, t);
        for r in reasons.into_iter().filter(|r| r != "no IKE SA established" && r != "waiting for remote peers") {
            let r = format!("tunnel {name}: {r}");
            if !d.local_configuration.contains(&r) {
                d.local_configuration.push(r);
            }
        }
    }
    Ok(d)
}

fn show(s: &mut Session, a: &Args, o: &mut dyn crate::out::Out) -> CmdResult {
    let d = diagnosis(s, a)?;
    render(&d, &fix, o);
    Ok(())
}

/// `| json`.
pub fn state(s: &mut Session, a: &Args) -> Result<serde_json::Value, String> {
    crate::json::value(&diagnosis(s, a)?)
}

/// The SmartEdge lines to change, here or on the peer.
pub fn fix(d: &Diagnosis, f: &Failure) -> Vec<String> {
    let tunnel = d.tunnels.first().cloned().unwrap_or_default();
    let mut v = Vec::new();
    match f {
        Failure::IkeProposal { checks } => {
            let prop = checks.first().map(|c| c.local_proposal.clone()).unwrap_or_default();
            let prop = if d.version == Some("IKEv2") { format!("ike2 proposal {prop}") } else { format!("ike proposal {prop}") };
            for (attr, peer, _) in differing(checks) {
                let line = match attr {
                    "encryption" => IkeEncr::ALL.iter().find(|e| e.proto_name() == peer).map(|e| format!("encryption algorithm {}", e.word())),
                    "hash" => IkeAuthAlg::ALL.iter().find(|e| e.proto_name() == peer).map(|e| format!("authentication algorithm {}", e.word())),
                    "integrity" => peer.strip_prefix("AUTH_").and_then(|x| IkeAuthAlg::ALL.iter().find(|e| e.proto_name().trim_start_matches("IKE_") == x.trim_start_matches("HMAC_").replace("SHA1_96", "SHA").replace("MD5_96", "MD5"))).map(|e| format!("authentication algorithm {}", e.word())),
                    "PRF" => edgesh_engine::config::Prf::ALL.iter().find(|e| e.proto_name() == peer).map(|e| format!("pseudo-random-function {}", e.word())),
                    "DH group" => Some(format!("dh-group {peer}")),
                    _ => None,
                };
                if let Some(l) = line {
                    v.push(format!("here: {prop} / {l}, or on the peer its {attr} to this router's"));
                }
            }
        }
        Failure::IkeProposalRefused { .. } => v.push(format!("on the peer: a policy with one of this router's proposals above, or here the ike policy of tunnel {tunnel} with a proposal like the peer's")),
        Failure::IpsecProposal { checks } => {
            let policy = checks.first().map(|c| c.local_proposal.clone()).unwrap_or_default();
            for (attr, peer, local) in differing(checks) {
                match attr {
                    "PFS" if peer == "none" => v.push(format!("here: ipsec policy {policy} / no perfect-forward-secrecy, or on the peer PFS {local}")),
                    "PFS" => v.push(format!("here: ipsec policy {policy} / perfect-forward-secrecy dh-group {}, or on the peer PFS {local}", peer.trim_start_matches("group "))),
                    "encryption" => v.push(format!("here: the ipsec proposal of ipsec policy {policy} / esp encryption {}, or on the peer its ESP encryption", EspEncr::ALL.iter().find(|e| e.proto_name() == peer).map(|e| e.word()).unwrap_or(&peer))),
                    "integrity" => v.push(format!("here: the ipsec proposal of ipsec policy {policy} / esp authentication {}, or on the peer its ESP authentication", EspAuth::ALL.iter().find(|e| e.proto_name() == peer).map(|e| e.word()).unwrap_or(&peer))),
                    _ => v.push(format!("here: the ipsec proposal of ipsec policy {policy} (AH/ESP as the peer offers), or on the peer its transform set")),
                }
            }
        }
        Failure::IpsecProposalRefused { .. } => v.push(format!("on the peer: a transform set and PFS like this router's above, or here the ipsec policy of tunnel {tunnel} (its ipsec proposal, perfect-forward-secrecy) like the peer's")),
        Failure::SelectorsRefused { .. } => v.push(format!("on the peer: its crypto ACL as the mirror of this router's above, or here the ipsec access-list of tunnel {tunnel} as the mirror of the peer's")),
        Failure::PreSharedKey { .. } => v.push(format!("here: the ike policy of tunnel {tunnel} / pre-shared-key KEY, the same key as on the peer")),
        Failure::Identity { received, .. } => v.push(format!("here: the ike policy of tunnel {tunnel} / identity remote {received}, or on the peer its local identity")),
        Failure::Selectors { peer_local, peer_remote, .. } => {
            v.push(format!("here: the ipsec access-list of tunnel {tunnel} / seq N {peer_remote} {peer_local} (the mirror of the peer's), or on the peer its ACL"))
        }
        Failure::KeyExchange { peer_group, .. } => v.push(format!("here: the ike2 proposal of tunnel {tunnel} / dh-group {peer_group}, or on the peer its DH group")),
        Failure::IkeVersion { peer, .. } => v.push(format!("here: tunnel {tunnel} / ike-policy naming an {} policy, or on the peer {}", if *peer == "IKEv2" { "ike2" } else { "ike" }, if *peer == "IKEv2" { "IKEv1" } else { "IKEv2" })),
        Failure::NoAnswer { .. } => v.push(format!("nothing here if the peer is meant to answer: check that {} is reachable and has a tunnel toward this router (of the same IKE version: its own diagnosis says)", d.peer)),
        Failure::NoConfiguration { .. } => v.push(format!("here: a tunnel ipsec with peer-end-point remote {}", d.peer)),
        _ => {}
    }
    v
}
