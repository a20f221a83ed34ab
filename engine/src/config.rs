//! The configuration model the engine runs from.
//!
//! Both dialects compile into this one model; the SmartEdge dialect maps onto
//! it almost one to one (see `modes/src/smartedge`). Every value a command can
//! set is held here with the defaults of the SmartEdge guide (Tables 1 and 2,
//! sections 8.1 and 8.2); `None` means "not configured" where the guide makes
//! that visible.

use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::fmt;
use std::net::Ipv4Addr;
use std::str::FromStr;

/// An IPv4 prefix as typed (`10.192.16.250/23` keeps its host bits, as an interface address does).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct Prefix4 {
    pub addr: Ipv4Addr,
    pub len: u8,
}

impl Prefix4 {
    pub fn network(&self) -> Ipv4Addr {
        let m = if self.len == 0 { 0 } else { u32::MAX << (32 - u32::from(self.len)) };
        Ipv4Addr::from(u32::from(self.addr) & m)
    }
    pub fn contains(&self, a: Ipv4Addr) -> bool {
        let m = if self.len == 0 { 0 } else { u32::MAX << (32 - u32::from(self.len)) };
        u32::from(a) & m == u32::from(self.addr) & m
    }
}

impl fmt::Display for Prefix4 {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.addr, self.len)
    }
}

impl FromStr for Prefix4 {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        let (a, l) = s.split_once('/').ok_or_else(|| format!("{s}: not a prefix"))?;
        let addr: Ipv4Addr = a.parse().map_err(|_| format!("{a}: not an IPv4 address"))?;
        let len: u8 = l.parse().map_err(|_| format!("{l}: not a prefix length"))?;
        if len > 32 {
            return Err(format!("{len}: prefix length out of range"));
        }
        Ok(Prefix4 { addr, len })
    }
}

/// Declares a closed set of values with the CLI word of each and the name the
/// protocol documents use for it (printed in logs and `show` output).
macro_rules! cli_enum {
    ($(#[$m:meta])* $name:ident { $($v:ident = $word:literal / $proto:literal),+ $(,)? }) => {
        $(#[$m])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
        pub enum $name { $($v),+ }
        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$v),+];
            /// The word the CLI uses.
            pub fn word(self) -> &'static str { match self { $($name::$v => $word),+ } }
            /// The name in protocol terms (RFC / log messages).
            pub fn proto_name(self) -> &'static str { match self { $($name::$v => $proto),+ } }
            pub fn from_word(w: &str) -> Option<$name> {
                match w { $($word => Some($name::$v),)+ _ => None }
            }
        }
        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result { f.write_str(self.word()) }
        }
    };
}

cli_enum!(
    /// IKE protocol version of a proposal or policy.
    IkeVersion { V1 = "ike" / "IKEv1", V2 = "ike2" / "IKEv2" }
);
cli_enum!(IkeAuthAlg {
    HmacMd5_96 = "hmac-md5-96" / "IKE_MD5",
    HmacSha1_96 = "hmac-sha1-96" / "IKE_SHA",
    HmacSha256 = "hmac-sha2-256" / "IKE_SHA2_256",
    HmacSha384 = "hmac-sha2-384" / "IKE_SHA2_384",
    HmacSha512 = "hmac-sha2-512" / "IKE_SHA2_512",
});
cli_enum!(AuthMethod { PreSharedKey = "pre-shared-key" / "PRE_SHARED_KEY", RsaSignature = "rsa-signature" / "RSA_SIGN", EcdsaSignature = "ecdsa-signature" / "ECDSA_SIGN" });
impl AuthMethod {
    /// Whether this method proves identity with a certificate and signature.
    pub fn is_signature(self) -> bool {
        matches!(self, AuthMethod::RsaSignature | AuthMethod::EcdsaSignature)
    }
}
cli_enum!(IkeEncr {
    Aes128Cbc = "aes-128-cbc" / "AES_CBC_128",
    Aes192Cbc = "aes-192-cbc" / "AES_CBC_192",
    Aes256Cbc = "aes-256-cbc" / "AES_CBC_256",
    DesCbc = "des-cbc" / "DES_CBC",
    TripleDesCbc = "3des-cbc" / "TRIPLE_DES_CBC",
    Aes128Gcm16 = "aes-128-gcm" / "AES_GCM_16_128",
    Aes256Gcm16 = "aes-256-gcm" / "AES_GCM_16_256",
});
impl IkeEncr {
    /// Combined-mode (AEAD) ciphers carry their own integrity check: an IKE
    /// proposal with one has no integrity algorithm, and IKEv1 has none of them.
    /// The AES-GCM ones are IKEv2's only (RFC 5282, ENCR_AES_GCM_16; IOS
    /// `encryption aes-gcm-128|256`); the SmartEdge guide lists no GCM for IKE.
    pub fn is_aead(self) -> bool {
        matches!(self, IkeEncr::Aes128Gcm16 | IkeEncr::Aes256Gcm16)
    }
}
cli_enum!(
    /// IKEv2 PRF (RFC 7296 section 3.3.2; the SHA-2 ones of RFC 4868 are what
    /// IOS offers, SmartEdge does not).
    Prf {
        HmacMd5 = "hmac-md5" / "PRF_HMAC_MD5",
        HmacSha1 = "hmac-sha1" / "PRF_HMAC_SHA1",
        Aes128Xcbc = "aes-128-xcbc" / "PRF_AES128_XCBC",
        HmacSha256 = "hmac-sha2-256" / "PRF_HMAC_SHA2_256",
        HmacSha384 = "hmac-sha2-384" / "PRF_HMAC_SHA2_384",
        HmacSha512 = "hmac-sha2-512" / "PRF_HMAC_SHA2_512",
    }
);
cli_enum!(ConnectionType { InitiatorOnly = "initiator-only" / "initiator", ResponderOnly = "responder-only" / "responder", Both = "both" / "both" });
cli_enum!(ExchangeMode { Main = "main" / "MAIN_MODE", Aggressive = "aggressive" / "AGGRESSIVE_MODE" });
cli_enum!(EspAuth {
    HmacMd5_96 = "hmac-md5-96" / "HMAC_MD5_96",
    HmacSha1_96 = "hmac-sha1-96" / "HMAC_SHA1_96",
    HmacAesXcbc = "hmac-aes-xcbc" / "AES_XCBC_MAC_96",
    HmacSha256_128 = "hmac-sha2-256-128" / "HMAC_SHA2_256_128",
    HmacSha384_192 = "hmac-sha2-384-192" / "HMAC_SHA2_384_192",
    HmacSha512_256 = "hmac-sha2-512-256" / "HMAC_SHA2_512_256",
});
cli_enum!(EspEncr {
    Null = "null" / "ESP_NULL",
    DesCbc = "des-cbc" / "ESP_DES",
    TripleDesCbc = "3des-cbc" / "ESP_3DES",
    Aes128Cbc = "aes-128-cbc" / "ESP_AES_CBC_128",
    Aes192Cbc = "aes-192-cbc" / "ESP_AES_CBC_192",
    Aes256Cbc = "aes-256-cbc" / "ESP_AES_CBC_256",
    Aes128Gcm = "aes-128-gcm" / "ESP_AES_GCM_16_128",
    Aes192Gcm = "aes-192-gcm" / "ESP_AES_GCM_16_192",
    Aes256Gcm = "aes-256-gcm" / "ESP_AES_GCM_16_256",
});
impl EspEncr {
    /// Combined-mode (AEAD) ciphers carry their own integrity check.
    pub fn is_aead(self) -> bool {
        matches!(self, EspEncr::Aes128Gcm | EspEncr::Aes192Gcm | EspEncr::Aes256Gcm)
    }
}
cli_enum!(DfBit { Propagate = "propagate" / "propagate", Set = "set" / "set", Clear = "clear" / "clear" });
cli_enum!(TunnelKind { Static = "static" / "static auto key", OnDemand = "on-demand" / "on-demand auto key", Manual = "manual" / "manual key" });
cli_enum!(SaDir { Both = "both" / "bidirectional", In = "in" / "inbound", Out = "out" / "outbound" });
cli_enum!(InterfaceKind { Plain = "" / "ip", Loopback = "loopback" / "loopback", Ipsec = "ipsec" / "ipsec tunnel", IpsecMultibind = "ipsec multibind" / "ipsec multibind" });

/// Sequence number -> entry: the small ordered maps inside one object (a
/// policy's proposals, an ACL's rules, a tunnel's entries). A sorted vector
/// (`litemap`): a BTreeMap node per object cost ~1 KB at 32,000 tunnels.
pub type SeqMap<V> = litemap::LiteMap<u32, V>;

/// DH groups of the SmartEdge guide (section 6.2).
pub const SMARTEDGE_DH_GROUPS: &[u16] = &[1, 2, 5, 14];

/// An IKE identity (local or remote).
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum Identity {
    Ipv4(Ipv4Addr),
    Fqdn(String),
    UserFqdn(String),
    /// A distinguished name, its DER (IOS `identity local dn`: this side's
    /// certificate subject, sent as ID_DER_ASN1_DN).
    Dn(Vec<u8>),
    /// A wildcard that matches any remote identity (on-demand tunnels).
    Any,
}

impl Identity {
    /// The ID type name of RFC 2407 section 4.6.2.1.
    pub fn id_type(&self) -> &'static str {
        match self {
            Identity::Ipv4(_) => "ID_IPV4_ADDR",
            Identity::Fqdn(_) => "ID_FQDN",
            Identity::UserFqdn(_) => "ID_USER_FQDN",
            Identity::Dn(_) => "ID_DER_ASN1_DN",
            Identity::Any => "ID_ANY",
        }
    }
    /// Whether this names no one identity: `Any`, or a name pattern
    /// (`*.example.com`, `*@example.com`) that remote identities are matched against.
    pub fn is_pattern(&self) -> bool {
        match self {
            Identity::Any => true,
            Identity::Fqdn(s) | Identity::UserFqdn(s) => s.starts_with('*'),
            Identity::Ipv4(_) | Identity::Dn(_) => false,
        }
    }
    /// Parse the value of `remote-id`: an address, `user@fqdn`, `*`/`any`, or an FQDN.
    pub fn parse_loose(s: &str) -> Identity {
        if let Ok(a) = s.parse() {
            Identity::Ipv4(a)
        } else if s == "*" || s == "any" {
            Identity::Any
        } else if s.contains('@') {
            Identity::UserFqdn(s.to_string())
        } else {
            Identity::Fqdn(s.to_string())
        }
    }
}

impl fmt::Display for Identity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Identity::Ipv4(a) => write!(f, "{a}"),
            Identity::Fqdn(s) | Identity::UserFqdn(s) => f.write_str(s),
            Identity::Dn(der) => f.write_str(&crate::pki::ident::id_text(crate::pki::ident::ID_DER_ASN1_DN, der)),
            Identity::Any => f.write_str("any"),
        }
    }
}

/// A key as configured: ASCII text or hexadecimal digits (kept as typed).
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Key {
    Ascii(String),
    Hex(String),
}

impl Key {
    /// The key bytes.
    pub fn bytes(&self) -> Vec<u8> {
        match self {
            Key::Ascii(s) => s.as_bytes().to_vec(),
            Key::Hex(h) => {
                let h = h.strip_prefix("0x").or_else(|| h.strip_prefix("0X")).unwrap_or(h);
                let h = if h.len() % 2 == 1 { format!("0{h}") } else { h.to_string() };
                (0..h.len()).step_by(2).filter_map(|i| u8::from_str_radix(&h[i..i + 2], 16).ok()).collect()
            }
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum PreSharedKey {
    Key(Key),
    UseAaa,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct IkeProposal {
    pub version: IkeVersion,
    pub description: Option<String>,
    pub dh_group: u16,
    pub auth_alg: IkeAuthAlg,
    /// IKEv1 only.
    pub auth_method: AuthMethod,
    pub encryption: IkeEncr,
    /// IKEv2 only.
    pub prf: Prf,
    /// IKEv1 only: seconds.
    pub lifetime: u32,
}

impl IkeProposal {
    /// A new proposal with the defaults of Table 1.
    pub fn new(version: IkeVersion) -> Self {
        IkeProposal {
            version,
            description: None,
            dh_group: DEFAULT_DH_GROUP,
            auth_alg: IkeAuthAlg::HmacSha1_96,
            auth_method: AuthMethod::PreSharedKey,
            encryption: IkeEncr::Aes128Cbc,
            prf: Prf::HmacSha1,
            lifetime: DEFAULT_LIFETIME,
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct IkePolicy {
    pub version: IkeVersion,
    pub description: Option<String>,
    pub connection_type: ConnectionType,
    pub address_allocation_aaa: bool,
    /// IKEv2 only.
    pub authentication: AuthMethod,
    pub validate_certificate_identity: bool,
    pub identity_local: Option<Identity>,
    pub identity_remote: Option<Identity>,
    /// IKEv1 only.
    pub mode: ExchangeMode,
    pub pre_shared_key: Option<PreSharedKey>,
    /// IKEv2 only: seconds.
    pub lifetime: u32,
    /// Sequence number -> IKE proposal name (up to 16).
    pub proposals: SeqMap<String>,
    /// IKEv2 only (IOS `nat force-encap` in the IKEv2 profile): ESP in UDP
    /// 4500 even where NAT detection finds no NAT. This side's
    /// NAT_DETECTION_SOURCE_IP carries a hash of no real address, so the
    /// peer sees this side behind a NAT and floats too (RFC 7296 2.23).
    #[serde(default)]
    pub nat_force_encap: bool,
}

impl IkePolicy {
    /// A new policy with the defaults of Table 2.
    pub fn new(version: IkeVersion) -> Self {
        IkePolicy {
            version,
            description: None,
            connection_type: ConnectionType::Both,
            address_allocation_aaa: false,
            authentication: AuthMethod::PreSharedKey,
            validate_certificate_identity: false,
            identity_local: None,
            identity_remote: None,
            mode: ExchangeMode::Main,
            pre_shared_key: None,
            lifetime: DEFAULT_LIFETIME,
            proposals: SeqMap::new(),
            nat_force_encap: false,
        }
    }
}

/// The DH group of a new IKE proposal (SmartEdge Table 1), and of an offered
/// phase-1 transform that names none (RFC 2409 appendix A).
pub const DEFAULT_DH_GROUP: u16 = 1;
/// The lifetime in seconds of a new IKE proposal, IKE policy and IPsec
/// proposal (SmartEdge Tables 1 to 3), and of an SA whose transform states
/// none (RFC 2407 4.5, RFC 2409 appendix A).
pub const DEFAULT_LIFETIME: u32 = 86_400;

/// Most proposals an IKE or IPsec policy may reference.
pub const MAX_POLICY_PROPOSALS: usize = 16;
/// Most sequenced entries of a tunnel or IPsec profile.
pub const MAX_TUNNEL_ENTRIES: usize = 8;
/// Most IPsec tunnels per router (the SmartEdge figure: 4 ASE cards x 8,000).
pub const MAX_TUNNELS: usize = 32_000;

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct IpsecProposal {
    pub description: Option<String>,
    pub ip_comp: bool,
    /// As configured; see [`IpsecProposal::effective`] for what is negotiated.
    pub ah: Option<EspAuth>,
    pub esp_auth: Option<EspAuth>,
    pub esp_encr: Option<EspEncr>,
    pub lifetime_seconds: u32,
    pub lifetime_kbytes: Option<u64>,
    /// IOS `mode transport` (issue 19): offer transport mode; `require`: accept nothing else.
    #[serde(default)]
    pub transport: Option<TransportMode>,
}

/// How an IOS transform set asks for transport mode (`mode transport [require]`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum TransportMode {
    /// Offered; a peer that wants tunnel mode gets it (IOS falls back).
    Preferred,
    /// `require`: tunnel mode is refused.
    Required,
}

/// What an IPsec proposal offers once the defaults of section 8.1 are applied.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct EffectiveTransforms {
    pub ah: Option<EspAuth>,
    /// `None`: no ESP at all.
    pub esp: Option<(EspEncr, Option<EspAuth>)>,
}

impl IpsecProposal {
    pub fn new() -> Self {
        IpsecProposal { lifetime_seconds: DEFAULT_LIFETIME, ..Default::default() }
    }
    /// Section 8.1: a new proposal is ESP hmac-sha1-96 with aes-128-cbc; ESP
    /// authentication configured without ESP encryption means null encryption;
    /// AH alone means no ESP.
    pub fn effective(&self) -> EffectiveTransforms {
        if self.ah.is_none() && self.esp_auth.is_none() && self.esp_encr.is_none() {
            return EffectiveTransforms { ah: None, esp: Some((EspEncr::Aes128Cbc, Some(EspAuth::HmacSha1_96))) };
        }
        let esp = match (self.esp_encr, self.esp_auth) {
            (None, None) => None,
            (Some(e), a) => Some((e, a)),
            (None, Some(a)) => Some((EspEncr::Null, Some(a))),
        };
        EffectiveTransforms { ah: self.ah, esp }
    }
}

/// Extended Sequence Numbers for the SAs of an IPsec policy (RFC 4303
/// 2.2.1, RFC 4302 2.5.1): what the child offers and accepts, in IKEv2 the
/// ESN transforms (type 5, RFC 7296 3.3.2), in IKEv1 SA attribute 11
/// (RFC 4304). Neither dialect has a command for it: IOS's default (ESN
/// needs configuring there, and only some platforms have it) and
/// strongSwan's (`noesn` unless a proposal says `esn`) are [`Esn::Off`].
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Esn {
    /// 32-bit sequence numbers only: offers "No ESN" (IKEv1: no attribute
    /// 11) and accepts only proposals that allow it.
    #[default]
    Off,
    /// Either, ESN first (strongSwan `-esn-noesn`): offers ESN and No ESN
    /// (IKEv1: each transform with attribute 11, then without); as responder
    /// picks ESN whenever the peer's proposal allows it.
    Preferred,
    /// ESN only (strongSwan `-esn`): offers and accepts nothing else.
    Required,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct IpsecPolicy {
    pub description: Option<String>,
    pub anti_replay_window: u32,
    pub pfs_group: Option<u16>,
    pub proposals: SeqMap<String>,
    /// Extended Sequence Numbers ([`Esn::Off`] unless set).
    #[serde(default)]
    pub esn: Esn,
}

impl Default for IpsecPolicy {
    fn default() -> Self {
        IpsecPolicy {
            description: None,
            anti_replay_window: 64,
            pfs_group: None,
            proposals: SeqMap::new(),
            esn: Esn::Off,
        }
    }
}

/// Keys and SPIs of one direction (or both) of a manual SA.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ManualSaKeys {
    pub esp_spi: Option<u32>,
    pub esp_auth: Option<(EspAuth, Key)>,
    /// `Some((Null, None))` for `esp encryption null`.
    pub esp_encr: Option<(EspEncr, Option<Key>)>,
    pub ah_spi: Option<u32>,
    pub ah: Option<(EspAuth, Key)>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct IpsecSa {
    pub description: Option<String>,
    pub anti_replay_window: u32,
    pub ip_comp: bool,
    pub dirs: BTreeMap<SaDir, ManualSaKeys>,
}

impl Default for IpsecSa {
    fn default() -> Self {
        IpsecSa { description: None, anti_replay_window: 64, ip_comp: false, dirs: BTreeMap::new() }
    }
}

#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub enum AclAddr {
    Any,
    Prefix(Prefix4),
}

impl fmt::Display for AclAddr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            AclAddr::Any => f.write_str("any"),
            AclAddr::Prefix(p) => write!(f, "{p}"),
        }
    }
}

cli_enum!(PortOp { Eq = "eq" / "=", Neq = "neq" / "!=", Lt = "lt" / "<", Gt = "gt" / ">" });

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AclRule {
    /// IP protocol number; `None` for any.
    pub protocol: Option<u8>,
    pub src: AclAddr,
    pub src_port: Option<(PortOp, u16)>,
    pub dst: Option<AclAddr>,
    pub dst_port: Option<(PortOp, u16)>,
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct IpsecAcl {
    pub description: Option<String>,
    pub rules: SeqMap<AclRule>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PolicyEntry {
    pub policy: String,
    pub access_group: Option<String>,
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct IpsecProfile {
    pub df_bit: Option<DfBit>,
    pub mtu: Option<u32>,
    pub entries: SeqMap<PolicyEntry>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct QosPolicy {
    pub num_queues: u8,
}

/// One sequenced entry of a tunnel: an IPsec policy (auto key) or a manual SA.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum TunnelEntry {
    Policy(PolicyEntry),
    ManualSa { sa: String, access_group: Option<String> },
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Tunnel {
    pub kind: TunnelKind,
    pub economical: bool,
    pub description: Option<String>,
    pub shutdown: bool,
    pub bind_interface: Option<(String, Option<String>)>,
    pub df_bit: DfBit,
    pub ike_policy: Option<String>,
    pub qos_policy: Option<String>,
    pub ts_guided_routes: bool,
    pub local: Option<Ipv4Addr>,
    pub remote: Option<Ipv4Addr>,
    /// The context that holds the local end (and the IKE policy); `local` if absent.
    pub context: Option<String>,
    pub remote_id: Option<Identity>,
    pub mtu: Option<u32>,
    pub max_tunnels: Option<u32>,
    pub entries: SeqMap<TunnelEntry>,
    /// Negotiate when traffic matches the selectors (IOS crypto maps), not at commit.
    #[serde(default)]
    pub on_traffic: bool,
    /// An IOS dynamic crypto map: any peer (main or aggressive mode), and the
    /// peer's proxy identities when they lie within the map's selectors.
    #[serde(default)]
    pub dynamic_map: bool,
    /// An IOS crypto map entry (map name, sequence number): of the entries
    /// whose ACLs cover a packet, the lowest sequence number starts (IOS
    /// checks a map's entries in order; tunnel names sort as text).
    #[serde(default)]
    pub map_entry: Option<(String, u32)>,
}

impl Tunnel {
    pub fn new(kind: TunnelKind, economical: bool) -> Self {
        Tunnel {
            kind,
            economical,
            description: None,
            shutdown: false,
            bind_interface: None,
            df_bit: DfBit::Propagate,
            ike_policy: None,
            qos_policy: None,
            ts_guided_routes: false,
            local: None,
            remote: None,
            context: None,
            remote_id: None,
            mtu: None,
            max_tunnels: None,
            entries: SeqMap::new(),
            on_traffic: false,
            dynamic_map: false,
            map_entry: None,
        }
    }
    /// The context of the local end point.
    pub fn ike_context(&self) -> &str {
        self.context.as_deref().unwrap_or("local")
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Interface {
    pub kind: InterfaceKind,
    pub description: Option<String>,
    pub address: Option<Prefix4>,
    pub secondary: Vec<Prefix4>,
    pub unnumbered: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub enum NextHop {
    Address(Ipv4Addr),
    Interface(String),
}

impl fmt::Display for NextHop {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            NextHop::Address(a) => write!(f, "{a}"),
            NextHop::Interface(i) => f.write_str(i),
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct Route {
    pub prefix: Prefix4,
    pub next_hop: NextHop,
    pub cost: Option<u32>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum IdleTimeout {
    Default,
    Never,
    Minutes(u32),
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Administrator {
    /// MD5-crypt (`$1$`) hash, the SmartEdge `encrypted 1` form.
    pub hash: String,
    pub privilege_start: Option<u8>,
    pub privilege_max: Option<u8>,
    pub idle_timeout: IdleTimeout,
    /// `ssh public-key TYPE BASE64 [COMMENT]` lines, as configured (checked on entry).
    #[serde(default)]
    pub ssh_keys: Vec<String>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Context {
    pub domain_lookup: bool,
    /// `Some(false)` for `no logging console`; `None` when not configured.
    pub logging_console: Option<bool>,
    pub interfaces: BTreeMap<String, Interface>,
    pub administrators: BTreeMap<String, Administrator>,
    pub routes: Vec<Route>,
    pub asp_group: Option<String>,
    pub ike_keepalive: bool,
    pub ike_policies: BTreeMap<String, IkePolicy>,
    pub ipsec_acls: BTreeMap<String, IpsecAcl>,
    pub ipsec_profiles: BTreeMap<String, IpsecProfile>,
    /// `ssh server listen A.B.C.D [port N]` (context `local` only; an edgesh extension).
    #[serde(default)]
    pub ssh_listen: Option<std::net::SocketAddr>,
}

impl Default for Context {
    fn default() -> Self {
        Context {
            domain_lookup: true,
            logging_console: None,
            interfaces: BTreeMap::new(),
            administrators: BTreeMap::new(),
            routes: Vec::new(),
            asp_group: None,
            ike_keepalive: false,
            ike_policies: BTreeMap::new(),
            ipsec_acls: BTreeMap::new(),
            ipsec_profiles: BTreeMap::new(),
            ssh_listen: None,
        }
    }
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct AspPool {
    pub service_security: bool,
    pub asps: Vec<(u32, u32)>,
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct AspGroup {
    pub pools: Vec<String>,
    pub asp_count: Option<u32>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Port {
    pub shutdown: bool,
    pub description: Option<String>,
    pub bind: Option<(String, String)>,
}

impl Default for Port {
    fn default() -> Self {
        Port { shutdown: true, description: None, bind: None }
    }
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Logging {
    pub active: bool,
    pub standby_short: bool,
    pub tdm_console: bool,
}

/// The whole configuration of one router.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Config {
    pub hostname: String,
    pub contexts: BTreeMap<String, Context>,
    pub asp_pools: BTreeMap<String, AspPool>,
    pub asp_groups: BTreeMap<String, AspGroup>,
    /// Slot -> card type.
    pub cards: BTreeMap<u32, String>,
    pub ports: BTreeMap<(u32, u32), Port>,
    pub ike_proposals: BTreeMap<String, IkeProposal>,
    pub ipsec_proposals: BTreeMap<String, IpsecProposal>,
    pub ipsec_policies: BTreeMap<String, IpsecPolicy>,
    pub ipsec_sas: BTreeMap<String, IpsecSa>,
    pub ipsec_qos: BTreeMap<String, QosPolicy>,
    pub tunnels: BTreeMap<String, Tunnel>,
    pub logging: Logging,
    /// `service NAME` / `no service NAME`, as configured.
    pub services: BTreeMap<String, bool>,
    pub boot_configuration: Option<String>,
    /// IKEv2 half-open SAs above which IKE_SA_INIT needs a cookie (IOS
    /// `crypto ikev2 cookie-challenge N`); None: the engine's default.
    pub ikev2_cookie_challenge: Option<u32>,
    /// IKEv2 fragment size in octets of IP datagram (IOS `crypto ikev2
    /// fragmentation [mtu N]`); None: the engine's default.
    pub ikev2_fragment_mtu: Option<u16>,
    /// IKEv1: a responder takes aggressive mode from a configured peer whose
    /// tunnel runs main mode (IOS, unless `crypto isakmp aggressive-mode
    /// disable`); SmartEdge holds each tunnel to its configured mode.
    #[serde(default)]
    pub ikev1_aggressive_responder: bool,
}

impl Config {
    /// The embedded default configuration: context `local`, the given hostname.
    pub fn new(hostname: &str) -> Self {
        let mut contexts = BTreeMap::new();
        contexts.insert("local".to_string(), Context::default());
        Config {
            hostname: hostname.to_string(),
            contexts,
            asp_pools: BTreeMap::new(),
            asp_groups: BTreeMap::new(),
            cards: BTreeMap::new(),
            ports: BTreeMap::new(),
            ike_proposals: BTreeMap::new(),
            ipsec_proposals: BTreeMap::new(),
            ipsec_policies: BTreeMap::new(),
            ipsec_sas: BTreeMap::new(),
            ipsec_qos: BTreeMap::new(),
            tunnels: BTreeMap::new(),
            logging: Logging::default(),
            services: BTreeMap::new(),
            boot_configuration: None,
            ikev2_cookie_challenge: None,
            ikev2_fragment_mtu: None,
            ikev1_aggressive_responder: false,
        }
    }

    /// Context names in canonical order: `local` first, then by name.
    pub fn context_names(&self) -> Vec<&str> {
        let mut v: Vec<&str> = self.contexts.keys().map(String::as_str).collect();
        v.sort_by_key(|n| (*n != "local", *n));
        v
    }
}
