//! `omnia`: the one binary of the platform (server, migrations, demo data).

use std::net::SocketAddr;
use std::path::PathBuf;

use anyhow::Context;
use clap::{Args, Parser, Subcommand, ValueEnum};
use omnia_services::Services;
use omnia_store::Db;
use omnia_web::{AppState, WebConfig};

mod flow;
mod flow_send;
mod simulate;

#[derive(Parser)]
#[command(name = "omnia", version, about = "OMNIA IS — integrazioni salariali")]
struct Cli {
    /// Log format: `json` for machines (default), `pretty` for people.
    #[arg(long, global = true, env = "OMNIA_LOG_FORMAT", value_enum, default_value_t = LogFormat::Json)]
    log_format: LogFormat,
    #[command(subcommand)]
    command: Command,
}

#[derive(Clone, Copy, ValueEnum)]
enum LogFormat {
    Json,
    Pretty,
}

#[derive(Subcommand)]
enum Command {
    /// Start the web application and the API.
    Serve(ServeArgs),
    /// Apply the database migrations and exit.
    Migrate(DbArgs),
    /// Load the demo data into an empty database.
    Demo(DbArgs),
    /// Print the rules-engine verdict (JSON) for a simulation input file, `-` for stdin.
    Simulate {
        /// Input as in `docs/rules.md` (examples in `docs/rules/examples/`).
        input: PathBuf,
        /// Also use the reference data versions published in this database (`postgres://…`,
        /// `sqlite://FILE`); without it, the built-in version only.
        #[arg(long)]
        database_url: Option<String>,
    },
    /// Payment-data flows: offline check and synthetic generation.
    Flow {
        #[command(subcommand)]
        command: flow::FlowCommand,
    },
}

#[derive(Args)]
struct DbArgs {
    /// Folder for the embedded SQLite database and local files.
    #[arg(long, env = "OMNIA_DATA_DIR", default_value = "data")]
    data_dir: PathBuf,
    /// `postgres://…` for PostgreSQL, `sqlite://FILE`; default: an SQLite file in the data folder.
    #[arg(long, env = "OMNIA_DATABASE_URL")]
    database_url: Option<String>,
}

#[derive(Args)]
struct ServeArgs {
    #[command(flatten)]
    db: DbArgs,
    /// Address to listen on.
    #[arg(long, env = "OMNIA_LISTEN", default_value = "127.0.0.1:8080")]
    listen: SocketAddr,
    /// Load the demo data if the database is empty (always on for the default SQLite file).
    #[arg(long, env = "OMNIA_DEMO")]
    demo: bool,
    /// Mark cookies `Secure` (set when the application is served over HTTPS).
    #[arg(long, env = "OMNIA_SECURE_COOKIES")]
    secure_cookies: bool,
    /// Largest accepted payment-data flow upload, in bytes.
    #[arg(long, env = "OMNIA_FLOW_MAX_BYTES", default_value_t = omnia_services::flows::DEFAULT_FLOW_MAX_BYTES)]
    flow_max_bytes: u64,
}

impl DbArgs {
    /// Whether no database was named, so the embedded default is in use.
    fn is_default(&self) -> bool {
        self.database_url.is_none()
    }

    async fn connect(&self) -> anyhow::Result<Db> {
        let url = match &self.database_url {
            Some(url) => url.clone(),
            None => {
                std::fs::create_dir_all(&self.data_dir).with_context(|| {
                    format!("cannot create the data folder {}", self.data_dir.display())
                })?;
                format!(
                    "sqlite://{}?mode=rwc",
                    self.data_dir.join("omnia.db").display()
                )
            }
        };
        let db = Db::connect(&url)
            .await
            .with_context(|| format!("cannot open the database {}", redact(&url)))?;
        db.migrate().await.context("cannot apply the migrations")?;
        Ok(db)
    }
}

impl DbArgs {
    /// The services over this database, with uploaded files and receipts kept under
    /// `<data dir>/blobs` (one node; a shared object store is the production setting).
    async fn services(&self) -> anyhow::Result<Services> {
        let db = self.connect().await?;
        let blobs_dir = self.data_dir.join("blobs");
        let blobs = omnia_documents::blobs::LocalDirStore::open(&blobs_dir)
            .with_context(|| format!("cannot open the file store {}", blobs_dir.display()))?;
        Ok(Services::with_blobs(db, std::sync::Arc::new(blobs)))
    }
}

/// A database URL without its password, for messages.
fn redact(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(scheme), Some(at)) if at > scheme => {
            let userinfo = &url[scheme + 3..at];
            let user = userinfo.split(':').next().unwrap_or("");
            format!("{}{}:***{}", &url[..scheme + 3], user, &url[at..])
        }
        _ => url.to_owned(),
    }
}

fn init_logging(format: LogFormat) {
    let filter = tracing_subscriber::EnvFilter::try_from_env("OMNIA_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info,sqlx=warn"));
    let builder = tracing_subscriber::fmt().with_env_filter(filter);
    match format {
        LogFormat::Json => builder.json().flatten_event(true).init(),
        LogFormat::Pretty => builder.init(),
    }
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        if let Ok(mut s) = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
        {
            s.recv().await;
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = terminate => {},
    }
    tracing::info!("shutting down");
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let cli = Cli::parse();
    init_logging(cli.log_format);
    match cli.command {
        Command::Simulate {
            input,
            database_url,
        } => std::process::exit(simulate::run(&input, database_url.as_deref()).await),
        Command::Flow { command } => std::process::exit(flow::run(command).await),
        Command::Migrate(args) => {
            args.connect().await?;
            tracing::info!("migrations applied");
        }
        Command::Demo(args) => {
            let services = args.services().await?;
            let report = omnia_services::demo::load_with_flows(&services).await?;
            tracing::info!(?report, "demo data");
        }
        Command::Serve(args) => {
            let services = args.db.services().await?;
            services.load_reference_versions().await?;
            services.spawn_reference_refresh(std::time::Duration::from_secs(60));
            if args.demo || args.db.is_default() {
                let report = omnia_services::demo::load_with_flows(&services).await?;
                tracing::info!(?report, "demo data");
            }
            let config = WebConfig {
                secure_cookies: args.secure_cookies,
                flow_max_bytes: args.flow_max_bytes,
                ..WebConfig::default()
            };
            let state = AppState::new(services, config, omnia_web::install_metrics_recorder());
            let listener = tokio::net::TcpListener::bind(args.listen)
                .await
                .with_context(|| format!("cannot listen on {}", args.listen))?;
            tracing::info!(address = %args.listen, "omnia is serving on http://{}", args.listen);
            axum::serve(listener, omnia_web::app(state))
                .with_graceful_shutdown(shutdown_signal())
                .await?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::redact;

    #[test]
    fn database_passwords_never_reach_the_logs() {
        assert_eq!(
            redact("postgres://omnia:s3cret@db:5432/omnia"),
            "postgres://omnia:***@db:5432/omnia"
        );
        assert_eq!(redact("sqlite://data/omnia.db"), "sqlite://data/omnia.db");
    }
}
