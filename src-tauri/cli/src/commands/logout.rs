//! `atelier logout [--everywhere]`: ends the session (the desktop's too: it is the same entry in
//! the keychain). Offline, this computer forgets the session anyway; `--everywhere` needs the
//! service.

use crate::app::App;
use crate::cli::LogoutArgs;
use crate::error::{CliError, Exit};

pub async fn run(app: &App, args: &LogoutArgs) -> Result<(), CliError> {
    // Reads the saved session first: signing out acts on the session this process knows.
    let user = match app.user().await {
        Ok(user) => user,
        Err(e) if e.exit == Exit::Unauthenticated => {
            app.out.note("Nobody is signed in on this computer.");
            return Ok(());
        }
        Err(e) => return Err(e),
    };
    if args.everywhere {
        app.auth.sign_out_everywhere().await?;
    } else {
        app.auth.sign_out().await?;
    }
    app.close_library().await;
    let where_ = if args.everywhere {
        " on every device"
    } else {
        ""
    };
    app.out
        .note(&format!("Signed out of {}{where_}.", user.email));
    Ok(())
}
