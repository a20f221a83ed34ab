//! Tunnel-groups and group policies: `tunnel-group NAME type|
//! general-attributes|ipsec-attributes` and their modes (the pre-shared
//! keys, `isakmp keepalive`), `group-policy`.

use super::*;

/// `tunnel-group` and `group-policy` (configuration mode).
pub(super) fn global(g: &mut G) {
    add(
        g,
        "tunnel-group WORD type {ipsec-l2l | remote-access | webvpn}",
        &[
            "Create and manage the database of connection specific records for IPSec connections",
            "Name of the tunnel group (an IP address for a LAN-to-LAN peer)",
            "Set the type of the tunnel group",
            "IPSec LAN-to-LAN",
            "IPSec remote access",
            "WebVPN",
        ],
        |s, a, _| {
            set_line(s, &key_words(a, 3), &canon(a));
            Ok(())
        },
    );
    add(
        g,
        "tunnel-group WORD general-attributes",
        &[
            "Create and manage the database of connection specific records for IPSec connections",
            "Name of the tunnel group",
            "Enter the general-attributes sub-command mode",
        ],
        b_tg_general,
    );
    add(
        g,
        "tunnel-group WORD ipsec-attributes",
        &[
            "Create and manage the database of connection specific records for IPSec connections",
            "Name of the tunnel group",
            "Enter the ipsec-attributes sub-command mode",
        ],
        b_tg_ipsec,
    );
    add(
        g,
        "group-policy WORD {internal | external server-group WORD:group}",
        &[
            "Configure or remove a group policy",
            "Group policy name",
            "Internal group policy",
            "External group policy",
            "Server group",
            "Name",
        ],
        |s, a, _| {
            set_line(s, &key_words(a, 2), &canon(a));
            Ok(())
        },
    );
    add(
        g,
        "group-policy WORD attributes",
        &["Configure or remove a group policy", "Group policy name", "Enter the attributes sub-command mode"],
        b_group_policy,
    );
}

/// `tunnel-group NAME general-attributes` mode.
pub(super) fn general_attributes(g: &mut G) {
    add(g, "default-group-policy WORD", &["Set the default group policy", "Group policy name"], leaf1);
}

/// `tunnel-group NAME ipsec-attributes` mode.
pub(super) fn ipsec_attributes(g: &mut G) {
    add(
        g,
        "ikev1 pre-shared-key WORD",
        &["Configure IKEv1 settings", "Set the pre-shared key", "The key (up to 128 characters)"],
        leaf2,
    );
    add(
        g,
        "ikev2 remote-authentication pre-shared-key [0 | 8] WORD",
        &[
            "Configure IKEv2 settings",
            "Authentication of the peer",
            "Pre-shared key",
            "Unencrypted",
            "Encrypted",
            "The key",
        ],
        leaf3,
    );
    add(
        g,
        "ikev2 local-authentication pre-shared-key [0 | 8] WORD",
        &[
            "Configure IKEv2 settings",
            "Authentication of this device",
            "Pre-shared key",
            "Unencrypted",
            "Encrypted",
            "The key",
        ],
        leaf3,
    );
    add(g, "pre-shared-key WORD", &["Set the pre-shared key (ASA 8.2: IKEv1)", "The key"], super::legacy::old_syntax);
    add(
        g,
        "peer-id-validate {req | cert | nocheck}",
        &["Validate the peer's identity", "Required", "If supported by the certificate", "Do not check"],
        leaf1,
    );
    add(
        g,
        "isakmp keepalive {threshold <10-3600> retry <2-10> | disable | threshold infinite}",
        &[
            "ISAKMP settings",
            "Keepalive (DPD)",
            "Threshold",
            "Seconds",
            "Retry",
            "Seconds",
            "Disable",
            "Threshold",
            "Never",
        ],
        leaf2,
    );
}
