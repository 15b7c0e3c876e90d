//! `cargo xtask bench purge`: deleting an account of 10,000 images (20,000 objects in the blob
//! store, 15,100 synced records, their sync log and ledger) on the native server, as Settings →
//! Delete account does it. Prints how long the request took and how far it got within its call
//! budget, then how many background rounds finished the purge and in what time. Everything runs
//! in this process on 127.0.0.1.
#![allow(clippy::unwrap_used, clippy::expect_used)] // a benchmark's setup failing should stop it loudly

use std::time::Instant;

use atelier_server::platform::{Blobs, Sql, Statement};
use atelier_simulators::SimulatorOptions;
use atelier_test_kit::{Service, ServiceOptions, seed};

const IMAGES: u64 = 10_000;

/// Rows of the account left in the tables that hold account data, and its objects.
async fn left(world: &Service, account: &str) -> (i64, usize) {
    let mut rows = 0;
    for table in [
        "images",
        "generations",
        "conversations",
        "sync_changes",
        "credit_ledger",
        "accounts",
    ] {
        let column = if table == "accounts" {
            "id"
        } else {
            "account_id"
        };
        let found = world
            .platform()
            .query(
                Statement::new(format!(
                    "SELECT COUNT(*) AS n FROM {table} WHERE {column} = ?"
                ))
                .bind(account),
            )
            .await
            .unwrap();
        rows += found[0]
            .get("n")
            .and_then(serde_json::Value::as_i64)
            .unwrap();
    }
    let objects = world
        .platform()
        .blob_list(&format!("images/{account}/"), None, 1_000)
        .await
        .unwrap()
        .keys
        .len();
    (rows, objects)
}

#[tokio::main]
async fn main() {
    let world = Service::start_with(ServiceOptions {
        simulators: SimulatorOptions::unlimited(),
        test_mode: false,
    })
    .await;
    let (auth, account) = world.signed_in_account("bench@example.com").await;

    let started = Instant::now();
    seed::seed(world.platform(), &account, IMAGES).await;
    let (rows, objects) = left(&world, &account).await;
    println!(
        "seeded {IMAGES} images in {:.1} s: {rows} rows, {}+ objects",
        started.elapsed().as_secs_f64(),
        objects
    );

    let started = Instant::now();
    auth.delete_account().await.unwrap();
    let request = started.elapsed();
    let (rows, objects) = left(&world, &account).await;
    println!(
        "DELETE /v1/me answered in {} ms; left after it: {rows} rows, {objects}{} objects",
        request.as_millis(),
        if objects == 1_000 { "+" } else { "" }
    );

    let mut rounds = 0;
    while left(&world, &account).await != (0, 0) {
        rounds += 1;
        assert!(rounds <= 1_000, "the purge does not finish");
        atelier_server::background::tick(world.platform())
            .await
            .unwrap();
    }
    let total = started.elapsed().as_secs_f64();
    println!(
        "purged after {rounds} background round(s) (one a minute in the Worker's cron); {total:.2} s of work in all ({:.0} images/s)",
        IMAGES as f64 / total
    );
}
