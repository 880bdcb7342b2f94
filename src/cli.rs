use std::io::{IsTerminal, Write};
use std::net::Ipv4Addr;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

use clap::{Args, Parser, Subcommand};
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use tokio_util::sync::CancellationToken;

use fwsweep::assess::{Assessor, FailOn};
use fwsweep::releases::{Baselines, Catalogue};
use fwsweep::credentials::{Credentials, Secret, SnmpCredential, resolve_secret};
use fwsweep::device::Device;
use fwsweep::engine::{RedfishSettings, ScanSettings, SshSettings, now_rfc3339, sweep};
use fwsweep::profiles::ProfileSet;
use fwsweep::report::{self, Format, SplitBy, SweepSummary, TableStyle};
use fwsweep::redfish::server::{Mockup, ServerOptions};
use fwsweep::simulate::{self, SimulatorConfig};
use fwsweep::snmp::client::RequestPolicy;
use fwsweep::credential_warnings;
use fwsweep::targets::{Exclusions, Protocol, Target, TargetSpec, read_inventory, read_target_file};

mod exports;
mod history;
mod maintenance;
mod record_ssh;

#[derive(Parser)]
#[command(name = "fwsweep", version, about = "Report the firmware of customer network devices over SNMP, Redfish, SIP and SSH")]
struct Cli {
    /// More log output on stderr (-v info, -vv debug, -vvv trace). RUST_LOG overrides it.
    #[arg(short, long, action = clap::ArgAction::Count, global = true)]
    verbose: u8,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Sweep targets over SNMP, Redfish, SIP, HTTP and SSH and report every device's firmware.
    Scan(ScanArgs),
    /// Identify devices from saved recordings (.snmprec, .snmpwalk, Redfish mockup
    /// folders, .sip, .http, .cli transcripts, or CLI output with --command), offline.
    Identify(IdentifyArgs),
    /// Serve recordings as SNMP agents, Redfish mockups over HTTPS, SIP
    /// phones, web devices and SSH devices, on consecutive loopback addresses.
    Simulate(SimulateArgs),
    /// Sweep the built-in simulated network of four customers and print the report.
    Demo(DemoArgs),
    /// Save an SNMP agent's values as a .snmprec recording, or with --ssh a
    /// device's command outputs as a .cli transcript (for new profiles and
    /// support requests), or print a BMC's certificate fingerprint.
    Record(RecordArgs),
    /// List the vendor profiles, or check a folder of profiles.
    #[command(subcommand)]
    Profiles(ProfilesCommand),
    /// List the release catalogue, or import endoflife.date data into it.
    #[command(subcommand)]
    Releases(ReleasesCommand),
    /// List the sweeps stored in the history database.
    History(history::HistoryListArgs),
    /// Write a stored sweep again, in any output format, without rescanning.
    Show(history::ShowArgs),
    /// Compare two stored sweeps: devices added, gone or moved, firmware
    /// changed, verdicts improved or worsened. Exits 1 when anything regressed.
    Diff(history::DiffArgs),
    /// Plan a maintenance window from a stored sweep: targets, advisories
    /// fixed, risks, and the order of the upgrades.
    Plan(maintenance::PlanArgs),
    /// Rescan the devices of a plan and check that they reached their
    /// targets. Exits 1 when any did not.
    Verify(maintenance::VerifyArgs),
}

#[derive(Subcommand)]
enum ProfilesCommand {
    /// List the built-in profiles and those in --profiles folders.
    List {
        /// Extra profile folder (repeatable).
        #[arg(long = "profiles", value_name = "DIR")]
        profiles: Vec<PathBuf>,
    },
    /// Check a folder of profiles: schema, regexes, duplicate ids, and that
    /// each profile has a recording in --fixtures that it identifies.
    Check {
        /// The profile folder to check.
        #[arg(value_name = "DIR")]
        dir: PathBuf,
        /// Folder of recordings named after the profile ids (<id>.snmprec, <id>-2.snmprec).
        #[arg(long, value_name = "DIR")]
        fixtures: Option<PathBuf>,
    },
}

#[derive(Subcommand)]
enum ReleasesCommand {
    /// List the products of the catalogue with their checked dates.
    List {
        /// Extra release catalogue folder (repeatable).
        #[arg(long = "releases", value_name = "DIR")]
        releases: Vec<PathBuf>,
    },
    /// Convert endoflife.date data (API v1 product JSON, the older cycle list
    /// JSON, a product page with YAML front matter, or a release-data file)
    /// into a catalogue file.
    Import {
        /// The endoflife.date file to read.
        #[arg(value_name = "FILE")]
        file: PathBuf,
        /// Product id for the catalogue, as profiles name it in release_product.
        #[arg(long)]
        product: String,
        /// Vendor name.
        #[arg(long)]
        vendor: String,
        /// Product name shown to users (default: the product id).
        #[arg(long)]
        name: Option<String>,
        /// Version scheme (cisco-ios, cisco-iosxe, cisco-nxos, cisco-asa, junos,
        /// fortios, panos, sonicos, aruba, dotted, datecode).
        #[arg(long)]
        scheme: String,
        /// The date the data was checked (default: today).
        #[arg(long, value_parser = parse_date, value_name = "DATE")]
        checked: Option<time::Date>,
        /// Write the catalogue file here instead of standard output.
        #[arg(long, value_name = "FILE")]
        output: Option<PathBuf>,
    },
}

#[derive(Args)]
struct OutputArgs {
    /// Output format.
    #[arg(long, value_enum, default_value = "table")]
    format: Format,
    /// Write the report to FILE instead of standard output. With --split-by,
    /// the folder that receives one file per tenant and format.
    #[arg(long, value_name = "FILE")]
    output: Option<PathBuf>,
    /// Write <tenant>.csv and <tenant>.json (and <tenant>.html with --format
    /// html) for every tenant into the --output folder.
    #[arg(long, value_enum, value_name = "KEY")]
    split_by: Option<SplitBy>,
    /// Write CSV for spreadsheet programs: a UTF-8 byte order mark and CRLF
    /// line ends.
    #[arg(long)]
    excel: bool,
    /// Exit with status 1 when a component is at or above LEVEL
    /// (current, unknown, behind, below-baseline, eol, vulnerable, kev).
    #[arg(long, value_enum, value_name = "LEVEL")]
    fail_on: Option<FailOn>,
    /// Also exit with status 1 when a target could not be read (any status
    /// other than ok, partial or unidentified), so that a pre-maintenance
    /// check fails on wrong credentials or unreachable devices.
    #[arg(long)]
    strict: bool,
    /// Extra vendor profile folder (repeatable). A profile with a built-in
    /// profile's id replaces it.
    #[arg(long = "profiles", value_name = "DIR")]
    profiles: Vec<PathBuf>,
    /// Extra release catalogue folder (repeatable). A product defined there
    /// replaces the built-in one.
    #[arg(long = "releases", value_name = "DIR")]
    releases: Vec<PathBuf>,
    /// Approved baselines CSV: tenant,product,minimum,target.
    #[arg(long, value_name = "FILE")]
    baselines: Option<PathBuf>,
    /// Judge end of life as of this date (YYYY-MM-DD) instead of today.
    #[arg(long, value_name = "DATE", value_parser = parse_date)]
    as_of: Option<time::Date>,
    /// Whether the table shows every protocol's outcome in full, set by `-v`.
    #[arg(skip)]
    full_detail: bool,
}

#[derive(Args)]
struct ScanArgs {
    /// Addresses, host names, CIDR blocks (192.0.2.0/24), ranges
    /// (192.0.2.10-192.0.2.60 or 192.0.2.10-60) or @FILE with one per line.
    #[arg(value_name = "TARGET")]
    targets: Vec<String>,
    /// Inventory CSV with columns tenant, site, target, name, credentials, protocols, port,
    /// tls_fingerprint, insecure.
    #[arg(long, value_name = "FILE")]
    inventory: Option<PathBuf>,
    /// Credentials TOML with named SNMP, Redfish, HTTP and SSH sets fenced to tenants.
    #[arg(long, value_name = "FILE")]
    credentials: Option<PathBuf>,
    /// Tenant of the targets given on the command line.
    #[arg(long, default_value = "default")]
    tenant: String,
    /// Site of the targets given on the command line.
    #[arg(long, default_value = "default")]
    site: String,
    /// SNMP v2c community tried first for every target, as a literal or env:NAME.
    #[arg(long, value_name = "STRING")]
    community: Option<String>,
    /// UDP port of the SNMP agents.
    #[arg(long, default_value_t = 161, value_name = "N")]
    snmp_port: u16,
    /// Protocols to scan, comma-separated: snmp, redfish, sip, http, ssh.
    /// Inventory rows may name their own. With snmp and ssh, SSH reads only
    /// what the SNMP-identified profile reads over SSH, and identifies
    /// SNMP-silent targets.
    #[arg(long, value_delimiter = ',', default_value = "snmp")]
    protocols: Vec<String>,
    /// HTTPS port of the BMCs' Redfish services and of the device web pages
    /// read with --protocols http.
    #[arg(long, default_value_t = 443, value_name = "N")]
    https_port: u16,
    /// Plain HTTP port of the device web pages read with --protocols http.
    #[arg(long, default_value_t = 80, value_name = "N")]
    http_port: u16,
    /// PEM file of CA certificates trusted for BMCs and device web servers
    /// besides the system roots.
    #[arg(long, value_name = "FILE")]
    ca_file: Option<PathBuf>,
    /// Maximum number of Redfish requests in flight to one BMC.
    #[arg(long, default_value_t = 2, value_name = "N")]
    redfish_connections: usize,
    /// Never use Redfish $expand, even where the service offers it.
    #[arg(long)]
    no_expand: bool,
    /// UDP and TCP port of the phones' SIP service.
    #[arg(long, default_value_t = 5060, value_name = "N")]
    sip_port: u16,
    /// TCP port of the devices' SSH service.
    #[arg(long, default_value_t = 22, value_name = "N")]
    ssh_port: u16,
    /// Maximum number of devices read over SSH at once.
    #[arg(long, default_value_t = 16, value_name = "N")]
    ssh_concurrency: usize,
    /// Time allowed for the SSH connection and key exchange, and again for
    /// authentication (500ms, 10s).
    #[arg(long, default_value = "10s", value_parser = parse_duration, value_name = "DURATION")]
    ssh_timeout: Duration,
    /// Time allowed for each SSH command's output to end at the prompt.
    #[arg(long, default_value = "20s", value_parser = parse_duration, value_name = "DURATION")]
    ssh_command_timeout: Duration,
    /// OpenSSH known_hosts file that SSH host keys are checked against
    /// [default: ~/.ssh/known_hosts].
    #[arg(long, value_name = "FILE")]
    known_hosts: Option<PathBuf>,
    /// Accept host keys that the known_hosts file does not record yet, and
    /// append them to it. A changed key is rejected all the same.
    #[arg(long)]
    trust_new_host_keys: bool,
    /// Targets to leave out, in the TARGET forms (repeatable).
    #[arg(long, value_name = "TARGET")]
    exclude: Vec<String>,
    /// Time to wait for each SNMP response (500ms, 2s).
    #[arg(long, default_value = "1s", value_parser = parse_duration, value_name = "DURATION")]
    timeout: Duration,
    /// Times a request is repeated after a timeout.
    #[arg(long, default_value_t = 1, value_name = "N")]
    retries: u32,
    /// Maximum number of devices collected from at once.
    #[arg(long, default_value_t = 64, value_name = "N")]
    concurrency: usize,
    /// Maximum time that the collection from one device may take.
    #[arg(long, default_value = "60s", value_parser = parse_duration, value_name = "DURATION")]
    device_timeout: Duration,
    /// Discovery packets sent per second to new addresses.
    #[arg(long, default_value_t = 5000, value_name = "N")]
    probe_rate: u32,
    /// Maximum number of addresses that the discovery probe waits on at once.
    #[arg(long, default_value_t = 4096, value_name = "N")]
    probe_window: usize,
    #[command(flatten)]
    output: OutputArgs,
    #[command(flatten)]
    history: history::HistoryArgs,
}

#[derive(Args)]
struct IdentifyArgs {
    /// Recording files, or folders of them.
    #[arg(value_name = "RECORDING", required = true)]
    recordings: Vec<PathBuf>,
    /// Tenant written into each row.
    #[arg(long, default_value = "default")]
    tenant: String,
    /// Site written into each row.
    #[arg(long, default_value = "default")]
    site: String,
    /// Read every file as the output of this CLI command, such as
    /// "show version", and recognise the platform from the text.
    #[arg(long, value_name = "CMD")]
    command: Option<String>,
    /// Apply this profile id to CLI output (--command or .cli transcripts)
    /// instead of recognising the platform.
    #[arg(long, value_name = "PROFILE_ID")]
    platform: Option<String>,
    #[command(flatten)]
    output: OutputArgs,
}

#[derive(Args)]
struct SimulateArgs {
    /// Folder of .snmprec or .snmpwalk recordings, served in file-name order.
    /// Redfish mockup folders (subfolders with an index.json), saved SIP
    /// responses (.sip files), saved web pages (.http files) and CLI
    /// transcripts (.cli files, served over SSH) in it are served after them,
    /// in that order.
    #[arg(long, value_name = "DIR")]
    recordings: PathBuf,
    /// UDP and TCP port on which every simulated phone responds to SIP OPTIONS.
    #[arg(long, default_value_t = 5060, value_name = "N")]
    sip_port: u16,
    /// First address, which must be in 127.0.0.0/8. Each further device gets
    /// the next address.
    #[arg(long, default_value = "127.77.0.1")]
    address: Ipv4Addr,
    /// UDP port every agent listens on.
    #[arg(long, default_value_t = 1161)]
    port: u16,
    /// Community string that every agent accepts. Requests with another
    /// community get no response.
    #[arg(long, default_value = "public")]
    community: String,
    /// Delay added to every response (SNMP and Redfish), in milliseconds.
    #[arg(long, default_value_t = 0, value_name = "MS")]
    latency: u64,
    /// Share of requests dropped at random, in percent.
    #[arg(long, default_value_t = 0.0, value_name = "PERCENT")]
    loss: f64,
    /// Seed for --loss, so a lossy run can be repeated.
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// Serve every recording N times (for benchmarks).
    #[arg(long, default_value_t = 1, value_name = "N")]
    replicate: usize,
    /// Number of addresses after the SNMP agents that accept packets and never
    /// respond. Redfish services and phones follow them.
    #[arg(long, default_value_t = 0, value_name = "N")]
    silent: usize,
    /// TCP port every Redfish mockup's HTTPS service listens on, and the HTTPS
    /// port of every web device (.http recording).
    #[arg(long, default_value_t = 8443)]
    https_port: u16,
    /// TCP port of every web device's plain HTTP server.
    #[arg(long, default_value_t = 8080)]
    http_port: u16,
    /// User name the Redfish services and the web devices' protected pages
    /// accept (Basic, Digest, session and form login).
    #[arg(long, default_value = "admin", value_name = "NAME")]
    redfish_user: String,
    /// Environment variable that contains the Redfish password [default: the
    /// fixed password "simulated"].
    #[arg(long, value_name = "NAME")]
    redfish_password_env: Option<String>,
    /// Ignore Redfish $expand queries and remove ExpandQuery from the service roots.
    #[arg(long)]
    no_expand: bool,
    /// Page Redfish collections longer than N members with Members@odata.nextLink.
    #[arg(long, value_name = "N")]
    page_size: Option<usize>,
    /// TCP port every simulated SSH device (a .cli transcript) listens on.
    #[arg(long, default_value_t = 2222, value_name = "N")]
    ssh_port: u16,
    /// User name the simulated SSH devices accept.
    #[arg(long, default_value = simulate::SIMULATED_SSH_USER, value_name = "NAME")]
    ssh_user: String,
    /// Environment variable that contains the SSH password [default: a
    /// random password, printed on standard error].
    #[arg(long, value_name = "NAME")]
    ssh_password_env: Option<String>,
    /// Write a known_hosts file with the simulated SSH devices' host key,
    /// for `scan --known-hosts FILE`.
    #[arg(long, value_name = "FILE")]
    ssh_known_hosts: Option<PathBuf>,
}

#[derive(Args)]
struct RecordArgs {
    /// Address or host name of the device.
    #[arg(value_name = "TARGET")]
    target: String,
    /// Credentials TOML file. The sets fenced to --tenant are tried in order.
    #[arg(long, value_name = "FILE")]
    credentials: Option<PathBuf>,
    /// SNMP v2c community tried first, as a literal or env:NAME.
    #[arg(long, value_name = "STRING")]
    community: Option<String>,
    /// Tenant whose credential sets may be used.
    #[arg(long, default_value = "default")]
    tenant: String,
    /// UDP port of the SNMP agent.
    #[arg(long, default_value_t = 161, value_name = "N")]
    snmp_port: u16,
    /// Time to wait for each SNMP response (500ms, 2s).
    #[arg(long, default_value = "2s", value_parser = parse_duration, value_name = "DURATION")]
    timeout: Duration,
    /// Times a request is repeated after a timeout.
    #[arg(long, default_value_t = 2, value_name = "N")]
    retries: u32,
    /// Replace serial numbers, MAC and IP addresses, host names, contacts
    /// and locations with consistent stand-ins.
    #[arg(long)]
    anonymize: bool,
    /// Write the recording here instead of standard output.
    #[arg(long, value_name = "FILE")]
    output: Option<PathBuf>,
    /// Extra vendor profile folder (repeatable).
    #[arg(long = "profiles", value_name = "DIR")]
    profiles: Vec<PathBuf>,
    /// Print the SHA-256 fingerprint of the certificate the BMC presents on
    /// --https-port, for pinning, instead of recording SNMP.
    #[arg(long)]
    fingerprint: bool,
    /// HTTPS port for --fingerprint.
    #[arg(long, default_value_t = 443, value_name = "N")]
    https_port: u16,
    #[command(flatten)]
    ssh: record_ssh::SshRecordArgs,
}

#[derive(Args)]
struct DemoArgs {
    #[command(flatten)]
    output: OutputArgs,
}

/// Failures mapped to the documented exit codes.
enum Failure {
    /// Usage, configuration or input error, reported before anything was scanned (exit 2).
    Input(String),
    /// Failure to run the sweep, such as no socket or an unwritable output (exit 3).
    Run(String),
}

const EXIT_FINDINGS: u8 = 1;
const EXIT_INPUT: u8 = 2;
const EXIT_RUN: u8 = 3;

pub fn main() -> ExitCode {
    let cli = Cli::parse();
    init_logging(cli.verbose);
    let runtime = match tokio::runtime::Builder::new_multi_thread().enable_all().build() {
        Ok(runtime) => runtime,
        Err(error) => {
            eprintln!("fwsweep: cannot start the async runtime: {error}");
            return ExitCode::from(EXIT_RUN);
        }
    };
    let verbose = cli.verbose;
    match runtime.block_on(run(cli.command, verbose)) {
        Ok(findings) if findings => ExitCode::from(EXIT_FINDINGS),
        Ok(_) => ExitCode::SUCCESS,
        Err(Failure::Input(message)) => {
            eprintln!("fwsweep: {message}");
            ExitCode::from(EXIT_INPUT)
        }
        Err(Failure::Run(message)) => {
            eprintln!("fwsweep: {message}");
            ExitCode::from(EXIT_RUN)
        }
    }
}

fn init_logging(verbose: u8) {
    let level = match verbose {
        0 => "warn",
        1 => "info",
        2 => "debug",
        _ => "trace",
    };
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new(format!("fwsweep={level},{level}")));
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(std::io::stderr().is_terminal() && !no_color())
        .init();
}

/// Runs a subcommand and returns whether the exit status must be 1, because
/// `--fail-on` was reached or `--strict` found unread targets.
async fn run(command: Command, verbose: u8) -> Result<bool, Failure> {
    let full_detail = verbose > 0;
    match command {
        Command::Scan(mut args) => {
            args.output.full_detail = full_detail;
            scan(args, verbose, None).await
        }
        Command::Identify(mut args) => {
            args.output.full_detail = full_detail;
            identify(args).await
        }
        Command::Simulate(args) => simulate(args).await.map(|()| false),
        Command::Demo(mut args) => {
            args.output.full_detail = full_detail;
            demo(args, verbose).await
        }
        Command::Record(args) => record(args).await.map(|()| false),
        Command::Profiles(ProfilesCommand::List { profiles }) => list_profiles(&profiles).map(|()| false),
        Command::Profiles(ProfilesCommand::Check { dir, fixtures }) => check_profiles(&dir, fixtures.as_deref()).await,
        Command::Releases(ReleasesCommand::List { releases }) => list_releases(&releases).map(|()| false),
        Command::Releases(ReleasesCommand::Import { file, product, vendor, name, scheme, checked, output }) => {
            let options = ImportRequest { file, product, vendor, name, scheme, checked, output };
            import_releases(options).map(|()| false)
        }
        Command::History(args) => history::list(args),
        Command::Show(args) => history::show(args),
        Command::Diff(args) => history::diff_sweeps(args),
        Command::Plan(args) => maintenance::plan(args),
        Command::Verify(mut args) => {
            args.scan.output.full_detail = full_detail;
            let planned = maintenance::verify_targets(&args)?;
            scan(args.scan, verbose, Some(planned)).await
        }
    }
}

fn load_profiles(dirs: &[PathBuf]) -> Result<Arc<ProfileSet>, Failure> {
    let mut profiles = ProfileSet::builtin().map_err(|e| Failure::Input(format!("built-in profile: {e}")))?;
    profiles.add_dirs(dirs, true).map_err(|e| Failure::Input(e.to_string()))?;
    Ok(Arc::new(profiles))
}

/// Sweeps the targets and writes the report; with a plan (from `verify`),
/// sweeps the plan's devices and writes the verify result instead.
async fn scan(args: ScanArgs, verbose: u8, plan: Option<(fwsweep::maintenance::Plan, Vec<Target>)>) -> Result<bool, Failure> {
    let protocols = args
        .protocols
        .iter()
        .map(|name| Protocol::parse(name).ok_or_else(|| Failure::Input(format!("--protocols: {name:?} is not snmp, redfish, sip, http or ssh"))))
        .collect::<Result<Vec<_>, _>>()?;
    let ssh = ssh_settings(&args);
    let ca_pem = match &args.ca_file {
        Some(path) => Some(std::fs::read(path).map_err(|e| Failure::Input(format!("{}: cannot read: {e}", path.display())))?),
        None => None,
    };
    if args.targets.is_empty() && args.inventory.is_none() && plan.is_none() {
        return Err(Failure::Input("nothing to scan: give TARGETs or --inventory FILE".into()));
    }
    exports::check_output_options(&args.output)?;
    let profiles = load_profiles(&args.output.profiles)?;
    let credentials = credentials_with_community(args.credentials.as_deref(), args.community.as_deref())?;
    exports::check_scan_tenants(&args)?;

    let exclusions = Exclusions {
        specs: args
            .exclude
            .iter()
            .map(|text| TargetSpec::parse(text).map_err(|e| Failure::Input(format!("--exclude: {e}"))))
            .collect::<Result<_, _>>()?,
    };
    let mut streams: Vec<Box<dyn Iterator<Item = Target> + Send>> = Vec::new();
    for text in &args.targets {
        streams.push(command_line_targets(text, &args.tenant, &args.site)?);
    }
    if let Some(path) = &args.inventory {
        streams.push(read_inventory(path, &credentials).map_err(|e| Failure::Input(e.to_string()))?);
    }
    let (plan, planned_targets) = plan.unzip();
    let mut known_tenants: Vec<String> = planned_targets.iter().flatten().map(|t| t.tenant.clone()).collect();
    if !args.targets.is_empty() {
        known_tenants.push(args.tenant.clone());
    }
    known_tenants.dedup();
    if let (Some(inventory), Some(_)) = (&args.inventory, &args.credentials) {
        credential_warnings::warn_unused_inventory_tenants(&credentials, inventory, &known_tenants);
    }
    if let Some(mut planned) = planned_targets {
        maintenance::keep_defined_credentials(&mut planned, &credentials);
        streams.push(Box::new(planned.into_iter()));
    }
    let targets: Box<dyn Iterator<Item = Target> + Send> =
        Box::new(streams.into_iter().flatten().filter(move |target| !exclusions.excludes(target)));
    let targets = match &args.credentials {
        Some(file) if args.community.is_none() => {
            credential_warnings::warn_public_fallback(targets, credentials.clone(), file.clone(), protocols.clone())
        }
        _ => targets,
    };

    let settings = ScanSettings {
        policy: RequestPolicy { timeout: args.timeout, retries: args.retries },
        concurrency: args.concurrency,
        device_deadline: args.device_timeout,
        snmp_port: args.snmp_port,
        probe_window: args.probe_window.max(1),
        probe_rate: args.probe_rate.max(1),
        protocols,
        sip_port: args.sip_port,
        http_port: args.http_port,
        redfish: RedfishSettings {
            https_port: args.https_port,
            max_in_flight: args.redfish_connections.max(1),
            ca_pem,
            expand: !args.no_expand,
        },
        ssh,
    };
    let kind = if plan.is_some() { "verify" } else { "scan" };
    let recorder = history::begin_recording(&args.history, kind, &known_tenants)?;
    let extras = history::SweepExtras { history: recorder, plan };
    run_sweep(targets, profiles, credentials, settings, &args.output, verbose, extras).await
}

fn ssh_settings(args: &ScanArgs) -> SshSettings {
    let defaults = SshSettings::default();
    SshSettings {
        port: args.ssh_port,
        concurrency: args.ssh_concurrency.max(1),
        connect_timeout: args.ssh_timeout,
        command_timeout: args.ssh_command_timeout,
        known_hosts: args.known_hosts.clone().unwrap_or(defaults.known_hosts),
        trust_new_host_keys: args.trust_new_host_keys,
    }
}

/// Expands one command-line TARGET. A malformed one is a usage error because
/// the user can fix it at once, but a malformed line in an @FILE becomes a
/// `not-scanned` row.
fn command_line_targets(text: &str, tenant: &str, site: &str) -> Result<Box<dyn Iterator<Item = Target> + Send>, Failure> {
    let (tenant, site) = (tenant.to_string(), site.to_string());
    if let Some(path) = text.strip_prefix('@') {
        let specs = read_target_file(Path::new(path), &tenant, &site)
            .map_err(|e| Failure::Input(format!("{path}: cannot read: {e}")))?;
        return Ok(Box::new(specs.into_iter().flat_map(move |spec| -> Box<dyn Iterator<Item = Target> + Send> {
            match spec {
                Ok(spec) => {
                    let (tenant, site) = (tenant.clone(), site.clone());
                    Box::new(spec.hosts().map(move |host| Target::new(&tenant, &site, host)))
                }
                Err(broken) => Box::new(std::iter::once(broken)),
            }
        })));
    }
    let spec = TargetSpec::parse(text).map_err(|e| Failure::Input(e.to_string()))?;
    Ok(Box::new(spec.hosts().map(move |host| Target::new(&tenant, &site, host))))
}

async fn run_sweep(
    targets: Box<dyn Iterator<Item = Target> + Send>,
    profiles: Arc<ProfileSet>,
    credentials: Credentials,
    settings: ScanSettings,
    output: &OutputArgs,
    verbose: u8,
    extras: history::SweepExtras,
) -> Result<bool, Failure> {
    let cancel = CancellationToken::new();
    watch_ctrl_c(cancel.clone());
    let started = now_rfc3339();
    tracing::info!(concurrency = settings.concurrency, timeout = ?settings.policy.timeout, "sweep started");
    let progress = progress_bar(verbose);
    let mut devices = sweep(targets, profiles.clone(), credentials, settings, cancel, progress)
        .await
        .map_err(|e| Failure::Run(format!("cannot open a UDP socket for the sweep: {e}")))?;
    let finished = now_rfc3339();
    tracing::info!(targets = devices.len(), statuses = %report::status_line(&devices), "sweep finished");
    finish(&mut devices, &profiles, started, finished, output, extras)
}

/// Assesses, sorts and writes the devices. Returns whether the exit status
/// must be 1, because `--fail-on` was reached or `--strict` found unread targets.
fn finish(
    devices: &mut [Device],
    profiles: &ProfileSet,
    started: String,
    finished: String,
    output: &OutputArgs,
    extras: history::SweepExtras,
) -> Result<bool, Failure> {
    let catalogue = load_catalogue(&output.releases)?;
    let baselines = match &output.baselines {
        Some(path) => Baselines::load(path).map_err(|e| Failure::Input(e.to_string()))?,
        None => Baselines::default(),
    };
    check_baselines(&baselines, &catalogue)?;
    let today = output.as_of.unwrap_or_else(|| time::OffsetDateTime::now_utc().date());
    let assessor = Assessor { catalogue: &catalogue, baselines: &baselines, profiles, today };
    assessor.assess(devices);
    devices.sort_by_key(Device::sort_key);

    let checked = assessor.release_data_checked(devices);
    if let Some(checked) = checked.filter(|&c| assessor.is_stale(c)) {
        tracing::warn!(
            "release data was last checked on {checked}, more than {} days before {today}; verdicts may miss newer releases and advisories",
            fwsweep::assess::STALE_AFTER_DAYS
        );
    }
    let summary = SweepSummary {
        started,
        finished,
        release_data_checked: checked.map(|c| c.to_string()),
        stale: checked.is_some_and(|c| assessor.is_stale(c)),
        targets: devices.len(),
    };
    let stored = history::record_sweep(extras.history, devices, &summary, today);
    if let Some(plan) = &extras.plan {
        let missed = maintenance::write_verify(plan, devices, &catalogue, output)?;
        return stored.map(|()| missed);
    }
    write_output(&summary, devices, output, &catalogue)?;
    stored?;
    let unread = devices.iter().filter(|d| !d.status.answered()).count();
    if output.strict && unread > 0 {
        tracing::warn!("{unread} target(s) could not be read, so --strict fails the run");
    }
    Ok(output.fail_on.is_some_and(|level| level.reached(devices)) || (output.strict && unread > 0))
}

/// Rejects a baseline whose versions the product's version scheme cannot
/// parse, and warns about one whose product has no release data.
fn check_baselines(baselines: &Baselines, catalogue: &Catalogue) -> Result<(), Failure> {
    for baseline in &baselines.rows {
        let Some(product) = catalogue.products.get(&baseline.product) else {
            tracing::warn!(
                "{}: product {:?} has no release data, so the baseline applies to no device",
                baseline.origin,
                baseline.product
            );
            continue;
        };
        for (field, value) in [("minimum", Some(&baseline.minimum)), ("target", baseline.target.as_ref())] {
            if let Some(value) = value
                && product.scheme.parse(value).is_none()
            {
                return Err(Failure::Input(format!(
                    "{}: {field} {value:?} is not a {} version (product {})",
                    baseline.origin, product.scheme, product.id
                )));
            }
        }
    }
    Ok(())
}

fn load_catalogue(dirs: &[PathBuf]) -> Result<Catalogue, Failure> {
    let mut catalogue = Catalogue::builtin().map_err(|e| Failure::Input(format!("built-in release data: {e}")))?;
    for dir in dirs {
        catalogue.add_dir(dir).map_err(|e| Failure::Input(e.to_string()))?;
    }
    Ok(catalogue)
}

/// Writes the sweep as the options ask: per-tenant files, an HTML report,
/// CSV for Excel, or the table, CSV or JSON report.
fn write_output(summary: &SweepSummary, devices: &[Device], output: &OutputArgs, catalogue: &Catalogue) -> Result<(), Failure> {
    if output.split_by.is_some() || output.format == Format::Html || output.excel {
        exports::write_exports(summary, devices, output, catalogue)
    } else {
        write_report(summary, devices, output)
    }
}

fn write_report(summary: &SweepSummary, devices: &[Device], output: &OutputArgs) -> Result<(), Failure> {
    match &output.output {
        Some(path) => {
            let mut file = std::fs::File::create(path)
                .map_err(|e| Failure::Run(format!("{}: cannot write: {e}", path.display())))?;
            let style = TableStyle { color: false, width: None, full_detail: output.full_detail };
            report::write(&mut file, output.format, summary, devices, style)
                .map_err(|e| Failure::Run(format!("{}: cannot write: {e}", path.display())))
        }
        None => {
            let stdout = std::io::stdout();
            let terminal = stdout.is_terminal();
            let width = terminal.then(terminal_width).flatten();
            let style = TableStyle { color: terminal && !no_color(), width, full_detail: output.full_detail };
            let mut lock = stdout.lock();
            let written = report::write(&mut lock, output.format, summary, devices, style).and_then(|()| lock.flush());
            match written {
                Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
                other => other.map_err(|e| Failure::Run(format!("cannot write to standard output: {e}"))),
            }
        }
    }
}

/// Returns whether colour is turned off, as a non-empty `NO_COLOR` requests.
fn no_color() -> bool {
    std::env::var_os("NO_COLOR").is_some_and(|value| !value.is_empty())
}

fn terminal_width() -> Option<u16> {
    std::env::var("COLUMNS").ok().and_then(|c| c.parse().ok()).or(Some(160))
}

fn progress_bar(verbose: u8) -> ProgressBar {
    if verbose > 0 || !std::io::stderr().is_terminal() {
        return ProgressBar::hidden();
    }
    let bar = ProgressBar::with_draw_target(None, ProgressDrawTarget::stderr());
    bar.set_style(
        ProgressStyle::with_template("{spinner} {pos} targets done, {msg} [{elapsed}]")
            .unwrap_or_else(|_| ProgressStyle::default_spinner()),
    );
    bar.enable_steady_tick(Duration::from_millis(120));
    bar
}

/// Spawns a Ctrl-C handler. The first Ctrl-C cancels new work so that the
/// results gathered so far are written, and the second exits at once with 130.
fn watch_ctrl_c(cancel: CancellationToken) {
    tokio::spawn(async move {
        if tokio::signal::ctrl_c().await.is_ok() {
            eprintln!("fwsweep: stopping and writing the results gathered so far (press Ctrl-C again to quit at once)");
            cancel.cancel();
            if tokio::signal::ctrl_c().await.is_ok() {
                std::process::exit(130);
            }
        }
    });
}

async fn identify(args: IdentifyArgs) -> Result<bool, Failure> {
    exports::check_output_options(&args.output)?;
    let profiles = load_profiles(&args.output.profiles)?;
    let mut files = Vec::new();
    if let Some(missing) = args.recordings.iter().find(|path| !path.exists()) {
        return Err(Failure::Input(format!("{}: no such file or folder", missing.display())));
    }
    if let Some(id) = &args.platform
        && !profiles.profiles.iter().any(|profile| &profile.id == id)
    {
        return Err(Failure::Input(format!("--platform {id}: no profile has this id; `fwsweep profiles list` shows them")));
    }
    let cli_input = fwsweep::ssh::offline::CliInput { command: args.command.clone(), platform: args.platform.clone() };
    for path in &args.recordings {
        if path.is_dir() && !fwsweep::redfish::server::is_mockup(path) {
            let mut inside: Vec<PathBuf> = std::fs::read_dir(path)
                .map_err(|e| Failure::Input(format!("{}: cannot list: {e}", path.display())))?
                .filter_map(|entry| entry.ok().map(|e| e.path()))
                .filter(|p| {
                    fwsweep::recording::is_recording(p)
                        || fwsweep::recording::is_sip_recording(p)
                        || fwsweep::http::recording::is_http_recording(p)
                        || fwsweep::redfish::server::is_mockup(p)
                        || fwsweep::ssh::offline::is_transcript(p)
                        // With --command, every file in a folder is command output.
                        || (args.command.is_some() && p.is_file())
                })
                .collect();
            inside.sort();
            files.extend(inside);
        } else {
            files.push(path.clone());
        }
    }
    let started = now_rfc3339();
    let mut devices = fwsweep::offline::identify_files_with(&profiles, &files, &args.tenant, &args.site, &cli_input).await;
    finish(&mut devices, &profiles, started, now_rfc3339(), &args.output, history::SweepExtras::default())
}

async fn simulate(args: SimulateArgs) -> Result<(), Failure> {
    if !(0.0..=100.0).contains(&args.loss) {
        return Err(Failure::Input(format!("--loss {} is not a percentage from 0 to 100", args.loss)));
    }
    if args.page_size == Some(0) {
        return Err(Failure::Input("--page-size must be at least 1".to_string()));
    }

    let simulate::Folder { recordings, mockups, phones, web_devices, cli_devices } =
        simulate::load_folder(&args.recordings).map_err(|e| Failure::Input(e.to_string()))?;
    let redfish = if mockups.is_empty() { None } else { Some(redfish_config(&args, mockups)?) };
    let web = if web_devices.is_empty() {
        None
    } else {
        Some(simulate::WebConfig {
            http_port: args.http_port,
            https_port: args.https_port,
            options: fwsweep::http::server::WebOptions {
                username: args.redfish_user.clone(),
                password: simulated_password(&args)?,
                latency: Duration::from_millis(args.latency),
            },
            devices: web_devices,
        })
    };
    let (ssh, printed_ssh_password) = ssh_simulator_config(&args, cli_devices)?;
    let config = SimulatorConfig {
        first_address: args.address,
        port: args.port,
        community: args.community,
        latency: Duration::from_millis(args.latency),
        loss_percent: args.loss,
        seed: args.seed,
        replicate: args.replicate,
        silent: args.silent,
        sip_port: args.sip_port,
    };

    let uses_default_password = (redfish.is_some() || web.is_some()) && args.redfish_password_env.is_none();
    let simulator = simulate::start_network(&config, recordings, redfish, phones, web, ssh).await.map_err(|e| match e {
        simulate::SimulateError::Bind { .. } => Failure::Run(e.to_string()),
        other => Failure::Input(other.to_string()),
    })?;

    // Write errors are ignored because a caller that reads only the address
    // lines may close stderr, and the simulator must keep serving.
    let mut stderr = std::io::stderr().lock();
    let count = |protocol| simulator.endpoints.iter().filter(|endpoint| endpoint.protocol == protocol).count();
    let (snmp_count, redfish_count, sip_count) =
        (count(simulate::Protocol::Snmp), count(simulate::Protocol::Redfish), count(simulate::Protocol::Sip));
    let web_count = count(simulate::Protocol::Http);
    let ssh_count = count(simulate::Protocol::Ssh);
    if let Some(host_key) = &simulator.ssh_host_key {
        let _ = writeln!(stderr, "fwsweep: SSH host key {}", host_key.fingerprint);
        if let Some(path) = &args.ssh_known_hosts {
            write_known_hosts(path, host_key, &simulator.endpoints)?;
        }
    }
    if let Some(password) = &printed_ssh_password {
        let _ = writeln!(
            stderr,
            "fwsweep: SSH user {} has the password \"{password}\", generated for this run (set one with --ssh-password-env NAME)",
            args.ssh_user
        );
    }

    if let Some(fingerprint) = &simulator.certificate_fingerprint {
        let _ = writeln!(stderr, "fwsweep: Redfish certificate SHA-256 fingerprint {fingerprint}");
    }
    if let Some(fingerprint) = &simulator.web_certificate_fingerprint {
        let _ = writeln!(stderr, "fwsweep: web device certificate SHA-256 fingerprint {fingerprint}");
    }
    if uses_default_password {
        let _ = writeln!(
            stderr,
            "fwsweep: Redfish and web user {} has the fixed password \"{}\" (set another with --redfish-password-env NAME)",
            args.redfish_user,
            simulate::SIMULATED_REDFISH_PASSWORD
        );
    }

    let mut serving = Vec::new();
    if snmp_count > 0 {
        serving.push(format!("{snmp_count} SNMP address(es) on UDP port {}", config.port));
    }
    if redfish_count > 0 {
        serving.push(format!("{redfish_count} Redfish service(s) on HTTPS port {}", args.https_port));
    }
    if sip_count > 0 {
        serving.push(format!("{sip_count} SIP phone(s) on UDP and TCP port {}", config.sip_port));
    }
    if web_count > 0 {
        serving.push(format!("{web_count} web device(s) on HTTP port {} and HTTPS port {}", args.http_port, args.https_port));
    }
    if ssh_count > 0 {
        serving.push(format!("{ssh_count} SSH device(s) on TCP port {}", args.ssh_port));
    }
    let _ = writeln!(stderr, "fwsweep: serving {}. Press Ctrl-C to stop.", serving.join(", "));
    drop(stderr);

    // The address lines come last, so a caller that has read them can rely
    // on the stderr messages above, such as the fingerprint, being complete.
    let mut stdout = std::io::stdout().lock();
    for endpoint in &simulator.endpoints {
        let _ = writeln!(stdout, "{},{}", endpoint.address.ip(), endpoint.recording.as_deref().unwrap_or("silent"));
    }
    let _ = stdout.flush();
    drop(stdout);

    tokio::select! {
        () = simulator.wait() => Ok(()),
        _ = tokio::signal::ctrl_c() => Ok(()),
    }
}

/// Builds the SSH settings of `simulate`. Returns them and, when no
/// --ssh-password-env is given, the random password generated for the run,
/// which the caller prints because it protects only simulated devices.
fn ssh_simulator_config(
    args: &SimulateArgs,
    devices: Vec<Arc<fwsweep::ssh::simulated::SimulatedCli>>,
) -> Result<(Option<simulate::SshConfig>, Option<String>), Failure> {
    if devices.is_empty() {
        return Ok((None, None));
    }
    let (password, printed) = match &args.ssh_password_env {
        Some(name) => match std::env::var(name) {
            Ok(value) if !value.is_empty() => (value, None),
            Ok(_) => return Err(Failure::Input(format!("environment variable {name} (--ssh-password-env) is empty"))),
            Err(_) => {
                return Err(Failure::Input(format!(
                    "environment variable {name} (--ssh-password-env) is not set; export it or drop the option"
                )));
            }
        },
        None => {
            use rand::Rng;
            let generated: String =
                rand::rng().sample_iter(&rand::distr::Alphanumeric).take(16).map(char::from).collect();
            (generated.clone(), Some(generated))
        }
    };
    let options = fwsweep::ssh::server::ServerOptions {
        user: args.ssh_user.clone(),
        password: Secret::new(password),
        latency: Duration::from_millis(args.latency),
    };
    Ok((Some(simulate::SshConfig { port: args.ssh_port, options, devices }), printed))
}

/// Writes a known_hosts line for every simulated SSH device.
fn write_known_hosts(
    path: &Path,
    host_key: &fwsweep::ssh::server::HostKey,
    endpoints: &[simulate::Endpoint],
) -> Result<(), Failure> {
    let lines: String = endpoints
        .iter()
        .filter(|endpoint| endpoint.protocol == simulate::Protocol::Ssh)
        .map(|endpoint| format!("{}\n", host_key.known_hosts_line(endpoint.address)))
        .collect();
    std::fs::write(path, lines).map_err(|e| Failure::Run(format!("{}: cannot write: {e}", path.display())))
}

/// Builds the Redfish settings of `simulate`. The password comes from the
/// environment variable named by --redfish-password-env and is never printed.
/// Without that option, the fixed simulator password is used.
fn redfish_config(args: &SimulateArgs, mockups: Vec<Arc<Mockup>>) -> Result<simulate::RedfishConfig, Failure> {
    let password = simulated_password(args)?;
    let mut options = ServerOptions::new(args.redfish_user.clone(), password);
    options.latency = Duration::from_millis(args.latency);
    options.expand = !args.no_expand;
    options.page_size = args.page_size;
    Ok(simulate::RedfishConfig { port: args.https_port, options, mockups })
}

/// Returns the password of the simulated Redfish services and web devices:
/// the value of the variable named by --redfish-password-env, else the fixed
/// simulator password.
fn simulated_password(args: &SimulateArgs) -> Result<String, Failure> {
    let password = match &args.redfish_password_env {
        Some(name) => match std::env::var(name) {
            Ok(value) if !value.is_empty() => value,
            Ok(_) => return Err(Failure::Input(format!("environment variable {name} (--redfish-password-env) is empty"))),
            Err(_) => {
                return Err(Failure::Input(format!(
                    "environment variable {name} (--redfish-password-env) is not set; export it or drop the option"
                )));
            }
        },
        None => simulate::SIMULATED_REDFISH_PASSWORD.to_string(),
    };
    Ok(password)
}

async fn demo(args: DemoArgs, verbose: u8) -> Result<bool, Failure> {
    exports::check_output_options(&args.output)?;
    let network = fwsweep::demo::network().map_err(|e| Failure::Run(e.to_string()))?;
    exports::check_single_tenant(&args.output, network.devices.iter().map(|d| d.tenant.clone()))?;
    let redfish = (!network.mockups.is_empty()).then(|| simulate::RedfishConfig {
        port: fwsweep::demo::DEMO_HTTPS_PORT,
        options: ServerOptions::new(fwsweep::demo::DEMO_REDFISH_USER, simulate::SIMULATED_REDFISH_PASSWORD),
        mockups: network.mockups.clone(),
    });
    let web = (!network.web_devices.is_empty()).then(|| simulate::WebConfig {
        http_port: fwsweep::demo::DEMO_HTTP_PORT,
        https_port: fwsweep::demo::DEMO_HTTPS_PORT,
        options: fwsweep::http::server::WebOptions {
            username: fwsweep::demo::DEMO_REDFISH_USER.to_string(),
            password: simulate::SIMULATED_REDFISH_PASSWORD.to_string(),
            latency: Duration::ZERO,
        },
        devices: network.web_devices.clone(),
    });
    let simulator = simulate::start_network(&network.config, network.recordings.clone(), redfish, network.phones.clone(), web, network.ssh_config())
        .await
        .map_err(|e| Failure::Run(format!("cannot start the demo network: {e}")))?;
    let known_hosts = demo_known_hosts(&simulator)?;
    let credentials = network.credentials(simulator.certificate_fingerprint.as_deref());
    let _ = writeln!(
        std::io::stderr(),
        "fwsweep demo: {} simulated devices for {} customers on {}-{} (SNMP on UDP {}, Redfish on TCP {}, SIP on {}, web pages on TCP {}, SSH on TCP {}), sweeping...",
        network.devices.len(),
        credentials.redfish.len(),
        simulator.endpoints.first().map(|e| e.address.ip().to_string()).unwrap_or_default(),
        simulator.endpoints.last().map(|e| e.address.ip().to_string()).unwrap_or_default(),
        fwsweep::demo::DEMO_PORT,
        fwsweep::demo::DEMO_HTTPS_PORT,
        fwsweep::demo::DEMO_SIP_PORT,
        fwsweep::demo::DEMO_HTTP_PORT,
        fwsweep::demo::DEMO_SSH_PORT,
    );
    let profiles = load_profiles(&args.output.profiles)?;
    let settings = ScanSettings {
        policy: RequestPolicy { timeout: Duration::from_secs(1), retries: 1 },
        concurrency: 64,
        device_deadline: Duration::from_secs(30),
        snmp_port: fwsweep::demo::DEMO_PORT,
        probe_window: 4096,
        probe_rate: 5000,
        protocols: vec![Protocol::Snmp],
        sip_port: fwsweep::demo::DEMO_SIP_PORT,
        http_port: fwsweep::demo::DEMO_HTTP_PORT,
        redfish: RedfishSettings { https_port: fwsweep::demo::DEMO_HTTPS_PORT, ..RedfishSettings::default() },
        ssh: SshSettings { port: fwsweep::demo::DEMO_SSH_PORT, known_hosts: known_hosts.clone(), ..SshSettings::default() },
    };
    let targets = Box::new(network.targets().into_iter());
    let findings = run_sweep(targets, profiles, credentials, settings, &args.output, verbose, history::SweepExtras::default()).await;
    drop(simulator);
    let _ = std::fs::remove_file(&known_hosts);
    findings
}

/// Writes the demo's SSH host key for each SSH address into a fresh file in
/// the temporary folder, so the demo checks host keys like a real sweep.
fn demo_known_hosts(simulator: &simulate::Simulator) -> Result<PathBuf, Failure> {
    let path = std::env::temp_dir().join(format!("fwsweep-demo-known_hosts-{}", std::process::id()));
    match &simulator.ssh_host_key {
        Some(host_key) => write_known_hosts(&path, host_key, &simulator.endpoints)?,
        None => std::fs::write(&path, "").map_err(|e| Failure::Run(format!("{}: cannot write: {e}", path.display())))?,
    }
    Ok(path)
}

fn list_profiles(dirs: &[PathBuf]) -> Result<(), Failure> {
    let profiles = load_profiles(dirs)?;
    let mut stdout = std::io::stdout().lock();
    for profile in &profiles.profiles {
        let _ = writeln!(
            stdout,
            "{:<28} {:<20} {:<9} {:>4}  {}",
            profile.id,
            profile.vendor,
            profile.class.as_str(),
            profile.priority,
            profile.path.display()
        );
    }
    let _ = writeln!(stdout, "{} profiles", profiles.profiles.len());
    Ok(())
}

fn credentials_with_community(path: Option<&Path>, community: Option<&str>) -> Result<Credentials, Failure> {
    let mut credentials = match path {
        Some(path) => Credentials::load(path).map_err(|e| Failure::Input(e.to_string()))?,
        None => Credentials::default(),
    };
    if let Some(community) = community {
        let secret = if community.starts_with("env:") {
            resolve_secret(community, Path::new(".")).map_err(|e| Failure::Input(format!("--community: {e}")))?
        } else {
            Secret::new(community.to_string())
        };
        credentials.snmp.insert(0, SnmpCredential::from_command_line(secret));
    }
    Ok(credentials)
}

async fn record(args: RecordArgs) -> Result<(), Failure> {
    use fwsweep::collect::AgentError;
    use fwsweep::snmp::client::Session;

    if args.ssh.requested() {
        return record_ssh::record(&args).await;
    }
    let profiles = load_profiles(&args.profiles)?;
    let credentials = credentials_with_community(args.credentials.as_deref(), args.community.as_deref())?;
    let spec = TargetSpec::parse(&args.target).map_err(|e| Failure::Input(e.to_string()))?;
    let host = match spec {
        TargetSpec::Address(address) => std::net::SocketAddr::new(address, args.snmp_port),
        TargetSpec::Name(name) => tokio::net::lookup_host((name.as_str(), args.snmp_port))
            .await
            .ok()
            .and_then(|mut found| found.next())
            .ok_or_else(|| Failure::Run(format!("cannot resolve host name {name:?}")))?,
        _ => return Err(Failure::Input(format!("record takes one address or host name, not {:?}", args.target))),
    };
    if args.fingerprint {
        let address = std::net::SocketAddr::new(host.ip(), args.https_port);
        let fingerprint = fwsweep::redfish::client::peer_fingerprint(address, args.timeout)
            .await
            .map_err(|e| Failure::Run(format!("cannot read the certificate of {address}: {e}")))?;
        let _ = writeln!(std::io::stdout(), "{fingerprint}");
        let _ = writeln!(
            std::io::stderr(),
            "fwsweep: pin it with tls_fingerprint in the inventory row or the [[redfish]] set; check it against the BMC's own display before trusting it"
        );
        return Ok(());
    }
    let target = Target::new(&args.tenant, "default", fwsweep::targets::Host::Address(host.ip()));
    if let Some(file) = &args.credentials
        && args.community.is_none()
        && credential_warnings::falls_back_to_public(&credentials, &target)
    {
        tracing::warn!(
            "{}: no SNMP credential set is fenced to tenant {:?}, so the device is tried with the community `public`; \
             add the tenant to a set's tenants list or give --community",
            file.display(),
            target.tenant
        );
    }
    let candidates = fwsweep::engine::credential_candidates(&credentials, &target).map_err(Failure::Input)?;
    let policy = RequestPolicy { timeout: args.timeout, retries: args.retries };

    let mut failures = Vec::new();
    for (name, auth) in &candidates {
        let attempt = async {
            let mut session = Session::open(host, auth, policy).await?;
            fwsweep::record::record(&mut session, &profiles).await
        };
        match attempt.await {
            Ok(varbinds) => {
                let varbinds = if args.anonymize {
                    fwsweep::record::anonymize_for_profile(&profiles, &varbinds)
                } else {
                    varbinds
                };
                let text = fwsweep::record::to_snmprec(&varbinds);
                match &args.output {
                    Some(path) => std::fs::write(path, &text).map_err(|e| Failure::Run(format!("{}: cannot write: {e}", path.display())))?,
                    None => {
                        let _ = std::io::stdout().write_all(text.as_bytes());
                    }
                }
                let _ = writeln!(
                    std::io::stderr(),
                    "fwsweep: recorded {} varbinds from {} with credential set {name}{}",
                    varbinds.len(),
                    host.ip(),
                    if args.anonymize { ", anonymized" } else { "" }
                );
                return Ok(());
            }
            Err(error) => {
                let stop = matches!(error, AgentError::Refused | AgentError::Unreachable);
                failures.push(format!("{name}: {error}"));
                if stop {
                    break;
                }
            }
        }
    }
    Err(Failure::Run(format!("nothing recorded from {}: {}", host.ip(), failures.join("; "))))
}

/// Parses a calendar date written YYYY-MM-DD.
fn parse_date(text: &str) -> Result<time::Date, String> {
    let format = time::macros::format_description!("[year]-[month]-[day]");
    time::Date::parse(text.trim(), &format).map_err(|_| format!("invalid date {text:?}; use YYYY-MM-DD"))
}

fn list_releases(dirs: &[PathBuf]) -> Result<(), Failure> {
    let catalogue = load_catalogue(dirs)?;
    let mut stdout = std::io::stdout().lock();
    for product in catalogue.products.values() {
        let kev = product.advisories.iter().filter(|a| a.kev).count();
        let _ = writeln!(
            stdout,
            "{:<16} {:<22} {:<11} checked {}  {:>2} trains  {:>2} advisories ({kev} KEV)",
            product.id,
            product.name,
            product.scheme.to_string(),
            product.checked,
            product.trains.len(),
            product.advisories.len(),
        );
    }
    let _ = writeln!(stdout, "{} products", catalogue.products.len());
    Ok(())
}

struct ImportRequest {
    file: PathBuf,
    product: String,
    vendor: String,
    name: Option<String>,
    scheme: String,
    checked: Option<time::Date>,
    output: Option<PathBuf>,
}

fn import_releases(request: ImportRequest) -> Result<(), Failure> {
    use fwsweep::releases::Scheme;
    use fwsweep::releases::import::{ImportOptions, read_cycles, to_catalogue};

    let Some(scheme) = Scheme::from_name(&request.scheme, None) else {
        return Err(Failure::Input(format!("--scheme {:?} is not one of {}", request.scheme, Scheme::NAMES.join(", "))));
    };
    let text = std::fs::read_to_string(&request.file)
        .map_err(|e| Failure::Input(format!("{}: cannot read: {e}", request.file.display())))?;
    let cycles =
        read_cycles(&text, Some(scheme)).map_err(|e| Failure::Input(format!("{}: {e}", request.file.display())))?;
    if cycles.is_empty() {
        return Err(Failure::Input(format!("{}: no release cycles found", request.file.display())));
    }

    let source = format!("endoflife.date data ({})", request.file.file_name().unwrap_or_default().to_string_lossy());
    let options = ImportOptions {
        product: &request.product,
        vendor: &request.vendor,
        name: request.name.as_deref().unwrap_or(&request.product),
        scheme: &request.scheme,
        checked: request.checked.unwrap_or_else(|| time::OffsetDateTime::now_utc().date()),
        source: &source,
    };
    let catalogue = to_catalogue(&cycles, &options);

    // Parse the generated file as a scan would, so that a cycle whose latest
    // version does not fit the scheme is reported now rather than at the next scan.
    fwsweep::releases::catalogue::parse_product(Path::new("imported.toml"), &catalogue)
        .map_err(|e| Failure::Input(format!("the imported data does not fit scheme {}: {e}", request.scheme)))?;

    match &request.output {
        Some(path) => std::fs::write(path, catalogue).map_err(|e| Failure::Run(format!("{}: cannot write: {e}", path.display()))),
        None => {
            let _ = std::io::stdout().write_all(catalogue.as_bytes());
            Ok(())
        }
    }
}

/// Checks that every file in a profile folder loads and that its ids are
/// unique. A profile with a built-in id replaces the built-in one, which is
/// logged. With --fixtures, each profile must identify a recording named
/// after its id and find a version in it.
async fn check_profiles(dir: &Path, fixtures: Option<&Path>) -> Result<bool, Failure> {
    let checked = fwsweep::profiles::load_dir(dir).map_err(|e| Failure::Input(e.to_string()))?;
    let builtin = ProfileSet::builtin().map_err(|e| Failure::Input(format!("built-in profile: {e}")))?;
    for profile in &checked.profiles {
        if let Some(existing) = builtin.profiles.iter().find(|p| p.id == profile.id) {
            tracing::info!(id = %profile.id, "replaces the built-in profile from {}", existing.path.display());
        }
    }
    let mut combined = ProfileSet::builtin().map_err(|e| Failure::Input(e.to_string()))?;
    combined.add_dirs(&[dir.to_path_buf()], true).map_err(|e| Failure::Input(e.to_string()))?;

    let mut problems = Vec::new();
    if let Some(fixtures) = fixtures {
        let all_recordings: Vec<PathBuf> = std::fs::read_dir(fixtures)
            .map_err(|e| Failure::Input(format!("{}: cannot list: {e}", fixtures.display())))?
            .filter_map(|entry| entry.ok().map(|e| e.path()))
            .filter(|path| {
                fwsweep::recording::is_recording(path)
                    || fwsweep::recording::is_sip_recording(path)
                    || fwsweep::http::recording::is_http_recording(path)
                    || fwsweep::redfish::server::is_mockup(path)
                    || fwsweep::ssh::offline::is_transcript(path)
            })
            .collect();
        for profile in &checked.profiles {
            let recordings: Vec<PathBuf> =
                all_recordings.iter().filter(|path| is_fixture_of(path, &profile.id)).cloned().collect();
            if recordings.is_empty() {
                problems.push(format!(
                    "{}: profile {} has no recording {}/{}.snmprec",
                    profile.path.display(),
                    profile.id,
                    fixtures.display(),
                    profile.id
                ));
                continue;
            }
            let devices = fwsweep::offline::identify_files(&combined, &recordings, "default", "default").await;
            for device in devices {
                if device.profile.as_deref() != Some(profile.id.as_str()) {
                    problems.push(format!(
                        "{}: identified as {} instead of {}",
                        device.recording.unwrap_or_default(),
                        device.profile.as_deref().unwrap_or("nothing"),
                        profile.id
                    ));
                } else if device.version.is_none() {
                    problems.push(format!("{}: profile {} found no version", device.recording.unwrap_or_default(), profile.id));
                }
            }
        }
    }

    let mut stdout = std::io::stdout().lock();
    for problem in &problems {
        let _ = writeln!(stdout, "{problem}");
    }
    let _ = writeln!(stdout, "{} profiles checked, {} problems", checked.profiles.len(), problems.len());
    if !problems.is_empty() {
        return Err(Failure::Input(format!("{} problems in {}", problems.len(), dir.display())));
    }
    Ok(false)
}

/// Returns whether a recording or mockup folder is named after the profile
/// `id`, as `<id>` or `<id>-<digits>` plus the file extension.
fn is_fixture_of(path: &Path, id: &str) -> bool {
    let name = if path.is_dir() { path.file_name() } else { path.file_stem() };
    let stem = name.map(|s| s.to_string_lossy().into_owned()).unwrap_or_default();
    if stem == id {
        return true;
    }
    match stem.strip_prefix(id).and_then(|rest| rest.strip_prefix('-')) {
        Some(number) => number.chars().all(|c| c.is_ascii_digit()),
        None => false,
    }
}

/// Parses 500ms, 2s, 1m or a bare number of seconds.
fn parse_duration(text: &str) -> Result<Duration, String> {
    let text = text.trim();
    let (number, unit) = match text.find(|c: char| !c.is_ascii_digit() && c != '.') {
        Some(position) => text.split_at(position),
        None => (text, "s"),
    };
    let value: f64 = number.parse().map_err(|_| format!("invalid duration {text:?}; use 500ms, 2s or 1m"))?;
    let seconds = match unit {
        "ms" => value / 1000.0,
        "s" => value,
        "m" => value * 60.0,
        _ => return Err(format!("invalid duration unit in {text:?}; use ms, s or m")),
    };
    if !(seconds > 0.0 && seconds < 86_400.0) {
        return Err(format!("duration {text:?} must be above zero and below a day"));
    }
    Ok(Duration::from_secs_f64(seconds))
}
