//! One module per subcommand; each takes the [`App`] and its arguments and answers its exit
//! status, or the error to print.

mod completions;
mod credits;
mod export;
mod generate;
mod login;
mod logout;
mod search;
mod sync;
mod whoami;

use crate::app::App;
use crate::cli::{Cli, Command};
use crate::error::{CliError, Exit};

pub use completions::print as print_completions;

/// Runs the command; the progress line is gone when this returns.
pub async fn run(cli: Cli) -> Result<Exit, CliError> {
    let app = App::new(&cli.global)?;
    let result = match &cli.command {
        Command::Login(args) => login::run(&app, args).await.map(|()| Exit::Success),
        Command::Logout(args) => logout::run(&app, args).await.map(|()| Exit::Success),
        Command::Whoami => whoami::run(&app).await.map(|()| Exit::Success),
        Command::Credits(args) => credits::run(&app, args).await.map(|()| Exit::Success),
        Command::Generate(args) => generate::run(&app, args).await.map(|()| Exit::Success),
        Command::Batch(args) => crate::batch::run(&app, args).await,
        Command::Search(args) => search::run(&app, args).await.map(|()| Exit::Success),
        Command::Sync => sync::run(&app).await.map(|()| Exit::Success),
        Command::Export(args) => export::run(&app, args).await.map(|()| Exit::Success),
        Command::Completions(args) => {
            print_completions(args.shell);
            Ok(Exit::Success)
        }
    };
    app.out.clear_status();
    result
}
