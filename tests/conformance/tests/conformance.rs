//! Runs every case against every selected runtime (`ATELIER_CONFORMANCE_RUNTIMES`, default
//! `native,worker`), each started fresh with the upstream simulators. Test names are
//! `<runtime>::<area>::<case>`, so the output lists the same cases for both.

use std::sync::Arc;

use atelier_api::Runtime;
use atelier_conformance::backends::{
    RunningBackend, WranglerTools, start_native, start_native_without_test_hooks, start_worker,
    suite_env,
};
use atelier_conformance::{Ctx, cases};
use libtest_mimic::{Arguments, Failed, Trial};

fn runtimes() -> Vec<Runtime> {
    let selected =
        std::env::var("ATELIER_CONFORMANCE_RUNTIMES").unwrap_or_else(|_| "native,worker".into());
    selected
        .split(',')
        .filter_map(|name| match name.trim() {
            "native" => Some(Runtime::Native),
            "worker" => Some(Runtime::Worker),
            _ => None,
        })
        .collect()
}

fn label(runtime: Runtime) -> &'static str {
    match runtime {
        Runtime::Native => "native",
        Runtime::Worker => "worker",
    }
}

fn main() -> std::process::ExitCode {
    let mut args = Arguments::from_args();
    // Cases move the backend's clock: one at a time, so none sees another's time jump.
    args.test_threads = Some(1);
    let rt = Arc::new(tokio::runtime::Runtime::new().expect("a tokio runtime"));
    // No Resend rate limit: the suite sends far more than 2 mails a second on purpose.
    let simulators = Arc::new(
        rt.block_on(atelier_simulators::spawn(
            atelier_simulators::SimulatorOptions::unlimited(),
        ))
        .expect("the upstream simulators start"),
    );
    let upstream_env = suite_env(&simulators.env());

    // Backends stay up until every trial has run; dropping them stops the processes.
    let mut backends: Vec<RunningBackend> = Vec::new();
    let mut trials = Vec::new();
    for runtime in runtimes() {
        let started = match runtime {
            Runtime::Native => start_native(&upstream_env),
            Runtime::Worker => {
                WranglerTools::from_env().and_then(|tools| start_worker(&tools, &upstream_env))
            }
        };
        let base_url = match started {
            Ok(backend) => {
                let found = (backend.base_url.clone(), backend.state_dir.clone());
                backends.push(backend);
                Ok(found)
            }
            Err(e) => Err(format!("the {} backend did not start: {e}", label(runtime))),
        };
        for (name, case) in cases::all() {
            let rt = rt.clone();
            let base_url = base_url.clone();
            let sims = simulators.clone();
            trials.push(Trial::test(
                format!("{}::{name}", label(runtime)),
                move || {
                    let (base_url, state_dir) = base_url.map_err(Failed::from)?;
                    let http = reqwest::Client::builder()
                        .user_agent("atelier-conformance")
                        .timeout(std::time::Duration::from_secs(30))
                        .build()
                        .map_err(|e| Failed::from(e.to_string()))?;
                    let ctx = Ctx {
                        base_url,
                        runtime,
                        http,
                        sims,
                        state_dir,
                    };
                    rt.block_on(case(&ctx)).map_err(Failed::from)
                },
            ));
        }
    }
    if runtimes().contains(&Runtime::Native) {
        // Its own server, started only when the trial runs (a filter may leave it out).
        let (name, case) = cases::WITHOUT_TEST_HOOKS;
        let rt = rt.clone();
        let sims = simulators.clone();
        let env = upstream_env.clone();
        trials.push(Trial::test(format!("native::{name}"), move || {
            let backend = start_native_without_test_hooks(&env)
                .map_err(|e| Failed::from(format!("the server without test hooks: {e}")))?;
            let http = reqwest::Client::builder()
                .user_agent("atelier-conformance")
                .timeout(std::time::Duration::from_secs(30))
                .build()
                .map_err(|e| Failed::from(e.to_string()))?;
            let ctx = Ctx {
                base_url: backend.base_url.clone(),
                runtime: Runtime::Native,
                http,
                sims,
                state_dir: backend.state_dir.clone(),
            };
            rt.block_on(case(&ctx)).map_err(Failed::from)
        }));
    }
    let conclusion = libtest_mimic::run(&args, trials);
    drop(backends);
    drop(simulators);
    conclusion.exit_code()
}
