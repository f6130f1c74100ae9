//! `yiwang` — starts the Yiwang server.

use std::process::ExitCode;

use clap::Parser as _;
use server::config::Config;

#[tokio::main]
async fn main() -> ExitCode {
    let config = Config::parse();
    server::init_tracing(config.log_format);
    match run(config).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            tracing::error!(error = ?e, "the server stopped");
            ExitCode::FAILURE
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
    }
    println!("\n  API description: {url}api/v1/openapi.json\n  Stop with Ctrl-C.\n");
}
