//! Small pieces of IOS's language the commands and the compile share:
//! interface names in full, the words of a line, mask lengths.

use std::net::Ipv4Addr;

/// IOS interface names in full: `e1/0` is `Ethernet1/0`, `gi0/0` is `GigabitEthernet0/0`.
pub fn interface_name(n: &str) -> String {
    const TYPES: &[&str] = &[
        "Ethernet",
        "FastEthernet",
        "GigabitEthernet",
        "TenGigabitEthernet",
        "Loopback",
        "Tunnel",
        "Port-channel",
        "Vlan",
        "Serial",
        "Dialer",
        "Virtual-Template",
    ];
    let split = n.find(|c: char| c.is_ascii_digit()).unwrap_or(n.len());
    let (ty, num) = n.split_at(split);
    if ty.is_empty() || num.is_empty() {
        return n.to_string();
    }
    let lower = ty.to_ascii_lowercase();
    let hits: Vec<&&str> = TYPES.iter().filter(|t| t.to_ascii_lowercase().starts_with(&lower)).collect();
    // `e` is Ethernet, as on IOS; otherwise a unique prefix.
    match (lower.as_str(), hits.as_slice()) {
        ("e", _) => format!("Ethernet{num}"),
        ("gi" | "g", _) => format!("GigabitEthernet{num}"),
        ("te" | "t", _) => format!("TenGigabitEthernet{num}"),
        (_, [one]) => format!("{one}{num}"),
        _ => n.to_string(),
    }
}

pub fn words(s: &str) -> Vec<&str> {
    s.split_whitespace().collect()
}

pub fn mask_len(m: Ipv4Addr) -> Option<u8> {
    let v = u32::from(m);
    (v.leading_ones() + v.trailing_zeros() == 32).then_some(v.leading_ones() as u8)
}
