//! IKE proposal and policy modes, IKEv1 and IKEv2 (seed 004 sections 6.2-6.4):
//! `ModeKind::IkeProposal`, `Ike2Proposal` (`(config-ike-proposal)#`) and
//! `ModeKind::IkePolicy`, `Ike2Policy` (`(config-ike-policy)#`).

use super::*;

// ---------------------------------------------------------------- IKE proposal (section 6.2)

/// Help for the ECP groups an IKEv2 proposal takes beyond the seed's list.
const DH_ECP: &[&str] = &["DH group 19 (256-bit random ECP)", "DH group 20 (384-bit random ECP)"];

fn ike_prop_mut(s: &mut Session) -> Result<&mut IkeProposal, String> {
    let Frame::IkeProposal { name, .. } = frame(s) else { return Err("not in IKE proposal mode".into()) };
    s.cand()?.ike_proposals.get_mut(&name).ok_or_else(|| gone(&format!("IKE proposal {name}")))
}

/// Each command sets its field, and its `no` form sets the field's default:
/// a new proposal's (Table 1, `IkeProposal::new`), stated once.
pub(super) fn ike_proposal(g: &mut G, v2: bool) {
    add_no(g, "description LINE", &[DESC, DESC_TEXT], "description [LINE]", None, |s, a, _| {
        ike_prop_mut(s)?.description = if a.negated() { None } else { desc(a) };
        Ok(())
    });
    // The seed lists groups 1, 2, 5 and 14; an IKEv2 proposal also takes the
    // ECP groups the IKEv2 engine negotiates (19 and 20, RFC 5903), which
    // strongSwan, IOS and cloud gateways propose first.
    let groups: &[&str] = if v2 { &["1", "2", "5", "14", "19", "20"] } else { &["1", "2", "5", "14"] };
    let helps: Vec<&str> = DH.iter().chain(DH_ECP.iter()).take(groups.len()).copied().collect();
    let list = groups.join(" | ");
    let mut h = vec!["Diffie-Hellman group for IKE key exchanges"];
    h.extend(&helps);
    add_no(
        g,
        &format!("dh-group {{{list}}}"),
        &h,
        &format!("dh-group [{list}]"),
        Some("Set the DH group to its default (1)"),
        |s, a, _| {
            let p = ike_prop_mut(s)?;
            let d = IkeProposal::new(p.version);
            let typed = ["1", "2", "5", "14", "19", "20"].iter().find(|g| a.has(g)).and_then(|g| g.parse().ok());
            p.dh_group = if a.negated() { d.dh_group } else { typed.unwrap_or(d.dh_group) };
            Ok(())
        },
    );
    add_no(
        g,
        "authentication algorithm {hmac-md5-96 | hmac-sha1-96}",
        &["Authentication", "Integrity algorithm", "HMAC-MD5-96", "HMAC-SHA1-96"],
        "authentication algorithm [hmac-md5-96 | hmac-sha1-96]",
        Some("Set the default (hmac-sha1-96)"),
        |s, a, _| {
            let p = ike_prop_mut(s)?;
            let d = IkeProposal::new(p.version);
            p.auth_alg =
                if a.negated() { d.auth_alg } else { pick(a, IkeAuthAlg::ALL, IkeAuthAlg::word).unwrap_or(d.auth_alg) };
            Ok(())
        },
    );
    if !v2 {
        // The `no` form words its values differently: declared beside it, one handler.
        let f: F = |s, a, _| {
            let p = ike_prop_mut(s)?;
            let d = IkeProposal::new(p.version);
            p.auth_method =
                if a.has("rsa-signature") && !a.negated() { AuthMethod::RsaSignature } else { d.auth_method };
            Ok(())
        };
        add(
            g,
            "authentication {pre-shared-key | rsa-signature}",
            &["Authentication", "Peers authenticate with a pre-shared key", "Peers authenticate with RSA signatures"],
            f,
        );
        add(
            g,
            "no authentication [pre-shared-key | rsa-signature]",
            &[NO, "Set the default (pre-shared-key)", "Pre-shared key", "RSA signatures"],
            f,
        );
        add_no(
            g,
            "lifetime seconds <300-99999999>:seconds",
            &["IKE SA lifetime", "In seconds", "Seconds"],
            "lifetime [seconds] [<300-99999999>:seconds]",
            Some("Set the default lifetime (86400 seconds)"),
            |s, a, _| {
                let p = ike_prop_mut(s)?;
                let d = IkeProposal::new(p.version);
                p.lifetime = if a.negated() { d.lifetime } else { a.u32("seconds").unwrap_or(d.lifetime) };
                Ok(())
            },
        );
    } else {
        add_no(
            g,
            "pseudo-random-function {hmac-md5 | hmac-sha1 | aes-128-xcbc}",
            &["Pseudo random function for keying material", "HMAC-MD5", "HMAC-SHA1", "AES-XCBC-PRF-128"],
            "pseudo-random-function [hmac-md5 | hmac-sha1 | aes-128-xcbc]",
            Some("Set the default (hmac-sha1)"),
            |s, a, _| {
                let p = ike_prop_mut(s)?;
                let d = IkeProposal::new(p.version);
                p.prf = if a.negated() { d.prf } else { pick(a, Prf::ALL, Prf::word).unwrap_or(d.prf) };
                Ok(())
            },
        );
    }
    add_no(
        g,
        "encryption algorithm {aes-128-cbc | aes-192-cbc | aes-256-cbc | des-cbc | 3des-cbc}",
        &[
            "Encryption",
            "Encryption algorithm",
            "AES-CBC 128-bit",
            "AES-CBC 192-bit",
            "AES-CBC 256-bit",
            "DES-CBC",
            "Triple DES-CBC",
        ],
        "encryption algorithm [aes-128-cbc | aes-192-cbc | aes-256-cbc | des-cbc | 3des-cbc]",
        Some("Set the default (aes-128-cbc)"),
        |s, a, _| {
            let p = ike_prop_mut(s)?;
            let d = IkeProposal::new(p.version);
            p.encryption =
                if a.negated() { d.encryption } else { pick(a, IkeEncr::ALL, IkeEncr::word).unwrap_or(d.encryption) };
            Ok(())
        },
    );
}

// ---------------------------------------------------------------- IKE policy (section 6.4)

fn ike_pol_mut(s: &mut Session) -> Result<&mut IkePolicy, String> {
    let Frame::IkePolicy { name, .. } = frame(s) else { return Err("not in IKE policy mode".into()) };
    context_mut(s)?.ike_policies.get_mut(&name).ok_or_else(|| gone(&format!("IKE policy {name}")))
}

fn identity(a: &Args) -> Option<Identity> {
    if let Some(v) = a.get("addr") {
        return v.parse().ok().map(Identity::Ipv4);
    }
    if let Some(v) = a.get("fqdn") {
        return Some(Identity::Fqdn(v.to_string()));
    }
    if let Some(v) = a.get("ufqdn") {
        return Some(Identity::UserFqdn(v.to_string()));
    }
    a.has("any").then_some(Identity::Any)
}

fn set_psk(s: &mut Session, a: &Args) -> CmdResult {
    let k = if a.has("use-aaa") {
        PreSharedKey::UseAaa
    } else if let Some(h) = a.get("HEX") {
        PreSharedKey::Key(Key::Hex(h.to_string()))
    } else {
        let k = a.req("key")?;
        if k.len() > 256 {
            return Err("Pre-shared key too long (at most 256 characters)".into());
        }
        PreSharedKey::Key(Key::Ascii(k.to_string()))
    };
    ike_pol_mut(s)?.pre_shared_key = Some(k);
    Ok(())
}

pub(super) fn ike_policy(g: &mut G, v2: bool) {
    // The `no` forms set a new policy's defaults (`IkePolicy::new`).
    add_no(g, "description LINE", &[DESC, DESC_TEXT], "description [LINE]", None, |s, a, _| {
        ike_pol_mut(s)?.description = if a.negated() { None } else { desc(a) };
        Ok(())
    });
    add_no(
        g,
        "connection-type {initiator-only | responder-only | both}",
        &["Which side may start negotiations", "Only initiate", "Only respond", "Initiate and respond"],
        "connection-type [initiator-only | responder-only | both]",
        Some("Set the default (both)"),
        |s, a, _| {
            let p = ike_pol_mut(s)?;
            let d = IkePolicy::new(p.version);
            p.connection_type = if a.negated() {
                d.connection_type
            } else {
                pick(a, ConnectionType::ALL, ConnectionType::word).unwrap_or(d.connection_type)
            };
            Ok(())
        },
    );
    add_no(
        g,
        "validate-certificate-identity",
        &["Check the remote identity against the peer certificate"],
        "validate-certificate-identity",
        None,
        |s, a, _| {
            ike_pol_mut(s)?.validate_certificate_identity = !a.negated();
            Ok(())
        },
    );
    add(
        g,
        "identity local {A.B.C.D:addr | fqdn WORD:fqdn | user-fqdn WORD:ufqdn}",
        &[
            "IKE identity",
            "Local identity",
            "IPv4 address",
            "Fully qualified domain name",
            "FQDN",
            "User FQDN (user@domain)",
            "User FQDN",
        ],
        |s, a, _| {
            ike_pol_mut(s)?.identity_local = identity(a);
            Ok(())
        },
    );
    add(
        g,
        "identity remote {A.B.C.D:addr | fqdn WORD:fqdn | user-fqdn WORD:ufqdn | any}",
        &[
            "IKE identity",
            "Remote identity",
            "IPv4 address",
            "Fully qualified domain name (*.example.com for a partial match)",
            "FQDN",
            "User FQDN (user@domain)",
            "User FQDN",
            "Any remote identity (wildcard)",
        ],
        |s, a, _| {
            ike_pol_mut(s)?.identity_remote = identity(a);
            Ok(())
        },
    );
    add(g, "no identity {local | remote}", &[NO, "IKE identity", "Local identity", "Remote identity"], |s, a, _| {
        let p = ike_pol_mut(s)?;
        if a.has("local") {
            p.identity_local = None;
        } else {
            p.identity_remote = None;
        }
        Ok(())
    });
    let psk_help = [
        "Pre-shared key for the remote peers",
        "Hexadecimal key",
        "Key in hexadecimal (0x...)",
        "Fetch the key from AAA (on-demand tunnels)",
        "Key (ASCII)",
    ];
    add(g, "pre-shared-key {hex HEX | use-aaa | WORD:key}", &psk_help, |s, a, _| set_psk(s, a));
    hidden(g, "preshared-key {hex HEX | use-aaa | WORD:key}", &psk_help, |s, a, _| set_psk(s, a));
    add(g, "no pre-shared-key", &[NO, "Remove the pre-shared key"], |s, _, _| {
        ike_pol_mut(s)?.pre_shared_key = None;
        Ok(())
    });
    hidden(g, "no preshared-key", &[NO, "Remove the pre-shared key"], |s, _, _| {
        ike_pol_mut(s)?.pre_shared_key = None;
        Ok(())
    });
    add_no(
        g,
        "seq <1-65535>:number proposal NAME",
        &[SEQ, SEQ_NUM, "Reference an IKE proposal", "Proposal name"],
        "seq <1-65535>:number [proposal] [NAME]",
        None,
        |s, a, _| {
            let seq = a.u32("number").unwrap_or(0);
            let p = ike_pol_mut(s)?;
            if a.negated() {
                return p.proposals.remove(&seq).map(|_| ()).ok_or_else(|| format!("seq {seq} does not exist"));
            }
            put_seq(&mut p.proposals, seq, a.req("NAME")?.to_string(), MAX_POLICY_PROPOSALS, "proposals per IKE policy")
        },
    );
    if v2 {
        add_no(
            g,
            "authentication {pre-shared-key | rsa-signature}",
            &["Peer authentication method", "Pre-shared key", "RSA signatures"],
            "authentication [pre-shared-key | rsa-signature]",
            Some("Set the default (pre-shared-key)"),
            |s, a, _| {
                let p = ike_pol_mut(s)?;
                let d = IkePolicy::new(p.version);
                p.authentication =
                    if a.has("rsa-signature") && !a.negated() { AuthMethod::RsaSignature } else { d.authentication };
                Ok(())
            },
        );
        add_no(
            g,
            "address-allocation aaa",
            &["Address allocation for remote access clients", "From the AAA server"],
            "address-allocation [aaa]",
            None,
            |s, a, _| {
                ike_pol_mut(s)?.address_allocation_aaa = !a.negated();
                Ok(())
            },
        );
        add_no(
            g,
            "lifetime [seconds] <300-99999999>:seconds",
            &["IKE SA lifetime", "In seconds", "Seconds"],
            "lifetime [seconds] [<300-99999999>:seconds]",
            Some("Set the default lifetime (86400 seconds)"),
            |s, a, _| {
                let p = ike_pol_mut(s)?;
                let d = IkePolicy::new(p.version);
                p.lifetime = if a.negated() { d.lifetime } else { a.u32("seconds").unwrap_or(d.lifetime) };
                Ok(())
            },
        );
    } else {
        let f: F = |s, a, _| {
            let p = ike_pol_mut(s)?;
            let d = IkePolicy::new(p.version);
            p.mode = if a.has("aggressive") && !a.negated() { ExchangeMode::Aggressive } else { d.mode };
            Ok(())
        };
        add(
            g,
            "mode {main | aggressive}",
            &["Key exchange mode", "Main mode (6 messages, identity protected)", "Aggressive mode (3 messages)"],
            f,
        );
        add(g, "no mode [main | aggressive]", &[NO, "Set the default (main)", "Main mode", "Aggressive mode"], f);
    }
}
