//! `cargo xtask dev`: set-up, then the upstream simulators, the native server pointed at them, and
//! the desktop app pointed at the server. Closing the app stops everything.

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};

use anyhow::{Context, Result, bail};

use crate::Ctx;
use crate::process::{self, Background};
use crate::{setup, worker};

/// Reads the first line a child prints on stdout, then keeps draining the pipe in the background.
fn first_line(child: &mut std::process::Child, what: &str) -> Result<String> {
    let stdout = child
        .stdout
        .take()
        .with_context(|| format!("{what} has no stdout"))?;
    let mut lines = BufReader::new(stdout).lines();
    let line = lines
        .next()
        .with_context(|| format!("{what} exited before printing its address"))??;
    std::thread::spawn(move || {
        for line in lines.map_while(Result::ok) {
            println!("{line}");
        }
    });
    Ok(line)
}

/// Which runtime of the service `dev` starts.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Runtime {
    Native,
    /// `cargo xtask dev --worker`: the Worker under `wrangler dev`, with local D1, R2 and KV.
    Worker,
}

pub fn run(ctx: &Ctx, runtime: Runtime) -> Result<()> {
    let tools = setup::run(ctx)?;
    let worker_tools = worker::ensure_tools(&ctx.root)?;
    setup::build_ui(ctx, &tools)?;
    process::run(Command::new("cargo").current_dir(&ctx.root).args([
        "build",
        "-p",
        "atelier-server",
        "-p",
        "atelier-simulators",
        "-p",
        "atelier-desktop",
    ]))?;
    let bin = ctx.path("target/debug");

    let listen = std::env::var("ATELIER_LISTEN").unwrap_or_else(|_| "127.0.0.1:8787".into());
    let mut simulators = Command::new(bin.join("atelier-simulators"));
    simulators
        .args(["--listen", "127.0.0.1:0"])
        // Creem's webhook (the credits a simulated purchase grants) goes to the service.
        .args([
            "--creem-webhook-url",
            &format!("http://{listen}/v1/creem/webhook"),
        ])
        .stdout(Stdio::piped());
    let mut simulators = Background::spawn("atelier-simulators", simulators)?;
    let announced: serde_json::Value =
        serde_json::from_str(&first_line(&mut simulators.child, "atelier-simulators")?)
            .context("the simulators' first line is not JSON")?;
    let sims_url = announced["base_url"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    let upstream_env: Vec<(String, String)> = announced["env"]
        .as_object()
        .map(|env| {
            env.iter()
                .map(|(k, v)| (k.clone(), v.as_str().unwrap_or_default().to_owned()))
                .collect()
        })
        .unwrap_or_default();

    let (mut server, api_url, data_dir) = match runtime {
        Runtime::Native => {
            let data_dir = ctx.path(".atelier/dev/server");
            let mut server = Command::new(bin.join("atelier-server"));
            server
                .env("ATELIER_DATA_DIR", &data_dir)
                .env("ATELIER_LISTEN", &listen)
                .envs(upstream_env)
                .stdout(Stdio::piped());
            let mut server = Background::spawn("atelier-server", server)?;
            let line = first_line(&mut server.child, "atelier-server")?;
            let api_url = line
                .strip_prefix("atelier-server listening on ")
                .context("unexpected server output")?
                .to_owned();
            (server, api_url, data_dir)
        }
        Runtime::Worker => {
            let (ip, port) = listen
                .rsplit_once(':')
                .context("ATELIER_LISTEN must be IP:PORT")?;
            let data_dir = ctx.path(".atelier/dev/wrangler");
            let persist = data_dir.to_string_lossy().into_owned();
            process::run(
                worker_tools
                    .wrangler(&ctx.root)
                    .args([
                        "d1",
                        "migrations",
                        "apply",
                        "DB",
                        "--local",
                        "--persist-to",
                        &persist,
                    ])
                    .stdin(Stdio::null()),
            )?;
            let mut dev = worker_tools.wrangler(&ctx.root);
            dev.args([
                "dev",
                "--ip",
                ip,
                "--port",
                port,
                "--persist-to",
                &persist,
                "--show-interactive-dev-session=false",
                "--test-scheduled",
            ])
            .stdin(Stdio::null());
            for (name, value) in &upstream_env {
                dev.arg("--var").arg(format!("{name}:{value}"));
            }
            let server = Background::spawn("wrangler dev", dev)?;
            let api_url = format!("http://{listen}");
            wait_until_healthy(&api_url)?;
            run_cron(api_url.clone());
            (server, api_url, data_dir)
        }
    };
    let label = if runtime == Runtime::Native {
        "native"
    } else {
        "Worker under wrangler dev"
    };

    println!();
    println!(
        "  Atelier service   {api_url}   ({label}, data in {})",
        data_dir.display()
    );
    println!("  Simulators        {sims_url}   (kie.ai, Creem, Resend, PostHog, Sentry)");
    println!("  Sign-in mail      {sims_url}/resend/emails");
    println!();

    // Children run in their own process groups, so Ctrl-C reaches only this process: stop them here.
    let (stop_tx, stop_rx) = std::sync::mpsc::channel();
    ctrlc::set_handler(move || {
        let _ = stop_tx.send(());
    })
    .context("cannot install the Ctrl-C handler")?;

    let mut desktop =
        if std::env::var_os("DISPLAY").is_none() && std::env::var_os("WAYLAND_DISPLAY").is_none() {
            println!("No display: the service and simulators run until Ctrl-C.");
            None
        } else {
            let mut app = Command::new(bin.join("atelier-desktop"));
            app.env("ATELIER_API_URL", &api_url);
            Some(Background::spawn("atelier-desktop", app)?)
        };
    let outcome = loop {
        if stop_rx
            .recv_timeout(std::time::Duration::from_millis(200))
            .is_ok()
        {
            break Ok(());
        }
        if let Some(app) = desktop.as_mut()
            && let Some(status) = app.child.try_wait()?
        {
            break if status.success() {
                Ok(())
            } else {
                Err(anyhow::anyhow!("the desktop app exited with {status}"))
            };
        }
        if let Some(status) = server.child.try_wait()? {
            break Err(anyhow::anyhow!("the service stopped with {status}"));
        }
    };
    println!("Stopping…");
    drop(desktop);
    drop(server);
    drop(simulators);
    outcome
}

/// Whether `GET {url}{path}` answers 200 (a plain request over std's TCP).
fn answers_ok(url: &str, path: &str) -> bool {
    use std::io::{Read, Write};
    let authority = url.trim_start_matches("http://");
    let Ok(mut stream) = std::net::TcpStream::connect(authority) else {
        return false;
    };
    let _ = stream.set_read_timeout(Some(std::time::Duration::from_secs(60)));
    let request = format!("GET {path} HTTP/1.1\r\nHost: {authority}\r\nConnection: close\r\n\r\n");
    let mut head = [0u8; 12];
    stream.write_all(request.as_bytes()).is_ok()
        && stream.read_exact(&mut head).is_ok()
        && head.starts_with(b"HTTP/1.1 200")
}

/// Waits for `GET {url}/healthz` to answer (wrangler builds and boots workerd first).
fn wait_until_healthy(url: &str) -> Result<()> {
    for _ in 0..600 {
        if answers_ok(url, "/healthz") {
            return Ok(());
        }
        std::thread::sleep(std::time::Duration::from_millis(500));
    }
    bail!("{url}/healthz did not answer within 5 minutes")
}

/// `wrangler dev` never fires cron triggers by itself: fire the scheduled handler every minute,
/// as Cloudflare does for `crons = ["* * * * *"]`, through `--test-scheduled`'s `/__scheduled`.
fn run_cron(url: String) {
    std::thread::spawn(move || {
        loop {
            std::thread::sleep(std::time::Duration::from_secs(60));
            if !answers_ok(&url, "/__scheduled?cron=*+*+*+*+*") {
                eprintln!("the Worker's scheduled handler did not answer");
            }
        }
    });
}
