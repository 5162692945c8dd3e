//! Stopping a server the kit started: by PID, politely first.

use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// Sends each signal of `signals` in turn (`kill -TERM PID`, say) and waits
/// up to `timeout` after each for the child to exit; kills it when none
/// worked. The child is always reaped.
pub(crate) fn stop_child(mut child: Child, signals: &[&str], timeout: Duration) {
    for signal in signals {
        let sent = Command::new("kill")
            .args([*signal, &child.id().to_string()])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .is_ok_and(|s| s.success());
        if sent {
            let deadline = Instant::now() + timeout;
            while Instant::now() < deadline {
                if let Ok(Some(_)) = child.try_wait() {
                    return;
                }
                std::thread::sleep(Duration::from_millis(20));
            }
        }
    }
    let _ = child.kill();
    let _ = child.wait();
}
