//! ASA 8.2 lines (`crypto isakmp ...`, `crypto ipsec transform-set`,
//! `pre-shared-key` ...), converted to the 9.x lines as 8.4 and later
//! convert them on load.

use super::*;

/// The 8.2 lines of configuration mode.
pub(super) fn global(g: &mut G) {
    add(
        g,
        "access-list WORD {permit | deny} LINE",
        &[
            "Configure an access control element",
            "Access list identifier",
            "Specify packets to forward",
            "Specify packets to reject",
            "Protocol, source, destination (ASA 7.x: extended)",
        ],
        old_syntax,
    );
    add(
        g,
        "crypto isakmp policy <1-65535>",
        &[CR, "Configure ISAKMP (ASA 8.2: IKEv1)", "Set policy suite", "Priority"],
        old_syntax,
    );
    add(
        g,
        "crypto isakmp enable WORD",
        &[CR, "Configure ISAKMP (ASA 8.2: IKEv1)", "Enable on an interface", "Interface name (nameif)"],
        old_syntax,
    );
    add(
        g,
        "crypto ipsec transform-set WORD LINE",
        &[CR, "IPsec (ASA 8.2: IKEv1 transform set)", "Define transform set", "Name", "Transforms"],
        old_syntax,
    );
    add(
        g,
        "crypto map WORD <1-65535> set transform-set LINE",
        &[
            CR,
            "Configure a crypto map",
            "Crypto map tag",
            "Sequence",
            "Specify crypto map settings",
            "Transform sets (ASA 8.2: IKEv1)",
            "Names",
        ],
        old_syntax,
    );
    add(
        g,
        "crypto dynamic-map WORD <1-65535> set transform-set LINE",
        &[
            CR,
            "Configure a dynamic crypto map",
            "Tag",
            "Sequence",
            "Specify crypto map settings",
            "Transform sets (ASA 8.2: IKEv1)",
            "Names",
        ],
        old_syntax,
    );
}

/// The ASA 8.2 commands that 8.4 and later convert on load (the IKEv1
/// keywords): `crypto isakmp policy|enable`, `crypto ipsec transform-set`,
/// `crypto map M N set transform-set`, `pre-shared-key` in a tunnel-group's
/// ipsec-attributes. Returns the line as 9.x keeps it.
pub fn convert_82(line: &str) -> Option<String> {
    let w: Vec<&str> = line.split_whitespace().collect();
    let rest = |n: usize| w[n..].join(" ");
    Some(match w.as_slice() {
        ["crypto", "isakmp", "policy", _] => format!("crypto ikev1 policy {}", rest(3)),
        ["crypto", "isakmp", "enable", _] => format!("crypto ikev1 enable {}", rest(3)),
        ["crypto", "ipsec", "transform-set", _, ..] => format!("crypto ipsec ikev1 transform-set {}", rest(3)),
        ["crypto", m @ ("map" | "dynamic-map"), name, seq, "set", "transform-set", ..] => {
            format!("crypto {m} {name} {seq} set ikev1 transform-set {}", rest(6))
        }
        ["pre-shared-key", _] => format!("ikev1 {line}"),
        // `access-list NAME permit ...` (7.x): an extended entry.
        ["access-list", name, "permit" | "deny", ..] => format!("access-list {name} extended {}", rest(2)),
        _ => return None,
    })
}

/// An ASA 8.2 line: run as the 9.x line it converts to.
pub(super) fn old_syntax(s: &mut Session, a: &Args, o: &mut dyn Out) -> CmdResult {
    let Some(new) = convert_82(&canon(a)) else { return Err("% Invalid input".into()) };
    let m = super::super::mode(s);
    match super::super::run_in(s, m, &new, o) {
        Ok(true) => Ok(()),
        Ok(false) => Err(String::new()),
        Err(_) => Err(format!("% Invalid input ({new})")),
    }
}
