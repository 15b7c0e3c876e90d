//! `cargo run -p atelier-desktop --example export-bindings <path>`: writes the UI's TypeScript
//! bindings (run by `cargo xtask bindings`; an example, so no package ships it).

use std::process::ExitCode;

fn main() -> ExitCode {
    let Some(path) = std::env::args_os().nth(1) else {
        eprintln!("usage: export-bindings <path to bindings.ts>");
        return ExitCode::FAILURE;
    };
    match atelier_desktop::export_bindings(std::path::Path::new(&path)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("export-bindings: {e}");
            ExitCode::FAILURE
        }
    }
}
