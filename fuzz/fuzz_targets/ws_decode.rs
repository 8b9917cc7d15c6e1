//! The WebSocket frame decoder of `/ws/{user_id}`: any text frame gets a message or a
//! classified error, never a panic; a decoded frame re-encodes to one that decodes again
//! to the same kind of message.

#![no_main]

use citypulse::ws::{error_code, ClientMessage};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    // Text frames are UTF-8 (the WebSocket layer refuses others before the decoder).
    let text = String::from_utf8_lossy(data);
    match ClientMessage::decode(&text) {
        Ok(msg) => {
            let again = serde_json::to_string(&msg).expect("a decoded frame encodes");
            let back = ClientMessage::decode(&again).expect("an encoded frame decodes");
            assert_eq!(
                std::mem::discriminant(&back),
                std::mem::discriminant(&msg),
                "{text:?} -> {again}"
            );
            if !matches!(msg, ClientMessage::LocationUpdate { .. }) {
                // Positions may move by one unit in the last place (serde_json's float
                // parsing); everything else must come back exactly.
                assert_eq!(back, msg, "{text:?} -> {again}");
            }
        }
        Err(e) => {
            assert!(
                [
                    error_code::INVALID_JSON,
                    error_code::UNKNOWN_TYPE,
                    error_code::INVALID_MESSAGE
                ]
                .contains(&e.code),
                "{}",
                e.code
            );
            assert!(!e.message.is_empty());
        }
    }
});
