//! The committed config against the server, the generated config, and what a real deploy refuses.

use super::*;

fn committed() -> WranglerConfig {
    let text = std::fs::read_to_string(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../backend/wrangler.toml"),
    )
    .unwrap();
    WranglerConfig::parse(&text).unwrap()
}

fn server_names() -> ServerNames {
    let text = std::fs::read_to_string(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../backend/server/src/config.rs"),
    )
    .unwrap();
    ServerNames::scan(&text).unwrap()
}

const MINIMAL: &str = r#"
name = "atelier"
[[d1_databases]]
binding = "DB"
database_name = "atelier"
database_id = "00000000-0000-0000-0000-000000000000" # placeholder
migrations_dir = "migrations"
[[r2_buckets]]
binding = "IMAGES"
bucket_name = "atelier-images"
[[kv_namespaces]]
binding = "KV"
id = "00000000000000000000000000000000" # placeholder
[vars]
ATELIER_PUBLIC_URL = "http://127.0.0.1:8787"
KIE_BASE_URL = "https://api.kie.ai"
[secrets]
required = ["KIE_API_KEY"]
"#;

fn names(urls: &[&str], plain: &[&str], secrets: &[&str]) -> ServerNames {
    let own = |l: &[&str]| l.iter().map(|s| (*s).to_owned()).collect();
    ServerNames {
        urls: own(urls),
        plain: own(plain),
        secrets: own(secrets),
    }
}

#[test]
fn the_committed_config_matches_the_server() {
    let config = committed();
    assert_eq!(config.worker_name, "atelier");
    assert_eq!(config.d1.name, "atelier");
    assert_eq!(config.r2.name, "atelier-images");
    assert_eq!(config.kv.name, "atelier-kv");
    assert!(is_placeholder(config.d1.id.as_deref().unwrap()));
    assert!(is_placeholder(config.kv.id.as_deref().unwrap()));
    assert_eq!(config.problems(&server_names()), Vec::<String>::new());
}

#[test]
fn config_rs_names_are_found_by_kind() {
    let real = server_names();
    assert!(real.urls.contains(&"ATELIER_PUBLIC_URL".to_owned()));
    assert!(real.plain.contains(&"ATELIER_CREDIT_PACKS".to_owned()));
    assert!(real.secrets.contains(&"ATELIER_AUTH_SECRET".to_owned()));
    let scanned = ServerNames::scan(
        "fn from_lookup() { url(\"A_URL\", D)?; get(\"PLAIN\"); secret(\"KEY\"); x.get(\"NOT\"); target(\"NO\"); }\n#[cfg(test)]\nget(\"TEST\")",
    )
    .unwrap();
    assert_eq!(scanned, names(&["A_URL"], &["PLAIN"], &["KEY"]));
}

#[test]
fn vars_and_secrets_are_checked_both_ways() {
    let config = WranglerConfig::parse(MINIMAL).unwrap();
    let fine = names(
        &["ATELIER_PUBLIC_URL", "KIE_BASE_URL"],
        &["ATELIER_TEST_MODE", "SENTRY_ENVIRONMENT"],
        &["KIE_API_KEY"],
    );
    assert_eq!(config.problems(&fine), Vec::<String>::new());

    let new_var = names(
        &["ATELIER_PUBLIC_URL", "KIE_BASE_URL", "NEW_BASE_URL"],
        &[],
        &["KIE_API_KEY", "NEW_KEY"],
    );
    assert_eq!(
        config.problems(&new_var),
        [
            "[vars] lacks NEW_BASE_URL, which backend/server/src/config.rs reads",
            "[secrets] required lacks NEW_KEY, which backend/server/src/config.rs reads",
        ]
    );

    let bad = WranglerConfig::parse(&MINIMAL.replace(
        "[secrets]",
        "ATELIER_TEST_MODE = \"1\"\nKIE_API_KEY = \"k\"\nTYPO_URL = \"x\"\n[secrets]",
    ))
    .unwrap();
    let problems = bad.problems(&fine);
    assert_eq!(problems.len(), 3, "{problems:?}");
    assert!(problems[0].contains("ATELIER_TEST_MODE, which is for tests only"));
    assert!(problems[1].contains("KIE_API_KEY, a secret"));
    assert!(problems[2].contains("TYPO_URL, which backend/server/src/config.rs never reads"));

    let not_url =
        WranglerConfig::parse(&MINIMAL.replace("https://api.kie.ai", "api.kie.ai")).unwrap();
    assert_eq!(
        not_url.problems(&fine),
        ["[vars] KIE_BASE_URL = \"api.kie.ai\" is not an http(s) URL"]
    );
}

#[test]
fn a_binding_with_another_name_is_refused() {
    let err = WranglerConfig::parse(&MINIMAL.replace("\"IMAGES\"", "\"BLOBS\"")).unwrap_err();
    assert!(format!("{err:#}").contains("the Worker expects \"IMAGES\""));
}

#[test]
fn the_environment_overrides_vars() {
    let config = WranglerConfig::parse(MINIMAL).unwrap();
    let (vars, overridden) = config.vars_with(|name| {
        (name == "ATELIER_PUBLIC_URL").then(|| "https://atelier.example.com".to_owned())
    });
    assert_eq!(overridden, ["ATELIER_PUBLIC_URL"]);
    assert_eq!(vars[0].1, "https://atelier.example.com");
    assert_eq!(vars[1].1, "https://api.kie.ai");
}

#[test]
fn the_generated_config_carries_ids_vars_and_the_domain() {
    let config = committed();
    let ids = Ids {
        d1: "c0ffee00-1111-2222-3333-444455556666".into(),
        kv: "0f2ac74b498b48028cb68387c421e279".into(),
    };
    let (vars, _) = config.vars_with(|name| {
        (name == "ATELIER_PUBLIC_URL").then(|| "https://atelier.example.com".to_owned())
    });
    let text = config
        .render(&ids, &vars, custom_domain("https://atelier.example.com"))
        .unwrap();
    assert!(text.starts_with("# Generated by `cargo xtask deploy`"));
    // Comments of the committed file survive.
    assert!(text.contains("# R2: image bytes"));
    let again = WranglerConfig::parse(&text).unwrap();
    assert_eq!(again.d1.id.as_deref(), Some(ids.d1.as_str()));
    assert_eq!(again.kv.id.as_deref(), Some(ids.kv.as_str()));
    assert_eq!(
        again.var("ATELIER_PUBLIC_URL"),
        Some("https://atelier.example.com")
    );
    assert_eq!(again.required_secrets, config.required_secrets);
    let doc: DocumentMut = text.parse().unwrap();
    let route = doc["routes"]
        .as_array()
        .unwrap()
        .get(0)
        .unwrap()
        .as_inline_table()
        .unwrap();
    assert_eq!(route["pattern"].as_str(), Some("atelier.example.com"));
    assert_eq!(route["custom_domain"].as_bool(), Some(true));
    // A top-level key after the tables would belong to the last table.
    assert!(doc["triggers"].get("routes").is_none());

    let on_workers_dev = config
        .render(&ids, &vars, custom_domain("https://atelier.me.workers.dev"))
        .unwrap();
    assert!(!on_workers_dev.contains("routes"));
}

#[test]
fn a_real_deploy_needs_a_real_address() {
    let names = server_names();
    let with = |url: &str| {
        vec![
            ("ATELIER_PUBLIC_URL".to_owned(), url.to_owned()),
            ("KIE_BASE_URL".to_owned(), "https://api.kie.ai".to_owned()),
        ]
    };
    assert!(real_deploy_problems(&with("https://atelier.example.com"), &names).is_empty());
    assert!(real_deploy_problems(&with("https://atelier.me.workers.dev/"), &names).is_empty());
    for bad in [
        DEFAULT_PUBLIC_URL,
        "http://atelier.example.com",
        "https://127.0.0.1:8787",
        "https://localhost",
        "https://[::1]:8787",
        "https://atelier.example.com/app",
    ] {
        assert_eq!(real_deploy_problems(&with(bad), &names).len(), 1, "{bad}");
    }
    let mut simulator = with("https://atelier.example.com");
    simulator[1].1 = "http://127.0.0.1:4010/kie".into();
    assert_eq!(
        real_deploy_problems(&simulator, &names),
        ["KIE_BASE_URL=\"http://127.0.0.1:4010/kie\" points at this machine (a simulator?)"]
    );
}

#[test]
fn hosts_and_placeholders() {
    assert_eq!(
        url_host("https://a.example.com:8443/x"),
        Some("a.example.com")
    );
    assert_eq!(url_host("http://[::1]:8787"), Some("::1"));
    assert_eq!(url_host("ftp://x"), None);
    assert_eq!(
        custom_domain("https://atelier.example.com"),
        Some("atelier.example.com")
    );
    assert_eq!(custom_domain("https://atelier.me.workers.dev"), None);
    assert_eq!(custom_domain(DEFAULT_PUBLIC_URL), None);
    assert_eq!(custom_domain("https://localhost:8787"), None);
    assert!(is_placeholder("00000000-0000-0000-0000-000000000000"));
    assert!(!is_placeholder("0f2ac74b498b48028cb68387c421e279"));
    assert!(!is_placeholder(""));
}
