//! systemd's readiness protocol (sd_notify(3)), without libsystemd: when the service
//! manager sets `NOTIFY_SOCKET`, `cpld` sends `READY=1` once it listens (and the
//! cross-daemon bus watches), so `Type=notify` units order after a daemon that really
//! serves, and `STOPPING=1` when it begins to stop. Each message is one datagram to the
//! Unix socket named in `NOTIFY_SOCKET`: a path, or with a leading `@` a name in Linux's
//! abstract namespace. Without `NOTIFY_SOCKET` nothing is sent.

use std::io;

/// The variable systemd sets for `Type=notify` services.
pub const NOTIFY_SOCKET: &str = "NOTIFY_SOCKET";

/// Sends `state` (newline-separated `KEY=value` lines) to the service manager. Ok(false)
/// when `NOTIFY_SOCKET` is unset or empty; an error names the socket.
pub fn notify(state: &str) -> io::Result<bool> {
    match std::env::var_os(NOTIFY_SOCKET) {
        Some(socket) if !socket.is_empty() => {
            send(&socket, state).map_err(|e| {
                io::Error::new(
                    e.kind(),
                    format!("cannot notify the service manager at NOTIFY_SOCKET={socket:?}: {e}"),
                )
            })?;
            Ok(true)
        }
        _ => Ok(false),
    }
}

#[cfg(unix)]
fn send(socket: &std::ffi::OsStr, state: &str) -> io::Result<()> {
    use std::os::unix::ffi::OsStrExt;
    use std::os::unix::net::UnixDatagram;
    let bytes = socket.as_bytes();
    let sock = UnixDatagram::unbound()?;
    let sent = match bytes.split_first() {
        Some((b'@', name)) => send_abstract(&sock, name, state)?,
        Some((b'/', _)) => sock.send_to(state.as_bytes(), socket)?,
        _ => {
            return Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                "not an absolute socket path or an @abstract name",
            ))
        }
    };
    if sent != state.len() {
        return Err(io::Error::other("the message was cut short"));
    }
    Ok(())
}

#[cfg(target_os = "linux")]
fn send_abstract(
    sock: &std::os::unix::net::UnixDatagram,
    name: &[u8],
    state: &str,
) -> io::Result<usize> {
    use std::os::linux::net::SocketAddrExt;
    let addr = std::os::unix::net::SocketAddr::from_abstract_name(name)?;
    sock.send_to_addr(state.as_bytes(), &addr)
}

#[cfg(all(unix, not(target_os = "linux")))]
fn send_abstract(
    _sock: &std::os::unix::net::UnixDatagram,
    _name: &[u8],
    _state: &str,
) -> io::Result<usize> {
    Err(io::Error::new(
        io::ErrorKind::Unsupported,
        "abstract socket names exist on Linux only",
    ))
}

#[cfg(not(unix))]
fn send(_socket: &std::ffi::OsStr, _state: &str) -> io::Result<()> {
    Err(io::Error::new(
        io::ErrorKind::Unsupported,
        "the notify socket is a Unix socket",
    ))
}

#[cfg(all(test, unix))]
mod tests {
    use super::*;
    use std::os::unix::net::UnixDatagram;

    #[test]
    fn a_path_socket_receives_the_state() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("notify");
        let listener = UnixDatagram::bind(&path).unwrap();
        send(path.as_os_str(), "READY=1\nSTATUS=listening").unwrap();
        let mut buf = [0u8; 64];
        let n = listener.recv(&mut buf).unwrap();
        assert_eq!(&buf[..n], b"READY=1\nSTATUS=listening");
    }

    #[cfg(target_os = "linux")]
    #[test]
    fn an_abstract_name_receives_the_state() {
        use std::os::linux::net::SocketAddrExt;
        let name = format!("cpld-notify-test-{}", std::process::id());
        let addr = std::os::unix::net::SocketAddr::from_abstract_name(name.as_bytes()).unwrap();
        let listener = UnixDatagram::bind_addr(&addr).unwrap();
        send(std::ffi::OsStr::new(&format!("@{name}")), "STOPPING=1").unwrap();
        let mut buf = [0u8; 64];
        let n = listener.recv(&mut buf).unwrap();
        assert_eq!(&buf[..n], b"STOPPING=1");
    }

    #[test]
    fn a_relative_name_is_refused() {
        let err = send(std::ffi::OsStr::new("notify"), "READY=1").unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::InvalidInput);
    }
}
