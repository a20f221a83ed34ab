//! IPsec modes (seed 004 sections 8.1-8.5, 9.3.3): proposal (`ModeKind::IpsecProposal`),
//! policy (`IpsecPolicy`), manual SA (`IpsecSa`) and its SPI keys (`IpsecSaSpi`),
//! ACL (`IpsecAcl`), profile (`IpsecProfile`) and QoS priority queue (`QosPq`).

use super::*;

// ---------------------------------------------------------------- IPsec proposal (section 8.1)

fn ipsec_prop_mut(s: &mut Session) -> Result<&mut IpsecProposal, String> {
    let Frame::IpsecProposal(name) = frame(s) else { return Err("not in IPsec proposal mode".into()) };
    s.cand()?.ipsec_proposals.get_mut(&name).ok_or_else(|| gone(&format!("IPsec proposal {name}")))
}

const AUTH_ALGS: &str = "{hmac-md5-96 | hmac-sha1-96 | hmac-aes-xcbc}";
const AUTH_HELP: [&str; 3] = ["HMAC-MD5-96", "HMAC-SHA1-96", "AES-XCBC-MAC-96"];
const ENCR_ALGS: &str = "{null | des-cbc | 3des-cbc | aes-128-cbc | aes-192-cbc | aes-256-cbc}";
const ENCR_HELP: [&str; 6] =
    ["No encryption", "DES-CBC", "Triple DES-CBC", "AES-CBC 128-bit", "AES-CBC 192-bit", "AES-CBC 256-bit"];

fn helps(head: &[&'static str], tail: &[&'static str]) -> Vec<&'static str> {
    head.iter().chain(tail.iter()).copied().collect()
}

pub(super) fn ipsec_proposal(g: &mut G) {
    add_no(g, "description LINE", &[DESC, DESC_TEXT], "description [LINE]", None, |s, a, _| {
        ipsec_prop_mut(s)?.description = if a.negated() { None } else { desc(a) };
        Ok(())
    });
    add_no(
        g,
        "ip-comp",
        &["Enable IP payload compression"],
        "ip-comp",
        Some("Disable IP payload compression"),
        |s, a, _| {
            ipsec_prop_mut(s)?.ip_comp = !a.negated();
            Ok(())
        },
    );
    add_no(
        g,
        &format!("ah {AUTH_ALGS}"),
        &helps(&["AH authentication algorithm"], &AUTH_HELP),
        "ah",
        Some("Remove AH"),
        |s, a, _| {
            ipsec_prop_mut(s)?.ah = if a.negated() { None } else { pick(a, EspAuth::ALL, EspAuth::word) };
            Ok(())
        },
    );
    add_no(
        g,
        &format!("esp authentication {AUTH_ALGS}"),
        &helps(&["ESP", "ESP authentication algorithm"], &AUTH_HELP),
        "esp authentication",
        Some("Remove the ESP authentication configuration"),
        |s, a, _| {
            ipsec_prop_mut(s)?.esp_auth = if a.negated() { None } else { pick(a, EspAuth::ALL, EspAuth::word) };
            Ok(())
        },
    );
    add_no(
        g,
        &format!("esp encryption {ENCR_ALGS}"),
        &helps(&["ESP", "ESP encryption algorithm"], &ENCR_HELP),
        "esp encryption",
        Some("Remove the ESP encryption configuration"),
        |s, a, _| {
            ipsec_prop_mut(s)?.esp_encr = if a.negated() { None } else { pick(a, EspEncr::ALL, EspEncr::word) };
            Ok(())
        },
    );
    add(g, "lifetime seconds <300-99999999>:seconds", &["IPsec SA lifetime", "In seconds", "Seconds"], |s, a, _| {
        ipsec_prop_mut(s)?.lifetime_seconds = a.u32("seconds").unwrap_or(DEFAULT_LIFETIME);
        Ok(())
    });
    add(
        g,
        "lifetime kbytes <1-4294967295>:kbytes",
        &["IPsec SA lifetime", "In kilobytes of traffic", "Kilobytes"],
        |s, a, _| {
            ipsec_prop_mut(s)?.lifetime_kbytes = a.num("kbytes");
            Ok(())
        },
    );
    add(
        g,
        "no lifetime {seconds | kbytes}",
        &[NO, "IPsec SA lifetime", "Set the default (86400 seconds)", "No traffic limit"],
        |s, a, _| {
            let p = ipsec_prop_mut(s)?;
            if a.has("seconds") {
                p.lifetime_seconds = DEFAULT_LIFETIME;
            } else {
                p.lifetime_kbytes = None;
            }
            Ok(())
        },
    );
}

// ---------------------------------------------------------------- IPsec policy (section 8.2)

fn ipsec_pol_mut(s: &mut Session) -> Result<&mut IpsecPolicy, String> {
    let Frame::IpsecPolicy(name) = frame(s) else { return Err("not in IPsec policy mode".into()) };
    s.cand()?.ipsec_policies.get_mut(&name).ok_or_else(|| gone(&format!("IPsec policy {name}")))
}

pub(super) fn ipsec_policy(g: &mut G) {
    add_no(g, "description LINE", &[DESC, DESC_TEXT], "description [LINE]", None, |s, a, _| {
        ipsec_pol_mut(s)?.description = if a.negated() { None } else { desc(a) };
        Ok(())
    });
    add_no(
        g,
        "anti-replay-window <0-1024>:packets",
        &["Anti-replay window size (0 disables the check)", "Packets"],
        "anti-replay-window [<0-1024>:packets]",
        Some("Set the default (64 packets)"),
        |s, a, _| {
            let d = IpsecPolicy::default().anti_replay_window;
            ipsec_pol_mut(s)?.anti_replay_window = if a.negated() { d } else { a.u32("packets").unwrap_or(d) };
            Ok(())
        },
    );
    add(
        g,
        "perfect-forward-secrecy dh-group {1 | 2 | 5 | 14}",
        &helps(&["Perfect forward secrecy", "DH group for PFS"], DH),
        |s, a, _| {
            ipsec_pol_mut(s)?.pfs_group = dh(a);
            Ok(())
        },
    );
    add(
        g,
        "no perfect-forward-secrecy [dh-group] [1 | 2 | 5 | 14]",
        &helps(&[NO, "Disable perfect forward secrecy", "DH group for PFS"], DH),
        |s, _, _| {
            ipsec_pol_mut(s)?.pfs_group = None;
            Ok(())
        },
    );
    add_no(
        g,
        "seq <1-65535>:number proposal NAME",
        &[SEQ, SEQ_NUM, "Reference an IPsec proposal", "Proposal name"],
        "seq <1-65535>:number [proposal] [NAME]",
        None,
        |s, a, _| {
            if a.negated() {
                let seq = a.u32("number").unwrap_or(0);
                ipsec_pol_mut(s)?.proposals.remove(&seq).map(|_| ()).ok_or_else(|| format!("seq {seq} does not exist"))
            } else {
                let seq = a.u32("number").unwrap_or(1);
                let n = a.req("NAME")?.to_string();
                let p = ipsec_pol_mut(s)?;
                put_seq(&mut p.proposals, seq, n, MAX_POLICY_PROPOSALS, "proposals per IPsec policy")
            }
        },
    );
}

// ---------------------------------------------------------------- IPsec SA (section 8.3)

fn sa_mut(s: &mut Session) -> Result<&mut IpsecSa, String> {
    let name = match frame(s) {
        Frame::IpsecSa(n) | Frame::IpsecSaSpi(n, _) => n,
        _ => return Err("not in IPsec SA mode".into()),
    };
    s.cand()?.ipsec_sas.get_mut(&name).ok_or_else(|| gone(&format!("IPsec security-association {name}")))
}

pub(super) fn ipsec_sa(g: &mut G) {
    add_no(g, "description LINE", &[DESC, DESC_TEXT], "description [LINE]", None, |s, a, _| {
        sa_mut(s)?.description = if a.negated() { None } else { desc(a) };
        Ok(())
    });
    add_no(
        g,
        "anti-replay-window <0-1024>:packets",
        &["Anti-replay window size (0 disables the check)", "Packets"],
        "anti-replay-window [<0-1024>:packets]",
        Some("Set the default (64 packets)"),
        |s, a, _| {
            let d = IpsecSa::default().anti_replay_window;
            sa_mut(s)?.anti_replay_window = if a.negated() { d } else { a.u32("packets").unwrap_or(d) };
            Ok(())
        },
    );
    add_no(
        g,
        "ip-comp",
        &["Enable IP payload compression"],
        "ip-comp",
        Some("Disable IP payload compression"),
        |s, a, _| {
            sa_mut(s)?.ip_comp = !a.negated();
            Ok(())
        },
    );
    add(
        g,
        "{both | in | out}",
        &["Attributes of bidirectional SAs", "Attributes of the inbound SA", "Attributes of the outbound SA"],
        |s, a, _| {
            let dir = pick(a, SaDir::ALL, SaDir::word).unwrap_or(SaDir::Both);
            let Frame::IpsecSa(name) = frame(s) else { return Err("not in IPsec SA mode".into()) };
            let sa = sa_mut(s)?;
            let conflict = match dir {
                SaDir::Both => sa.dirs.contains_key(&SaDir::In) || sa.dirs.contains_key(&SaDir::Out),
                _ => sa.dirs.contains_key(&SaDir::Both),
            };
            if conflict {
                return Err("The both command cannot be used with either the in or out command".into());
            }
            sa.dirs.entry(dir).or_default();
            push(s, Frame::IpsecSaSpi(name, dir));
            Ok(())
        },
    );
    add(g, "no {both | in | out}", &[NO, "Bidirectional SAs", "Inbound SA", "Outbound SA"], |s, a, _| {
        let dir = pick(a, SaDir::ALL, SaDir::word).unwrap_or(SaDir::Both);
        sa_mut(s)?.dirs.remove(&dir).map(|_| ()).ok_or_else(|| format!("{dir} is not configured"))
    });
}

fn spi_mut(s: &mut Session) -> Result<&mut ManualSaKeys, String> {
    let Frame::IpsecSaSpi(_, dir) = frame(s) else { return Err("not in IPsec SA SPI mode".into()) };
    sa_mut(s)?.dirs.get_mut(&dir).ok_or_else(|| gone(&format!("SA direction {dir}")))
}

fn key_of(a: &Args) -> Result<Key, String> {
    match (a.get("key"), a.get("HEX")) {
        (Some(k), _) => Ok(Key::Ascii(k.to_string())),
        (None, Some(h)) => Ok(Key::Hex(h.to_string())),
        _ => Err("missing key".into()),
    }
}

pub(super) fn ipsec_sa_spi(g: &mut G) {
    add_no(
        g,
        "esp spi <256-4294967295>:spi",
        &["ESP", "Security parameter index", "SPI value"],
        "esp spi",
        None,
        |s, a, _| {
            spi_mut(s)?.esp_spi = if a.negated() { None } else { a.u32("spi") };
            Ok(())
        },
    );
    add(
        g,
        &format!(
            "esp authentication [{}] {{key WORD:key | hex HEX}}",
            AUTH_ALGS.trim_matches(|c| c == '{' || c == '}')
        ),
        &helps(
            &["ESP", "ESP authentication algorithm and key"],
            &[
                AUTH_HELP[0],
                AUTH_HELP[1],
                AUTH_HELP[2],
                "Key (ASCII or 0x-prefixed hexadecimal)",
                "Key",
                "Hexadecimal key",
                "Key in hexadecimal",
            ],
        ),
        |s, a, _| {
            let alg = pick(a, EspAuth::ALL, EspAuth::word).unwrap_or(EspAuth::HmacSha1_96);
            let k = key_of(a)?;
            spi_mut(s)?.esp_auth = Some((alg, k));
            Ok(())
        },
    );
    add(g, "no esp authentication", &[NO, "ESP", "Remove ESP authentication"], |s, _, _| {
        spi_mut(s)?.esp_auth = None;
        Ok(())
    });
    add(g, "esp encryption null", &["ESP", "ESP encryption algorithm and key", "No encryption"], |s, _, _| {
        spi_mut(s)?.esp_encr = Some((EspEncr::Null, None));
        Ok(())
    });
    add_no(
        g,
        "esp encryption [des-cbc | 3des-cbc | aes-128-cbc | aes-192-cbc | aes-256-cbc] {key WORD:key | hex HEX}",
        &helps(
            &["ESP", "ESP encryption algorithm and key"],
            &[
                ENCR_HELP[1],
                ENCR_HELP[2],
                ENCR_HELP[3],
                ENCR_HELP[4],
                ENCR_HELP[5],
                "Key (ASCII)",
                "Key",
                "Hexadecimal key",
                "Key in hexadecimal",
            ],
        ),
        "esp encryption",
        Some("Remove ESP encryption"),
        |s, a, _| {
            if a.negated() {
                spi_mut(s)?.esp_encr = None;
                Ok(())
            } else {
                let alg = pick(a, &EspEncr::ALL[1..], EspEncr::word).unwrap_or(EspEncr::Aes128Cbc);
                let k = key_of(a)?;
                spi_mut(s)?.esp_encr = Some((alg, Some(k)));
                Ok(())
            }
        },
    );
    add_no(
        g,
        "ah spi <256-4294967295>:spi",
        &["AH", "Security parameter index", "SPI value"],
        "ah spi",
        None,
        |s, a, _| {
            spi_mut(s)?.ah_spi = if a.negated() { None } else { a.u32("spi") };
            Ok(())
        },
    );
    add(
        g,
        &format!("ah [{}] {{key WORD:key | hex HEX}}", AUTH_ALGS.trim_matches(|c| c == '{' || c == '}')),
        &helps(
            &["AH authentication algorithm and key"],
            &[AUTH_HELP[0], AUTH_HELP[1], AUTH_HELP[2], "Key (ASCII)", "Key", "Hexadecimal key", "Key in hexadecimal"],
        ),
        |s, a, _| {
            let alg = pick(a, EspAuth::ALL, EspAuth::word).unwrap_or(EspAuth::HmacSha1_96);
            let k = key_of(a)?;
            spi_mut(s)?.ah = Some((alg, k));
            Ok(())
        },
    );
    add(g, "no ah", &[NO, "Remove AH"], |s, _, _| {
        spi_mut(s)?.ah = None;
        Ok(())
    });
}

// ---------------------------------------------------------------- IPsec ACL (section 8.4)

fn acl_mut(s: &mut Session) -> Result<&mut IpsecAcl, String> {
    let Frame::IpsecAcl { name, .. } = frame(s) else { return Err("not in IPsec access-list mode".into()) };
    context_mut(s)?.ipsec_acls.get_mut(&name).ok_or_else(|| gone(&format!("IPsec access-list {name}")))
}

/// Walk the bindings of an ACL rule in order: protocol, source, port, destination, port.
fn acl_rule(a: &Args) -> Result<AclRule, String> {
    let mut it = a.bindings.get(2..).unwrap_or(&[]).iter().peekable(); // after `seq N`
    let mut protocol = None;
    if let Some(b) = it.peek() {
        let p = match (b.keyword, &*b.value) {
            (true, "tcp") => Some(6),
            (true, "udp") => Some(17),
            (true, "icmp") => Some(1),
            (false, v) if b.key == "proto" => Some(v.parse::<u8>().map_err(|_| format!("Invalid protocol {v}"))?),
            _ => None,
        };
        if p.is_some() {
            protocol = p;
            it.next();
        }
    }
    let addr = |it: &mut std::iter::Peekable<std::slice::Iter<'_, edgesh_grammar::Binding<'static>>>| -> Result<Option<AclAddr>, String> {
        match it.peek() {
            Some(b) if b.keyword && b.value == "any" => {
                it.next();
                Ok(Some(AclAddr::Any))
            }
            Some(b) if b.key == "src" || b.key == "dst" => {
                let p: Prefix4 = b.value.parse()?;
                it.next();
                Ok(Some(AclAddr::Prefix(p)))
            }
            _ => Ok(None),
        }
    };
    let port = |it: &mut std::iter::Peekable<std::slice::Iter<'_, edgesh_grammar::Binding<'static>>>| -> Option<(PortOp, u16)> {
        let op = it.peek().filter(|b| b.keyword).and_then(|b| PortOp::from_word(&b.value))?;
        it.next();
        let v = it.next()?.value.parse().ok()?;
        Some((op, v))
    };
    let src = addr(&mut it)?.ok_or("missing source")?;
    let src_port = port(&mut it);
    let dst = addr(&mut it)?;
    let dst_port = port(&mut it);
    if (src_port.is_some() || dst_port.is_some()) && !matches!(protocol, Some(6) | Some(17)) {
        return Err("Port conditions need protocol tcp or udp".into());
    }
    Ok(AclRule { protocol, src, src_port, dst, dst_port })
}

pub(super) fn ipsec_acl(g: &mut G) {
    add_no(g, "description LINE", &[DESC, DESC_TEXT], "description [LINE]", None, |s, a, _| {
        acl_mut(s)?.description = if a.negated() { None } else { desc(a) };
        Ok(())
    });
    add_no(
        g,
        "seq <1-65535>:number [tcp | udp | icmp | <0-255>:proto] {A.B.C.D/M:src | any} [{eq | neq | lt | gt} <0-65535>:sport] [{A.B.C.D/M:dst | any} [{eq | neq | lt | gt} <0-65535>:dport]]",
        &[
            SEQ,
            SEQ_NUM,
            "TCP",
            "UDP",
            "ICMP",
            "IP protocol number",
            "Source prefix",
            "Any source",
            "Port equal to",
            "Port not equal to",
            "Port less than",
            "Port greater than",
            "Source port",
            "Destination prefix",
            "Any destination",
            "Port equal to",
            "Port not equal to",
            "Port less than",
            "Port greater than",
            "Destination port",
        ],
        "seq <1-65535>:number",
        None,
        |s, a, _| {
            if a.negated() {
                let seq = a.u32("number").unwrap_or(0);
                acl_mut(s)?.rules.remove(&seq).map(|_| ()).ok_or_else(|| format!("seq {seq} does not exist"))
            } else {
                let seq = a.u32("number").unwrap_or(1);
                let r = acl_rule(a)?;
                put_seq(&mut acl_mut(s)?.rules, seq, r, usize::MAX, "rules")
            }
        },
    );
}

// ---------------------------------------------------------------- IPsec profile (section 9.3.3)

fn profile_mut(s: &mut Session) -> Result<&mut IpsecProfile, String> {
    let Frame::IpsecProfile { name, .. } = frame(s) else { return Err("not in IPsec profile mode".into()) };
    context_mut(s)?.ipsec_profiles.get_mut(&name).ok_or_else(|| gone(&format!("IPsec profile {name}")))
}

pub(super) fn ipsec_profile(g: &mut G) {
    add_no(
        g,
        "df-bit {set | clear}",
        &["Don't Fragment bit of the outer header", "Always set", "Always clear"],
        "df-bit [set | clear]",
        None,
        |s, a, _| {
            profile_mut(s)?.df_bit =
                if a.negated() { None } else { Some(if a.has("set") { DfBit::Set } else { DfBit::Clear }) };
            Ok(())
        },
    );
    add_no(
        g,
        "mtu <256-16384>:bytes",
        &["MTU of packets sent in the tunnel", "Bytes"],
        "mtu [<256-16384>:bytes]",
        None,
        |s, a, _| {
            profile_mut(s)?.mtu = if a.negated() { None } else { a.u32("bytes") };
            Ok(())
        },
    );
    add_no(
        g,
        "seq <1-65535>:number ipsec-policy NAME:policy [access-group NAME:acl]",
        &[
            SEQ,
            SEQ_NUM,
            "Reference an IPsec policy",
            "IPsec policy name",
            "Restrict to an IPsec access list",
            "Access list name",
        ],
        "seq <1-65535>:number",
        None,
        |s, a, _| {
            if a.negated() {
                let seq = a.u32("number").unwrap_or(0);
                profile_mut(s)?.entries.remove(&seq).map(|_| ()).ok_or_else(|| format!("seq {seq} does not exist"))
            } else {
                let seq = a.u32("number").unwrap_or(1);
                let e = PolicyEntry {
                    policy: a.req("policy")?.to_string(),
                    access_group: a.get("acl").map(str::to_string),
                };
                let p = profile_mut(s)?;
                put_seq(&mut p.entries, seq, e, MAX_TUNNEL_ENTRIES, "ipsec-policy entries per profile")
            }
        },
    );
}

// ---------------------------------------------------------------- IPsec QoS (section 8.5)

pub(super) fn qos(g: &mut G) {
    add(
        g,
        "num-queues {1 | 4}",
        &["Number of priority queues per SA", "One queue (no priority queuing)", "Four strict-priority queues"],
        |s, a, _| {
            let Frame::QosPq(name) = frame(s) else { return Err("not in QoS policy mode".into()) };
            let n = if a.has("4") { 4 } else { 1 };
            s.cand()?.ipsec_qos.get_mut(&name).ok_or_else(|| gone(&format!("ipsec qos policy {name}")))?.num_queues = n;
            Ok(())
        },
    );
}
