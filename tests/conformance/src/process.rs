//! Child processes the suite starts: each in its own process group, stopped with SIGTERM (then
//! SIGKILL) when dropped, so nothing outlives the run — wrangler included, which forks workerd.

use std::process::{Child, Command};
use std::time::{Duration, Instant};

pub struct Guarded {
    name: String,
    child: Child,
}

impl Guarded {
    /// Starts `command` in a new process group.
    pub fn spawn(name: &str, mut command: Command) -> std::io::Result<Self> {
        #[cfg(unix)]
        std::os::unix::process::CommandExt::process_group(&mut command, 0);
        let child = command.spawn()?;
        Ok(Self {
            name: name.to_owned(),
            child,
        })
    }

    pub fn child_mut(&mut self) -> &mut Child {
        &mut self.child
    }

    pub fn id(&self) -> u32 {
        self.child.id()
    }

    /// Whether the process has exited already, with its status.
    pub fn exited(&mut self) -> Option<std::process::ExitStatus> {
        self.child.try_wait().ok().flatten()
    }

    fn signal_group(&self, signal: &str) {
        let _ = Command::new("kill")
            .args(["-s", signal, "--", &format!("-{}", self.child.id())])
            .status();
    }
}

impl Drop for Guarded {
    fn drop(&mut self) {
        if self.exited().is_some() {
            return;
        }
        self.signal_group("TERM");
        let deadline = Instant::now() + Duration::from_secs(10);
        while Instant::now() < deadline {
            if self.exited().is_some() {
                return;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        eprintln!("{} did not stop on SIGTERM; killing it", self.name);
        self.signal_group("KILL");
        let _ = self.child.wait();
    }
}
