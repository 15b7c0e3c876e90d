//! `atelier whoami`: the signed-in account, checked with the service when it answers (offline:
//! as last seen).

use atelier_api::ErrorCode;
use atelier_client::{ClientError, Refresh};

use crate::app::App;
use crate::error::CliError;

pub async fn run(app: &App) -> Result<(), CliError> {
    if let Refresh::Ended(_) = app.auth.refresh().await {
        app.close_library().await;
        return Err(ClientError::api(
            ErrorCode::Unauthenticated,
            "the service ended this session: run `atelier login`",
        )
        .into());
    }
    let user = app.user().await?;
    if app.out.json() {
        app.out.document(&user);
    } else {
        app.out.line(&user.email);
    }
    Ok(())
}
