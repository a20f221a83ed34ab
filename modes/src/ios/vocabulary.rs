//! The IOS vocabulary: for each configuration mode, the commands IOS has
//! there that edgesh does not model, and the sub-modes they open.
//!
//! A line edgesh does not model is kept (verbatim, in its place) only if it
//! is a command of the mode it is typed in, or of a mode above it (then it
//! runs there and the mode changes, as on IOS); anything else is refused
//! with IOS's caret, so a typo (`shutdwn`, `ip adress`) is never stored.
//!
//! How the table was built (see `docs/ios-vocabulary.md`): the first one or
//! two keywords of every command in the IOS 15 / IOS-XE 16 configuration
//! command references for these modes, cross-checked against the keyword
//! sets of Batfish's Cisco IOS grammar (`CiscoParser.g4` and its
//! `Cisco_*.g4` parts: `s_*`, `if_*`, `rb_*`, `ro_*`, `re_*`, `rm_*`,
//! `cm_*`, `pm_*`, `l_*`, `og_*`, `kc_*` rules), and against every line of
//! the corpus (`../shared/corpus/configs/ios`) and of the public
//! configurations in `golden/configs/ios-public`. A command is listed by its
//! leading keywords only: `ip nhrp` keeps every `ip nhrp ...` line, and the
//! words after them are not checked. `NUM` stands for a number, `HEX` for a
//! word of hexadecimal data.

pub use crate::vocab::{Family, Syntax, Vocabulary};
use std::sync::OnceLock;

const TABLE: &str = r#"
@global config
= ip default-gateway, clock timezone, clock summer-time, ip ssh version, ip ssh time-out, ip ssh authentication-retries, ip ssh source-interface,
= ip ftp source-interface, ip tftp source-interface, ip http port, snmp-server location, snmp-server contact, snmp-server chassis-id,
= ntp source, spanning-tree mode, vtp mode, vtp domain, service timestamps debug, service timestamps log, login block-for,
= ip tcp synwait-time, crypto isakmp keepalive, crypto isakmp identity
aaa, alias, arp, async-bootp, banner, boot, boot-end-marker, bsd-client, boot-start-marker, bridge, call-home, card, cdp tlv, cdp log, cdp filter-tlv-list, chat-script, clock,
cns, crypto ca, crypto csr-params,  crypto ikev1, crypto ikev2 authorization,
crypto ikev2 certificate-cache, crypto ikev2 cookie-challenge, crypto ikev2 diagnose, crypto ikev2 dpd,
crypto ikev2 fragmentation, crypto ikev2 http-url, crypto ikev2 limit, crypto ikev2 nat, crypto ikev2 window,
crypto ikev2 redirect, crypto ipsec client, crypto ipsec ikev1, crypto ipsec security-association pmtu-aging, crypto ikev2 enable, crypto ikev2 remote-access, crypto dynamic-map, crypto ipsec fragmentation, crypto ipsec ipv4-deny, crypto ipsec nat-transparency,
crypto ipsec optional, crypto ipsec security-association idle-time, crypto ipsec security-association dummy,
crypto isakmp aggressive-mode, crypto isakmp client, crypto isakmp enable, crypto isakmp fragmentation,
crypto isakmp invalid-spi-recovery, crypto isakmp nat-traversal, crypto isakmp xauth, crypto key, crypto logging, crypto pki,
crypto ssh, crypto ssl, crypto vpn, crypto call, crypto mib, default-information, default-value, define, depi, desktop,
dial-peer,  dialer-list, diagnostic, dot1x, downward-compatible-config, end, errdisable,  event, exception, file,
firewall, flow,  gatekeeper, hw-module, hw-switch, identity, ip admission, ip arp, ip as-path, ip auth-proxy,
ip bgp-community, ip bootp, ip cef, ip classless, ip community-list, ip default-gateway, ip default-network, ip device, ip dhcp,
ip dns, ip domain, ip domain-list, ip domain-lookup, ip domain-name, ip dvmrp, ip explicit-path, ip extcommunity-list, ip finger,
ip flow-cache, ip flow-export, ip flow-top-talkers, ip forward-protocol, ip audit, ip ftp, ip gratuitous-arps, ip host, ip http, ip icmp,
ip igmp, ip inspect name, ip inspect audit-trail, ip inspect alert-off, ip inspect dns-timeout, ip inspect max-incomplete, ip inspect one-minute, ip inspect tcp, ip inspect udp, ip inspect hashtable-size, ip inspect log, ip inspect icmp, ip inspect L2-transparent, ip inspect WAAS, ip ips, ip local pool, ip local policy, ip mfib, ip mroute, ip msdp, ip multicast, ip multicast-routing, ip name-server, ip nat,
ip nbar, ip options, ip pim, ip policy-list, ip prefix-list, ip radius, ip rcmd, ip route, ip routing, ip rsvp, ip scp,
ip slb, ip source-route, ip ssh, ip subnet-zero, ip tacacs, ip tcp synwait-time, ip tcp path-mtu-discovery, ip tcp window-size, ip tcp selective-ack, ip tcp timestamp, ip tcp mss, ip tcp ecn, ip tcp queuemax, ip tcp chunk-size, ip tcp async-mobility, ip tcp intercept, ip telnet, ip tftp, ip traffic-export, ip urlfilter, ip wccp,
ipc, ipv6 dhcp database, ipv6 dhcp binding, ipv6 dhcp guard policy, ipv6 dhcp ping, ipv6 nd raguard policy, ipv6 icmp error-interval, ipv6 local pool, ipv6 local policy, ipv6 source-route, ipv6 mld ssm-map, ipv6 mld state-limit, ipv6 pim rp-address, ipv6 pim bsr, ipv6 pim spt-threshold, ipv6 pim accept-register, ipv6 pim register-source, ipv6 multicast rpf, ipv6 neighbor, ipv6 name-server, ipv6 nat v4v6, ipv6 nat v6v4, ipv6 nat translation, ipv6 mfib hardware-switching, ipv6 mroute, ipv6 rip vrf-mode, ipv6 snooping policy, ipv6 dhcp-relay, ipv6 ospf name-lookup, ipv6 ftp, ipv6 tftp, ipv6 ioam, isdn, l2tp sessions, l2tp tunnel, l2tp hidden, l2tp-class, lacp, license boot, license udi, license accept, license smart, license feature, license agent, license call-home, license right-to-use, license modify, license throughput, license level, lldp, logging alarm, logging buginf, logging cns-events, logging delimiter, logging dmvpn, logging esm, logging exception, logging filter, logging host, logging message-counter, logging policy-firewall, logging reload, logging server-arp, logging snmp-authfail, logging snmp-trap, logging xml, logging HEX, login, mac-address-table, management-interface, map-class,
map-list, memory, memory-size, metadata, mgcp,   mmi, modemcap, monitor,  multilink, netconf, netconf-yang,
network-clock, ntp, onep, parameter-map, port-channel load-balance, port-channel load-balance-hash-algo, port-channel auto, power, priority-list, privilege, process, process-max-time,
pseudowire-class, qos account, qos control-packets, qos diffservmib, qos preserve, qos queue-softmax-multiplier, qos trace, queue-list, radius, radius-server, resource, restconf, rmon, route-tag, sampler, scheduler, scripting,
sdm, secure, security, service, service-template, sip-ua, snmp, snmp-server, software, spanning-tree, stackwise-virtual,
subscriber, switch, system, tacacs, tacacs-server, tftp-server, transceiver, udld, utd, version, virtual-service,
vlan, voice, voice-card, voice-port, dot11, cts, vpdn, vpdn-group, vpn, vstack, vtp, wism, wsma, x25,  key config-key, crypto gdoi,
access-list compiled, enable algorithm-type,
logging buffered, logging console, logging trap, logging source-interface, logging facility, logging origin-id, logging monitor,
logging on, logging rate-limit, logging discriminator, logging queue-limit, logging userinfo, logging count, logging history,
logging persistent, logging file, logging server, service timestamps, service tcp-keepalives-in, service tcp-keepalives-out,
service sequence-numbers, service config, service compress-config, service nagle, service pad, service internal, service call-home,
service counters, service dhcp, service finger, service udp-small-servers, service tcp-small-servers, service linenumber,
service prompt, service slave-log, service alignment, service password-recovery, service hide-telnet-addresses, service exec-wait,
service unsupported-transceiver, cdp run, cdp timer, cdp holdtime, cdp advertise-v2, cdp source-interface, clock timezone,
clock summer-time, clock calendar-valid, lldp run, lldp timer, lldp holdtime, lldp reinit, spanning-tree mode, spanning-tree extend,
spanning-tree loopguard, spanning-tree backbonefast, spanning-tree uplinkfast, spanning-tree pathcost, spanning-tree etherchannel,
spanning-tree logging, lacp system-priority, udld enable, udld aggressive, udld message, dot1x system-auth-control, dot1x critical,
power redundancy-mode, power supply, rmon event, rmon alarm, arp HEX, arp vrf, ipv6 unicast-routing, ipv6 route, ipv6 cef,
ipv6 prefix-list, ipv6 multicast-routing, ipv6 general-prefix, ipv6 host, ipv6 hop-limit, login block-for, login delay,
login on-failure, login on-success, login quiet-mode, monitor session, monitor capture, monitor event-trace, privilege exec,
privilege configure, privilege interface, snmp mib, snmp ifmib, password encryption aes $,
crypto engine accelerator, crypto engine aim, crypto engine em, crypto engine mode, crypto engine nm, crypto engine large-mod-accel,
crypto engine compliance, crypto engine software, dialer watch-list, frame-relay switching, frame-relay de-list, frame-relay connect,
ethernet cfm global, ethernet cfm ieee, ethernet cfm traceroute, ethernet cfm mip auto-create, ethernet cfm mip filter,
ethernet cfm logging, ethernet cfm alarm, ethernet cfm cc, ethernet cfm distribution, ethernet cfm ais link-status global,
ethernet cfm mep crosscheck, ethernet lmi global, ethernet lmi ce, ethernet ring, ethernet tcn-propagation, ethernet mac-flush,
mls qos $, mls qos map, mls qos srr-queue, mls qos queue-set, mls qos aggregate-policer, mls qos rewrite, mls qos marking,
mls flow, mls netflow, mls nde, mls cef, mls rate-limit, mls aging, mls ip, mls verify,
mpls ip $, mpls ip propagate-ttl, mpls ip default-route, mpls ip ttl-expiration, mpls label protocol, mpls label range, mpls label mode,
mpls ldp router-id, mpls ldp explicit-null, mpls ldp graceful-restart, mpls ldp neighbor, mpls ldp session, mpls ldp label,
mpls ldp advertise-labels, mpls ldp logging, mpls ldp backoff, mpls ldp holdtime, mpls ldp loop-detection, mpls ldp igp sync holddown,
mpls ldp discovery, mpls ldp password, mpls ldp tcp, mpls ldp nsr, mpls traffic-eng tunnels, mpls traffic-eng reoptimize,
mpls traffic-eng auto-tunnel, mpls traffic-eng auto-bw, mpls traffic-eng fast-reroute, mpls traffic-eng path-selection,
mpls traffic-eng signalling, mpls traffic-eng logging, mpls traffic-eng link-management, mpls traffic-eng lsp, mpls traffic-eng topology,
mpls traffic-eng nsr, mpls oam, mpls static,
platform console, platform qfp, platform punt-keepalive, platform hardware, platform ipsec, platform trace, platform shell,
platform ip, platform ipv6, platform resource, platform bfd, platform punt-policer, platform punt-sbrl, platform rate-limit,
platform multicast, platform tcam, platform sdwan, platform memory,
xconnect logging, csdb tcp, csdb udp, csdb icmp, csdb session, upgrade fpd, aqm-register-fnf, spd headroom, spd extended-headroom,
network-clock-participate, ip ospf name-lookup, ip sla auto discovery, threat-visibility $, logging btrace, mls qos statistics-export, wlccp, crypto isakmp diagnose, crypto isakmp identity, crypto isakmp keepalive
> ethernet cfm domain => ecfm
> ipv6 dhcp pool => dhcpv6-pool
> pseudowire-class => pw-class
> bba-group pppoe => bba-group
> webvpn context => webvpn-context
> gatekeeper $ => gatekeeper
> ethernet evc => evc
> mka policy => mka-policy
> router bgp => router-bgp
> router ospf => router-ospf
> router ospfv3 => router-ospf
> router eigrp => router-eigrp
> router rip $ => router-rip
> router isis => router-isis
> router isis $ => router-isis
> vlan RANGE => vlan
> vlan access-map => vlan-access-map
> vlan configuration => vlan-config
> event manager applet => applet
> time-range => time-range
> aaa server radius dynamic-author $ => radius-da
> service-template => service-template
> arp access-list => arp-nacl
> device-tracking policy => device-tracking
> aaa group server tacacs+ => aaa-tacacs-group
> ipv6 router eigrp => router-eigrp
> ipv6 router => router-ospf
> class-map => class-map
> policy-map => policy-map
> route-map => route-map
> ip access-list standard => std-nacl
> ip access-list extended => ext-nacl
> ip access-list resequence => none
> ipv6 access-list => ext-nacl
> object-group network => og-network
> object-group service => og-service
> object-group protocol => og-service
> key chain => key-chain
> control-plane $ => control-plane
> call-home $ => call-home
> crypto pki trustpoint => trustpoint
> crypto ca trustpoint => trustpoint
> crypto pki certificate chain => cert-chain
> crypto ca certificate chain => cert-chain
> crypto pki server $ => trustpoint
> crypto ca server $ => trustpoint
> crypto ca trustpool policy $ => trustpool
> crypto pki trustpool policy $ => trustpool
> crypto pki profile => trustpoint
> crypto key pubkey-chain => pubkey-chain
> crypto csr-params => csr-params
> crypto gdoi group => gdoi
> crypto ikev1 policy => crypto-ikev1
> crypto ikev2 authorization policy => crypto-ikev1
> crypto isakmp client configuration group => crypto-ikev1
> crypto ssl => crypto-ikev1
> crypto ipsec ikev2 ipsec-proposal => crypto-ikev1
> ip sla NUM => ip-sla
> ip sla monitor NUM => ip-sla-monitor
> ip sla monitor schedule => none
> ip sla monitor responder => none
> ip sla monitor reaction-configuration => none
> ip sla monitor reaction-trigger => none
> ip sla monitor logging => none
> ip sla monitor group => none
> radius server => radius-server
> telemetry ietf subscription => mdt-subs
> track NUM => track
> vrf definition => vrf
> ip vrf => vrf
> redundancy $ => redundancy
> ip dhcp pool => dhcp-pool
> aaa group server => aaa-server-group
> zone security => zone
> zone-pair security => zone-pair
> parameter-map type => parameter-map
> line => line
> interface => interface
> vpn load-balancing $ => crypto-ikev1
> ip explicit-path => parameter-map
> archive $ => archive
> bfd-template => parameter-map
> template => interface
> flow record => parameter-map
> flow exporter => parameter-map
> flow monitor => parameter-map
> ip sla schedule => none
> ip sla responder => none
> ip sla enable => none
> ip sla reaction-configuration => none
> ip sla logging => none
> ip sla group => none
> ip sla reset => none
> ip sla restart => none
> ip sla server => none
> ip sla key-chain => none
> ip sla low-memory => none
> track timer => none
> key config-key => none
> crypto pki certificate storage => none
> crypto pki certificate query => none
> crypto pki token => none
> crypto pki crl => none
> crypto ikev2 name-mangler => ikev2-name-mangler
> vrf forwarding => none
> line protocol => none

@none -

@router-bgp config-router
= bgp router-id
address-family, aggregate-address, auto-summary, bgp, default, default-information, default-metric, distance, distribute-list,
maximum-paths, neighbor, network, no, redistribute, synchronization, table-map, timers, bmp, template, scope, segment-routing, router-id
> address-family => bgp-af
> template peer-policy => bgp-template
> template peer-session => bgp-template

@bgp-af config-router-af
local-as, router-id, timers,
aggregate-address, auto-summary, bgp, default, default-information, default-metric, distance, distribute-list, maximum-paths,
maximum-secondary-paths, neighbor, network, no, redistribute, synchronization, table-map, export, import, rd, route-target, nexthop,
snmp, additional-paths, inject-map
< exit-address-family after

@bgp-template config-router-ptmp
advertisement-interval, allowas-in, as-override, capability, default-originate, description, disable-connected-check, distribute-list,
dmzlink-bw, ebgp-multihop, fall-over, filter-list, ha-mode, inherit, local-as, maximum-prefix, next-hop-self, next-hop-unchanged,
password, prefix-list, remote-as, remove-private-as, route-map, route-reflector-client, send-community, send-label, shutdown,
soft-reconfiguration, soo, timers, transport, ttl-security, unsuppress-map, update-source, version, weight, no, default
< exit-peer-policy after
< exit-peer-session after

@router-ospf config-router
= router-id, auto-cost reference-bandwidth, default-metric, maximum-paths, log-adjacency-changes
area, auto-cost, bfd, capability, compatible, default, default-information, default-metric, discard-route, distance, distribute-list,
domain-id, domain-tag, event-log, fast-reroute, ignore, interface-id, ispf, limit, log-adjacency-changes, max-lsa, max-metric,
maximum-paths, mpls ldp sync, mpls ldp autoconfig, mpls traffic-eng area, mpls traffic-eng router-id, mpls traffic-eng interface,
mpls traffic-eng multicast-intact, mpls traffic-eng mesh-group, neighbor, network, no, nsf, nsr, passive-interface, prefix-suppression, queue-depth, redistribute, router-id,
shutdown, summary-address, timers, traffic-share, ttl-security, address-family
> vrf => ospf-vrf
> address-family => router-ospf-af

@router-ospf-af config-router-af
area, default-information, default-metric, distance, distribute-list, maximum-paths, passive-interface, redistribute, router-id,
summary-prefix, timers, no, default
< exit-address-family after

@ospf-vrf config-router-vrf
default-information, redistribute, area, router-id, network, passive-interface, no

@router-eigrp config-router
nsf, auto-summary, default, default-information, default-metric, distance, distribute-list, eigrp, maximum-paths, metric, neighbor,
network, no, offset-list, passive-interface, redistribute, shutdown, summary-metric, timers, traffic-share, variance
> address-family => eigrp-af
> service-family => eigrp-af

@eigrp-af config-router-af
autonomous-system, passive-interface, distance, distribute-list, redistribute, router-id, maximum-paths, variance, traffic-share,
auto-summary, bfd, default, default-information, eigrp, maximum-prefix, metric, neighbor, network, no, remote-neighbors, shutdown,
summary-metric, timers
> af-interface => eigrp-af-if
> topology => eigrp-topology
< exit-address-family after
< exit-service-family after

@eigrp-af-if config-router-af-interface
authentication, bandwidth-percent, bfd, dampening-change, dampening-interval, default, hello-interval, hold-time, next-hop-self,
no, passive-interface, shutdown, split-horizon, summary-address, stub-site
< exit-af-interface after

@eigrp-topology config-router-af-topology
auto-summary, default, default-information, default-metric, distance, distribute-list, eigrp, fast-reroute, maximum-paths, metric,
no, offset-list, redistribute, snmp, summary-metric, timers, traffic-share, variance
< exit-af-topology after

@router-rip config-router
address-family, auto-summary, default, default-information, default-metric, distance, distribute-list, flash-update-threshold,
input-queue, maximum-paths, neighbor, network, no, offset-list, output-delay, passive-interface, redistribute, timers, validate-update-source, version
> address-family => router-rip-af

@router-rip-af config-router-af
auto-summary, default, default-information, default-metric, distance, distribute-list, maximum-paths, neighbor, network, no,
offset-list, output-delay, passive-interface, redistribute, timers, version
< exit-address-family after

@router-isis config-router
address-family, area-password, authentication, bfd, default-information, distance, distribute-list, domain-password, fast-flood,
hello, ignore-lsp-errors, is-type, ispf, log-adjacency-changes, lsp-gen-interval, lsp-refresh-interval, max-area-addresses,
max-lsp-lifetime, maximum-paths, metric, metric-style, net, no, nsf, passive-interface, prc-interval, redistribute, set-overload-bit,
spf-interval, summary-address, traffic-share, default

@class-map config-cmap
description, match, no
@policy-map config-pmap
description, no
> class => policy-map-class

@policy-map-class config-pmap-c
bandwidth, compress, drop, estimate, fair-queue, inspect, log, netflow-sampler, no, pass, priority, queue-limit,
random-detect, reject, service-policy, set, shape, trust, urlfilter, account, admit, fragment, queue-buffers
> police => pmap-police

@pmap-police config-pmap-c-police
conform-action, exceed-action, violate-action, conform-color, exceed-color, no

@route-map config-route-map
continue, description, match, no, set

@std-nacl config-std-nacl
NUM, deny, permit, remark, no
@ext-nacl config-ext-nacl
NUM, deny, permit, remark, no, evaluate, dynamic, sequence

@og-network config-network-group
NUM, HEX, description, group-object, host, network-object, range, no
@og-service config-service-group
NUM, description, group-object, icmp, tcp, tcp-udp, udp, esp, ahp, gre, igmp, ospf, pim, eigrp, service-object, port-object, no,

@key-chain config-keychain
description, no
> key NUM => key-chain-key

@key-chain-key config-keychain-key
accept-lifetime, cryptographic-algorithm, key-string, no, send-lifetime

@call-home cfg-call-home
contact-email-addr, phone-number, street-address, customer-id, site-id, contract-id, sender, mail-server, http-proxy,
http resolve-hostname-ipv4-first, alert-group, data-privacy, syslog-throttling, vrf, source-interface, source-ip-address,
rate-limit, copy, no, default
> profile => call-home-profile

@call-home-profile cfg-call-home-profile
active, destination, subscribe-to-alert-group, anonymous-reporting-only, reporting, no, default

@control-plane config-cp
service-policy, management-interface, no, host, cef

@trustpoint ca-trustpoint
auto-import, cabundle, chain-validation,
auto-enroll, auto-trigger, cdp-url, crl, default, enrollment, eku, fingerprint, fqdn, hash, ip-address, issuer-name, keypair,
match, no, ocsp, password, primary, regenerate, revocation-check, rsakeypair, eckeypair, serial-number, source, storage, subject-alt-name,
subject-name, usage, vrf, validation-usage, shutdown, smtp, database, grant, lifetime, cdp-url, issuer-name, auto-rollover,
chain-validation, oid, authorization,
crl-cache, trustpool, cabundle,

@trustpool ca-trustpool
auto-import, cabundle, chain-validation, crl, default, match, no, revocation-check, source, storage, vrf

@cert-chain config-cert-chain
no
> certificate => cert-data

@cert-data config-pubkey
DATA
< quit inside

@pubkey-data config-pubkey
DATA
< quit after

@pubkey-chain config-pubkey-chain
no
> named-key => pubkey-key
> addressed-key => pubkey-key

@pubkey-key config-pubkey-key
address, serial-number, no
> key-string $ => pubkey-data

@csr-params config-csr-params
common-name, country, locality, organization-name, organization-unit, state, email, no

@crypto-ikev1 config-crypto
key, firewall, authentication, encryption, group, hash, lifetime, no, cluster, participate, priority, redirect-fqdn, pool, dns, acl, domain,
netmask, save-password, include-local-lan, max-users, max-logins, backup-gateway, pfs, split-dns,
auto-update, browser-proxy, route, dhcp, wins, access-restrict, client, netmask, def-domain, gateway, trustpoint,
authentication, webvpn, protocol,

@ip-sla config-ip-sla
ethernet echo, ethernet jitter, ethernet y1731,
icmp-echo, udp-jitter, udp-echo, tcp-connect, http, dns, path-echo, path-jitter, icmp-jitter, data-pattern, frequency,
history, owner, request-data-size, secondary-frequency, tag, threshold, timeout, tos, verify-data, vrf, source-ip,
source-interface, no, precision, percentile, control, ttl,

@track config-track
default-state, delay, ip, ipv6, object, threshold, no, description

@vrf config-vrf
description, rd, route-target, route-replicate, vnet, vpn, import, export, maximum, no, mdt, context
> address-family => vrf-af

@vrf-af config-vrf-af
route-target, import, export, maximum, mdt, route-replicate, no
< exit-address-family after

@gdoi config-gdoi-group
identity, server, client, description, passive, no
> server local $ => gdoi-server

@gdoi-server gdoi-local-server
rekey, authorization, address, no
> sa ipsec NUM => gdoi-sa
> redundancy $ => gdoi-coop

@gdoi-sa gdoi-sa-ipsec
profile, match address, replay, tag, no

@gdoi-coop gdoi-coop-ks-config
local priority, peer address, timers, no

@ip-sla-monitor config-sla-monitor
type, frequency, timeout, threshold, tag, owner, request-data-size, vrf, tos, verify-data, data-pattern, lives-of-history-kept,
buckets-of-history-kept, filter-for-history, distributions-of-statistics-kept, hours-of-statistics-kept, no

@radius-server config-radius-server
address, key, timeout, retransmit, automate-tester, pac, non-standard, backoff, dtls, no

@ikev2-name-mangler config-ikev2-name-mangler
fqdn, email, dn, eap, no

@mdt-subs config-mdt-subs
encoding, filter, source-address, source-vrf, stream, update-policy, receiver, no

@crypto-map config-crypto-map
set security-association idle-time, set security-association level, set security-association replay, set nat, set reverse-route, qos pre-classify, set ip access-group, set security-association dummy, set security-policy, set group, set identity, set ikev1,
no

@isakmp-profile conf-isa-prof
ca trust-point, match certificate, client, isakmp authorization, virtual-template, accounting, qos-group, default, no,
match identity group, description, reverse-route

@ipsec-profile ipsec-profile
set security-association idle-time, set security-association replay, responder-only, set reverse-route, set mixed-mode,
set security-policy, description, set identity, set security-association level, set security-association dummy, no

@keyring conf-keyring
pre-shared-key hostname, rsa-pubkey, no

@ikev2-profile config-ikev2-profile
aaa authentication eap, aaa authentication anyconnect-eap, aaa authorization group, aaa authorization user, aaa accounting psk, aaa accounting cert, aaa accounting eap, aaa accounting anyconnect-eap, virtual-template, nat, pki trustpoint, config-exchange, ivrf, match certificate, identity local key-id, identity local dn,
authentication local eap, authentication remote eap, authentication local ecdsa-sig, authentication remote ecdsa-sig,
description, redirect, shutdown, initial-contact, reconnect, no, match inbound-only, match address local ipv6

@ikev2-peer config-ikev2-keyring-peer
hostname, identity key-id, no

@ikev2-policy config-ikev2-policy
match address local ipv6, no, encryption, integrity, group, prf, lifetime

@redundancy config-red
mode, no, application, interchassis, linecard-group, keepalive-enable, notification-timer
> main-cpu $ => red-main-cpu

@red-main-cpu config-r-mc
auto-sync, no

@dhcp-pool dhcp-config
address, bootfile, class, client-identifier, client-name, default-router, dns-server, domain-name, hardware-address, host, import,
lease, netbios-name-server, netbios-node-type, network, next-server, no, option, origin, relay, update, utilization, vrf

@aaa-server-group config-sg-radius
server, server-private, ip, deadtime, load-balance, key, no, accounting,
ip vrf forwarding, ip radius source-interface, ip radius attribute, ip tacacs source-interface, mac-delimiter, attribute,

@aaa-tacacs-group config-sg-tacacs+
server, server-private, ip, no, ip vrf forwarding, ip tacacs source-interface, timeout

@vlan config-vlan
name, state, shutdown, remote-span, private-vlan, media, mtu, backupcrf, are, ste, parent, ring, said,
tb-vlan1, tb-vlan2, no, et-analytics, lldp, uplink

@vlan-access-map config-access-map
match, action, no

@vlan-config config-vlan-config
device-tracking, ip, ipv6, no, member, et-analytics, service-policy, vni, evpn

@applet config-applet
action, description, trigger, no, set,
event application, event cli, event config, event counter, event env, event gold, event identity, event interface,
event ioswdsysmon, event ipsla, event mat, event neighbor-discovery, event nf, event none, event oir, event process,
event resource, event rf, event routing, event rpc, event snmp, event snmp-notification, event snmp-object, event syslog,
event tag, event test, event timer, event track

@time-range config-time-range
absolute, periodic, no

@radius-da config-locsvr-da-radius
client, server-key, port, auth-type, ignore, domain, no, server

@service-template config-service-template
access-group, inactivity-timer, tag, vlan, voice, description, redirect, absolute-timer,
linksec, sgt, interface-template, tunnel, vnid, no, mdns-service-policy

@arp-nacl config-arp-nacl
permit, deny, no

@device-tracking config-device-tracking
tracking, security-level, limit, device-role, trusted-port, protocol, data-glean,
destination-glean, prefix-glean, medium-type-wireless, no, description, vpc, distribution-switch

@if-srv config-if-srv
encapsulation, rewrite, bridge-domain, service-policy, l2protocol, description, shutdown, xconnect, no,
snmp, mac, ethernet, group, cfm

@zone config-sec-zone
description, service-policy, no, protocol

@zone-pair config-sec-zone-pair
description, service-policy, no

@parameter-map config-profile
description, no, NUM, alert, audit-trail, dns-timeout, icmp, log, max-incomplete, one-minute, sessions, tcp, udp, urlfpolicy,
next-address, index, exclude-address, path, write-memory, maximum, time-period, interval, detect-multiplier, echo, hops,
match, collect, destination, source, transport, export-protocol, template, record, exporter, cache, statistics, option,
server, trustpool, record, cabundle, chain-validation, vrf, crl, revocation-check, subject-name, issuer-name, unique-name

@archive config-archive
path, maximum, write-memory, time-period, rollback, no
> log config $ => archive-log

@archive-log config-archive-log-cfg
logging enable, logging size, logging persistent, hidekeys, notify syslog, no

@dhcpv6-pool config-dhcpv6
address prefix, domain-name, dns-server, prefix-delegation, import, information refresh, link-address, vendor-specific, sip, nis, no

@pw-class config-pw-class
encapsulation, protocol, ip local interface, ip pmtu, ip tos, ip ttl, ip dfbit, sequencing, interworking, control-word,
preferred-path, status, vccv, no

@bba-group config-bba-group
virtual-template, sessions, pppoe, ac name, service profile, control-packets, no

@webvpn-context config-webvpn-context
ssl authenticate, ssl encryption, ssl trustpoint, inservice, gateway, aaa authentication, aaa authorization, default-group-policy,
login-message, title, logo, color, secondary-color, max-users, csd, vw-context, no
> policy group => webvpn-group

@webvpn-group config-webvpn-group
functions, filter, hide-url-bar, timeout, banner, citrix, svc, url-list, port-forward, no

@gatekeeper config-gk
zone, shutdown, gw-type-prefix, lrq, no

@line config-line
= transport input, transport output, transport preferred, privilege level, session-timeout, absolute-timeout, history size, length,
= width, escape-character, access-class * in, access-class * out, login authentication, stopbits, databits, parity, speed, location
exec-timeout, login, transport input, password,
absolute-timeout, access-class, accounting, activation-character, authorization, autocommand, autoselect, buffer-length, databits,
disconnect-character, escape-character, exec, exec-banner, exec-character-bits, flowcontrol, full-help, hold-character, history,
ipv6, length, location, logging, login authentication, modem, monitor, motd-banner, no, notify, padding, parity, password,
privilege, refuse-message, rotary, session-disconnect-warning, session-limit, session-timeout, speed, start-character, stop-character,
stopbits, terminal-type, transport output, transport preferred, vacant-message, width, timeout, transport, exec prompt,
logout-warning

@ecfm config-ecfm
id, mep archive-hold-time, mip auto-create, alarm, no
> service => ecfm-srv

@ecfm-srv config-ecfm-srv
continuity-check, mip auto-create, maximum meps, sender-id, alarm, ais, efp, mep mpid, no

@evc config-evc
oam protocol, uni count, no

@mka-policy config-mka-policy
key-server priority, macsec-cipher-suite, confidentiality-offset, sak-rekey, include-icv-indicator, send-secure-announcements,
ssci-based-on-sci, use-updated-eth-header, delay-protection, no

@if-xconnect config-if-xconn
l2tp, backup, mtu, remote, description, no

@atm-vc config-if-atm-vc
vbr-nrt, vbr-rt, ubr, cbr, protocol, encapsulation, oam-pvc, oam retry, pppoe-client, pppoe max-sessions, dialer pool-member,
tx-ring-limit, service-policy, inarp, class-vc, ilmi manage, no

@if-ssid config-if-ssid
authentication, guest-mode, vlan, mobility, accounting, infrastructure-ssid, max-associations, information-element, no

@fr-dlci config-fr-dlci
class, protocol, no

@interface config-if
ip igmp last-member-query-interval, ip igmp last-member-query-count, ip igmp query-max-response-time,
ip igmp v3-query-max-response-time, ip igmp tcn, ip igmp immediate-leave, ip igmp explicit-tracking, ip igmp limit,
ip igmp mroute-proxy, ip igmp proxy-service, ip igmp querier-timeout, ip igmp unidirectional-link,
ip pim join-prune-interval, ip pim bsr-border, ip pim border, ip pim neighbor-filter, ip pim state-refresh, ip pim version,
ip pim redundancy, ip pim snooping, ip pim minimum-vc-rate, ip pim vc-count, ip pim multipoint-signalling,
ip mfib forwarding, ip mfib cef, network-clock wait-to-restore, network-clock hold-off, ntp broadcast, ntp multicast,
ntp disable, ip cef accounting non-recursive, network-clock source, ip traffic-export apply, vtp $, bridge-group, private-vlan mapping, bgp-policy, clns route-cache, clns mtu,
clns enable, ip sticky-arp, ip tcp compression-connections, ip bgp fast-external-fallover, h323-gateway, ip flowspec,
synchronous,
> service instance => if-srv
= load-interval, bandwidth, delay, mtu, ipv6 mtu, ipv6 tcp adjust-mss, speed, duplex, keepalive, carrier-delay, mac-address, media-type,
= ip ospf cost, ip ospf priority, ip ospf hello-interval, ip ospf dead-interval, ip ospf network, ip ospf retransmit-interval,
= ip ospf transmit-delay, ip ospf authentication, ip policy route-map, ip nhrp network-id, ip nhrp holdtime, ip nhrp authentication,
= tunnel key, tunnel ttl, tunnel tos, switchport mode, switchport access vlan, switchport trunk native vlan, switchport voice vlan,
= switchport trunk encapsulation, standby NUM priority, standby NUM timers, standby version, vrrp NUM priority,
= service-policy input, service-policy output, zone-member security, hold-queue * in, hold-queue * out
ip nat inside $, ip nat outside $, ip nat enable $, ip pim sparse-mode, ip pim dense-mode, ip pim sparse-dense-mode, ip pim nbma-mode, ip pim dr-priority, ip pim query-interval, ip pim bfd, ip pim passive, ip igmp join-group, ip igmp version, ip igmp query-interval, ip igmp helper-address, ip igmp static-group, ip igmp access-group, ip multicast boundary, ip wccp web-cache redirect, ip wccp NUM redirect, ip wccp redirect, ip rsvp bandwidth, ip nbar protocol-discovery, ip dhcp relay, ip dhcp client, ip dhcp snooping trust $, ip dhcp snooping limit, ip arp inspection trust $,
arp, auto, autostate, bandwidth, bfd, carrier-delay, cdp, channel-group, channel-protocol, clock, crypto ipsec df-bit, crypto ipsec fragmentation, crypto ipsec client, 
cts, serial restart-delay, service-module, dampening, default, delay,  dialer-group, duplex, encapsulation, flowcontrol, glbp, hold-queue, ip access-group,
ip accounting, ip authentication, ip bandwidth-percent, ip broadcast-address, ip cgmp, ip directed-broadcast,
ip flow, ip hello-interval, ip helper-address, ip hold-time, ip load-sharing, ip local-proxy-arp,
ip mask-reply, ip mroute-cache, ip next-hop-self, ip nhrp, ip ospf, ip policy, ip proxy-arp,
ip redirects, ip rip, ip route-cache, ip sap, ip split-horizon, ip summary-address, ip unnumbered, ip unreachables,
ip urpf, ip verify, ip virtual-reassembly, ip virtual-reassembly-out, ip router, ip irdp,
ip tcp header-compression, ip rtp, ip security, ip ddns, ip probe, ipv6, isis, keepalive,
lacp, lldp, load-interval, logging, mac-address, macsec, media-type, medium,   mop,  mtu, nat64, negotiation,
ospfv3, peer,  power, pppoe, pppoe-client, ppp, priority-queue, qos pre-classify, queue-set, rate-limit, redundancy, rmon,
service-policy, snmp, spanning-tree, speed, standby, storm-control, switchport, tunnel key, tunnel path-mtu-discovery,
tunnel bandwidth, tunnel checksum, tunnel ttl, tunnel tos, tunnel route-via, tunnel udlr, tunnel entropy, tunnel rbscp,
tunnel endpoint, tunnel sequence-datagrams, tunnel mpls, tunnel nhrp, tunnel raw-packet-interface, udld, vlan-id, vrrp,
zone-member,  backup, access-session, authentication, mab, dot1x, device-tracking, umbrella, tx-ring-limit, fair-queue,
random-detect, traffic-shape,  virtual-template, physical-layer, async,  shape, nameif, security-level,
pppoe-client, hsrp, cable, ip nhrp, nhrp, ipx, lan-name, mdix, fabric, macro, evc, service, flow-sampler,
crypto engine slot, crypto engine subslot, crypto engine gre,
ip inspect, cdp log, ipv6 dhcp server, ipv6 dhcp client, ipv6 dhcp relay, ipv6 dhcp guard, ipv6 nd, ipv6 address, ipv6 enable, ipv6 mtu,
ipv6 ospf, ipv6 tcp adjust-mss, ipv6 traffic-filter, ipv6 nat, ipv6 mld, ipv6 pim, ipv6 snooping, ipv6 eigrp, ipv6 rip, ipv6 mfib,
ipv6 multicast, ipv6 policy, ipv6 verify, ipv6 nhrp, ipv6 flow, ipv6 redirects, ipv6 unreachables, ipv6 virtual-reassembly,
tunnel vxlan, atm, bundle-enable, dsl, max-reserved-bandwidth, full-duplex, half-duplex,
dialer pool, dialer pool-member, dialer idle-timeout, dialer string, dialer map, dialer in-band, dialer persistent,
dialer enable-timeout, dialer fast-idle, dialer hold-queue, dialer load-threshold, dialer wait-for-carrier-time, dialer watch-group,
dialer watch-disable, dialer rotary-group, dialer caller, dialer remote-name, dialer max-call, dialer order, dialer priority,
dialer redial, dialer down-with-vInterface, dialer vpdn, dialer callback-secure, dialer isdn, dialer dtr, dialer aaa, dialer called,
dialer congestion-threshold,
ethernet cfm mep, ethernet cfm mip, ethernet cfm enable, ethernet cfm ais, ethernet oam $, ethernet oam link-monitor,
ethernet oam mode, ethernet oam remote-loopback, ethernet oam remote-failure, ethernet oam max-rate, ethernet oam min-rate,
ethernet oam timeout, ethernet lmi interface, ethernet lmi n391, ethernet lmi n393, ethernet lmi t391, ethernet lmi t392,
ethernet uni, ethernet dot1ad, ethernet loopback,
frame-relay lmi-type, frame-relay intf-type, frame-relay map, frame-relay class, frame-relay traffic-shaping,
frame-relay inverse-arp, frame-relay payload-compression, frame-relay broadcast-queue, frame-relay lmi-n391dte, frame-relay lmi-n392dte,
frame-relay lmi-n393dte, frame-relay lmi-n392dce, frame-relay lmi-n393dce, frame-relay lmi-t392dce, frame-relay multilink,
frame-relay de-group, frame-relay priority-dlci-group, frame-relay route, frame-relay svc, frame-relay qos-autosense, frame-relay ip,
mka policy, mka pre-shared-key, mka default-policy,
mls qos trust, mls qos cos, mls qos vlan-based, mls qos dscp-mutation, mls qos exp-mutation, mls qos bridged, mls qos loopback,
mpls ip $, mpls ip encapsulate, mpls mtu, mpls label protocol, mpls bgp forwarding, mpls accounting, mpls netflow,
mpls ldp discovery transport-address, mpls ldp igp sync, mpls traffic-eng tunnels, mpls traffic-eng administrative-weight,
mpls traffic-eng attribute-flags, mpls traffic-eng backup-path, mpls traffic-eng flooding, mpls traffic-eng srlg,
mpls traffic-eng passive-interface,
xconnect vfi,
port monitor, port group, port network, port protected, port block, port storm-control, port security,
encryption mode, encryption vlan, encryption key, broadcast-key, rts, channel, station-role, power local, power client, world-mode,
antenna, beacon, fragment-threshold, packet retries, preamble-short, infrastructure-client, mbssid, dot11, parent, distance
> ssid => if-ssid
> frame-relay interface-dlci => fr-dlci
> xconnect HEX => if-xconnect
> pvc => atm-vc
"#;

/// IOS's vocabulary, parsed once.
pub fn vocabulary() -> &'static Vocabulary {
    static V: OnceLock<Vocabulary> = OnceLock::new();
    V.get_or_init(|| Vocabulary::parse(TABLE))
}

/// Whole-line syntax of the kept commands of the modelled crypto families
/// (and of the global `crypto isakmp|ipsec|ikev2` lines), in the command
/// graph's spec language, from the IOS 15 / IOS-XE 16 security command
/// references. A kept line whose vocabulary entry has a spec here must
/// parse in full: a typo after the leading keywords (`set reverse-route
/// tagg 5`, `responder-only now`, `crypto isakmp nat-traversal 5x`) is
/// refused with the caret at the bad word. `LINE` stands for arguments
/// whose syntax varies by release (kept as typed). A family marked
/// `complete` lists every command it keeps: its lines are checked from
/// the first keyword on.
const SYNTAX: &str = r#"
@call-home complete
contact-email-addr WORD
phone-number WORD
street-address LINE
customer-id LINE
site-id LINE
contract-id LINE
sender {from WORD | reply-to WORD}
mail-server {A.B.C.D | WORD} priority <1-100>
http-proxy WORD port <1-65535>
http resolve-hostname-ipv4-first
alert-group {all | configuration | crash | diagnostic | environment | inventory | snapshot | syslog}
data-privacy {level {normal | high} | hostname}
syslog-throttling
vrf WORD
source-interface WORD
source-ip-address A.B.C.D
rate-limit <1-60>
copy profile WORD WORD

@call-home-profile complete
active
destination address {email WORD | http WORD}
destination message-size-limit <50-3145728>
destination preferred-msg-format {long-text | short-text | xml}
destination transport-method {email | http}
subscribe-to-alert-group {all | configuration | crash | diagnostic | environment | inventory | snapshot | syslog} [LINE]
anonymous-reporting-only
reporting {all | smart-call-home-data | smart-licensing-data}

@crypto-map
set security-association idle-time <60-86400> [default]
set security-association level per-host
set security-association replay {disable | window-size [64 | 128 | 256 | 512 | 1024]}
set security-association dummy [seconds <1-3600>]
set nat demux
set reverse-route {distance <1-255> | gateway A.B.C.D | tag <1-4294967295>}
qos pre-classify
set ip access-group {<1-199> | <1300-2699> | WORD} {in | out}
set identity WORD
set group WORD
set security-policy limit <0-4294967295>
set ikev1 LINE

@ipsec-profile
set security-association idle-time <60-86400> [default]
set security-association level per-host
set security-association replay {disable | window-size [64 | 128 | 256 | 512 | 1024]}
set security-association dummy [seconds <1-3600>]
set reverse-route {distance <1-255> | gateway A.B.C.D | tag <1-4294967295>}
set mixed-mode
set identity WORD
set security-policy limit <0-4294967295>
responder-only
description LINE

@isakmp-profile
ca trust-point WORD
match certificate WORD
match identity group WORD
client {authentication list WORD | configuration {address {initiate | respond} | group WORD} | pki authorization list WORD}
isakmp authorization list WORD
virtual-template <1-65535>
accounting WORD
qos-group <1-1023>
description LINE
reverse-route [remote-peer [A.B.C.D] [gateway | static]]

@keyring
pre-shared-key hostname WORD key [0 | 6] WORD
rsa-pubkey {address A.B.C.D | name WORD} [encryption | signature]

@ikev2-profile
aaa {authentication {eap | anyconnect-eap} WORD | authorization {group | user} LINE | accounting LINE}
virtual-template <1-65535> [mode auto]
nat {keepalive <5-3600> | force-encap}
pki trustpoint WORD [sign | verify]
config-exchange {request | set {accept | send}} [LINE]
ivrf WORD
match certificate WORD
match inbound-only
match address local ipv6 LINE
identity local key-id WORD
identity local dn
authentication {local | remote} eap [LINE]
authentication {local | remote} ecdsa-sig
description LINE
redirect {client | gateway} LINE
shutdown
initial-contact [force]
reconnect [timeout <600-86400>]

@ikev2-peer
hostname WORD
identity key-id WORD

@interface
ip nhrp network-id <1-4294967295>
ip nhrp holdtime <1-65535>
ip nhrp authentication WORD
ip nhrp map multicast {A.B.C.D | dynamic}
ip nhrp redirect [timeout <2-30>]
ip nhrp shortcut [virtual-template <1-65535>]
ip nhrp registration {no-unique | timeout <1-65535>}
ip nhrp {nhs LINE | map LINE | interest LINE | max-send LINE | responder WORD | server-only [LINE] | trigger-svc LINE | use <1-65535> | record | event-publisher LINE | group WORD | attribute LINE | cache LINE | path-preference LINE | route-watch}
tunnel key <0-4294967295>
tunnel ttl <1-255>
tunnel tos <0-255>
tunnel path-mtu-discovery [age-timer {<10-30> | infinite} | min-mtu <92-65535>]
keepalive [<0-32767> [<1-255>]]
bandwidth {<1-100000000> | inherit [<1-100000000>] | qos-reference <1-100000000> | receive <1-100000000>}
delay <1-16777215>
load-interval <30-600>
duplex {auto | full | half}
qos pre-classify
ip ospf <1-65535> area {<0-4294967295> | A.B.C.D} [secondaries none]
ip ospf authentication [message-digest | null | key-chain WORD]
ip ospf authentication-key [<0-7>] WORD
ip ospf bfd [disable]
ip ospf cost <1-65535>
ip ospf database-filter all out [disable]
ip ospf dead-interval {<1-65535> | minimal hello-multiplier <3-20>}
ip ospf demand-circuit [ignore | disable]
ip ospf fast-reroute LINE
ip ospf flood-reduction
ip ospf hello-interval <1-65535>
ip ospf lls [disable]
ip ospf message-digest-key <1-255> md5 [<0-7>] WORD
ip ospf mtu-ignore
ip ospf multi-area LINE
ip ospf network {broadcast | non-broadcast | point-to-multipoint [non-broadcast] | point-to-point}
ip ospf passive-interface
ip ospf prefix-suppression [disable]
ip ospf priority <0-255>
ip ospf resync-timeout <1-65535>
ip ospf retransmit-interval <1-65535>
ip ospf shutdown
ip ospf transmit-delay <1-65535>
ip ospf ttl-security [LINE]
ip ospf topology LINE
ip ospf adjacency stagger disable
ip access-group {<1-199> | <1300-2699> | WORD} {in | out}
ip helper-address {A.B.C.D | vrf WORD A.B.C.D | global A.B.C.D} [redundancy WORD]
ip policy route-map WORD
ip igmp version {1 | 2 | 3}
ip load-sharing {per-destination | per-packet}
ip route-cache [cef | flow | same-interface | policy | distributed]
ip split-horizon [eigrp <1-65535>]
ip flow {ingress | egress | monitor WORD {input | output}}
ip inspect WORD {in | out}
ipv6 ospf {<1-65535> area {<0-4294967295> | A.B.C.D} [LINE] | cost <1-65535> | network LINE | priority <0-255> | hello-interval <1-65535> | dead-interval <1-65535> | authentication LINE | encryption LINE | retransmit-interval <1-65535> | transmit-delay <1-65535> | mtu-ignore | bfd [LINE] | flood-reduction | demand-circuit [LINE] | neighbor LINE | database-filter LINE | shutdown | passive-interface}
ipv6 nd ra {interval LINE | lifetime <0-9000> | suppress [all] | dns LINE | solicited LINE | hop-limit LINE | mtu LINE}
ipv6 nd prefix {X:X:X:X::X/M | default | framed-ipv6-prefix} [LINE]
ipv6 nd {managed-config-flag | other-config-flag | dad LINE | ns-interval <0-3600000> | reachable-time <0-3600000> | nud LINE | router-preference {high | medium | low} | autoconfig LINE | cache LINE | raguard LINE | inspection LINE | na LINE | suppress-ra [LINE] | ra-interval LINE | ra-lifetime LINE}
ipv6 {address | authentication | bfd | cef | cga | crypto | destination-guard | dhcp | dhcp-ldra | directed-broadcast | eigrp | enable | flow | flowset | hello-interval | hold-time | inspect | mfib | mld | mobile | mode | mtu | multicast | multicast-boundary | nat | next-hop-self | nhrp | pim | policy | port | redirects | rip | router | sap | snooping | source-guard | source-route | split-horizon | summary-address | tcp | traffic-filter | unnumbered | unreachables | verify | virtual-reassembly | wccp} [LINE]
speed {10 | 100 | 1000 | 2500 | 5000 | 10000 | 25000 | 40000 | 50000 | 100000 | auto [LINE] | nonegotiate | default | range | throughput | ofdm-throughput | only-ofdm | {1.0 | 2.0 | 5.5 | 6.0 | 9.0 | 11.0 | 12.0 | 18.0 | 24.0 | 36.0 | 48.0 | 54.0 | basic-1.0 | basic-2.0 | basic-5.5 | basic-6.0 | basic-9.0 | basic-11.0 | basic-12.0 | basic-18.0 | basic-24.0 | basic-36.0 | basic-48.0 | basic-54.0} [LINE]}
mtu <64-65535>
hold-queue <0-240000> {in | out}
carrier-delay {<0-60> | msec <0-1000> | up LINE | down LINE}
channel-group <1-512> [mode {active | passive | on | auto [non-silent] | desirable [non-silent]}]
channel-protocol {lacp | pagp}
encapsulation {dot1q <1-4094> [native | second-dot1q LINE] | isl <1-4094> | dot1ad <1-4094> [LINE] | ppp | hdlc | slip | frame-relay [LINE] | lapb [LINE] | x25 [LINE] | atm-dxi | smds | sdlc | sdlc-primary | sdlc-secondary | stun | bstun | raw-tcp | raw-udp | aal0 | aal5snap | aal5mux LINE | aal5nlpid | aal5ciscoppp LINE | aal5autoppp LINE | mpls | untagged | default}
standby [<0-4095>] {ip [A.B.C.D [secondary]] | priority <0-255> | preempt [LINE] | timers LINE | track LINE | authentication LINE | name WORD | mac-address WORD | use-bia [LINE] | follow WORD | redirect LINE | bfd | delay LINE | ipv6 LINE | mac-refresh <0-255>}
standby version {1 | 2}
switchport
switchport mode {access | trunk | dynamic {auto | desirable} | private-vlan LINE | dot1q-tunnel}
switchport access vlan {<1-4094> | dynamic | name WORD}
switchport trunk {allowed vlan LINE | native vlan {<1-4094> | tag} | encapsulation {dot1q | isl | negotiate} | pruning vlan LINE}
switchport nonegotiate
switchport voice vlan {<1-4094> | dot1p | none | untagged | name WORD}
switchport port-security [maximum <1-4097> [vlan LINE] | mac-address {sticky [WORD] [LINE] | WORD [LINE]} | violation {protect | restrict | shutdown [vlan]} | aging LINE]
switchport priority extend LINE
switchport protected
switchport block {unicast | multicast}
switchport private-vlan LINE
switchport host
switchport backup LINE
switchport autostate exclude
switchport vlan mapping LINE
switchport capture [LINE]
switchport dot1q ethertype HEX
spanning-tree {portfast [LINE] | bpduguard {enable | disable} | bpdufilter {enable | disable} | cost <1-200000000> | port-priority <0-240> | link-type {point-to-point | shared} | guard {loop | root | none} | vlan LINE | mst LINE | stack-port | rootguard | loopguard}
storm-control {broadcast | multicast | unicast} {level LINE | action {shutdown | trap}}
storm-control action {shutdown | trap}
zone-member security WORD
cdp {enable | tlv LINE | log LINE}
logging event {link-status | trunk-status | bundle-status | subif-link-status | spanning-tree | power-inline-status | nfas-status | status} [LINE]
snmp trap {link-status [permit duplicates] | ip verify drop-rate | mac-notification LINE}
snmp ifindex {persist | clear}
negotiation auto

@line
stopbits {1 | 1.5 | 2}
logging synchronous [LINE]
privilege level <0-15>
transport {input | output} {all | none | {ssh | telnet | rlogin | lat | mop | nasi | pad | udptn | v120 | lapb-ta | acercon} [{ssh | telnet | rlogin | lat | mop | nasi | pad | udptn | v120 | lapb-ta | acercon} [{ssh | telnet | rlogin | lat | mop | nasi | pad | udptn | v120 | lapb-ta | acercon} [{ssh | telnet | rlogin | lat | mop | nasi | pad | udptn | v120 | lapb-ta | acercon}]]]}
transport preferred {all | none | ssh | telnet | rlogin | lat | mop | nasi | pad | udptn | v120 | lapb-ta | acercon}
access-class {<1-199> | <1300-2699> | WORD} {in | out} [vrf-also]
length <0-512>
width <0-512>
session-timeout <0-35791> [output]
absolute-timeout <0-10000>
history [size <0-256>]
login [local | authentication WORD]

@router-ospf
router-id A.B.C.D
network A.B.C.D A.B.C.D area {<0-4294967295> | A.B.C.D}
passive-interface {default | IFNAME | WORD IFNUM}
redistribute {connected | static | rip | odr | mobile | lisp | bgp <1-4294967295> | eigrp <1-65535> | ospf <1-65535> | ospfv3 <1-65535> | isis [WORD] | application WORD | maximum-prefix <1-4294967295>} [LINE]
default-information originate [LINE]
distribute-list {<1-199> | <1300-2699> | prefix WORD | prefix-list WORD | route-map WORD | gateway WORD | WORD} {in | out} [LINE]
area {<0-4294967295> | A.B.C.D} {authentication [message-digest | ipsec LINE] | nssa [LINE] | stub [no-summary] | range {A.B.C.D A.B.C.D | X:X:X:X::X/M} [advertise | not-advertise | cost <0-16777215>] | virtual-link A.B.C.D [LINE] | default-cost <0-16777215> | filter-list LINE | sham-link LINE | capability transit | encryption LINE}
log-adjacency-changes [detail]
auto-cost [reference-bandwidth <1-4294967>]
maximum-paths <1-32>
summary-address A.B.C.D A.B.C.D [LINE]
default-metric <1-16777214>
timers {throttle {spf | lsa [all]} LINE | lsa arrival <0-600000> | pacing {flood | lsa-group | retransmission} <1-1800000> | spf <0-4294967295> <0-4294967295>}

@router-bgp+bgp-af
neighbor {A.B.C.D | X:X:X:X::X | WORD} {activate | additional-paths LINE | advertise LINE | advertise-map LINE | advertisement-interval <0-600> | aigp [LINE] | allow-policy | allowas-in [<1-10>] | announce LINE | as-override [split-horizon] | bfd [LINE] | capability LINE | cluster-id LINE | default-originate [route-map WORD] | description LINE | disable-connected-check | distribute-list {<1-199> | <1300-2699> | WORD} {in | out} | dmzlink-bw | dont-capability-negotiate | ebgp-multihop [<1-255>] | fall-over [LINE] | filter-list <1-500> {in | out} | ha-mode LINE | inherit {peer-policy | peer-session} WORD [LINE] | local-as [LINE] | log-neighbor-changes [disable] | maximum-prefix LINE | next-hop-self [all] | next-hop-unchanged [allpaths] | password LINE | path-attribute LINE | peer-group [WORD] | prefix-length-size LINE | prefix-list WORD {in | out} | remote-as LINE | remove-private-as [LINE] | route-map WORD {in | out} | route-reflector-client | send-community [both | standard | extended | large] | send-label [explicit-null] | shutdown [LINE] | slow-peer LINE | soft-reconfiguration inbound | soo LINE | timers LINE | translate-update LINE | transport LINE | ttl-security hops <1-254> | unsuppress-map WORD | update-source {IFNAME | WORD IFNUM} | version <4-4> | weight <0-65535> | accept-route-legacy-rt | suppress-signaling-protocol LINE | graceful-shutdown LINE | bmp-activate LINE | internal-vpn-client | mtu-discovery [disable] | orf LINE}
bgp router-id {A.B.C.D | vrf auto-assign | interface WORD}
bgp {additional-paths | advertise-best-external | aggregate-timer | always-compare-med | asnotation | bestpath | client-to-client | cluster-id | confederation | consistency-checker | dampening | default | deterministic-med | dmzlink-bw | dynamic-med-interval | route-map-cache | enforce-first-as | enhanced-error | fast-external-fallover | graceful-restart | graceful-shutdown | ha-mode | inject-map | listen | log-neighbor-changes | maxas-limit | maxcommunity-limit | maxextcommunity-limit | nexthop | nopeerup-delay | recursion | redistribute-internal | refresh | regexp | route-map | rpki | scan-time | slow-peer | snmp | soft-reconfig-backup | sourced-paths | sso | suppress-inactive | topology | transport | update-delay | update-group | upgrade-cli | mpls-local-label | scope} [LINE]
network {A.B.C.D [mask A.B.C.D] [route-map WORD] [backdoor] | X:X:X:X::X/M [route-map WORD] [backdoor]}
redistribute {connected | static | rip | odr | mobile | lisp | eigrp <1-65535> | ospf <1-65535> | ospfv3 <1-65535> | isis [WORD] | application WORD} [LINE]
maximum-paths {<1-32> | eibgp <1-32> | ibgp <1-32>} [LINE]
aggregate-address {A.B.C.D A.B.C.D | X:X:X:X::X/M} [LINE]
distance {bgp <1-255> <1-255> <1-255> | <1-255> A.B.C.D A.B.C.D [LINE] | mbgp <1-255> <1-255> <1-255>}
timers bgp <0-65535> <0-65535> [<0-65535>]
default-metric <1-4294967295>
distribute-list {<1-199> | <1300-2699> | prefix WORD | prefix-list WORD | route-map WORD | gateway WORD | WORD} {in | out} [LINE]
table-map WORD [filter]

@router-bgp
address-family {ipv4 [unicast [vrf WORD] | multicast | mdt | tunnel | vrf WORD | flowspec | mvpn | labeled-unicast] | ipv6 [unicast [vrf WORD] | multicast | vrf WORD | flowspec | mvpn | labeled-unicast] | vpnv4 [unicast | multicast | flowspec] | vpnv6 [unicast | multicast | flowspec] | l2vpn [vpls | evpn] | nsap [LINE] | rtfilter unicast | link-state link-state}

@route-map
match ip {address | next-hop | route-source | flowspec} LINE
match ipv6 {address | next-hop | route-source | flowspec} LINE
match {as-path | community | extcommunity | large-community | tag | metric | interface | local-preference | source-protocol | policy-list | mdt-group | security-group | additional-paths | mpls-label | length | track | rpki | route-type} [LINE]
set ip {next-hop LINE | default LINE | precedence LINE | tos LINE | df <0-1> | vrf LINE | global LINE | address LINE | qos-group LINE}
set as-path {prepend LINE | tag | replace LINE}
set metric-type {internal | external | type-1 | type-2}
set origin {igp | egp LINE | incomplete}
set local-preference <0-4294967295>
set weight <0-65535>
set {automatic-tag | comm-list | community | dampening | default | extcommunity | extcomm-list | global | interface | ipv6 | level | metric | mpls-label | tag | traffic-index | vrf | large-community | large-comm-list | aigp-metric | nlri | lisp | qos-group | clns | attribute-set | label-index} [LINE]
continue [<1-65535>]

@class-map
match [not] {access-group LINE | protocol LINE | any | dscp LINE | ip LINE | precedence LINE | cos LINE | qos-group LINE | input-interface LINE | class-map WORD | packet length LINE | destination-address LINE | source-address LINE | mpls LINE | vlan LINE | discard-class LINE | fr-dlci LINE | fr-de | atm LINE | flow LINE | application LINE | metadata LINE | security-group LINE | traffic-category LINE | request LINE | response LINE | req-resp LINE | body LINE | header LINE | cmd LINE | data-length LINE | invalid-command | mime LINE | recipient LINE | sender LINE | login LINE | service LINE | text-chat | file-transfer LINE | user-group LINE | user LINE | domain-name LINE | message LINE | file LINE | port LINE | identity LINE | zone LINE | encrypted | pdu LINE | reply LINE}

@cert-chain
certificate [self-signed | ca | rollover] WORD [WORD]

@aaa-server-group
server {A.B.C.D | name WORD} [auth-port <0-65535>] [acct-port <0-65535>]

@trustpoint
enrollment {terminal [pem] | selfsigned | url WORD | mode ra | retry LINE | profile WORD | http-proxy LINE | pkcs12 | credential WORD}
revocation-check {crl | ocsp | none} [crl | ocsp | none] [crl | ocsp | none]
rsakeypair WORD [<360-4096>] [<360-4096>]
fqdn {none | WORD}
ip-address {none | A.B.C.D | WORD}
serial-number [none]
chain-validation {stop | continue [WORD]}
auto-enroll [<1-100>] [regenerate]
source interface WORD

@global
qos queue-softmax-multiplier <100-4800>
qos diffservmib
crypto isakmp aggressive-mode disable
crypto isakmp enable [WORD]
crypto isakmp fragmentation
crypto isakmp invalid-spi-recovery
crypto isakmp nat-traversal <5-3600>
crypto isakmp xauth timeout <5-90>
crypto ipsec security-association pmtu-aging {infinite | <600-86400>}
crypto ipsec security-association idle-time <60-86400>
crypto ipsec security-association dummy [seconds <1-3600>]
crypto ipsec nat-transparency {udp-encapsulation | spi-matching}
crypto ipsec optional [retry <60-86400>]
crypto ipsec fragmentation {before-encryption | after-encryption}
crypto ipsec ipv4-deny {jitter | clear | drop}
crypto ikev2 dpd <10-3600> <2-60> {on-demand | periodic}
crypto ikev2 nat keepalive <5-3600>
crypto ikev2 window <1-200>
crypto ikev2 diagnose error <1-1000>
crypto ikev2 http-url cert
crypto ikev2 certificate-cache <1-2000>
crypto ikev2 limit {max-in-negotiation-sa <1-100000> [incoming | outgoing] | max-sa <1-100000> | queue sa-init <1-100000>}
ip domain {name [vrf WORD] WORD | lookup [LINE] | list [vrf WORD] WORD | retry <0-100> | timeout <1-3600> | round-robin | multiple-lookup}
ip domain-name [vrf WORD] WORD
ip ssh {version {1 | 2} | time-out <1-120> | authentication-retries <0-5> | source-interface {IFNAME | WORD IFNUM} | logging events | port LINE | rsa keypair-name WORD | dh min size {1024 | 2048 | 4096} | dscp <0-63> | precedence <0-7> | break-string LINE | bulk-mode [LINE] | maxstartups <2-128> | window-size LINE | stricthostkeycheck | rekey LINE | server LINE | client LINE | pubkey-chain}
service timestamps [debug | log] [datetime [{msec | localtime | show-timezone | year} [{msec | localtime | show-timezone | year} [{msec | localtime | show-timezone | year} [{msec | localtime | show-timezone | year}]]]] | uptime]
service {alignment | call-home | compress-config | config | counters | dhcp | disable-ip-fast-frag | exec-callback | exec-wait | finger | hide-telnet-addresses | internal | linenumber | nagle | old-slip-prompts | pad | password-encryption | password-recovery | private-config-encryption | prompt | pt-vty-logging | sequence-numbers | slave-coredump | slave-log | tcp-keepalives-in | tcp-keepalives-out | tcp-small-servers | telnet-zeroidle | udp-small-servers | unsupported-transceiver | image-version | declare | download-fl | upgrade | top | vrf | routing} [LINE]
logging host {A.B.C.D | X:X:X:X::X | ipv6 X:X:X:X::X | vrf WORD LINE | WORD} [LINE]
logging trap [{<0-7> | emergencies | alerts | critical | errors | warnings | notifications | informational | debugging}]
logging buffered [<4096-2147483647> | discriminator WORD | xml | filtered] [<4096-2147483647>] [{<0-7> | emergencies | alerts | critical | errors | warnings | notifications | informational | debugging}]
logging console [discriminator WORD | xml | filtered | guaranteed] [{<0-7> | emergencies | alerts | critical | errors | warnings | notifications | informational | debugging}]
logging monitor [discriminator WORD | xml] [{<0-7> | emergencies | alerts | critical | errors | warnings | notifications | informational | debugging}]
logging facility {auth | cron | daemon | kern | local0 | local1 | local2 | local3 | local4 | local5 | local6 | local7 | lpr | mail | news | sys9 | sys10 | sys11 | sys12 | sys13 | sys14 | syslog | user | uucp}
logging source-interface {IFNAME | WORD IFNUM} [vrf WORD]
ntp {server | peer} [vrf WORD] {A.B.C.D | X:X:X:X::X | ip WORD | ipv6 WORD | WORD} [LINE]
ntp source {IFNAME | WORD IFNUM}
ntp master [<1-15>]
ntp update-calendar
ntp authenticate
ntp authentication-key <1-4294967295> {md5 | hmac-sha1 | hmac-sha2-256 | cmac-aes-128} LINE
ntp trusted-key LINE
ntp logging
ntp access-group LINE
ntp clock-period <0-4294967295>
ntp max-associations <0-4294967295>
ntp allow LINE
ntp broadcastdelay <1-999999>
ntp orphan <1-15>
ntp panic update
ntp passive
ntp refclock LINE
ntp leap LINE
ip forward-protocol {nd | udp [LINE] | turbo-flood | spanning-tree [LINE] | any-local-broadcast}
ip prefix-list WORD {seq <1-4294967294> {permit | deny} A.B.C.D/M [ge <1-32>] [le <1-32>] | {permit | deny} A.B.C.D/M [ge <1-32>] [le <1-32>] | description LINE}
ip prefix-list sequence-number
ipv6 prefix-list WORD {seq <1-4294967294> {permit | deny} X:X:X:X::X/M [ge <1-128>] [le <1-128>] | {permit | deny} X:X:X:X::X/M [ge <1-128>] [le <1-128>] | description LINE}
ip community-list {<1-99> | <100-500> | standard WORD | expanded WORD} {permit | deny} [LINE]
ip as-path access-list <1-500> {permit | deny} LINE
route-map WORD [permit | deny] [<0-65535>]
class-map [type WORD [WORD]] [match-any | match-all | match-none] WORD
policy-map [type WORD [WORD]] WORD
ip nat {inside | outside} {source | destination} {list WORD | static LINE | route-map WORD} [LINE]
ip nat pool WORD LINE
ip nat {translation | service | log | settings | create | stateful | portmap | switchover | sip-sbc | piggyback-support | name | redundancy | limit} LINE
aaa {new-model | authentication {login | enable | ppp | dot1x | arap | nasi | password-prompt | username-prompt | banner | fail-message | attempts | sgbp | eou | rejected | suppress | token | webauth} [LINE] | authorization {exec | commands | network | config-commands | console | configuration | reverse-access | auth-proxy | ipmobile | rm | template | subscriber-service | cache | credential-download | multicast | prepaid | radius-proxy | dot1x | eou} [LINE] | accounting {exec | commands | network | connection | system | update | send | suppress | delay-start | nested | resource | dot1x | identity | auth-proxy | session-duration | redundancy | include | jitter | gigawords | multicast} [LINE] | session-id [common | unique] | group server LINE | server LINE | local LINE | attribute LINE | common-criteria LINE | password LINE | user-name LINE | dnis LINE | cache LINE | max-sessions LINE | nas LINE | pod LINE | preauth | route LINE | traceback LINE | configuration LINE | intercept | memory LINE | service-profile LINE | wireless LINE | policy LINE | profile LINE | dns LINE | login LINE | authen-fail-rate LINE}
snmp-server {community | location | contact | host | view | group | user | engineID | chassis-id | source-interface | queue-length | trap | packetsize | tftp-server-list | file-transfer | inform | cache | context | trap-timeout | ip | mib | drop | password-policy | manager | trap-source | ifindex | system-shutdown | enable} [LINE]
ip http {server | secure-server | authentication LINE | access-class LINE | max-connections <1-16> | timeout-policy LINE | port <1-65535> | secure-port <1-65535> | client LINE | path LINE | active-session-modules LINE | secure-active-session-modules LINE | session-module-list LINE | secure-ciphersuite LINE | secure-client-auth | secure-trustpoint WORD | tls-version LINE | help-path LINE | banner [LINE] | banner-path LINE | digest LINE | linger LINE | accounting LINE}
ip inspect name WORD {fragment maximum <50-10000> timeout <1-1000> | WORD [java-list WORD | program-number <1-4294967295> [wait-time <0-35791>]] [alert {on | off}] [audit-trail {on | off}] [router-traffic] [timeout <1-2147483>]}
ip inspect {audit-trail [LINE] | alert-off | dns-timeout <1-2147483> | max-incomplete {high | low} <1-2147483647> | one-minute {high | low} <1-2147483647> | tcp {idle-time <1-2147483> | finwait-time <1-2147483> | synwait-time <1-2147483> | max-incomplete host <1-2147483647> [block-time <0-35791>] | reassembly LINE | window-scale-enforcement LINE | block-non-session | half-open LINE} | udp idle-time <1-2147483> | hashtable-size <1-2147483647> | log LINE | icmp idle-time <1-2147483> | l2-transparent LINE | waas LINE}
ip dhcp {excluded-address [vrf WORD] A.B.C.D [A.B.C.D] | pool WORD | snooping [LINE] | relay LINE | database LINE | conflict LINE | bootp ignore | ping LINE | smart-relay [LINE] | use LINE | limit LINE | class WORD | route LINE | update LINE | compatibility LINE | global-options | subscriber-id LINE}
ip cef [distributed | load-sharing LINE | accounting LINE | table LINE | optimize LINE | traffic-statistics LINE]
crypto pki {trustpoint WORD | certificate {chain WORD | map WORD <1-65535> | storage LINE | query | validate WORD} | server WORD [LINE] | profile enrollment WORD | authenticate WORD | enroll WORD | import WORD LINE | export WORD LINE | trustpool {policy | import LINE | clean [LINE]} | crl LINE | token LINE | cert LINE | http LINE | key LINE | aaa LINE | ldap LINE | scep LINE | subject-name LINE}
radius-server {host LINE | key LINE | timeout <1-1000> | retransmit <0-100> | deadtime <1-1440> | source-ports LINE | vsa LINE | attribute LINE | dead-criteria LINE | directed-request LINE | load-balance LINE | retry LINE | configure-nas | domain-stripping LINE | challenge-noecho | unique-ident LINE | throttle LINE | backoff LINE | transaction LINE | optional-passwords | local | dtls LINE | authorization LINE}
clock {timezone LINE | summer-time LINE | calendar-valid | save LINE | update-calendar}
spanning-tree {mode {pvst | rapid-pvst | mst | mstp | rapid-pvst+} | extend system-id | portfast LINE | loopguard default | backbonefast | uplinkfast [LINE] | pathcost method {long | short} | etherchannel LINE | logging | vlan LINE | mst LINE | bridge LINE | transmit LINE}
vtp {mode {server | client | transparent | off} [LINE] | domain WORD | version <1-3> | password LINE | pruning [LINE] | file WORD | interface LINE | primary [LINE]}
ip route [vrf WORD] A.B.C.D A.B.C.D {A.B.C.D | IFNAME [A.B.C.D] | WORD IFNUM [A.B.C.D] | dhcp} [{<1-255> | tag <1-4294967295> | name WORD | permanent | track <1-1000> | global | multicast | unicast | dhcp} [{<1-255> | tag <1-4294967295> | name WORD | permanent | track <1-1000> | global | multicast | unicast | dhcp} [{<1-255> | tag <1-4294967295> | name WORD | permanent | track <1-1000> | global | multicast | unicast | dhcp} [{<1-255> | tag <1-4294967295> | name WORD | permanent | track <1-1000> | global | multicast | unicast | dhcp} [{<1-255> | tag <1-4294967295> | name WORD | permanent | track <1-1000> | global | multicast | unicast | dhcp}]]]]]
ip route {static LINE | profile}
"#;

/// `SYNTAX`, parsed once.
fn syntax() -> &'static Syntax {
    static S: OnceLock<Syntax> = OnceLock::new();
    S.get_or_init(|| Syntax::parse(SYNTAX, vocabulary()))
}

/// Check the whole of a line this mode's vocabulary keeps, when its
/// command has a whole-line syntax (`SYNTAX`, see [`Syntax::check`]): the
/// error (the offset is in `line`) if a word after the leading keywords is
/// wrong. `no` and `default` forms may stop early.
pub fn check_line(v: &Vocabulary, family: &str, line: &str, abbrev: bool) -> Result<(), edgesh_grammar::ParseError> {
    // A service object-group's `tcp|udp|tcp-udp` member names ports of its protocol.
    if family == "og-service"
        && let Some(offset) = super::acl_check::service_member_bad_port(line)
    {
        return Err(edgesh_grammar::ParseError::Invalid { offset, detail: None });
    }
    syntax().check(v, family, line, abbrev)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_table_parses_and_every_sub_mode_exists() {
        let v = vocabulary();
        for f in v.families.values() {
            for (k, c) in &f.children {
                assert!(v.family(c).is_some(), "{}: {:?} opens unknown mode {c}", f.name, k);
            }
        }
        assert!(v.knows("interface", "ip nhrp network-id 1", false));
        assert!(v.knows("interface", "no ip redirects", false));
        assert!(v.knows("interface", "ip nat inside", false));
        assert!(!v.knows("interface", "ip nat inside source list 1 interface Gi0/1 overload", true));
        assert!(!v.knows("interface", "ip adress 1.1.1.1 255.0.0.0", true));
        assert!(!v.knows("interface", "shutdwn", true));
        assert_eq!(v.child("global", "router bgp 65000", false), Some("router-bgp"));
        assert_eq!(v.child("router-bgp", "address-family ipv4 vrf A", false), Some("bgp-af"));
        assert_eq!(v.child("global", "ip sla schedule 1 life forever", false), None);
        assert_eq!(v.exit("bgp-af", "exit-address-family"), Some(("exit-address-family", false)));
        assert!(v.knows("cert-data", "3082032E 30820216 A0030201", false));
        assert_eq!(v.child("key-chain", "key 1", false), Some("key-chain-key"));
        assert_eq!(v.child("global", "control-plane", false), Some("control-plane"));
        assert!(!v.knows("router-ospf", "router bgp 1", false));
    }

    /// Every one-valued setting (`=`) is a command its mode keeps, and two
    /// lines are one setting only where the pattern says so.
    #[test]
    fn one_valued_settings_are_commands_of_their_mode() {
        let v = vocabulary();
        for f in v.families.values() {
            for p in &f.singles {
                let line = p
                    .iter()
                    .map(|w| if matches!(*w, "*" | "NUM" | "WORD" | "RANGE") { "1" } else { w })
                    .collect::<Vec<_>>();
                assert!(
                    v.knows(f.name, &line.join(" "), false),
                    "{}: `= {}` is not a command there",
                    f.name,
                    p.join(" ")
                );
            }
        }
        assert!(v.same_setting("interface", "load-interval 30", "load-interval 60"));
        assert!(v.same_setting("interface", "no keepalive", "keepalive 5"));
        assert!(v.same_setting("interface", "standby 1 priority 110", "standby 1 priority 120"));
        assert!(!v.same_setting("interface", "standby 1 priority 110", "standby 2 priority 120"));
        assert!(v.same_setting("interface", "hold-queue 75 in", "hold-queue 150 in"));
        assert!(!v.same_setting("interface", "hold-queue 75 in", "hold-queue 150 out"));
        assert!(!v.same_setting("interface", "ip ospf cost 10", "ip ospf priority 10"));
        assert!(!v.same_setting("interface", "ip helper-address 10.0.0.1", "ip helper-address 10.0.0.2"));
        assert!(!v.same_setting("interface", "load-interval 30", "no load-interval"));
        assert!(v.same_setting("line", "access-class 23 in", "access-class 99 in vrf-also"));
    }

    /// A word that abbreviates two keywords at its place is ambiguous; a
    /// whole keyword, a unique abbreviation or an argument is not.
    #[test]
    fn ambiguous_abbreviations_are_found_where_they_are() {
        let v = vocabulary();
        assert_eq!(v.ambiguous_word("global", "crypto pki trustp policy"), Some(2));
        assert_eq!(v.ambiguous_word("global", "no crypto pki trustp policy"), Some(3));
        assert_eq!(v.ambiguous_word("global", "crypto pki trustp"), Some(2));
        // `trustpool` wants `policy`: a name makes it a trustpoint (a real IOSv's `crypto pki trust VPN_TP`).
        assert_eq!(v.ambiguous_word("global", "crypto pki trustp TP"), None);
        assert_eq!(v.ambiguous_word("global", "crypto pki trust VPN_TP"), None);
        assert!(v.opens_when_abbreviated("global", "crypto pki trustp TP"));
        assert!(v.opens_when_abbreviated("global", "crypto pki trust VPN_TP"));
        assert_eq!(v.ambiguous_word("global", "crypto pki trustpoi TP"), None);
        assert_eq!(v.ambiguous_word("global", "crypto pki trustpoint TP"), None);
        assert_eq!(v.ambiguous_word("global", "ip dhcp po P"), None);
        assert_eq!(v.ambiguous_word("global", "ip dhcp excluded-address 10.0.0.1"), None);
        assert!(v.opens_when_abbreviated("global", "crypto pki trustpoi TP"));
        assert!(!v.opens_when_abbreviated("global", "crypto pki crl request TP"));
        assert_eq!(v.full_keywords("global", "router eig NAME"), "router eigrp NAME");
    }

    /// `docs/ios-vocabulary.md`'s "Words per mode" table is the table's.
    #[test]
    fn the_documented_word_counts_are_the_tables() {
        let doc = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../docs/ios-vocabulary.md"))
            .expect("docs/ios-vocabulary.md");
        let mut total = 0;
        for (name, _, n) in vocabulary().counts() {
            total += n;
            let row = doc
                .lines()
                .find(|l| l.starts_with(&format!("| `{name}` |")))
                .unwrap_or_else(|| panic!("{name}: no row in docs/ios-vocabulary.md"));
            let last = row.trim_end_matches('|').rsplit('|').next().unwrap_or_default().trim();
            assert_eq!(last, n.to_string(), "{name}: docs/ios-vocabulary.md says {last}");
        }
        assert!(doc.contains(&format!("| **all** | | | | | **{total}** |")), "the total is {total}");
    }

    #[test]
    fn kept_crypto_lines_are_checked_to_the_last_word() {
        let v = vocabulary();
        let bad = |fam: &str, line: &str| match check_line(v, fam, line, true) {
            Err(edgesh_grammar::ParseError::Invalid { offset, .. }) => Some(offset),
            Err(e) => panic!("{line}: {e:?}"),
            Ok(()) => None,
        };
        assert_eq!(bad("crypto-map", "set reverse-route tagg 5"), Some(18));
        assert_eq!(bad("crypto-map", " set reverse-route tag 5"), None);
        assert_eq!(bad("crypto-map", "set security-association idle-time 6"), Some(35));
        assert_eq!(bad("crypto-map", "no set security-association idle-time"), None);
        assert_eq!(bad("ipsec-profile", "responder-only now"), Some(15));
        assert_eq!(bad("ikev2-profile", "nat keeplive 20"), Some(4));
        assert_eq!(bad("ikev2-profile", "nat force-encap"), None);
        assert_eq!(bad("global", "crypto isakmp nat-traversal 5x"), Some(28));
        // A kept command without a whole-line syntax: leading keywords only.
        assert_eq!(bad("global", "crypto ikev2 enable bleep"), None);
        assert_eq!(bad("global", "ip nat inside source static 192.0.2.1 198.51.100.1"), None);
        // Interface lines with a known syntax; other `ip nhrp` forms by their keywords.
        assert_eq!(bad("interface", "ip nhrp network-id banana"), Some(19));
        assert_eq!(bad("interface", "ip nhrp network-id 1"), None);
        assert_eq!(bad("interface", "ip nhrp nhs 10.0.0.1 nbma 192.0.2.1 multicast"), None);
        assert_eq!(bad("interface", "duplex ful"), None);
        assert_eq!(bad("interface", "duplex fool"), Some(7));
        assert_eq!(bad("interface", "no keepalive"), None);
        // The global `qos` commands IOS-XE has (its native model's `qos` container).
        assert!(v.knows("global", "qos queue-softmax-multiplier 1200", false));
        assert!(v.knows("global", "no qos diffservmib", false));
        assert!(v.knows("global", "qos control-packets cdp-vtp", false));
        assert!(!v.knows("global", "qos queue-softmax-multiplir 1200", true));
        assert!(!v.knows("global", "qos banana", true));
        assert!(!v.knows("global", "qos", true));
        assert_eq!(bad("global", "qos queue-softmax-multiplier 99"), Some(29));
        assert_eq!(bad("global", "qos queue-softmax-multiplier 1200"), None);
        assert_eq!(bad("global", "qos diffservmib now"), Some(16));
        assert!(v.knows("interface", "qos pre-classify", false));
        assert!(!v.knows("interface", "qos pre-clasify", true));
        assert_eq!(bad("interface", "qos pre-classify yes"), Some(17));
        // Every spec compiles.
        assert!(syntax().families() >= 6);
    }

    /// The everyday commands of interfaces, lines, OSPF, BGP, route-maps,
    /// trustpoints and global configuration that edgesh keeps: real lines
    /// (from the public configurations) pass, a typo after the leading
    /// keywords is refused at the word.
    #[test]
    fn kept_everyday_lines_are_checked_to_the_last_word() {
        let v = vocabulary();
        let bad = |fam: &str, line: &str| match check_line(v, fam, line, true) {
            Err(edgesh_grammar::ParseError::Invalid { offset, .. }) => Some(offset),
            Err(edgesh_grammar::ParseError::Incomplete) => Some(usize::MAX),
            Err(e) => panic!("{line}: {e:?}"),
            Ok(()) => None,
        };
        let good = [
            ("interface", "ip ospf 1 area 0.0.0.0"),
            ("interface", "ip ospf cost 10"),
            ("interface", "ip ospf network point-to-multipoint non-broadcast"),
            ("interface", "ip ospf message-digest-key 1 md5 7 0822455D0A16"),
            ("interface", "ip ospf dead-interval minimal hello-multiplier 4"),
            ("interface", "no ip ospf cost"),
            ("interface", "speed 1000"),
            ("interface", "speed auto 10 100"),
            ("interface", "standby 4095 timers msec 500 2"),
            ("interface", "standby 1 ip 10.0.0.1 secondary"),
            ("interface", "standby version 2"),
            ("interface", "standby preempt"),
            ("interface", "switchport trunk allowed vlan 1, 2"),
            ("interface", "switchport trunk encapsulation dot1q"),
            ("interface", "switchport mode dynamic desirable"),
            ("interface", "encapsulation dot1Q 203"),
            ("interface", "encapsulation dot1Q 10 native"),
            ("interface", "channel-group 23 mode active"),
            ("interface", "ip access-group AL_IF out"),
            ("interface", "ip helper-address 20.1.1.1"),
            ("interface", "hold-queue 75 in"),
            ("interface", "spanning-tree portfast edge trunk"),
            ("interface", "spanning-tree link-type point-to-point"),
            ("line", "stopbits 1"),
            ("line", "transport output telnet ssh"),
            ("line", "transport input all"),
            ("line", "logging synchronous level all"),
            ("line", "privilege level 15"),
            ("router-ospf", "network 10.0.0.0 0.0.0.255 area 0"),
            ("router-ospf", "passive-interface default"),
            ("router-ospf", "passive-interface GigabitEthernet0/1"),
            ("router-ospf", "no passive-interface Loopback 0"),
            ("router-ospf", "redistribute connected subnets"),
            ("router-ospf", "area 1 nssa no-summary"),
            ("router-ospf", "area 0.0.0.1 range 10.0.0.0 255.255.0.0"),
            ("router-bgp", "neighbor 192.168.30.30 ebgp-multihop 255"),
            ("router-bgp", "neighbor as2 peer-group"),
            ("router-bgp", "neighbor 2.1.2.2 peer-group as2"),
            ("router-bgp", "neighbor PG3 local-as 65100 no-prepend replace-as"),
            ("router-bgp", "neighbor 2001:db8::1 remote-as 65001"),
            ("router-bgp", "bgp router-id 1.1.1.1"),
            ("router-bgp", "bgp client-to-client reflection intra-cluster cluster-id any"),
            ("router-bgp", "no bgp default ipv4-unicast"),
            ("router-bgp", "network 10.10.0.0 mask 255.255.255.0"),
            ("router-bgp", "distance bgp 20 200 200"),
            ("bgp-af", "network 2001:db8::/32"),
            ("bgp-af", "neighbor 3.3.3.3 activate"),
            ("bgp-af", "redistribute ospf 1 metric 10000 match internal external 1 external 2 route-map R"),
            ("route-map", "match ip address prefix-list PL1 PL2"),
            ("route-map", "set community 3:2 additive"),
            ("route-map", "set as-path prepend 65001 65001"),
            ("route-map", "set ip next-hop 10.11.2.99"),
            ("route-map", "set metric-type type-1"),
            ("trustpoint", "enrollment terminal pem"),
            ("trustpoint", "revocation-check crl none"),
            ("trustpoint", "rsakeypair TP-self-signed-1234"),
            ("global", "ip domain name example.com"),
            ("global", "ip ssh version 2"),
            ("global", "ip ssh source-interface Loopback0"),
            ("global", "service timestamps debug datetime msec localtime show-timezone"),
            ("global", "logging host 10.0.0.1 transport udp port 514"),
            ("global", "logging buffered 16384 informational"),
            ("global", "logging trap debugging"),
            ("global", "logging source-interface Loopback0"),
            ("global", "ntp server vrf MGMT 10.0.0.1 prefer"),
            ("global", "ntp authentication-key 1 md5 0822455D0A16 7"),
            ("global", "ip forward-protocol nd"),
            ("global", "ip prefix-list PL seq 5 permit 10.0.0.0/8 ge 16 le 24"),
            ("global", "ip prefix-list PL description to the branch"),
            ("global", "ipv6 prefix-list P6 seq 10 permit 2001:db8::/32 le 48"),
            ("global", "ip community-list standard C permit 65000:1"),
            ("global", "ip community-list 100 permit _65000_"),
            ("global", "ip as-path access-list 1 permit ^65000$"),
            ("global", "route-map RM permit 10"),
            ("global", "route-map RM"),
            ("global", "class-map type inspect http match-any ci"),
            ("global", "ip nat inside source list 1 interface GigabitEthernet0/0 overload"),
            ("global", "ip nat inside source static tcp 10.1.1.1 80 192.0.2.1 80"),
            ("global", "ip nat translation timeout 3600"),
            ("global", "aaa new-model"),
            ("global", "aaa authentication login default group tacacs+ local"),
            ("global", "aaa authorization commands 15 default group tacacs+ local"),
            ("global", "aaa group server radius RG"),
            ("global", "aaa session-id common"),
            ("global", "snmp-server community public RO 10"),
            ("global", "snmp-server enable traps snmp linkdown linkup"),
            ("global", "ip http secure-server"),
            ("router-bgp", "address-family ipv4 vrf A"),
            ("router-bgp", "address-family vpnv4 unicast"),
            ("class-map", "match access-group name ACL"),
            ("class-map", "match not request body length gt 12345"),
            ("global", "ip inspect name EXT_OUT http java-list 11 alert on audit-trail off"),
            ("global", "ip inspect name EXT_OUT fragment maximum 256 timeout 15"),
            ("global", "ip inspect tcp max-incomplete host 100 block-time 1"),
            ("global", "ip dhcp excluded-address 10.0.0.1 10.0.0.10"),
            ("global", "ip dhcp pool HOME_LAN"),
            ("global", "crypto pki trustpoint TP"),
            ("global", "crypto pki certificate chain TP"),
            ("global", "spanning-tree mode rapid-pvst"),
            ("global", "spanning-tree extend system-id"),
            ("global", "vtp mode transparent"),
            ("global", "clock timezone EST -5 0"),
            ("global", "radius-server host 10.0.0.1 auth-port 1812 acct-port 1813 key 7 0822455D0A16"),
            ("global", "service timestamps log datetime msec localtime show-timezone"),
            ("interface", "ipv6 address 2001:db8::1/64"),
            ("interface", "ipv6 nd ra suppress all"),
            ("interface", "ipv6 ospf 11 area 0"),
            ("interface", "switchport port-security mac-address sticky 5254.0019.6287"),
            ("interface", "switchport port-security violation restrict"),
            ("interface", "ip inspect EXT_OUT out"),
            ("cert-chain", "certificate self-signed 01 nvram:IOS-Self-Sig#1.cer"),
            ("aaa-server-group", "server 172.28.0.194 auth-port 1812 acct-port 1813"),
            ("global", "ip route vrf v1 10.0.0.0 255.0.0.0 192.0.2.1 tag 10 track 1"),
            ("global", "ip route 0.0.0.0 0.0.0.0 Dialer1 250"),
            ("global", "ip route vrf VPN_A 10.0.0.0 255.0.0.0 GigabitEthernet0/1.106 192.0.2.1 global"),
        ];
        for (fam, line) in good {
            assert_eq!(bad(fam, line), None, "{fam}: {line}");
        }
        let typos = [
            ("interface", "ip ospf cost abc", "abc"),
            ("interface", "ip ospf bogus 1", "bogus"),
            ("interface", "ip ospf network point-to-pint", "point-to-pint"),
            ("interface", "speed fast", "fast"),
            ("interface", "standby 1 prempt", "prempt"),
            ("interface", "standby 5000 ip 3.3.3.3", "5000"),
            ("interface", "switchport mode acess", "acess"),
            ("interface", "ip access-group 101 inn", "inn"),
            ("line", "transport input sssh", "sssh"),
            ("line", "stopbits 3", "3"),
            ("router-ospf", "passive-interface defalt", ""),
            ("router-ospf", "redistribute statc subnets", "statc"),
            ("router-ospf", "network 10.0.0.0 0.0.0.255 aera 0", "aera"),
            ("router-bgp", "neighbor 1.1.1.1 remote_as 65001", "remote_as"),
            ("router-bgp", "neighbor 1.1.1.1 route-map RM inn", "inn"),
            ("router-bgp", "bgp log-neighbour-changes", "log-neighbour-changes"),
            ("router-bgp", "redistribute ospf route-map X", "route-map"),
            ("route-map", "match ip adress 10", "adress"),
            ("route-map", "set metric-type type-3", "type-3"),
            ("trustpoint", "enrollment bogus", "bogus"),
            ("trustpoint", "revocation-check nonee", "nonee"),
            ("global", "ip ssh version 3", "3"),
            ("global", "ip domain nmae example.com", "nmae"),
            ("global", "logging trap debuging", "debuging"),
            ("global", "ntp sever 10.0.0.1", "sever"),
            ("global", "ip prefix-list PL seq 5 permt 10.0.0.0/8", "permt"),
            ("global", "ip prefix-list PL seq 10 permit 10.0.0.0/8 le 33", "33"),
            ("global", "ip community-list standard C permt 65000:1", "permt"),
            ("global", "route-map RM permt 10", "permt"),
            ("global", "route-map RM permit abc", "abc"),
            ("global", "ip nat inside sorce list 1 interface Gi1 overload", "sorce"),
            ("global", "aaa new-modle", "new-modle"),
            ("global", "aaa authentication logn default local", "logn"),
            ("global", "snmp-server comunity public RO", "comunity"),
            ("global", "ip http sever", "sever"),
            ("router-bgp", "address-family ipv4 unicst", "unicst"),
            ("class-map", "match protocl http", "protocl"),
            ("global", "ip inspect name EXT_OUT ftp alert on audit-tral off", "audit-tral"),
            ("global", "ip dhcp pol HOME_LAN", "pol"),
            ("global", "spanning-tree moe rapid-pvst", "moe"),
            ("global", "clock timezoe EST -5", "timezoe"),
            ("global", "service timestamps log datetime msc", "msc"),
            ("global", "service tcp-keepalives-ot", "tcp-keepalives-ot"),
            ("interface", "ipv6 enabe", "enabe"),
            ("interface", "ipv6 nd other-config-flg", "other-config-flg"),
            ("interface", "switchport port-security violatin restrict", "violatin"),
            ("interface", "negotiation auo", "auo"),
            ("line", "privilege levl 15", "levl"),
            ("router-ospf", "default-information originae", "originae"),
            ("aaa-server-group", "server 172.28.0.194 auth-pot 1812", "auth-pot"),
            ("global", "ip route 10.0.0.0 255.0.0.0 Null0 tag abc", "abc"),
            ("global", "ip route 10.0.0.0 255.0.0.0 192.0.2.1 parmanent", "parmanent"),
        ];
        // The caret under the bad word (`""`: the line stops short).
        for (fam, line, word) in typos {
            let at = if word.is_empty() { usize::MAX } else { line.rfind(&format!(" {word}")).map_or(0, |i| i + 1) };
            assert_eq!(bad(fam, line), Some(at), "{fam}: {line}");
        }
    }
}
