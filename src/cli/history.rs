//! Command-line glue for the sweep history: storing scans, and the
//! `history`, `show` and `diff` commands.

use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};

use clap::Args;

use fwsweep::device::Device;
use fwsweep::history::diff::{DiffRow, diff};
use fwsweep::history::store::{self, Completion};
use fwsweep::history::{HistoryError, Recorder, StoredSweep, db};
use fwsweep::maintenance::Plan;
use fwsweep::maintenance::cadence::CadencePolicy;
use fwsweep::report::{self, Format, Listing, SweepSummary, TableStyle};

use super::{Failure, OutputArgs, exports, load_catalogue, load_profiles};

/// History options of `scan` and `verify`: the database, and the cadence policy.
#[derive(Args)]
pub(super) struct HistoryArgs {
    /// History database (SQLite) that stores every sweep [default:
    /// <user data dir>/fwsweep/history.sqlite3].
    #[arg(long, value_name = "FILE", env = "FWSWEEP_DB")]
    db: Option<PathBuf>,
    /// Do not store this sweep in the history database.
    #[arg(long)]
    no_history: bool,
    /// Patch cadence policy TOML ([cadence] class = days or quarterly,
    /// twice-a-year...) for marking devices overdue.
    #[arg(long, value_name = "FILE")]
    policy: Option<PathBuf>,
}

/// The database option of the commands that read the history.
#[derive(Args)]
pub(super) struct DbArgs {
    /// History database (SQLite) [default: <user data dir>/fwsweep/history.sqlite3].
    #[arg(long, value_name = "FILE", env = "FWSWEEP_DB")]
    pub db: Option<PathBuf>,
}

#[derive(Args)]
pub(super) struct HistoryListArgs {
    /// List only the sweeps that include this tenant.
    #[arg(long)]
    tenant: Option<String>,
    /// Output format.
    #[arg(long, value_enum, default_value = "table")]
    format: Format,
    #[command(flatten)]
    db: DbArgs,
}

#[derive(Args)]
pub(super) struct ShowArgs {
    /// Sweep id from `fwsweep history`, or `latest` for the newest complete sweep.
    #[arg(value_name = "SWEEP")]
    sweep: String,
    /// Show only this tenant's devices.
    #[arg(long)]
    tenant: Option<String>,
    #[command(flatten)]
    db: DbArgs,
    #[command(flatten)]
    output: OutputArgs,
}

#[derive(Args)]
pub(super) struct DiffArgs {
    /// The older sweep id.
    #[arg(value_name = "OLD", requires = "new")]
    old: Option<i64>,
    /// The newer sweep id.
    #[arg(value_name = "NEW")]
    new: Option<i64>,
    /// Compare only this tenant's devices; without OLD and NEW, compare its
    /// last two complete sweeps.
    #[arg(long)]
    tenant: Option<String>,
    /// Output format.
    #[arg(long, value_enum, default_value = "table")]
    format: Format,
    /// Write the diff to FILE instead of standard output.
    #[arg(long, value_name = "FILE")]
    output: Option<PathBuf>,
    #[command(flatten)]
    db: DbArgs,
}

/// Uses of a sweep's devices besides the report: the history that stores
/// them, and the plan that `verify` checks them against instead of writing
/// the report.
#[derive(Default)]
pub(super) struct SweepExtras {
    pub history: Option<Recorder>,
    pub plan: Option<Plan>,
}

fn database_path(db: Option<&Path>) -> Result<PathBuf, Failure> {
    match db {
        Some(path) if path.is_dir() => {
            Err(Failure::Input(format!("{} is a folder; --db needs a file path, such as {}", path.display(), path.join("history.sqlite3").display())))
        }
        Some(path) => Ok(path.to_path_buf()),
        None => db::default_path()
            .ok_or_else(|| Failure::Input("this system has no user data folder; choose a history database with --db FILE".into())),
    }
}

pub(super) fn history_failure(error: HistoryError) -> Failure {
    match error {
        HistoryError::Sqlite { .. } | HistoryError::Io { .. } => Failure::Run(error.to_string()),
        other => Failure::Input(other.to_string()),
    }
}

pub(super) fn open_database(db: &DbArgs) -> Result<(rusqlite::Connection, PathBuf), Failure> {
    let path = database_path(db.db.as_deref())?;
    if db.db.is_some() && !path.exists() {
        return Err(Failure::Input(format!("{}: no such history database", path.display())));
    }
    let connection = db::open(&path).map_err(history_failure)?;
    Ok((connection, path))
}

/// Opens the history and stores the sweep row before the sweep starts, so
/// that a scan killed midway leaves an incomplete sweep behind. Returns
/// `None` with `--no-history`.
pub(super) fn begin_recording(args: &HistoryArgs, kind: &str, tenants: &[String]) -> Result<Option<Recorder>, Failure> {
    if args.no_history {
        return Ok(None);
    }
    let policy = match &args.policy {
        Some(path) => CadencePolicy::load(path).map_err(|e| Failure::Input(e.to_string()))?,
        None => CadencePolicy::default(),
    };
    let path = database_path(args.db.as_deref())?;
    let recorder = Recorder::begin(&path, &fwsweep::engine::now_rfc3339(), kind, tenants, policy).map_err(|error| match history_failure(error) {
        Failure::Run(message) => Failure::Run(format!("{message}; choose another --db FILE or scan with --no-history")),
        other => other,
    })?;
    Ok(Some(recorder))
}

/// Marks overdue devices from the history and stores the sweep. A failure
/// is returned after the caller has written its report, so no result is lost.
pub(super) fn record_sweep(history: Option<Recorder>, devices: &mut [Device], summary: &SweepSummary, today: time::Date) -> Result<(), Failure> {
    let Some(recorder) = history else { return Ok(()) };
    let sweep = recorder.sweep_id();
    let stored = recorder.mark_overdue(devices, today).and_then(|()| {
        let completion = Completion {
            started: &summary.started,
            finished: &summary.finished,
            release_data_checked: summary.release_data_checked.as_deref(),
        };
        recorder.complete(&completion, devices)
    });
    match stored {
        Ok(_) => {
            let _ = writeln!(std::io::stderr(), "fwsweep: stored as sweep {sweep}");
            Ok(())
        }
        Err(error) => Err(Failure::Run(format!("the report was written, but the sweep was not stored: {error}"))),
    }
}

/// Lists the stored sweeps.
pub(super) fn list(args: HistoryListArgs) -> Result<bool, Failure> {
    let (connection, path) = open_database(&args.db)?;
    let sweeps = store::list_sweeps(&connection, &path, args.tenant.as_deref()).map_err(history_failure)?;
    let rows = sweeps
        .iter()
        .map(|s| {
            vec![
                s.id.to_string(),
                s.started.clone(),
                s.finished.clone().unwrap_or_default(),
                s.kind.clone(),
                if s.complete { "complete" } else { "incomplete" }.to_string(),
                s.tenants.join(" "),
                s.targets.to_string(),
                s.fwsweep_version.clone(),
                s.release_data_checked.clone().unwrap_or_default(),
            ]
        })
        .collect();
    let document = serde_json::json!({ "schema": 1, "sweeps": sweeps });
    let listing = Listing {
        columns: &["sweep", "started", "finished", "kind", "state", "tenants", "targets", "fwsweep", "release_data"],
        rows,
        document: &document,
        footer: vec![format!("{} sweeps in {}", sweeps.len(), path.display())],
    };
    write_listing_to(None, args.format, &listing)?;
    Ok(false)
}

pub(super) fn resolve_sweep(connection: &rusqlite::Connection, path: &Path, text: &str, tenant: Option<&str>) -> Result<i64, Failure> {
    if text == "latest" {
        let newest = store::complete_scans(connection, path, tenant).map_err(history_failure)?.into_iter().next();
        return newest.ok_or_else(|| {
            let scope = tenant.map(|t| format!(" for tenant {t:?}")).unwrap_or_default();
            Failure::Input(format!("{}: no complete sweep stored{scope}; `fwsweep history` lists the stored sweeps", path.display()))
        });
    }
    text.parse().map_err(|_| Failure::Input(format!("SWEEP {text:?} is not a sweep id; `fwsweep history` lists them")))
}

pub(super) fn only_tenant(mut sweep: StoredSweep, tenant: Option<&str>) -> StoredSweep {
    if let Some(tenant) = tenant {
        sweep.devices.retain(|d| d.tenant == tenant);
    }
    sweep
}

/// Writes a stored sweep as `scan` wrote it. With --releases, --baselines
/// or --as-of the devices are judged again against that data.
pub(super) fn show(args: ShowArgs) -> Result<bool, Failure> {
    let (connection, path) = open_database(&args.db)?;
    let id = resolve_sweep(&connection, &path, &args.sweep, args.tenant.as_deref())?;
    let sweep = store::load_sweep(&connection, &path, id).map_err(history_failure)?;
    if !sweep.info.complete {
        tracing::warn!("sweep {id} is incomplete: the scan was stopped before it stored its devices");
    }
    let StoredSweep { info, mut devices } = only_tenant(sweep, args.tenant.as_deref());
    check_show_tenants(&args.output, &devices)?;
    let finished = info.finished.clone().unwrap_or_else(|| info.started.clone());

    let output = &args.output;
    if !output.releases.is_empty() || output.baselines.is_some() || output.as_of.is_some() {
        let profiles = load_profiles(&output.profiles)?;
        return super::finish(&mut devices, &profiles, info.started, finished, output, SweepExtras::default());
    }
    let summary = SweepSummary {
        started: info.started.clone(),
        finished,
        stale: stale_at_sweep(&info),
        release_data_checked: info.release_data_checked.clone(),
        targets: devices.len(),
    };
    exports::check_output_options(output)?;
    super::write_output(&summary, &devices, output, &load_catalogue(&output.releases)?)?;
    let unread = devices.iter().filter(|d| !d.status.answered()).count();
    Ok(output.fail_on.is_some_and(|level| level.reached(&devices)) || (output.strict && unread > 0))
}

/// Rejects `show --format html` without `--split-by` for a sweep of several
/// tenants, naming both ways out: one tenant's report, or one per tenant.
fn check_show_tenants(output: &OutputArgs, devices: &[Device]) -> Result<(), Failure> {
    let tenants = devices.iter().map(|d| d.tenant.clone());
    exports::check_single_tenant(output, tenants).map_err(|failure| match failure {
        Failure::Input(message) => Failure::Input(format!("{message}, or --tenant NAME to write one tenant's report")),
        other => other,
    })
}

/// Returns whether the release data was stale when the sweep ran.
fn stale_at_sweep(info: &store::SweepInfo) -> bool {
    let format = time::macros::format_description!("[year]-[month]-[day]");
    let day = |text: &str| text.get(..10).and_then(|d| time::Date::parse(d, &format).ok());
    match (info.release_data_checked.as_deref().and_then(day), day(&info.started)) {
        (Some(checked), Some(started)) => (started - checked).whole_days() > fwsweep::assess::STALE_AFTER_DAYS,
        _ => false,
    }
}

/// Compares two sweeps. Returns whether anything regressed.
pub(super) fn diff_sweeps(args: DiffArgs) -> Result<bool, Failure> {
    let (connection, path) = open_database(&args.db)?;
    let (old_id, new_id) = match (args.old, args.new, args.tenant.as_deref()) {
        (Some(old), Some(new), _) => (old, new),
        (_, _, Some(tenant)) => {
            let sweeps = store::complete_scans(&connection, &path, Some(tenant)).map_err(history_failure)?;
            match sweeps.as_slice() {
                [newest, previous, ..] => (*previous, *newest),
                _ => {
                    let error = HistoryError::TooFewSweeps { path: path.clone(), tenant: tenant.to_string(), found: sweeps.len(), needed: 2 };
                    return Err(history_failure(error));
                }
            }
        }
        _ => return Err(Failure::Input("give two sweep ids (OLD NEW) or --tenant NAME for its last two sweeps".into())),
    };
    let old = only_tenant(store::load_complete_sweep(&connection, &path, old_id).map_err(history_failure)?, args.tenant.as_deref());
    let new = only_tenant(store::load_complete_sweep(&connection, &path, new_id).map_err(history_failure)?, args.tenant.as_deref());

    let rows = diff(&old.devices, &new.devices);
    let regressions = rows.iter().filter(|r| r.change.regressed()).count();
    let document = serde_json::json!({ "schema": 1, "old": old.info, "new": new.info, "changes": rows, "regressions": regressions });
    let listing = Listing {
        columns: &["change", "tenant", "site", "address", "name", "class", "component", "from", "to", "hostname", "serial"],
        rows: rows.iter().map(diff_cells).collect(),
        document: &document,
        footer: vec![format!(
            "sweep {old_id} ({}) to sweep {new_id} ({}): {} changes, {regressions} regressions",
            old.info.started,
            new.info.started,
            rows.len()
        )],
    };
    write_listing_to(args.output.as_deref(), args.format, &listing)?;
    Ok(regressions > 0)
}

fn diff_cells(row: &DiffRow) -> Vec<String> {
    vec![
        row.change.as_str().to_string(),
        row.tenant.clone(),
        row.site.clone(),
        row.address.clone(),
        row.name.clone().unwrap_or_default(),
        row.class.unwrap_or_default().to_string(),
        row.component.clone().unwrap_or_default(),
        row.from.clone().unwrap_or_default(),
        row.to.clone().unwrap_or_default(),
        row.hostname.clone().unwrap_or_default(),
        row.serial.clone().unwrap_or_default(),
    ]
}

pub(super) fn write_listing_to<T: serde::Serialize>(output: Option<&Path>, format: Format, listing: &Listing<T>) -> Result<(), Failure> {
    match output {
        Some(path) => {
            let mut file = std::fs::File::create(path).map_err(|e| Failure::Run(format!("{}: cannot write: {e}", path.display())))?;
            let style = TableStyle { color: false, width: None, full_detail: false };
            report::write_listing(&mut file, format, listing, style).map_err(|e| Failure::Run(format!("{}: cannot write: {e}", path.display())))
        }
        None => {
            let stdout = std::io::stdout();
            let width = stdout.is_terminal().then(super::terminal_width).flatten();
            let mut lock = stdout.lock();
            let style = TableStyle { color: false, width, full_detail: false };
            let written = report::write_listing(&mut lock, format, listing, style).and_then(|()| lock.flush());
            match written {
                Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
                other => other.map_err(|e| Failure::Run(format!("cannot write to standard output: {e}"))),
            }
        }
    }
}
