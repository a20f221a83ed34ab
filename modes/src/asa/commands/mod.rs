//! ASA commands: spec, help, and what each does to the configuration
//! document. Leaf commands store their canonical text (keywords in full,
//! values as typed) and replace an earlier line with the same leading words,
//! as the ASA does.
//!
//! One file per command family: `interfaces.rs` (interfaces, objects,
//! access lists), `crypto.rs` (transform sets, proposals, profiles, crypto
//! maps, IKE policies), `tunnel_groups.rs`, `usernames.rs`, `legacy.rs`
//! (ASA 8.2 lines), `dns.rs` (DNS server groups), `exec.rs` (the exec commands).

mod crypto;
mod dns;
pub(crate) mod exec;
mod interfaces;
mod legacy;
mod tunnel_groups;
mod usernames;

pub use exec::section_words;
pub use interfaces::{ACE_SYNTAX, check_ace, interface_name};
pub use legacy::convert_82;

use super::{AsaMode, add_line, enter_block, remove_line, set_line, unset_line};
use crate::out::Out;
use crate::session::{Args, CmdResult, Session};

use crate::cisco_common::{G, add, block, canon, key_words, leaf};

leaf!(leaf1, 1, set_line);
leaf!(leaf2, 2, set_line);
leaf!(leaf3, 3, set_line);
leaf!(leaf4, 4, set_line);

block!(b_ikev1, AsaMode::Ikev1Policy, enter_block);
block!(b_ikev2, AsaMode::Ikev2Policy, enter_block);
block!(b_proposal, AsaMode::IpsecProposal, enter_block);
block!(b_profile, AsaMode::IpsecProfile, enter_block);
block!(b_tg_general, AsaMode::TunnelGeneral, enter_block);
block!(b_tg_ipsec, AsaMode::TunnelIpsec, enter_block);
block!(b_object, AsaMode::ObjectNetwork, enter_block);
block!(b_object_svc, AsaMode::ObjectService, enter_block);
block!(b_group_net, AsaMode::ObjectGroupNetwork, enter_block);
block!(b_group_svc, AsaMode::ObjectGroupService, enter_block);
block!(b_group_policy, AsaMode::GroupPolicy, enter_block);
block!(b_user_attrs, AsaMode::UsernameAttrs, enter_block);
block!(b_dns_group, AsaMode::DnsServerGroup, enter_block);

const SH: &str = "Show running system information";
const CR: &str = "Configure IPSec, ISAKMP, Certification Authority, key";

fn common(g: &mut G) {
    add(g, "exit", &["Exit from the current mode"], |s, _, _| {
        s.asa.stack.pop();
        Ok(())
    });
    add(g, "end", &["Exit from configure mode"], |s, _, _| {
        s.asa.stack.clear();
        Ok(())
    });
}

/// The command graph of a mode.
pub fn build(m: AsaMode) -> G {
    let mut graph = G::new();
    let g = &mut graph;
    match m {
        AsaMode::UserExec | AsaMode::Exec => exec::exec(g, m == AsaMode::Exec),
        AsaMode::Config => global(g),
        AsaMode::Interface => interfaces::interface(g),
        AsaMode::Ikev1Policy => crypto::ikev1_policy(g),
        AsaMode::Ikev2Policy => crypto::ikev2_policy(g),
        AsaMode::IpsecProposal => crypto::ipsec_proposal(g),
        AsaMode::IpsecProfile => crypto::ipsec_profile(g),
        AsaMode::TunnelGeneral => tunnel_groups::general_attributes(g),
        AsaMode::TunnelIpsec => tunnel_groups::ipsec_attributes(g),
        AsaMode::ObjectNetwork => interfaces::object_network(g),
        AsaMode::ObjectService => interfaces::object_service(g),
        AsaMode::ObjectGroupNetwork => interfaces::object_group_network(g),
        AsaMode::ObjectGroupService => interfaces::object_group_service(g),
        AsaMode::GroupPolicy => {}
        AsaMode::UsernameAttrs => usernames::attributes(g),
        AsaMode::DnsServerGroup => dns::server_group(g),
        AsaMode::Verbatim => {}
    }
    if !matches!(m, AsaMode::UserExec | AsaMode::Exec) {
        common(g);
    }
    graph
}

/// Configuration mode, family by family in the order their help lists them.
fn global(g: &mut G) {
    interfaces::global(g);
    crypto::global(g);
    crypto::pki(g);
    legacy::global(g);
    tunnel_groups::global(g);
    usernames::global(g);
    usernames::passwords(g);
    dns::global(g);
    add(
        g,
        "clear configure {access-list [WORD] | crypto [map [WORD] | dynamic-map [WORD]] | tunnel-group [WORD] | group-policy [WORD] | object-group [network | service | protocol | icmp-type] | object [network | service] | route}",
        &[
            "Reset functions",
            "Clear configuration",
            "Clear all access lists, or one",
            "Access list name",
            "Clear the crypto configuration",
            "Clear crypto maps, or one",
            "Crypto map name",
            "Clear dynamic crypto maps, or one",
            "Dynamic map name",
            "Clear tunnel groups, or one",
            "Tunnel group name",
            "Clear group policies, or one",
            "Group policy name",
            "Clear object-groups",
            "Network object-groups",
            "Service object-groups",
            "Protocol object-groups",
            "ICMP type object-groups",
            "Clear objects",
            "Network objects",
            "Service objects",
            "Clear static routes",
        ],
        clear_configure,
    );
    add(g, "exit", &["Exit from config mode"], |s, _, _| {
        s.asa.stack.clear();
        Ok(())
    });
    add(g, "end", &["Exit from configure mode"], |s, _, _| {
        s.asa.stack.clear();
        Ok(())
    });
}

leaf!(leaf5, 5, set_line);

/// A line kept once, in place (`crypto ikev1 enable outside`).
fn add_only(s: &mut Session, a: &Args, _: &mut dyn Out) -> CmdResult {
    add_line(s, &canon(a));
    Ok(())
}

/// `clear configure SECTION [NAME]`: the top-level lines (with their
/// blocks) `show running-config SECTION [NAME]` lists are removed.
fn clear_configure(s: &mut Session, a: &Args, _: &mut dyn Out) -> CmdResult {
    let w = section_words(a);
    // Typed in a sub-mode, it runs in global configuration: a block it removes is left.
    while s.asa.stack.last().is_some_and(|f| f.mode != AsaMode::Config) {
        s.asa.stack.pop();
    }
    let mut r = s.router();
    r.asa.doc.root.retain(|n| {
        let t: Vec<&str> = n.text.strip_prefix("no ").unwrap_or(&n.text).split_whitespace().collect();
        !(t.len() >= w.len() && t.iter().zip(&w).all(|(x, y)| x == y))
    });
    Ok(())
}
