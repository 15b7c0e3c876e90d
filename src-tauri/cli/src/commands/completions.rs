//! `atelier completions <shell>`: the completion script clap_complete writes for the shell.

use clap::CommandFactory;
use clap_complete::Shell;

use crate::cli::Cli;

pub fn print(shell: Shell) {
    let mut command = Cli::command();
    clap_complete::generate(shell, &mut command, "atelier", &mut std::io::stdout());
}
