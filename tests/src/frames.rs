//! Waiting for a server frame in the end-to-end tests: one bounded wait, and a failure
//! that names what was awaited. Written once here rather than in each test file.

use std::time::Duration;

use citypulse::client::{WsConnection, WsError};
use citypulse::model::{ChatMessage, RegisteredUser};
use citypulse::ws::ServerMessage;

/// How long a test waits for a frame it expects: generous, so a loaded machine is slow
/// rather than wrong; nothing asserts on how long it took.
pub const WAIT: Duration = Duration::from_secs(15);

/// The first frame `pick` accepts within [`WAIT`] (others are skipped); panics naming
/// `what` if none comes.
pub async fn expect<T>(
    ws: &mut WsConnection,
    what: &str,
    pick: impl FnMut(&ServerMessage) -> Option<T>,
) -> T {
    expect_within(ws, WAIT, what, pick).await
}

/// [`expect`] with a wait of the caller's choosing (e.g. through a proxy).
pub async fn expect_within<T>(
    ws: &mut WsConnection,
    wait: Duration,
    what: &str,
    pick: impl FnMut(&ServerMessage) -> Option<T>,
) -> T {
    ws.recv_until(wait, pick)
        .await
        .unwrap_or_else(|e| panic!("waiting for {what}: {e}"))
}

/// The message of the first `error` frame with `code`.
pub async fn expect_error(ws: &mut WsConnection, code: &str) -> String {
    expect(ws, &format!("error {code}"), |m| match m {
        ServerMessage::Error { code: c, message } if c == code => Some(message.clone()),
        _ => None,
    })
    .await
}

/// Waits for `user_joined` naming `who`.
pub async fn joined(ws: &mut WsConnection, who: &RegisteredUser) {
    joined_within(ws, WAIT, who).await
}

/// [`joined`] with a wait of the caller's choosing.
pub async fn joined_within(ws: &mut WsConnection, wait: Duration, who: &RegisteredUser) {
    let id = who.user.id.clone();
    expect_within(ws, wait, "user_joined", |m| match m {
        ServerMessage::UserJoined { user_id, .. } if *user_id == id => Some(()),
        _ => None,
    })
    .await
}

/// Waits for the `chat_message` whose text is `text`.
pub async fn chat(ws: &mut WsConnection, text: &str) -> ChatMessage {
    chat_within(ws, WAIT, text).await
}

/// [`chat`] with a wait of the caller's choosing.
pub async fn chat_within(ws: &mut WsConnection, wait: Duration, text: &str) -> ChatMessage {
    expect_within(ws, wait, text, |m| match m {
        ServerMessage::ChatMessage(c) if c.message == text => Some(c.clone()),
        _ => None,
    })
    .await
}

/// Waits for the daemon to close the socket (frames before the close are skipped); its
/// code and reason. Panics if no close comes within [`WAIT`] or the transport fails.
pub async fn expect_close(ws: &mut WsConnection) -> (u16, String) {
    loop {
        match tokio::time::timeout(WAIT, ws.recv())
            .await
            .expect("a close within the wait")
        {
            Ok(_) => continue,
            Err(WsError::Closed { code, reason }) => return (code, reason),
            Err(e) => panic!("expected a close frame, got {e}"),
        }
    }
}
