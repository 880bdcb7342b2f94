//! Maintenance windows: the upgrade plan built from a stored sweep, the
//! check after the window that versions reached their targets, and the
//! patch cadence that marks firmware `overdue`.

pub mod cadence;
pub mod plan;
pub mod verify;

pub use plan::{Plan, PlanItem, build_plan};
pub use verify::{VerifyRow, verify_plan};
