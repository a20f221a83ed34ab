//! The ASA vocabulary (table format: `crate::vocab`): for each
//! configuration mode, the commands ASA 9.x has there that edgesh does not
//! model, and the sub-modes they open. A line edgesh does not model is kept
//! verbatim in its place only if it is a command of its mode; anything else
//! is refused with the ASA's caret, so a typo is never stored. The commands
//! edgesh models (`commands/`: interfaces' `nameif`, `security-level`,
//! `ip address`; access lists, objects, the crypto configuration,
//! tunnel-groups) are not listed: a wrong word in them is an error.
//!
//! Built from the command names of the Cisco ASA Series Command Reference
//! (9.x, A-Z) for the modes below, checked against every line of the corpus
//! (`../shared/corpus/configs/asa`) and of the public configurations in
//! `golden/configs/asa-public/`.

use crate::vocab::Vocabulary;
use std::sync::OnceLock;

const TABLE: &str = r#"
@global config
= mtu WORD, pager lines, domain-name, ssh timeout, ssh version, telnet timeout, console timeout, logging buffered, logging trap,
= logging asdm, logging console, logging monitor, logging history, logging buffer-size, logging facility, clock timezone,
= asdm image, arp timeout, snmp-server location, snmp-server contact, sysopt connection tcpmss, failover lan unit
aaa, aaa-server, access-group, arp, arp-inspection, asdm, auth-prompt, banner, boot, call-home reporting, clock, command-alias,
console, crypto ca trustpool, crypto ca import, crypto ikev1 am-disable, crypto ikev1 ipsec-over-tcp, crypto ikev1 limit,
crypto ikev2 remote-access, crypto ikev2 limit, crypto ikev2 cookie-challenge, crypto ikev2 notify, crypto ikev2 redirect,
crypto ipsec security-association pmtu-aging, crypto ipsec security-association replay, crypto ipsec df-bit,
crypto ipsec fragmentation, crypto ipsec ikev2 sa-strength-enforcement, crypto isakmp nat-traversal, crypto isakmp identity, crypto isakmp disconnect-notify,
crypto isakmp reload-wait, crypto isakmp ipsec-over-tcp, crypto key, crypto logging, crypto engine,
community-list, ddns, dhcp-client, dhcpd, dhcprelay, dns, dns-group, dns-guard, domain-name, dynamic-filter, enable secret,
eou, failover, firewall, flow-export, fragment, ftp, group-delimiter, http, icmp, ip audit, ip local pool, ip verify,
ipsec-tcp, ipv6, jumbo-frame, ldap, license, logging, mac-address, mac-address-table, management-access, monitor-interface,
mtu, name, names, nat, no, ntp, object-group-search, pager, password-policy, prefix-list, prompt, quit, resource, route, router-id,
same-security-traffic, scopy, service, service-policy, smtp-server, snmp-map, snmp-server, ssh, ssl, sysopt, telnet,
terminal, tftp-server, threat-detection, timeout, tls-proxy, user-identity, username, virtual, vpdn, vpn-addr-assign,
vpn-sessiondb, wccp, webvpn, xlate, zonelabs-integrity, Cryptochecksum:, sla monitor schedule,
filter activex, filter ftp, filter https, filter java, filter url, crashinfo save, crashinfo console, crashinfo test,
service-module, tunnel-group-map default-group, tunnel-group-map enable, tunnel-group-map,
> vpn load-balancing $ => vpn-lb
> class-map => class-map
> policy-map => policy-map
> webvpn $ => webvpn
> call-home $ => call-home
> dynamic-access-policy-record => dap
> crypto ca trustpoint => ca-trustpoint
> crypto ca certificate chain => cert-chain
> crypto ca certificate map => ca-cert-map
> object-group protocol => object-group-protocol
> object-group icmp-type => object-group-icmp
> route-map => route-map
> dns-group-map $ => dns-group-map
> router bgp => router-bgp
> router ospf => router-ospf
> router eigrp => router-eigrp
> router rip $ => router-rip
> license smart $ => license-smart
> sla monitor NUM $ => sla-monitor
> aaa-server WORD protocol => aaa-server-group
> aaa-server WORD host => aaa-server-host
> aaa-server WORD WORD host => aaa-server-host
> ldap attribute-map => ldap-attribute-map
> crypto ca trustpool policy $ => ca-trustpool
> tunnel-group WORD webvpn-attributes $ => tunnel-webvpn
> tunnel-group WORD ppp-attributes $ => tunnel-ppp

@aaa-server-group config-aaa-server-group
accounting-mode, reactivation-mode, max-failed-attempts, merge-dacl, dynamic-authorization, interim-accounting-update,
ad-agent-mode, authorize-only, validate-attribute, no

@aaa-server-host config-aaa-server-host
key, timeout, retry-interval, authentication-port, accounting-port, radius-common-pw, server-port, server-type,
nt-auth-domain-controller, nt-auth-netbios-name, ldap-base-dn, ldap-scope, ldap-naming-attribute, ldap-login-password,
ldap-login-dn, ldap-over-ssl, ldap-attribute-map, sasl-mechanism, group-search-timeout, kerberos-realm,
acl-netmask-convert, sdi-version, mschapv2-capable, no

@ldap-attribute-map config-ldap-attribute-map
map-name, map-value, no

@ca-trustpool config-ca-trustpool
auto-import, crl, match, revocation-check, no

@tunnel-webvpn config-tunnel-webvpn
group-alias, group-url, authentication, customization, dns-group, radius-reject-message, proxy-auth, pre-fill-username,
secondary-pre-fill-username, without-csd, secondary-authentication-server-group, authentication-server-group, no

@tunnel-ppp config-ppp
authentication, no

@username config-username
group-lock, password-storage, vpn-access-hours, vpn-filter, vpn-framed-ip-address, vpn-group-policy, vpn-idle-timeout,
vpn-session-timeout, vpn-simultaneous-logins, vpn-tunnel-protocol, webvpn, no

@class-map config-cmap
match, description, no

@policy-map config-pmap
description, no
> class => pmap-class
> parameters $ => pmap-parameters

@pmap-parameters config-pmap-p
message-length, dns-guard, protocol-enforcement, nat-rewrite, id-randomization, id-mismatch, tsig, match, body, mask-banner,
mask-syst-reply, tcp-inspection, umbrella, dnscrypt, no

@router-bgp config-router
bgp, neighbor, network, timers, no, redistribute, default-information, distance, auto-summary, synchronization
> address-family ipv4 => bgp-af
> address-family ipv6 => bgp-af

@bgp-af config-router-af
neighbor, network, no, redistribute, auto-summary, synchronization, default-information, distance, aggregate-address, bgp,
maximum-paths, table-map
< exit-address-family after

@route-map config-route-map
match, set, description, continue, no

@dns-group-map config-dns-group-map
dns-to-domain, no

@router-ospf config-router
auto-cost, network, area, router-id, log-adj-changes, redistribute, default-information, passive-interface, timers, distance,
distribute-list, summary-address, compatible, ignore, no

@router-rip config-router
auto-summary, default-information, default-metric, distribute-list, network, passive-interface, redistribute, version, no

@license-smart config-smart-lic
feature tier, feature strong-encryption, feature context, feature carrier, throughput level, no

@router-eigrp config-router
network, eigrp, neighbor, passive-interface, redistribute, default-information, default-metric, distance, distribute-list,
auto-summary, no

@sla-monitor config-sla-monitor
no
> type echo => sla-echo

@sla-echo config-sla-monitor-echo
frequency, threshold, timeout, num-packets, request-data-size, tos, no

@pmap-class config-pmap-c
inspect, set, police, priority, shape, service-policy, user-statistics, no, flow-export, ips, sfr, csc

@webvpn config-webvpn
enable, anyconnect, anyconnect-essentials, tunnel-group-list, tunnel-group-preference, error-recovery, csd, no, port,
http-headers, keepout, onscreen-keyboard, rewrite, file-encoding, character-encoding, apcf, hsts-client, hsts-server,
certificate-group-map
> cache $ => webvpn-cache

@webvpn-cache config-webvpn-cache
disable, lifetime, max-object-size, min-object-size, lmfactor, expiry-check, cache-compressed, cache-static-content, no

@call-home cfg-call-home
contact-email-addr, sender, mail-server, phone-number, street-address, customer-id, site-id, contract-id, http-proxy,
alert-group, no, source-interface
> profile => call-home-profile

@call-home-profile cfg-call-home-profile
destination, subscribe-to-alert-group, active, no

@dap config-dynamic-access-policy-record
description, action, network-acl, webvpn, user-message, priority, no

@ca-trustpoint config-ca-trustpoint
enrollment, subject-name, keypair, crl, no, fqdn, email, ip-address, revocation-check, validation-usage, id-usage,
serial-number, password, proxy-ldap-trustpoint, accept-subordinates, ignore-ipsec-keyusage, ignore-ssl-keyusage,
client-types, match, auto-import, chain-validation, crl-configure, ocsp, support-user-cert-validation

@ca-cert-map config-ca-cert-map
subject-name, issuer-name, alt-subject-name, extended-key-usage, no

@cert-chain config-cert-chain
no
> certificate => cert-data
> certificate ca => cert-data

@cert-data config-pubkey
DATA
< quit inside

@object-group-protocol config-protocol-object-group
protocol-object, group-object, description, no

@object-group-icmp config-icmp-object-group
icmp-object, group-object, description, no

@interface config-if
= speed, duplex, vlan, mac-address, delay
speed, duplex, vlan, no, management-only, channel-group, mac-address, shutdown, member-interface, lacp, flowcontrol,
ipv6, pppoe, ospf, rip, eigrp, igmp, pim, ddns, dhcp, dhcprelay, bfd, delay, authentication, hello-interval, hold-time,
split-horizon, summary-address, zone-member, nve-only, vpn-filter, policy-route, port-channel, switchport access vlan,
switchport trunk, switchport mode, tunnel source interface, tunnel destination, tunnel mode ipsec, tunnel protection ipsec profile

@tunnel-general config-tunnel-general
address-pool, authentication-server-group, accounting-server-group, authorization-server-group, dhcp-server,
ipv6-address-pool, password-management, strip-group, strip-realm, username-from-certificate, annotation, no, scep-enrollment,
override-account-disable, authorization-required, nat-assigned-to-public-ip, default-group-policy

@tunnel-ipsec config-tunnel-ipsec
ikev1 trust-point, ikev1 user-authentication, ikev2 remote-authentication certificate, ikev2 remote-authentication eap,
ikev2 local-authentication certificate, ikev2 rsa-sig-hash, chain, isakmp ikev1-user-authentication, trust-point, no,
ikev1 pre-shared-key hex, ikev2 remote-authentication pre-shared-key hex, ikev2 local-authentication pre-shared-key hex

@group-policy config-group-policy
vpn-tunnel-protocol, vpn-filter, vpn-idle-timeout, vpn-session-timeout, vpn-simultaneous-logins, banner, dns-server,
wins-server, default-domain, split-tunnel-policy, split-tunnel-network-list, split-dns, address-pools, ipv6-address-pools,
password-storage, ip-comp, re-xauth, group-lock, pfs, ipsec-udp, ipsec-udp-port, client-access-rule, client-firewall,
anyconnect, msie-proxy, dhcp-network-scope, vlan, nac-settings, address-pools, smartcard-removal-disconnect,
security-group-tag, user-authentication, user-authentication-idle-timeout, ip-phone-bypass, leap-bypass, nem,
backup-servers, intercept-dhcp, secure-unit-authentication, split-tunnel-all-dns, vpn-access-hours, no, description,
client-bypass-protocol, anyconnect-custom
> webvpn $ => gp-webvpn

@gp-webvpn config-group-webvpn
anyconnect, anyconnect-custom, url-list, filter, homepage, svc, customization, file-entry, file-browsing,
url-entry, always-on-vpn, deny-message, keep-alive-ignore, http-comp, smart-tunnel, html-content-filter, port-forward,
auto-signon, hidden-shares, sso-server, activex-relay, unix-auth-gid, unix-auth-uid, storage-objects, storage-key,
personal-bookmark, http-proxy, no

@vpn-lb config-load-balancing
cluster, participate, priority, interface, nat, redirect-fqdn, no

@network-object config-network-object
nat WORD static, nat WORD dynamic, nat static, nat dynamic, description, no

@ike-policy config-ikev1-policy
no
"#;

/// The ASA vocabulary, parsed once.
pub fn vocabulary() -> &'static Vocabulary {
    static V: OnceLock<Vocabulary> = OnceLock::new();
    V.get_or_init(|| {
        let mut v = Vocabulary::parse(TABLE);
        // A modelled command's first word is taken whole (`object network`
        // typed `object netwok` is an error, not `object-group-search`).
        for m in super::AsaMode::ALL {
            v.add_keywords(m.family(), super::first_words(*m).iter().cloned());
        }
        v
    })
}

/// Whole-line syntax of the kept commands ASA configurations have most
/// (`crate::vocab::Syntax`), from the Cisco ASA Series Command Reference
/// (9.x), checked against the public ASA configurations: a line that
/// starts with a spec's keywords must parse to its last word (`logging
/// bufferd`, `ssh version 3`, `same-security-traffic permit
/// inter-interfce`, `speed fast` are refused at the word). `LINE` stands
/// for options the ASA takes in any order (kept as typed). A level
/// (`logging trap X`) is a `WORD`: the ASA also takes an event list's name
/// there.
const SYNTAX: &str = r#"
@global
logging {enable | standby | emblem | permit-hostdown | flash-bufferwrap | ftp-bufferwrap | debug-trace [persistence] | hide username | timestamp [rfc5424] | buffered WORD | trap WORD | asdm WORD | console WORD | monitor WORD | history WORD | mail WORD | buffer-size <4096-1048576> | asdm-buffer-size <100-5000> | facility <16-23> | queue <0-8192> | host WORD {A.B.C.D | X:X:X:X::X | WORD} [LINE] | message <100000-999999> [LINE] | list WORD LINE | class WORD LINE | device-id LINE | rate-limit LINE | from-address WORD | recipient-address WORD [LINE] | flash-maximum-allocation <4-15750> | flash-minimum-free <0-15750> | ftp-server LINE | savelog [WORD] | flow-export-syslogs {enable | disable} [LINE]}
ssh {{A.B.C.D | WORD} A.B.C.D WORD | X:X:X:X::X/M WORD | version {1 | 2} | timeout <1-60> | key-exchange group WORD | cipher {encryption | integrity} LINE | scopy enable | stricthostkeycheck | stack ciscossh | pubkey-chain | server LINE | access-list WORD | authentication LINE | rekey LINE}
telnet {{A.B.C.D | WORD} A.B.C.D WORD | X:X:X:X::X/M WORD | timeout <1-1440>}
http {{A.B.C.D | WORD} A.B.C.D WORD | X:X:X:X::X/M WORD | server {enable [<1-65535>] | session-timeout <1-1440> | idle-timeout <1-1440> | basic-auth-client LINE} | redirect WORD [<1-65535>] | authentication-certificate WORD [LINE] | password-change LINE}
ntp {server [ipv6] {A.B.C.D | X:X:X:X::X | WORD} [LINE] | authenticate | authentication-key <1-4294967295> {md5 | sha1 | sha256 | sha512 | cmac} LINE | trusted-key <1-4294967295>}
same-security-traffic permit {inter-interface | intra-interface}
arp {timeout <60-4294967> | permit-nonconnected | rate-limit <10-32768> | WORD A.B.C.D WORD [alias]}
icmp {unreachable rate-limit <1-100> burst-size <1-10> | permit LINE | deny LINE}
threat-detection {basic-threat | statistics [LINE] | scanning-threat [LINE] | rate LINE}
dns {domain-lookup WORD | server-group WORD | name-server LINE | expire-entry-timer minutes <1-65535> | poll-timer minutes <1-65535>}
timeout {xlate | conn | half-closed | udp | icmp | sunrpc | h323 | h225 | mgcp | mgcp-pat | sip | sip_media | sip-disconnect | sip-invite | sip-provisional-media | uauth | floating-conn | pat-xlate | tcp-proxy-reassembly | igp | conn-holddown | icmp-error | sctp | gsn | pinhole | tcp-state-bypass | quic-conn} LINE
xlate per-session {permit | deny} LINE
mtu WORD <64-9198>
pager [lines] <0-2147483647>
asdm {image WORD | history enable | location LINE | group LINE}
sysopt {connection LINE | noproxyarp WORD | radius LINE | nodnsalias LINE | uauth LINE | traffic LINE}
snmp-server {host WORD {A.B.C.D | X:X:X:X::X | WORD} [LINE] | host-group LINE | location LINE | contact LINE | community LINE | enable [traps [LINE]] | group LINE | user LINE | user-list LINE | listen-port <1-65535>}
aaa authentication {{ssh | telnet | http | serial | enable} console WORD [WORD] | match LINE | include LINE | exclude LINE | secure-http-client | listener LINE | login-history [LINE]}
aaa authorization {command WORD [LINE] | exec LINE | match LINE | include LINE | exclude LINE | http console WORD}
aaa {accounting LINE | local LINE | proxy-limit LINE | mac-exempt LINE}

@interface
speed {10 | 100 | 1000 | 10000 | auto | nonegotiate}
duplex {auto | full | half}
vlan <1-4094> [secondary LINE]
channel-group <1-48> mode {active | passive | on} [vss-id <1-2>]
management-only [individual]
delay <1-16777215>
ospf {cost <1-65535> | priority <0-255> | hello-interval <1-65535> | dead-interval <1-65535> | retransmit-interval <1-65535> | transmit-delay <1-65535> | network point-to-point non-broadcast | authentication [message-digest | null] | authentication-key LINE | message-digest-key <1-255> md5 LINE | mtu-ignore | database-filter all out | bfd [disable]}

@group-policy
vpn-tunnel-protocol {ikev1 | ikev2 | l2tp-ipsec | ssl-client | ssl-clientless | svc | webvpn | ipsec} [{ikev1 | ikev2 | l2tp-ipsec | ssl-client | ssl-clientless | svc | webvpn | ipsec} [{ikev1 | ikev2 | l2tp-ipsec | ssl-client | ssl-clientless | svc | webvpn | ipsec} [{ikev1 | ikev2 | l2tp-ipsec | ssl-client | ssl-clientless | svc | webvpn | ipsec} [{ikev1 | ikev2 | l2tp-ipsec | ssl-client | ssl-clientless | svc | webvpn | ipsec}]]]]
split-tunnel-policy {tunnelall | tunnelspecified | excludespecified}
split-tunnel-network-list {value WORD | none}
split-tunnel-all-dns {enable | disable}
{dns-server | wins-server | split-dns | address-pools | ipv6-address-pools | banner} {value LINE | none}
{default-domain | group-lock | vpn-filter | nac-settings} {value WORD | none}
{vpn-idle-timeout | vpn-session-timeout} {<1-35791394> | none} [LINE]
vpn-simultaneous-logins <0-2147483647>
{password-storage | ip-comp | re-xauth | pfs | ipsec-udp | smartcard-removal-disconnect | secure-unit-authentication | user-authentication | ip-phone-bypass | leap-bypass} {enable | disable}
intercept-dhcp {enable | disable | A.B.C.D {enable | disable}}
ipsec-udp-port <4001-49151>
dhcp-network-scope {A.B.C.D | none}
vlan {<1-4094> | none}

@ca-trustpoint
enrollment {terminal | self | url WORD | retry LINE | protocol LINE | source-interface WORD}
crl {configure | required | optional | nocheck}
revocation-check {crl | ocsp | none} [crl | ocsp | none] [crl | ocsp | none]

@pmap-parameters
message-length maximum {<512-65535> | client {auto | <512-65535>}}
"#;

/// `SYNTAX`, parsed once.
fn syntax() -> &'static crate::vocab::Syntax {
    static S: OnceLock<crate::vocab::Syntax> = OnceLock::new();
    S.get_or_init(|| crate::vocab::Syntax::parse(SYNTAX, vocabulary()))
}

/// Check the whole of a line this mode's vocabulary keeps (`SYNTAX`): the
/// error, its offset in `line`, if a word after the leading keywords is wrong.
pub fn check_line(family: &str, line: &str, abbrev: bool) -> Result<(), edgesh_grammar::ParseError> {
    syntax().check(vocabulary(), family, line, abbrev)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Real lines of the public ASA configurations pass; a typo after the
    /// leading keywords is refused at the word.
    #[test]
    fn kept_lines_are_checked_to_the_last_word() {
        let bad = |fam: &str, line: &str| match check_line(fam, line, true) {
            Err(edgesh_grammar::ParseError::Invalid { offset, .. }) => Some(offset),
            Err(edgesh_grammar::ParseError::Incomplete) => Some(usize::MAX),
            Err(e) => panic!("{line}: {e:?}"),
            Ok(()) => None,
        };
        let good = [
            ("global", "logging enable"),
            ("global", "logging timestamp"),
            ("global", "logging buffered informational"),
            ("global", "logging host inside 2001::1:1 udp/2020"),
            ("global", "logging host dmz 192.168.1.5 udp/1026"),
            ("global", "logging rate-limit 100 1 level 6"),
            ("global", "logging buffer-size 1048576"),
            ("global", "ssh 0.0.0.0 0.0.0.0 Management"),
            ("global", "ssh HPS_Global_DataCenter 255.255.255.255 outside"),
            ("global", "ssh key-exchange group dh-group14-sha256"),
            ("global", "ssh version 2"),
            ("global", "ssh stricthostkeycheck"),
            ("global", "http server enable"),
            ("global", "http 192.168.1.0 255.255.255.0 inside"),
            ("global", "ntp authentication-key 100 sha512 aSha512Key"),
            ("global", "ntp server 129.6.15.30 source outside"),
            ("global", "ntp trusted-key 4294967295"),
            ("global", "same-security-traffic permit intra-interface"),
            ("global", "icmp unreachable rate-limit 1 burst-size 1"),
            ("global", "threat-detection statistics access-list"),
            ("global", "timeout conn 1:00:00 half-closed 0:10:00 udp 0:02:00"),
            ("global", "snmp-server enable traps snmp authentication linkup linkdown coldstart warmstart"),
            ("global", "aaa authentication ssh console LOCAL"),
            ("global", "aaa authentication enable console TACACS+ LOCAL"),
            ("global", "aaa authentication login-history"),
            ("global", "mtu outside 1500"),
            ("interface", "speed 1000"),
            ("interface", "channel-group 2 mode active"),
            ("interface", "ospf network point-to-point non-broadcast"),
            ("interface", "ospf message-digest-key 1 md5 secret"),
        ];
        for (fam, line) in good {
            assert_eq!(bad(fam, line), None, "{fam}: {line}");
        }
        let typos = [
            ("global", "logging bufferd informational", "bufferd"),
            ("global", "ssh version 3", "3"),
            ("global", "ssh timeout 100", "100"),
            ("global", "http server enble", "enble"),
            ("global", "same-security-traffic permit inter-interfce", "inter-interfce"),
            ("global", "ntp trusted-key 0", "0"),
            ("global", "mtu outside 20000", "20000"),
            ("global", "aaa authentication sshh console LOCAL", "sshh"),
            ("interface", "speed fast", "fast"),
            ("interface", "channel-group 2 mode actve", "actve"),
            ("interface", "ospf network broadcast", "broadcast"),
        ];
        for (fam, line, word) in typos {
            let at = line.rfind(&format!(" {word}")).map_or(0, |i| i + 1);
            assert_eq!(bad(fam, line), Some(at), "{fam}: {line}");
        }
    }

    /// Every one-valued setting (`=`) is a command its mode keeps.
    #[test]
    fn one_valued_settings_are_commands_of_their_mode() {
        let v = vocabulary();
        for f in v.families.values() {
            for p in &f.singles {
                let line: Vec<&str> =
                    p.iter().map(|w| if matches!(*w, "*" | "NUM" | "WORD" | "RANGE") { "1" } else { w }).collect();
                assert!(v.knows(f.name, &line.join(" "), false), "{}: `= {}` is not kept there", f.name, p.join(" "));
            }
        }
        assert!(v.same_setting("global", "mtu outside 1500", "mtu outside 1400"));
        assert!(!v.same_setting("global", "mtu outside 1500", "mtu inside 1400"));
        assert!(!v.same_setting("global", "logging buffered warnings", "logging trap warnings"));
    }

    #[test]
    fn the_table_parses_and_every_sub_mode_exists() {
        let v = vocabulary();
        for f in v.families.values() {
            for (k, c) in &f.children {
                assert!(v.family(c).is_some(), "{}: {:?} opens unknown mode {c}", f.name, k);
            }
        }
        assert!(v.knows("global", "pager lines 24", false));
        assert!(v.knows("global", "no pager", false));
        assert_eq!(v.child("global", "policy-map global_policy", false), Some("policy-map"));
        assert_eq!(v.child("policy-map", "class inspection_default", false), Some("pmap-class"));
        assert!(!v.knows("global", "pagr lines 24", true));
        assert!(!v.knows("interface", "nameif outside", false));
        // What the cloud templates brought (golden/configs/asa-public/): kept, and their typos refused.
        assert!(v.knows("interface", "tunnel protection ipsec profile P", false));
        assert!(!v.knows("interface", "tunnel protecton ipsec profile P", false));
        assert!(!v.knows("interface", "tunnel destinaton 192.0.2.1", true));
        assert!(v.knows("interface", "switchport access vlan 2", true));
        assert!(!v.knows("interface", "switchport acess vlan 2", true));
        assert_eq!(v.child("global", "router bgp 65343", false), Some("router-bgp"));
        assert_eq!(v.child("router-bgp", "address-family ipv4 unicast", false), Some("bgp-af"));
        assert_eq!(v.exit("bgp-af", "exit-address-family"), Some(("exit-address-family", false)));
        assert_eq!(v.child("global", "sla monitor 1", false), Some("sla-monitor"));
        assert_eq!(v.child("global", "sla monitor schedule 1 life forever start-time now", false), None);
        assert!(v.knows("global", "sla monitor schedule 1 life forever start-time now", false));
        assert!(!v.knows("global", "sla monitr 1", true));
        assert_eq!(
            v.child("sla-monitor", "type echo protocol ipIcmpEcho 10.0.0.4 interface outside", false),
            Some("sla-echo")
        );
        assert_eq!(v.child("policy-map", "parameters", false), Some("pmap-parameters"));
        assert!(v.knows("pmap-parameters", "message-length maximum 512", false));
        // ASA 9.x's preset DNS inspection map shows `no tcp-inspection`.
        assert!(v.knows("pmap-parameters", "tcp-inspection", false));
        // Google Cloud's HA VPN template (gcp-ha-vpn-asa-5506h.cfg).
        assert!(v.knows("global", "prefix-list GCP-IN seq 5 permit 10.0.1.0/24 le 32", false));
        assert!(!v.knows("global", "prefx-list GCP-IN seq 5 permit 10.0.1.0/24 le 32", true));
        // Batfish's ASA test configurations (golden/configs/asa-public/batfish-*).
        assert_eq!(v.child("global", "route-map atm1 permit 100", false), Some("route-map"));
        assert!(v.knows("route-map", "set community 1:1 2:2 additive", false));
        assert!(!v.knows("route-map", "sett metric 50", true));
        assert!(v.knows("global", "community-list standard cl_test permit 1:1", false));
        assert!(v.knows("router-ospf", "auto-cost reference-bandwidth 3", false));
        assert_eq!(v.child("global", "dns-group-map", false), Some("dns-group-map"));
        assert!(v.knows("dns-group-map", "dns-to-domain InsideDNS eng.example.com", false));
        // Real configurations from public repositories (frostyfosse-*, netutils-*, pervazgolrang-*).
        assert_eq!(v.child("global", "aaa-server RAD protocol radius", false), Some("aaa-server-group"));
        assert_eq!(v.child("global", "aaa-server RAD (inside) host 10.1.0.5", false), Some("aaa-server-host"));
        assert_eq!(v.child("global", "aaa-server RAD host 10.1.0.5", false), Some("aaa-server-host"));
        assert!(v.knows("aaa-server-host", "ldap-login-dn CN=vpn,OU=Service Accounts,DC=example", false));
        assert!(!v.knows("aaa-server-host", "kye s3cret", true));
        assert_eq!(v.child("global", "crypto ca trustpool policy", false), Some("ca-trustpool"));
        assert_eq!(v.child("global", "tunnel-group RA ppp-attributes", false), Some("tunnel-ppp"));
        assert_eq!(v.child("global", "tunnel-group RA webvpn-attributes", false), Some("tunnel-webvpn"));
        assert_eq!(v.child("webvpn", "cache", false), Some("webvpn-cache"));
        assert!(v.knows("global", "crashinfo save disable", false));
        assert!(!v.knows("global", "crashinfo sve disable", true));
        assert!(v.knows("global", "filter java 1-65535 0.0.0.0 0.0.0.0 0.0.0.0 0.0.0.0", false));
        assert!(!v.knows("global", "filter jave 1-65535", true));
    }
}
