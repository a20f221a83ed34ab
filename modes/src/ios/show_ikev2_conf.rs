//! `show crypto ikev2 proposal [NAME]` and `show crypto ikev2 profile
//! [NAME]`: the configured IKEv2 proposals (IOS's `default` one first, as
//! edgesh runs it when no proposal of that name is configured) and profiles,
//! read from the running document. Layouts as in IOS-XE captures (Genie's
//! iosxe `ShowCryptoIkev2Proposal` and `ShowCryptoIkev2Profile` outputs).

use super::ikev2::{Ikev2, V2Proposal, prf_of};
use super::names::words;
use super::show_ikev2::prf_name;
use super::{IosDoc, Node};
use crate::cisco_common::{G, add};
use edgesh_engine::config::{IkeAuthAlg, IkeEncr, Prf};

fn encr_name(e: IkeEncr) -> &'static str {
    match e {
        IkeEncr::DesCbc => "DES",
        IkeEncr::TripleDesCbc => "3DES",
        IkeEncr::Aes128Cbc => "AES-CBC-128",
        IkeEncr::Aes192Cbc => "AES-CBC-192",
        IkeEncr::Aes256Cbc => "AES-CBC-256",
        IkeEncr::Aes128Gcm16 => "AES-GCM-128",
        IkeEncr::Aes256Gcm16 => "AES-GCM-256",
    }
}

/// IOS names SHA1 and MD5 integrity by their truncation (`SHA96`, `MD596`).
fn integ_name(i: IkeAuthAlg) -> &'static str {
    match i {
        IkeAuthAlg::HmacMd5_96 => "MD596",
        IkeAuthAlg::HmacSha1_96 => "SHA96",
        IkeAuthAlg::HmacSha256 => "SHA256",
        IkeAuthAlg::HmacSha384 => "SHA384",
        IkeAuthAlg::HmacSha512 => "SHA512",
    }
}

fn group_name(g: u16) -> String {
    let kind = match g {
        1 => "768_MODP",
        2 => "1024_MODP",
        5 => "1536_MODP",
        14 => "2048_MODP",
        15 => "3072_MODP",
        16 => "4096_MODP",
        19 => "256_ECP",
        20 => "384_ECP",
        21 => "521_ECP",
        24 => "2048_256_MODP",
        _ => return format!("Group {g}"),
    };
    format!("DH_GROUP_{kind}/Group {g}")
}

fn list(v: Vec<&str>) -> String {
    if v.is_empty() { "none".to_string() } else { v.join(" ") }
}

/// A proposal's fields in IOS's words: encryption, integrity, PRF (those of
/// the integrity algorithms when none is configured), DH groups.
fn proposal_fields(p: &V2Proposal) -> (String, String, String, Vec<String>) {
    let mut prfs: Vec<Prf> =
        if p.prf.is_empty() { p.integ.iter().map(|i| prf_of(*i)).collect() } else { p.prf.clone() };
    prfs.dedup();
    (
        list(p.enc.iter().map(|e| encr_name(*e)).collect()),
        list(p.integ.iter().map(|i| integ_name(*i)).collect()),
        list(prfs.iter().map(|p| prf_name(*p)).collect()),
        p.groups.iter().map(|g| group_name(*g)).collect(),
    )
}

/// One proposal's block.
fn proposal_lines(name: &str, p: &V2Proposal, out: &mut Vec<String>) {
    let (enc, integ, prf, groups) = proposal_fields(p);
    out.push(format!("IKEv2 proposal: {name}"));
    out.push(format!("     Encryption : {enc}"));
    out.push(format!("     Integrity  : {integ}"));
    out.push(format!("     PRF        : {prf}"));
    out.push(format!("     DH Group   : {}", list(groups.iter().map(String::as_str).collect())));
}

/// The proposals `show crypto ikev2 proposal [NAME]` lists: `default` (IOS's, unless
/// configured) first, then the configured ones in the order of the configuration.
fn proposal_list(doc: &IosDoc, only: Option<&str>) -> Vec<(String, V2Proposal)> {
    let mut v2 = Ikev2::default();
    let mut names: Vec<&str> = Vec::new();
    let mut notes = Vec::new();
    for n in &doc.root {
        if let ["crypto", "ikev2", "proposal", name] = words(&n.text).as_slice() {
            v2.read(n, &mut notes);
            if !names.contains(name) {
                names.push(name);
            }
        }
    }
    let mut all =
        vec![("default".to_string(), v2.proposal("default").cloned().unwrap_or_else(V2Proposal::ios_default))];
    all.extend(
        names.iter().filter(|n| **n != "default").filter_map(|n| v2.proposal(n).map(|p| (n.to_string(), p.clone()))),
    );
    all.retain(|(n, _)| only.is_none_or(|o| o == n));
    all
}

/// `show crypto ikev2 proposal [NAME]`.
pub fn proposals(doc: &IosDoc, only: Option<&str>, out: &mut Vec<String>) {
    for (name, p) in proposal_list(doc, only) {
        proposal_lines(&name, &p, out);
    }
}

/// What `show crypto ikev2 profile` says of one profile (the text and the
/// JSON both read it).
struct ProfileView {
    name: String,
    shutdown: bool,
    ref_count: usize,
    fvrf: String,
    local: Vec<String>,
    /// Each `match identity remote ...` line's words after `remote`.
    identities: Vec<Vec<String>>,
    certificate_maps: Vec<String>,
    local_identity: Option<String>,
    auth_local: Vec<String>,
    auth_remote: Vec<String>,
    keyring: Option<String>,
    trustpoints: Vec<String>,
    lifetime: u32,
    /// (interval, retry interval, periodic | on-demand)
    dpd: Option<(String, String, String)>,
    nat_keepalive: Option<String>,
    ivrf: Option<String>,
    virtual_template: Option<String>,
}

/// The words after a prefix, of the profile's lines that have it.
fn rests(n: &Node, prefix: &[&str]) -> Vec<Vec<String>> {
    n.children
        .iter()
        .map(|c| words(&c.text))
        .filter(|w| w.len() > prefix.len() && w[..prefix.len()] == *prefix)
        .map(|w| w[prefix.len()..].iter().map(|x| x.to_string()).collect())
        .collect()
}

fn first_word(v: Vec<Vec<String>>) -> Vec<String> {
    v.into_iter().filter_map(|w| w.into_iter().next()).collect()
}

fn profile_view(doc: &IosDoc, name: &str, n: &Node) -> ProfileView {
    let one = |prefix: &[&str]| rests(n, prefix).into_iter().next().map(|w| w.join(" "));
    ProfileView {
        name: name.to_string(),
        shutdown: n.children.iter().any(|c| c.text.trim() == "shutdown"),
        // The crypto map entries and IPsec profiles that name this profile.
        ref_count: doc
            .root
            .iter()
            .filter(|b| b.text.starts_with("crypto map ") || b.text.starts_with("crypto ipsec profile "))
            .filter(|b| b.children.iter().any(|c| words(&c.text) == ["set", "ikev2-profile", name]))
            .count(),
        fvrf: one(&["match", "fvrf"]).unwrap_or_else(|| "global".into()),
        local: rests(n, &["match", "address", "local"])
            .into_iter()
            .map(|w| match w.as_slice() {
                [kw, i] if kw == "interface" => super::names::interface_name(i),
                w => w.join(" "),
            })
            .collect(),
        identities: rests(n, &["match", "identity", "remote"])
            .into_iter()
            .map(|mut w| {
                if w.len() == 2 && w[0] == "address" {
                    w.push("255.255.255.255".into());
                }
                w
            })
            .collect(),
        certificate_maps: first_word(rests(n, &["match", "certificate"])),
        local_identity: one(&["identity", "local"]),
        auth_local: first_word(rests(n, &["authentication", "local"])),
        auth_remote: first_word(rests(n, &["authentication", "remote"])),
        keyring: one(&["keyring", "local"]),
        trustpoints: first_word(rests(n, &["pki", "trustpoint"])),
        lifetime: one(&["lifetime"]).and_then(|x| x.parse().ok()).unwrap_or(super::defaults::IKEV2_SA_SECONDS),
        dpd: rests(n, &["dpd"]).into_iter().next().and_then(|w| match w.as_slice() {
            [i, r, mode] => Some((i.clone(), r.clone(), mode.clone())),
            [i, r] => Some((i.clone(), r.clone(), "on-demand".into())),
            _ => None,
        }),
        nat_keepalive: one(&["nat", "keepalive"]),
        ivrf: one(&["ivrf"]),
        virtual_template: one(&["virtual-template"]),
    }
}

fn or_none(v: &Option<String>) -> &str {
    v.as_deref().unwrap_or("none")
}

/// What edgesh does not model in a profile (EAP, AAA, `mode auto`): none.
const AAA: [(&str, &str); 6] = [
    ("AAA AnyConnect EAP authentication mlist", "aaa_anyconnect_eap_authentication_mlist"),
    ("AAA EAP authentication mlist", "aaa_eap_authentication_mlist"),
    ("AAA authentication mlist", "aaa_authentication_mlist"),
    ("AAA Accounting", "aaa_accounting"),
    ("AAA group authorization", "aaa_group_authorization"),
    ("AAA user authorization", "aaa_user_authorization"),
];

/// One profile's block.
fn profile_lines(p: &ProfileView, out: &mut Vec<String>) {
    let joined = |v: &[String], sep: &str| if v.is_empty() { "none".to_string() } else { v.join(sep) };
    out.push(format!("IKEv2 profile: {}", p.name));
    out.push(format!(" Shutdown : {}", if p.shutdown { "Yes" } else { "No" }));
    out.push(format!(" Ref Count: {}", p.ref_count));
    out.push(" Match criteria:".into());
    out.push(format!("  Fvrf: {}", p.fvrf));
    out.push(format!("  Local address/interface: {}", joined(&p.local, ", ")));
    if p.identities.is_empty() {
        out.push("  Identities: none".into());
    } else {
        out.push("  Identities:".into());
        out.extend(p.identities.iter().map(|w| format!("   {}", w.join(" "))));
    }
    out.push(format!("  Certificate maps: {}", joined(&p.certificate_maps, " ")));
    out.push(format!(" Local identity: {}", or_none(&p.local_identity)));
    out.push(" Remote identity: none".into());
    out.push(format!(" Local authentication method: {}", joined(&p.auth_local, " ")));
    out.push(format!(" Remote authentication method(s): {}", joined(&p.auth_remote, " ")));
    out.push(" EAP options: none".into());
    out.push(format!(" Keyring: {}", or_none(&p.keyring)));
    out.push(format!(" Trustpoint(s): {}", joined(&p.trustpoints, " ")));
    out.push(format!(" Lifetime: {} seconds", p.lifetime));
    out.push(match &p.dpd {
        Some((i, r, mode)) => format!(" DPD: interval {i}, retry-interval {r}, {mode}"),
        None => " DPD: disabled".into(),
    });
    out.push(match &p.nat_keepalive {
        Some(s) => format!(" NAT-keepalive: interval {s}"),
        None => " NAT-keepalive: disabled".into(),
    });
    out.push(format!(" Ivrf: {}", or_none(&p.ivrf)));
    out.push(format!(" Virtual-template: {}", or_none(&p.virtual_template)));
    out.push(" mode auto: none".into());
    for (what, _) in AAA {
        out.push(format!(" {what}: none"));
    }
}

fn profile_views(doc: &IosDoc, only: Option<&str>) -> Vec<ProfileView> {
    doc.root
        .iter()
        .filter_map(|n| match words(&n.text).as_slice() {
            ["crypto", "ikev2", "profile", name] if only.is_none_or(|o| o == *name) => Some(profile_view(doc, name, n)),
            _ => None,
        })
        .collect()
}

/// `show crypto ikev2 profile [NAME]`: the configured profiles in the order of the configuration.
pub fn profiles(doc: &IosDoc, only: Option<&str>, out: &mut Vec<String>) {
    for p in profile_views(doc, only) {
        // A blank line before each profile, as IOS-XE prints it.
        out.push(String::new());
        profile_lines(&p, out);
    }
}

/// `show crypto ikev2 profile [NAME] | json`, in Genie's `ShowCryptoIkev2Profile` schema
/// (its `identities`: the words of the identities after their kind).
pub fn profiles_json(doc: &IosDoc, only: Option<&str>) -> serde_json::Value {
    use serde_json::{Map, Value, json};
    let joined = |v: &[String]| if v.is_empty() { "none".to_string() } else { v.join(" ") };
    let mut all = Map::new();
    for p in profile_views(doc, only) {
        let mut m = Map::new();
        for (_, key) in AAA {
            m.insert(key.into(), json!("none"));
        }
        if let Some((i, r, mode)) = &p.dpd {
            let num = |x: &str| x.parse::<u64>().map(Value::from).unwrap_or_else(|_| json!(x));
            m.insert("dpd".into(), json!({ "interval": num(i), "retry_interval": num(r), "type": mode }));
        }
        m.insert("eap_options".into(), json!("none"));
        m.insert("ivrf".into(), json!(or_none(&p.ivrf)));
        m.insert("keyring".into(), json!(or_none(&p.keyring)));
        m.insert("lifetime".into(), json!(p.lifetime));
        m.insert("local_authentication_method".into(), json!(joined(&p.auth_local)));
        m.insert("local_identity".into(), json!(or_none(&p.local_identity)));
        let ids: Vec<&String> = p.identities.iter().flat_map(|w| w.iter().skip(1)).collect();
        m.insert(
            "match_criteria".into(),
            json!({
                "certificate_maps": joined(&p.certificate_maps),
                "fvrf": p.fvrf,
                "identities": ids,
                "local_address_interface": if p.local.is_empty() { "none".to_string() } else { p.local.join(", ") },
            }),
        );
        m.insert("mode_auto".into(), json!("none"));
        m.insert(
            "nat_keepalive".into(),
            json!(p.nat_keepalive.as_ref().map(|s| format!("interval {s}")).unwrap_or_else(|| "disabled".into())),
        );
        m.insert("ref_count".into(), json!(p.ref_count));
        m.insert("remote_authentication_methods".into(), json!(joined(&p.auth_remote)));
        m.insert("remote_identity".into(), json!("none"));
        m.insert("shutdown".into(), json!(if p.shutdown { "Yes" } else { "No" }));
        m.insert("trustpoints".into(), json!(joined(&p.trustpoints)));
        m.insert("virtual_template".into(), json!(or_none(&p.virtual_template)));
        all.insert(p.name.clone(), Value::Object(m));
    }
    json!({ "ikev2_profile": all })
}

/// `show crypto ikev2 proposal [NAME] | json`, in Genie's `ShowCryptoIkev2Proposal` schema.
pub fn proposals_json(doc: &IosDoc, only: Option<&str>) -> serde_json::Value {
    let mut all = serde_json::Map::new();
    for (name, p) in proposal_list(doc, only) {
        let (enc, integ, prf, groups) = proposal_fields(&p);
        all.insert(name, serde_json::json!({ "dh_group": groups, "encryption": enc, "integrity": integ, "prf": prf }));
    }
    serde_json::json!({ "proposal_name": all })
}

/// The exec commands of this file (IOS).
pub fn register(g: &mut G) {
    const SH: &str = "Show running system information";
    const CR: &str = "Encryption module";
    const V2: &str = "Shows ikev2 information";
    add(
        g,
        "show crypto ikev2 proposal [WORD]",
        &[SH, CR, V2, "Show IKEv2 proposals", "IKEv2 proposal name"],
        |s, a, o| {
            let doc = s.router().ios_doc.clone();
            let mut v = Vec::new();
            proposals(&doc, a.get("WORD"), &mut v);
            v.iter().for_each(|l| o.line(l));
            Ok(())
        },
    );
    add(g, "show crypto ikev2 profile [WORD]", &[SH, CR, V2, "Shows ikev2 profiles", "Profile name"], |s, a, o| {
        let doc = s.router().ios_doc.clone();
        let mut v = Vec::new();
        profiles(&doc, a.get("WORD"), &mut v);
        v.iter().for_each(|l| o.line(l));
        Ok(())
    });
}
