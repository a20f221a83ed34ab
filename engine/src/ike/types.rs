//! Owns the small value types the IKE cores, the SA storage, the events
//! and the ESP transform all name (which side an SA is, the IKEv1 state
//! names, a child SA's key material). A leaf: it imports nothing of the
//! crate, so whatever uses it cannot form an import circle through it.

/// Which side of an exchange this engine is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Role {
    Initiator,
    Responder,
}

/// The state of an IKEv1 SA, printed with the names IOS uses.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum P1State {
    MmNoState,
    MmSaSetup,
    MmKeyExch,
    AgInitExch,
    QmIdle,
    Deleted,
}

impl P1State {
    pub fn name(self) -> &'static str {
        match self {
            P1State::MmNoState => "MM_NO_STATE",
            P1State::MmSaSetup => "MM_SA_SETUP",
            P1State::MmKeyExch => "MM_KEY_EXCH",
            P1State::AgInitExch => "AG_INIT_EXCH",
            P1State::QmIdle => "QM_IDLE",
            P1State::Deleted => "MM_NO_STATE",
        }
    }
}

impl std::fmt::Display for P1State {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

/// Secret key material of one direction of a child SA.
#[derive(Clone, PartialEq, Eq)]
pub struct SaKeys {
    pub encr: Vec<u8>,
    pub auth: Vec<u8>,
}

impl std::fmt::Debug for SaKeys {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SaKeys(<secret>)")
    }
}
