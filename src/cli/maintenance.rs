//! Command-line glue for maintenance windows: the `plan` and `verify`
//! commands.

use std::path::PathBuf;

use clap::Args;

use fwsweep::assess::Assessor;
use fwsweep::device::Device;
use fwsweep::history::{StoredSweep, store};
use fwsweep::maintenance::verify::{Outcome, plan_targets};
use fwsweep::maintenance::{Plan, PlanItem, VerifyRow, build_plan, verify_plan};
use fwsweep::releases::{Baselines, Catalogue};
use fwsweep::report::{Format, Listing};
use fwsweep::targets::Target;

use super::history::{DbArgs, history_failure, only_tenant, open_database, resolve_sweep, write_listing_to};
use super::{Failure, OutputArgs, ScanArgs, check_baselines, load_catalogue, load_profiles, parse_date};

#[derive(Args)]
pub(super) struct PlanArgs {
    /// Plan only this tenant's devices, from its newest complete sweep.
    #[arg(long)]
    tenant: Option<String>,
    /// Plan from this sweep instead of the newest complete one.
    #[arg(long, value_name = "ID")]
    sweep: Option<i64>,
    /// Date of the maintenance window (YYYY-MM-DD); end of life is judged
    /// as of that day [default: today].
    #[arg(long, value_name = "DATE", value_parser = parse_date)]
    window: Option<time::Date>,
    /// Output format [default: json when --output ends in .json, else table].
    #[arg(long, value_enum)]
    format: Option<Format>,
    /// Write the plan to FILE; `verify` reads it back when it is JSON.
    #[arg(long, value_name = "FILE")]
    output: Option<PathBuf>,
    /// Approved baselines CSV: tenant,product,minimum,target. A target set
    /// there is the plan's target.
    #[arg(long, value_name = "FILE")]
    baselines: Option<PathBuf>,
    /// Extra release catalogue folder (repeatable).
    #[arg(long = "releases", value_name = "DIR")]
    releases: Vec<PathBuf>,
    /// Extra vendor profile folder (repeatable).
    #[arg(long = "profiles", value_name = "DIR")]
    profiles: Vec<PathBuf>,
    #[command(flatten)]
    db: DbArgs,
}

#[derive(Args)]
pub(super) struct VerifyArgs {
    /// Plan JSON written by `fwsweep plan --output plan.json`.
    #[arg(value_name = "PLAN")]
    plan: PathBuf,
    #[command(flatten)]
    pub scan: ScanArgs,
}

/// Returns the targets of a plan for `verify`, rejecting TARGET arguments
/// and an inventory, which would scan other devices.
pub(super) fn verify_targets(args: &VerifyArgs) -> Result<(Plan, Vec<Target>), Failure> {
    if !args.scan.targets.is_empty() || args.scan.inventory.is_some() {
        return Err(Failure::Input("verify rescans exactly the devices of the plan; drop the TARGETs and --inventory".into()));
    }
    let text = std::fs::read_to_string(&args.plan)
        .map_err(|e| Failure::Input(format!("{}: cannot read: {e}", args.plan.display())))?;
    let plan: Plan = serde_json::from_str(&text).map_err(|e| {
        Failure::Input(format!(
            "{}: not a plan JSON document ({e}); write one with `fwsweep plan --output plan.json`",
            args.plan.display()
        ))
    })?;
    let targets = plan_targets(&plan);
    if targets.is_empty() {
        return Err(Failure::Input(format!("{}: the plan has no device with an address to verify", args.plan.display())));
    }
    Ok((plan, targets))
}

/// Keeps only the credential sets of planned targets that the credentials
/// file defines. A set from --community or the built-in `public` fallback
/// has no definition to look up, and the scan options supply it again.
pub(super) fn keep_defined_credentials(targets: &mut [Target], credentials: &fwsweep::credentials::Credentials) {
    for target in targets {
        target.credentials.retain(|name| credentials.is_defined(name));
    }
}

/// Writes the verify result for the rescanned devices. Returns whether any
/// planned component missed its target, its device did not respond, or
/// another device replaced it.
pub(super) fn write_verify(plan: &Plan, devices: &[Device], catalogue: &Catalogue, output: &OutputArgs) -> Result<bool, Failure> {
    let rows = verify_plan(plan, devices, catalogue);
    let failed = rows.iter().filter(|r| r.result.failed()).count();
    let reached = rows.iter().filter(|r| r.result == Outcome::Reached).count();
    let document = serde_json::json!({ "schema": 1, "sweep_of_plan": plan.sweep, "results": rows });
    let listing = Listing {
        columns: &["order", "tenant", "site", "address", "name", "component", "before", "target", "now", "status", "result"],
        rows: rows.iter().map(verify_cells).collect(),
        document: &document,
        footer: vec![format!("{} planned: {reached} reached, {failed} not reached, not answering or a different device", rows.len())],
    };
    write_listing_to(output.output.as_deref(), output.format, &listing)?;
    Ok(failed > 0)
}

fn verify_cells(row: &VerifyRow) -> Vec<String> {
    vec![
        row.order.to_string(),
        row.tenant.clone(),
        row.site.clone(),
        row.address.clone().unwrap_or_default(),
        row.name.clone().unwrap_or_default(),
        row.component.clone(),
        row.before.clone(),
        row.target.clone().unwrap_or_default(),
        row.now.clone().unwrap_or_default(),
        row.status.clone(),
        row.result.as_str().to_string(),
    ]
}

/// Builds the upgrade plan from a stored sweep, judged again against the
/// current release data and baselines as of the window's date.
pub(super) fn plan(args: PlanArgs) -> Result<bool, Failure> {
    let (connection, path) = open_database(&args.db)?;
    let id = match args.sweep {
        Some(id) => id,
        None => resolve_sweep(&connection, &path, "latest", args.tenant.as_deref())?,
    };
    let StoredSweep { mut devices, .. } =
        only_tenant(store::load_complete_sweep(&connection, &path, id).map_err(history_failure)?, args.tenant.as_deref());

    let profiles = load_profiles(&args.profiles)?;
    let catalogue = load_catalogue(&args.releases)?;
    let baselines = match &args.baselines {
        Some(path) => Baselines::load(path).map_err(|e| Failure::Input(e.to_string()))?,
        None => Baselines::default(),
    };
    check_baselines(&baselines, &catalogue)?;
    let today = args.window.unwrap_or_else(|| time::OffsetDateTime::now_utc().date());
    let assessor = Assessor { catalogue: &catalogue, baselines: &baselines, profiles: &profiles, today };
    assessor.assess(&mut devices);

    let plan = build_plan(&assessor, &devices, id, args.tenant.as_deref(), args.window, fwsweep::engine::now_rfc3339());
    let format = args.format.unwrap_or(match &args.output {
        Some(path) if path.extension().is_some_and(|e| e.eq_ignore_ascii_case("json")) => Format::Json,
        _ => Format::Table,
    });
    let devices_planned = plan.items.last().map_or(0, |i| i.order);
    let listing = Listing {
        columns: &["order", "tenant", "site", "address", "name", "class", "component", "current", "target", "verdict", "fixes", "risks"],
        rows: plan.items.iter().map(plan_cells).collect(),
        document: &plan,
        footer: plan_footer(&plan, id, devices_planned),
    };
    write_listing_to(args.output.as_deref(), format, &listing)?;
    Ok(false)
}

fn plan_footer(plan: &Plan, id: i64, devices_planned: usize) -> Vec<String> {
    let mut footer = vec![format!("sweep {id}: {} upgrades on {devices_planned} devices, in this order", plan.items.len())];
    for device in &plan.unread {
        footer.push(format!(
            "not in the plan: {} {} {} {} ({}{})",
            device.tenant,
            device.site,
            device.address.as_deref().unwrap_or("-"),
            device.name.as_deref().unwrap_or(""),
            device.status,
            device.reason.as_deref().map(|r| format!(": {r}")).unwrap_or_default()
        ));
    }
    footer
}

fn plan_cells(item: &PlanItem) -> Vec<String> {
    let mut fixes = item.advisories_fixed.join(" ");
    if item.kev_fixed {
        fixes.push_str(" KEV");
    }
    vec![
        item.order.to_string(),
        item.tenant.clone(),
        item.site.clone(),
        item.address.clone().unwrap_or_default(),
        item.name.clone().unwrap_or_default(),
        item.class.clone().unwrap_or_default(),
        item.component.clone(),
        item.current.clone(),
        item.target.clone().map(|t| format!("{t} ({})", item.target_from.as_deref().unwrap_or_default())).unwrap_or_default(),
        item.verdict.clone(),
        fixes.trim().to_string(),
        item.risks.join("; "),
    ]
}
