//! The CLI dialects and the router state they share.
//!
//! * [`session`]: one user's session and the router state shared by all
//!   sessions (running configuration, commit history, the engine driver
//!   and its clock); the [`session::DialectOps`] trait every dialect
//!   implements.
//! * [`smartedge`], [`ios`], [`asa`]: one folder per dialect (command graphs,
//!   modes, rendering, shows, its commit, its log and debug lines). Neither
//!   imports the other; [`DIALECTS`] below is the one place naming them.
//! * [`engine`]: the bridge to the engine driver (commits in, events out as
//!   log/debug lines); [`monitor`]: the lines watching sessions see;
//!   [`time`]: time stamps; [`privilege`], [`auth`], [`sshconf`],
//!   [`passwords`]: logging in, users, SSH configuration, password hashes;
//!   [`diagnose`]: why a tunnel is down, from each peer's engine events;
//!   [`json`]: the `| json` pipe (each dialect's `json.rs` gives the states);
//!   [`merge`]: merging concurrent commits.

pub mod asa;
pub mod auth;
pub mod cisco_acl;
pub mod cisco_common;
pub mod cisco_doc;
pub mod diag_history;
pub mod diagnose;
pub mod dialog;
pub mod enable_failures;
pub mod engine;
pub mod esp_drops;
pub mod ios;
pub mod json;
pub mod keymask;
pub mod keystore;
pub mod logbuf;
pub mod logctl;
pub mod logging;
pub mod merge;
pub mod monitor;
pub mod out;
pub mod passwords;
pub mod ping_report;
pub mod pki_paste;
pub mod privauth;
pub mod privilege;
pub mod session;
pub mod smartedge;
pub mod sshconf;
pub mod statefs;
pub mod time;
pub mod vocab;
pub mod x509_info;

pub use out::{Out, VecOut};
pub use session::{Clock, Dialect, Router, Session, SessionOptions};

/// One dialect: its variant, its `--dialect` name, what it does.
pub struct DialectEntry {
    pub dialect: Dialect,
    pub name: &'static str,
    pub ops: &'static dyn session::DialectOps,
}

/// Every dialect, in the order of [`Dialect`]'s variants (the first is the
/// default): the one place that names each dialect's folder. A new dialect
/// is a folder, a variant and one line here.
pub const DIALECTS: &[DialectEntry] = &[
    DialectEntry { dialect: Dialect::SmartEdge, name: "smartedge", ops: &smartedge::dialect::SmartEdge },
    DialectEntry { dialect: Dialect::Ios, name: "ios", ops: &ios::dialect::Ios },
    DialectEntry { dialect: Dialect::Asa, name: "asa", ops: &asa::dialect::Asa },
];

impl Dialect {
    fn entry(self) -> &'static DialectEntry {
        // `DIALECTS` follows the variants' order (checked by the test below).
        &DIALECTS[self as usize]
    }

    /// What the dialect does.
    pub fn ops(self) -> &'static dyn session::DialectOps {
        self.entry().ops
    }

    /// The `--dialect` name (`smartedge`, `ios`).
    pub fn name(self) -> &'static str {
        self.entry().name
    }

    /// The dialect of a `--dialect` name.
    pub fn from_name(name: &str) -> Option<Dialect> {
        DIALECTS.iter().find(|e| e.name == name).map(|e| e.dialect)
    }

    /// Every dialect's name, joined by `sep` (`smartedge|ios`).
    pub fn names(sep: &str) -> String {
        DIALECTS.iter().map(|e| e.name).collect::<Vec<_>>().join(sep)
    }

    /// The dialect a state directory's saved configuration asks for: the
    /// default dialect's if it saved one, else the first dialect whose
    /// startup file is there, else the default.
    pub fn from_saved(state_dir: &std::path::Path) -> Dialect {
        let saved = |d: Dialect| state_dir.join(d.ops().startup_file()).exists();
        if saved(Dialect::default()) {
            return Dialect::default();
        }
        DIALECTS.iter().map(|e| e.dialect).find(|d| saved(*d)).unwrap_or_default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_registry_follows_the_variants() {
        for (i, e) in DIALECTS.iter().enumerate() {
            assert_eq!(e.dialect as usize, i, "{}", e.name);
            assert_eq!(Dialect::from_name(e.name), Some(e.dialect));
        }
        assert_eq!(DIALECTS[0].dialect, Dialect::default());
        assert_eq!(Dialect::from_name("junos"), None);
    }
}
