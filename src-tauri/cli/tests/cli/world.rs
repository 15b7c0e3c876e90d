//! One isolated world per test: atelier-client's test service (the native server with its test
//! hooks, the upstream simulators behind it), a Secret Service of its own (a private D-Bus
//! session with GNOME Keyring, unlocked by a throwaway password, in a temporary home), and a
//! data folder. The real `atelier` binary runs as a subprocess with an environment holding only
//! these, so it never touches the developer's keychain, library or settings.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Child, Stdio};
use std::time::{Duration, Instant};

use tokio::io::AsyncWriteExt;

use atelier_test_kit::Service;

pub struct World {
    pub service: Service,
    keyring: Keyring,
    home: tempfile::TempDir,
}

/// What a run of `atelier` ended with.
#[derive(Debug)]
pub struct Ran {
    pub status: i32,
    pub stdout: String,
    pub stderr: String,
}

impl Ran {
    /// Exited `status`, else fails showing everything it printed.
    #[track_caller]
    pub fn expect(self, status: i32) -> Self {
        assert_eq!(self.status, status, "{self:#?}");
        self
    }

    /// The lines of stdout.
    pub fn lines(&self) -> Vec<&str> {
        self.stdout.lines().collect()
    }

    /// Stdout as JSON.
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.stdout)
            .unwrap_or_else(|e| panic!("stdout is not one JSON document ({e}): {self:#?}"))
    }
}

impl World {
    pub async fn start() -> Self {
        let home = tempfile::Builder::new()
            .prefix("atelier-cli-")
            .tempdir()
            .unwrap();
        Self {
            service: Service::start().await,
            keyring: Keyring::start(home.path()),
            home,
        }
    }

    /// The library folder the binary (and so the desktop) uses here.
    pub fn data_dir(&self) -> PathBuf {
        self.home.path().join("data")
    }

    /// A folder in the world's home, for outputs and batch files.
    pub fn path(&self, name: &str) -> PathBuf {
        self.home.path().join(name)
    }

    /// `atelier` with this world's environment and nothing else of the developer's.
    pub fn command(&self) -> tokio::process::Command {
        let mut command = tokio::process::Command::new(env!("CARGO_BIN_EXE_atelier"));
        command
            .env_clear()
            .env("PATH", std::env::var_os("PATH").unwrap_or_default())
            .env("HOME", self.home.path())
            .env("XDG_RUNTIME_DIR", self.keyring.runtime_dir())
            .env("XDG_DATA_HOME", self.home.path().join("xdg-data"))
            .env("DBUS_SESSION_BUS_ADDRESS", &self.keyring.address)
            .env("ATELIER_API_URL", &self.service.url)
            .env("ATELIER_DATA_DIR", self.data_dir())
            .current_dir(self.home.path())
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .kill_on_drop(true);
        command
    }

    /// Runs `atelier ARGS` to its end.
    pub async fn run(&self, args: &[&str]) -> Ran {
        let mut command = self.command();
        command.args(args);
        finish(command.spawn().unwrap()).await
    }

    /// Runs `atelier ARGS` under `command`'s changes.
    pub async fn run_with(
        &self,
        args: &[&str],
        change: impl FnOnce(&mut tokio::process::Command),
    ) -> Ran {
        let mut command = self.command();
        command.args(args);
        change(&mut command);
        finish(command.spawn().unwrap()).await
    }

    /// `atelier login EMAIL`, answering its question with what `answer` makes of the email
    /// that arrived in the simulated mailbox (its text).
    pub async fn login_with(&self, email: &str, answer: impl FnOnce(&str) -> String) -> Ran {
        let before = self.service.sims.resend().emails_to(email).len();
        let mut command = self.command();
        command.args(["login", email]).stdin(Stdio::piped());
        let mut child = command.spawn().unwrap();
        let text = self.mail(email, before).await;
        let mut stdin = child.stdin.take().unwrap();
        stdin
            .write_all(format!("{}\n", answer(&text)).as_bytes())
            .await
            .unwrap();
        drop(stdin);
        finish(child).await
    }

    /// Signs `email` in by typing the emailed code, as a person would.
    pub async fn login(&self, email: &str) {
        self.login_with(email, code_in).await.expect(0);
    }

    /// The text of the first email to `email` after the `before` it already had.
    pub async fn mail(&self, email: &str, before: usize) -> String {
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            let mails = self.service.sims.resend().emails_to(email);
            if mails.len() > before {
                return mails[before].text.clone().unwrap();
            }
            assert!(Instant::now() < deadline, "no email reached {email}");
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// The balance as the service has it.
    pub async fn balance(&self) -> i64 {
        self.run(&["credits"])
            .await
            .expect(0)
            .stdout
            .trim()
            .parse()
            .unwrap()
    }

    /// How many tasks kie was asked to make (each one is paid for).
    pub fn kie_tasks(&self) -> usize {
        self.service.sims.kie().tasks().len()
    }
}

async fn finish(child: tokio::process::Child) -> Ran {
    let output = tokio::time::timeout(Duration::from_secs(120), child.wait_with_output())
        .await
        .expect("atelier did not finish within 2 minutes")
        .unwrap();
    Ran {
        status: output.status.code().unwrap_or(-1),
        stdout: String::from_utf8(output.stdout).unwrap(),
        stderr: String::from_utf8(output.stderr).unwrap(),
    }
}

/// The 6-digit code in a sign-in email.
pub fn code_in(text: &str) -> String {
    text.lines()
        .map(str::trim)
        .find(|l| l.len() == 6 && l.bytes().all(|b| b.is_ascii_digit()))
        .unwrap()
        .to_owned()
}

/// The `https://…/auth/link?token=…` line of a sign-in email.
pub fn link_in(text: &str) -> String {
    text.split_whitespace()
        .find(|w| w.contains("/auth/link?token="))
        .unwrap()
        .to_owned()
}

/// The PNG text chunks of a file, by keyword.
pub fn png_text(path: &Path) -> BTreeMap<String, String> {
    let decoder = png::Decoder::new(std::fs::File::open(path).unwrap());
    let reader = decoder.read_info().unwrap();
    let info = reader.info();
    let mut text: BTreeMap<String, String> = info
        .uncompressed_latin1_text
        .iter()
        .map(|t| (t.keyword.clone(), t.text.clone()))
        .collect();
    for t in &info.utf8_text {
        text.insert(t.keyword.clone(), t.get_text().unwrap());
    }
    text
}

/// A Secret Service for one test: `dbus-daemon` on a socket in a temporary folder and
/// `gnome-keyring-daemon` on that bus, both stopped when the world is dropped.
struct Keyring {
    dir: tempfile::TempDir,
    address: String,
    bus: Child,
    daemon: Child,
}

impl Keyring {
    fn start(home: &Path) -> Self {
        let dir = tempfile::Builder::new().prefix("bus-").tempdir().unwrap();
        let runtime = dir.path().join("run");
        std::fs::create_dir(&runtime).unwrap();
        let mut bus = std::process::Command::new("dbus-daemon")
            .args(["--session", "--nofork", "--print-address=1"])
            .arg(format!(
                "--address=unix:path={}",
                dir.path().join("bus").display()
            ))
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("dbus-daemon is missing: install dbus (cargo xtask setup does)");
        let address = {
            use std::io::BufRead;
            let mut line = String::new();
            std::io::BufReader::new(bus.stdout.take().unwrap())
                .read_line(&mut line)
                .unwrap();
            line.trim().to_owned()
        };
        assert!(address.starts_with("unix:"), "dbus-daemon said {address:?}");
        let mut daemon = std::process::Command::new("gnome-keyring-daemon")
            .args(["--foreground", "--unlock", "--components=secrets"])
            .env_clear()
            .env("PATH", std::env::var_os("PATH").unwrap_or_default())
            .env("HOME", home)
            .env("XDG_RUNTIME_DIR", &runtime)
            .env("XDG_DATA_HOME", home.join("xdg-data"))
            .env("DBUS_SESSION_BUS_ADDRESS", &address)
            .stdin(Stdio::piped())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect(
                "gnome-keyring-daemon is missing: install gnome-keyring (cargo xtask setup does)",
            );
        {
            use std::io::Write;
            let mut stdin = daemon.stdin.take().unwrap();
            stdin.write_all(b"atelier-cli-tests").unwrap();
        }
        let keyring = Self {
            dir,
            address,
            bus,
            daemon,
        };
        keyring.wait_for_secrets();
        keyring
    }

    fn runtime_dir(&self) -> PathBuf {
        self.dir.path().join("run")
    }

    /// Until GNOME Keyring owns `org.freedesktop.secrets` (asked earlier, D-Bus would start a
    /// second, locked daemon).
    fn wait_for_secrets(&self) {
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            let probe = std::process::Command::new("dbus-send")
                .args([
                    "--session",
                    "--print-reply",
                    "--dest=org.freedesktop.DBus",
                    "/org/freedesktop/DBus",
                    "org.freedesktop.DBus.NameHasOwner",
                    "string:org.freedesktop.secrets",
                ])
                .env("DBUS_SESSION_BUS_ADDRESS", &self.address)
                .output()
                .unwrap();
            if String::from_utf8_lossy(&probe.stdout).contains("boolean true") {
                return;
            }
            assert!(
                Instant::now() < deadline,
                "gnome-keyring-daemon did not take org.freedesktop.secrets"
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }
}

impl Drop for Keyring {
    fn drop(&mut self) {
        for child in [&mut self.daemon, &mut self.bus] {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}
