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

pub(super) fn ike_proposal(g: &mut G, v2: bool) {
    add(g, "description LINE", &[DESC, DESC_TEXT], |s, a, _| {
        ike_prop_mut(s)?.description = desc(a);
        Ok(())
    });
    add(g, "no description [LINE]", &[NO, DESC, DESC_TEXT], |s, _, _| {
        ike_prop_mut(s)?.description = None;
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
    add(g, &format!("dh-group {{{list}}}"), &h, |s, a, _| {
        ike_prop_mut(s)?.dh_group = ["1", "2", "5", "14", "19", "20"].iter().find(|g| a.has(g)).and_then(|g| g.parse().ok()).unwrap_or(DEFAULT_DH_GROUP);
        Ok(())
    });
    let mut h = vec![NO, "Set the DH group to its default (1)"];
    h.extend(&helps);
    add(g, &format!("no dh-group [{list}]"), &h, |s, _, _| {
        ike_prop_mut(s)?.dh_group = DEFAULT_DH_GROUP;
        Ok(())
    });
    add(g, "authentication algorithm {hmac-md5-96 | hmac-sha1-96}", &["Authentication", "Integrity algorithm", "HMAC-MD5-96", "HMAC-SHA1-96"], |s, a, _| {
        ike_prop_mut(s)?.auth_alg = pick(a, IkeAuthAlg::ALL, IkeAuthAlg::word).unwrap_or(IkeAuthAlg::HmacSha1_96);
        Ok(())
    });
    add(g, "no authentication algorithm [hmac-md5-96 | hmac-sha1-96]", &[NO, "Authentication", "Set the default (hmac-sha1-96)", "HMAC-MD5-96", "HMAC-SHA1-96"], |s, _, _| {
        ike_prop_mut(s)?.auth_alg = IkeAuthAlg::HmacSha1_96;
        Ok(())
    });
    if !v2 {
        add(g, "authentication {pre-shared-key | rsa-signature}", &["Authentication", "Peers authenticate with a pre-shared key", "Peers authenticate with RSA signatures"], |s, a, _| {
            ike_prop_mut(s)?.auth_method = if a.has("rsa-signature") { AuthMethod::RsaSignature } else { AuthMethod::PreSharedKey };
            Ok(())
        });
        add(g, "no authentication [pre-shared-key | rsa-signature]", &[NO, "Set the default (pre-shared-key)", "Pre-shared key", "RSA signatures"], |s, _, _| {
            ike_prop_mut(s)?.auth_method = AuthMethod::PreSharedKey;
            Ok(())
        });
        add(g, "lifetime seconds <300-99999999>", &["IKE SA lifetime", "In seconds", "Seconds"], |s, a, _| {
            ike_prop_mut(s)?.lifetime = a.num("<300-99999999>").map_or(DEFAULT_LIFETIME, |n| n as u32);
            Ok(())
        });
        add(g, "no lifetime [seconds] [<300-99999999>]", &[NO, "Set the default lifetime (86400 seconds)", "In seconds", "Seconds"], |s, _, _| {
            ike_prop_mut(s)?.lifetime = DEFAULT_LIFETIME;
            Ok(())
        });
    } else {
        add(
            g,
            "pseudo-random-function {hmac-md5 | hmac-sha1 | aes-128-xcbc}",
            &["Pseudo random function for keying material", "HMAC-MD5", "HMAC-SHA1", "AES-XCBC-PRF-128"],
            |s, a, _| {
                ike_prop_mut(s)?.prf = pick(a, Prf::ALL, Prf::word).unwrap_or(Prf::HmacSha1);
                Ok(())
            },
        );
        add(g, "no pseudo-random-function [hmac-md5 | hmac-sha1 | aes-128-xcbc]", &[NO, "Set the default (hmac-sha1)", "HMAC-MD5", "HMAC-SHA1", "AES-XCBC-PRF-128"], |s, _, _| {
            ike_prop_mut(s)?.prf = Prf::HmacSha1;
            Ok(())
        });
    }
    add(
        g,
        "encryption algorithm {aes-128-cbc | aes-192-cbc | aes-256-cbc | des-cbc | 3des-cbc}",
        &["Encryption", "Encryption algorithm", "AES-CBC 128-bit", "AES-CBC 192-bit", "AES-CBC 256-bit", "DES-CBC", "Triple DES-CBC"],
        |s, a, _| {
            ike_prop_mut(s)?.encryption = pick(a, IkeEncr::ALL, IkeEncr::word).unwrap_or(IkeEncr::Aes128Cbc);
            Ok(())
        },
    );
    add(g, "no encryption algorithm [aes-128-cbc | aes-192-cbc | aes-256-cbc | des-cbc | 3des-cbc]", &[NO, "Encryption", "Set the default (aes-128-cbc)", "AES-CBC 128-bit", "AES-CBC 192-bit", "AES-CBC 256-bit", "DES-CBC", "Triple DES-CBC"], |s, _, _| {
        ike_prop_mut(s)?.encryption = IkeEncr::Aes128Cbc;
        Ok(())
    });
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
    add(g, "description LINE", &[DESC, DESC_TEXT], |s, a, _| {
        ike_pol_mut(s)?.description = desc(a);
        Ok(())
    });
    add(g, "no description [LINE]", &[NO, DESC, DESC_TEXT], |s, _, _| {
        ike_pol_mut(s)?.description = None;
        Ok(())
    });
    add(g, "connection-type {initiator-only | responder-only | both}", &["Which side may start negotiations", "Only initiate", "Only respond", "Initiate and respond"], |s, a, _| {
        ike_pol_mut(s)?.connection_type = pick(a, ConnectionType::ALL, ConnectionType::word).unwrap_or(ConnectionType::Both);
        Ok(())
    });
    add(g, "no connection-type [initiator-only | responder-only | both]", &[NO, "Set the default (both)", "Only initiate", "Only respond", "Initiate and respond"], |s, _, _| {
        ike_pol_mut(s)?.connection_type = ConnectionType::Both;
        Ok(())
    });
    add(g, "validate-certificate-identity", &["Check the remote identity against the peer certificate"], |s, _, _| {
        ike_pol_mut(s)?.validate_certificate_identity = true;
        Ok(())
    });
    add(g, "no validate-certificate-identity", &[NO, "Check the remote identity against the peer certificate"], |s, _, _| {
        ike_pol_mut(s)?.validate_certificate_identity = false;
        Ok(())
    });
    add(
        g,
        "identity local {A.B.C.D:addr | fqdn WORD:fqdn | user-fqdn WORD:ufqdn}",
        &["IKE identity", "Local identity", "IPv4 address", "Fully qualified domain name", "FQDN", "User FQDN (user@domain)", "User FQDN"],
        |s, a, _| {
            ike_pol_mut(s)?.identity_local = identity(a);
            Ok(())
        },
    );
    add(
        g,
        "identity remote {A.B.C.D:addr | fqdn WORD:fqdn | user-fqdn WORD:ufqdn | any}",
        &["IKE identity", "Remote identity", "IPv4 address", "Fully qualified domain name (*.example.com for a partial match)", "FQDN", "User FQDN (user@domain)", "User FQDN", "Any remote identity (wildcard)"],
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
    let psk_help = ["Pre-shared key for the remote peers", "Hexadecimal key", "Key in hexadecimal (0x...)", "Fetch the key from AAA (on-demand tunnels)", "Key (ASCII)"];
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
    add(g, "seq <1-65535> proposal NAME", &[SEQ, SEQ_NUM, "Reference an IKE proposal", "Proposal name"], |s, a, _| {
        let seq = a.num("<1-65535>").unwrap_or(1) as u32;
        let n = a.req("NAME")?.to_string();
        let p = ike_pol_mut(s)?;
        put_seq(&mut p.proposals, seq, n, MAX_POLICY_PROPOSALS, "proposals per IKE policy")
    });
    add(g, "no seq <1-65535> [proposal] [NAME]", &[NO, SEQ, SEQ_NUM, "Reference an IKE proposal", "Proposal name"], |s, a, _| {
        let seq = a.num("<1-65535>").unwrap_or(0) as u32;
        ike_pol_mut(s)?.proposals.remove(&seq).map(|_| ()).ok_or_else(|| format!("seq {seq} does not exist"))
    });
    if v2 {
        add(g, "authentication {pre-shared-key | rsa-signature}", &["Peer authentication method", "Pre-shared key", "RSA signatures"], |s, a, _| {
            ike_pol_mut(s)?.authentication = if a.has("rsa-signature") { AuthMethod::RsaSignature } else { AuthMethod::PreSharedKey };
            Ok(())
        });
        add(g, "no authentication [pre-shared-key | rsa-signature]", &[NO, "Set the default (pre-shared-key)", "Pre-shared key", "RSA signatures"], |s, _, _| {
            ike_pol_mut(s)?.authentication = AuthMethod::PreSharedKey;
            Ok(())
        });
        add(g, "address-allocation aaa", &["Address allocation for remote access clients", "From the AAA server"], |s, _, _| {
            ike_pol_mut(s)?.address_allocation_aaa = true;
            Ok(())
        });
        add(g, "no address-allocation [aaa]", &[NO, "Address allocation for remote access clients", "From the AAA server"], |s, _, _| {
            ike_pol_mut(s)?.address_allocation_aaa = false;
            Ok(())
        });
        add(g, "lifetime [seconds] <300-99999999>", &["IKE SA lifetime", "In seconds", "Seconds"], |s, a, _| {
            ike_pol_mut(s)?.lifetime = a.num("<300-99999999>").map_or(DEFAULT_LIFETIME, |n| n as u32);
            Ok(())
        });
        add(g, "no lifetime [seconds] [<300-99999999>]", &[NO, "Set the default lifetime (86400 seconds)", "In seconds", "Seconds"], |s, _, _| {
            ike_pol_mut(s)?.lifetime = DEFAULT_LIFETIME;
            Ok(())
        });
    } else {
        add(g, "mode {main | aggressive}", &["Key exchange mode", "Main mode (6 messages, identity protected)", "Aggressive mode (3 messages)"], |s, a, _| {
            ike_pol_mut(s)?.mode = if a.has("aggressive") { ExchangeMode::Aggressive } else { ExchangeMode::Main };
            Ok(())
        });
        add(g, "no mode [main | aggressive]", &[NO, "Set the default (main)", "Main mode", "Aggressive mode"], |s, _, _| {
            ike_pol_mut(s)?.mode = ExchangeMode::Main;
            Ok(())
        });
    }
}
