//! Known releases: version schemes, the release catalogue, approved
//! baselines, and importing public release data.

pub mod baseline;
pub mod catalogue;
pub mod import;
pub mod scheme;

pub use baseline::{Baseline, Baselines};
pub use catalogue::{Catalogue, CatalogueError, Product};
pub use scheme::{Scheme, Version};
