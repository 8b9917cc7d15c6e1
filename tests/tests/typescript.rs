//! The TypeScript client's generated types are what the contract crate derives now:
//! `clients/typescript/src/generated/contract.ts` is `citypulse::typescript::bindings()`,
//! byte for byte. `CPL_REGENERATE=1` rewrites the file instead of failing.

#![allow(clippy::unwrap_used)]

use citypulse_tests::workspace_root;

const FILE: &str = "clients/typescript/src/generated/contract.ts";

#[test]
fn generated_typescript_is_up_to_date() {
    let path = workspace_root().join(FILE);
    let fresh = citypulse::typescript::bindings();
    if std::env::var("CPL_REGENERATE").is_ok_and(|v| v == "1") {
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, &fresh).unwrap();
        return;
    }
    let committed = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        committed == fresh,
        "{FILE} is not what the contract crate derives; regenerate with \
         `CPL_REGENERATE=1 cargo test -p citypulse-tests --test typescript`"
    );
}

/// Every WebSocket frame is a member of a union discriminated by `type`.
#[test]
fn frames_are_unions_on_type() {
    let ts = citypulse::typescript::bindings();
    for t in citypulse::ws::CLIENT_TYPES {
        assert!(ts.contains(&format!("\"type\": \"{t}\"")), "{t}:\n{ts}");
    }
    for t in [
        "collectible_drop",
        "claim_result",
        "nearby_events",
        "pong",
        "CloseStream",
    ] {
        assert!(ts.contains(&format!("\"type\": \"{t}\"")), "{t}:\n{ts}");
    }
}
