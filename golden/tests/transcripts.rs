//! Every transcript under `golden/transcripts` must replay byte for byte.

use std::path::PathBuf;

#[test]
fn all_transcripts() {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("transcripts");
    let mut out = Vec::new();
    let failed = edgesh_golden::run_paths(&[dir], false, &mut out);
    let report = String::from_utf8_lossy(&out);
    println!("{report}");
    assert_eq!(failed, 0, "golden transcripts failed:\n{report}");
}
