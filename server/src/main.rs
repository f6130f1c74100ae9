//! `yiwang` — starts the Yiwang server.

use std::process::ExitCode;

use clap::Parser as _;
use server::config::Config;

/// mimalloc instead of the C library's allocator: a request allocates and frees many small values
/// across the runtime's threads, and at the progress look-ups' peak glibc's malloc and free were a
/// tenth of the CPU. Version 2 without transparent huge pages holds the least memory when idle
/// (BENCHMARKS.md, "Where the time goes").
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[tokio::main]
async fn main() -> ExitCode {
    let config = Config::parse();
    server::init_tracing(config.log_format);
    if config.command == Some(server::config::Command::VerifyAudit) {
        return verify_audit(&config).await;
    }
    match run(config).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            tracing::error!(error = ?e, "the server stopped");
            ExitCode::FAILURE
        }
    }
}

/// `yiwang verify-audit`: prints what recomputing the chain found.
#[expect(clippy::print_stdout, reason = "the report is the command's output")]
async fn verify_audit(config: &Config) -> ExitCode {
    // The chain's key comes from the master key, as the server's does.
    let report = match server::pii::PiiKeys::load(config.pii_key.as_deref(), &config.data_dir) {
        Ok(keys) => match server::store::Store::open(config, keys.audit_chain_key()).await {
            Ok(store) => store.verify_audit_chain().await.map_err(anyhow::Error::from),
            Err(e) => Err(e),
        },
        Err(e) => Err(e),
    };
    match report {
        Ok(r) => {
            let first_bad = r.first_bad.as_deref().map_or("null".to_owned(), |id| format!("\"{id}\""));
            println!("{{\"ok\": {}, \"events\": {}, \"first_bad\": {first_bad}}}", r.first_bad.is_none(), r.events);
            if r.first_bad.is_none() { ExitCode::SUCCESS } else { ExitCode::FAILURE }
        }
        Err(e) => {
            tracing::error!(error = ?e, "cannot verify the audit trail");
            ExitCode::from(2)
        }
    }
}

async fn run(config: Config) -> anyhow::Result<()> {
    tracing::info!(?config, "starting");
    let bind = config.bind;
    let srv = server::build(config).await?;
    let listener = tokio::net::TcpListener::bind(bind).await?;
    let url = format!("http://{}/", listener.local_addr()?);
    banner(&url, &srv.demo_accounts, srv.state.clock.unix());
    tracing::info!(%url, "listening");
    server::serve(listener, srv, server::shutdown_signal()).await
}

#[expect(clippy::print_stdout, reason = "the banner is for the person who started the server")]
fn banner(url: &str, accounts: &[server::demo::DemoAccount], now: i64) {
    println!("\n  一网通办 Yiwang is running at {url}");
    if !accounts.is_empty() {
        println!("  Demo catalogue loaded: open {url}items to browse it.");
        println!("\n  Demo accounts (password {}):", server::demo::DEMO_PASSWORD);
        for a in accounts {
            println!("    {:<20} {}  {}", a.id_number, a.name, a.role);
            match a.staff {
                Some((department, _, Some(secret))) => {
                    let code = server::auth::totp::code_at(secret, now).unwrap_or_default();
                    println!(
                        "    {:<20} department {department}, authenticator secret {secret} (code now: {code})",
                        ""
                    );
                }
                Some((department, _, None)) => {
                    println!(
                        "    {:<20} department {department}, no authenticator: a security admin issues a token",
                        ""
                    );
                }
                None => {}
            }
        }
        println!("\n  Registering a new account: unless an SMS gateway is configured, the code meant");
        println!("  for the mobile is written to this server's log (look for \"one-time code\").");
    }
    println!("\n  API description: {url}api/v1/openapi.json\n  Stop with Ctrl-C.\n");
}
