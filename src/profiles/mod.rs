//! Vendor profiles: declarative TOML files that recognise a platform and
//! locate its model, serial and firmware versions.

mod compiled;
mod load;
pub mod schema;

pub use compiled::{capture_value, clean_value, RedfishRules, EntityColumn, Extractor, Field, Profile, Source, SourceKind, TemplateError};
pub use load::{ProfileError, ProfileSet, load_dir, load_dirs, load_file, load_text};
