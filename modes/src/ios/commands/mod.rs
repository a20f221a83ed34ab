//! IOS commands: spec, help, and what each does to the configuration
//! document. Leaf commands store their canonical text (keywords in full,
//! values as typed) and replace an earlier line with the same leading words,
//! as IOS does.
//!
//! Each mode's graph is built by [`build`]; a command's grammar and its
//! handler live in the file of its family:
//!
//! | file | commands |
//! |---|---|
//! | `crypto.rs` | `crypto isakmp policy/key/identity/keepalive/nat/profile`, `crypto keyring`, transform sets, `crypto map` / `crypto dynamic-map` and their sub-modes, `crypto ipsec profile/security-association/df-bit`, type 6 keys |
//! | `ikev2.rs` | `crypto ikev2 proposal/policy/keyring/profile` and their sub-modes, `crypto ikev2 cookie-challenge/fragmentation` |
//! | `interface.rs` | `interface NAME` and the interface mode |
//! | `vrf.rs` | `ip vrf`, `vrf definition` (and its address family), `ip route [vrf V]`, an interface's VRF |
//! | `acl.rs` | `access-list`, `ip access-list extended` and its entries |
//! | `users.rs` | `username`, `enable secret/password/algorithm-type`, `service password-encryption`, `key config-key password-encrypt`, `line` and its mode, `ip ssh ...` and the SSH public-key modes |
//! | `system.rs` | `hostname`, `logging`, banners |
//! | `exec.rs` | exec mode (`enable`, `configure terminal`, `show running-config`, `copy`, `write`, ...) |
//! | `crypto_exec.rs` | the IKE engine's exec commands: `show crypto ...`, `clear crypto ...`, `debug crypto ...` |
//! | `certmap.rs` | `crypto pki certificate map` and its `(ca-certificate-map)` lines |
//! | `mod.rs` (here) | the shared handlers (`append`, leaves, sub-mode entries), `no ...`, `exit`, `end` |
//!
//! PKI (`crypto pki ...`, `crypto key ...`) is in `../pki.rs` and
//! `../pki_keys.rs`; IKEv2 shows in `../show_ikev2.rs`.

use super::names::interface_name;
use super::{IosMode, enter_block, remove_line, set_line, show_running};
use crate::out::Out;
use crate::session::{Args, CmdResult, Session};

use crate::cisco_common::{G, add, block, canon, key_words, leaf};

mod acl;
pub(crate) mod certmap;
mod crypto;
mod crypto_exec;
mod exec;
mod ikev2;
mod interface;
mod system;
mod users;
mod vrf;
use crypto::*;
use crypto_exec::*;
use exec::*;
use interface::*;
use vrf::*;

leaf!(leaf1, 1, set_line);
leaf!(leaf2, 2, set_line);
leaf!(leaf3, 3, set_line);
leaf!(leaf4, 4, set_line);

/// A line that may appear several times (`set peer`, ACL entries).
fn append(s: &mut Session, a: &Args, _: &mut dyn Out) -> CmdResult {
    set_line(s, "", &canon(a));
    Ok(())
}

block!(b_isakmp, IosMode::IsakmpPolicy, enter_block);
block!(b_tset, IosMode::TransformSet, enter_block);
block!(b_cmap, IosMode::CryptoMap, enter_block);
block!(b_keyring, IosMode::Keyring, enter_block);
block!(b_isaprof, IosMode::IsakmpProfile, enter_block);
block!(b_ipsecprof, IosMode::IpsecProfile, enter_block);
block!(b_v2prop, IosMode::Ikev2Proposal, enter_block);
block!(b_v2pol, IosMode::Ikev2Policy, enter_block);
block!(b_v2keyring, IosMode::Ikev2Keyring, enter_block);
block!(b_v2peer, IosMode::Ikev2Peer, enter_block);
block!(b_v2prof, IosMode::Ikev2Profile, enter_block);
block!(b_certmap, IosMode::CertMap, enter_block);
block!(b_vrf, IosMode::Vrf, enter_block);
block!(b_vrfaf, IosMode::VrfAf, enter_block);
block!(b_acl, IosMode::ExtAcl, enter_block);
block!(b_line, IosMode::Line, enter_block);
block!(b_pubkey, IosMode::SshPubkey, enter_block);
block!(b_pubkey_user, IosMode::SshPubkeyUser, enter_block);

/// `no ...`: remove the lines (or blocks) it names; if none, keep the `no`
/// line itself (`no ip domain lookup` is configuration too).
fn negate(s: &mut Session, a: &Args, out: &mut dyn Out) -> CmdResult {
    let rest = a.get("LINE").unwrap_or("").trim().to_string();
    if rest.is_empty() {
        return Err("Incomplete command.".into());
    }
    let global = s.ios.stack.last().is_none_or(|f| f.mode == IosMode::Config);
    let w: Vec<&str> = rest.split_whitespace().collect();
    let has_root = |s: &Session, head: &str| {
        s.router().ios_doc.root.iter().any(|n| n.text == head || n.text.starts_with(&format!("{head} ")))
    };
    // IOS asks before it removes a user (IOS 15 and later) ...
    if let (true, ["username", name, ..]) = (global, w.as_slice())
        && has_root(s, &format!("username {name}"))
    {
        s.ios.confirm = Some(super::state::Pending {
                yes_no: false,
                prompt: "This operation will remove all username related configurations with same name.Do you want to continue? [confirm]".into(),
                action: super::state::PendingAction::Negate(format!("username {name}")),
            });
        return Ok(());
    }
    // ... and an enrolled trustpoint (one with a certificate chain).
    if let (true, ["crypto", "pki" | "ca", "trustpoint", name]) = (global, w.as_slice())
        && (has_root(s, &format!("crypto pki certificate chain {name}"))
            || has_root(s, &format!("crypto ca certificate chain {name}")))
    {
        out.line("% Removing an enrolled trustpoint will destroy all certificates");
        out.line(" received from the related Certificate Authority.");
        out.line("");
        s.ios.confirm = Some(super::state::Pending {
            yes_no: true,
            prompt: "Are you sure you want to do this? [yes/no]: ".into(),
            action: super::state::PendingAction::RemoveTrustpoint(name.to_string()),
        });
        return Ok(());
    }
    // An access-list entry is stored with its wildcarded bits cleared: `no` names it either way.
    let ace = matches!(w.as_slice(), ["access-list", ..] | ["permit" | "deny", ..] | [_, "permit" | "deny", ..]);
    // A certificate map's name values are stored in lower case: `no` names them in any case.
    let in_map = s.ios.stack.last().is_some_and(|f| f.mode == IosMode::CertMap);
    if !remove_line(s, &rest)
        && !(ace && remove_line(s, &super::acl_check::masked(&rest)))
        && !(in_map && remove_line(s, &certmap::stored(&rest)))
    {
        set_line(s, "", &format!("no {rest}"));
    }
    if rest.starts_with("logging") {
        crate::logbuf::from_ios_doc(&mut s.router());
    }
    Ok(())
}

const NO: &str = "Negate a command or set its defaults";

fn common(g: &mut G) {
    add(g, "exit", &["Exit from the current mode"], |s, _, _| {
        super::modes_tree::exit_mode(s);
        if s.ios.stack.is_empty() {
            s.ios.privileged = true;
        }
        Ok(())
    });
    add(g, "end", &["Exit to privileged exec mode"], |s, _, _| {
        s.ios.stack.clear();
        Ok(())
    });
    add(g, "no LINE", &[NO, "The command to negate"], negate);
}

pub fn build(m: IosMode) -> G {
    let mut g = G::new();
    match m {
        IosMode::UserExec | IosMode::Exec => exec(&mut g, m == IosMode::Exec),
        IosMode::Config => global(&mut g),
        IosMode::IsakmpPolicy => crypto::isakmp_policy_mode(&mut g),
        IosMode::TransformSet => crypto::transform_set_mode(&mut g),
        IosMode::CryptoMap => crypto::crypto_map_mode(&mut g),
        IosMode::Keyring => crypto::keyring_mode(&mut g),
        IosMode::IsakmpProfile => crypto::isakmp_profile_mode(&mut g),
        IosMode::IpsecProfile => crypto::ipsec_profile_mode(&mut g),
        IosMode::Ikev2Proposal => ikev2::ikev2_proposal_mode(&mut g),
        IosMode::Ikev2Policy => ikev2::ikev2_policy_mode(&mut g),
        IosMode::Ikev2Keyring => ikev2::ikev2_keyring_mode(&mut g),
        IosMode::Ikev2Peer => ikev2::ikev2_peer_mode(&mut g),
        IosMode::Ikev2Profile => ikev2::ikev2_profile_mode(&mut g),
        IosMode::CertMap => certmap::cert_map_mode(&mut g),
        IosMode::Vrf => vrf::vrf_mode(&mut g),
        IosMode::VrfAf => vrf::vrf_af_mode(&mut g),
        IosMode::Interface => interface::interface_mode(&mut g),
        IosMode::ExtAcl => acl::ext_acl_mode(&mut g),
        IosMode::Line => users::line_mode(&mut g),
        IosMode::SshPubkey => users::ssh_pubkey_mode(&mut g),
        IosMode::SshPubkeyUser => users::ssh_pubkey_user_mode(&mut g),
        IosMode::SshPubkeyData | IosMode::Verbatim => {}
    }
    if !matches!(m, IosMode::UserExec | IosMode::Exec) {
        common(&mut g);
    }
    g
}

pub use super::acl_check::{check_ace, check_standard};
pub(crate) use exec::crypto_map_interface;

fn global(g: &mut G) {
    super::pki_keys::register_global(g);
    add(
        g,
        "crypto pki certificate map WORD <1-65535>",
        &[
            "Encryption module",
            "Public Key components",
            "Actions on certificates",
            "Define certificate attributes map",
            "Label",
            "Sequence number",
        ],
        b_certmap,
    );
    users::global(g);
    system::global(g);
    crypto::global(g);
    ikev2::global(g);
    acl::global(g);
    vrf::global(g);
    interface::global(g);
}

#[cfg(test)]
mod tests {
    use crate::out::VecOut;
    use crate::session::{Clock, Dialect, Router, Session, SessionOptions};
    use std::sync::{Arc, Mutex};

    fn session() -> Session {
        let r = Arc::new(Mutex::new(Router::new(
            edgesh_engine::Config::new("x"),
            Clock::Virtual(0),
            1,
            std::env::temp_dir(),
        )));
        let mut s = Session::new(r, SessionOptions { dialect: Dialect::Ios, ..Default::default() });
        s.ios.privileged = true;
        s
    }

    #[test]
    fn enter_at_a_confirm_question_confirms_and_n_cancels() {
        let mut s = session();
        let mut o = VecOut::default();
        s.router().log.push_back("%SYS-5-CONFIG_I: Configured from console by console".into());
        s.execute("clear logging", &mut o);
        assert_eq!(super::super::prompt(&s), "Clear logging buffer [confirm]");
        s.execute("n", &mut o);
        assert_eq!(s.router().log.len(), 1, "n cancels");
        assert_eq!(super::super::prompt(&s), "Router#");
        s.execute("clear logging", &mut o);
        s.execute("", &mut o);
        assert!(s.router().log.is_empty(), "Enter confirms");
        assert_eq!(super::super::prompt(&s), "Router#");
    }

    #[test]
    fn a_pasted_confirm_takes_one_character_and_the_rest_is_a_command() {
        let mut s = session();
        let mut o = VecOut::default();
        for l in ["configure terminal", "username bob secret x", "no username bob"] {
            s.execute(l, &mut o);
        }
        // `yes` after `[confirm]`: `y` confirms, `es` is typed after it (and refused).
        let ok = s.execute("yes", &mut o);
        assert!(!ok);
        assert!(!s.router().ios_doc.root.iter().any(|n| n.text.starts_with("username bob")));
        assert!(o.text().ends_with("% Invalid input detected at '^' marker.\n\n"), "{}", o.text());
    }
}
