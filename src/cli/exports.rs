//! The customer exports of `scan`, `identify` and `demo`: the HTML report,
//! one file per tenant, and CSV for spreadsheet programs, with the option
//! checks that run before a sweep starts.

use std::collections::BTreeSet;
use std::io::{IsTerminal, Write};

use fwsweep::releases::Catalogue;
use fwsweep::report::{self, AdvisoryIndex, ExportOptions, Format, SweepSummary};
use fwsweep::targets::read_inventory_tenants;

use super::{Failure, OutputArgs, ScanArgs};
use fwsweep::device::Device;

/// Rejects option combinations that cannot produce the requested files.
pub(super) fn check_output_options(output: &OutputArgs) -> Result<(), Failure> {
    if output.split_by.is_some() {
        let Some(dir) = &output.output else {
            return Err(Failure::Input("--split-by tenant writes one file per tenant and format, so it needs --output DIR".into()));
        };
        if dir.exists() && !dir.is_dir() {
            return Err(Failure::Input(format!(
                "{}: exists and is not a folder; --split-by tenant needs --output DIR",
                dir.display()
            )));
        }
    }
    if output.excel && output.split_by.is_none() && output.format != Format::Csv {
        return Err(Failure::Input("--excel changes CSV output; add --format csv or --split-by tenant".into()));
    }
    Ok(())
}

/// Rejects `--format html` without `--split-by` when the targets of a scan
/// belong to several tenants, before anything is swept.
pub(super) fn check_scan_tenants(args: &ScanArgs) -> Result<(), Failure> {
    if !needs_single_tenant(&args.output) {
        return Ok(());
    }
    let mut tenants = BTreeSet::new();
    if !args.targets.is_empty() {
        tenants.insert(args.tenant.clone());
    }
    if let Some(path) = &args.inventory {
        tenants.extend(read_inventory_tenants(path).map_err(|e| Failure::Input(e.to_string()))?);
    }
    check_single_tenant(&args.output, tenants)
}

/// Rejects `--format html` without `--split-by` for targets of several
/// tenants, because one HTML file goes to one customer.
pub(super) fn check_single_tenant(output: &OutputArgs, tenants: impl IntoIterator<Item = String>) -> Result<(), Failure> {
    if !needs_single_tenant(output) {
        return Ok(());
    }
    let tenants: BTreeSet<String> = tenants.into_iter().collect();
    if tenants.len() <= 1 {
        return Ok(());
    }
    let names: Vec<String> = tenants.iter().map(|t| format!("{t:?}")).collect();
    Err(Failure::Input(format!(
        "--format html writes a report for one tenant, but the targets belong to {} tenants ({}); add --split-by tenant --output DIR to write one report per tenant",
        tenants.len(),
        names.join(", ")
    )))
}

fn needs_single_tenant(output: &OutputArgs) -> bool {
    output.format == Format::Html && output.split_by.is_none()
}

/// Writes the per-tenant files, the HTML report, or CSV for Excel, as the
/// options request. The advisory links come from `catalogue`, the release
/// data the verdicts were judged against.
pub(super) fn write_exports(
    summary: &SweepSummary,
    devices: &[Device],
    output: &OutputArgs,
    catalogue: &Catalogue,
) -> Result<(), Failure> {
    let advisories = AdvisoryIndex::from_catalogue(catalogue);
    if let (Some(_), Some(dir)) = (output.split_by, &output.output) {
        let options = ExportOptions { html: output.format == Format::Html, excel: output.excel };
        let written = report::write_per_tenant(dir, summary, devices, &advisories, options)
            .map_err(|e| Failure::Run(e.to_string()))?;
        let tenants: BTreeSet<&str> = written.iter().map(|file| file.tenant.as_str()).collect();
        tracing::info!(files = written.len(), tenants = tenants.len(), folder = %dir.display(), "per-tenant files written");
        let _ = writeln!(
            std::io::stderr(),
            "fwsweep: wrote {} files for {} tenant(s) to {}",
            written.len(),
            tenants.len(),
            dir.display()
        );
        return Ok(());
    }

    // Checked before any file is created, so a refused report leaves no empty file.
    check_single_tenant(output, devices.iter().map(|d| d.tenant.clone()))?;
    let write = |out: &mut dyn Write| match output.format {
        Format::Html => report::write_html(out, summary, devices, &advisories),
        _ => report::write_csv_for_excel(out, devices),
    };
    match &output.output {
        Some(path) => {
            let mut file = std::fs::File::create(path)
                .map_err(|e| Failure::Run(format!("{}: cannot write: {e}", path.display())))?;
            write(&mut file).map_err(|e| Failure::Run(format!("{}: cannot write: {e}", path.display())))
        }
        None => {
            let stdout = std::io::stdout();
            if stdout.is_terminal() && output.format == Format::Html {
                tracing::info!("writing HTML to the terminal; add --output FILE to save it");
            }
            let mut lock = stdout.lock();
            match write(&mut lock).and_then(|()| lock.flush()) {
                Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
                other => other.map_err(|e| Failure::Run(format!("cannot write to standard output: {e}"))),
            }
        }
    }
}
