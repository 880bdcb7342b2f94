//! Vendor profiles: declarative TOML files that recognise a platform and
//! locate its model, serial and firmware versions.

mod compiled;
pub mod http_rules;
mod load;
pub mod read_only;
pub mod schema;

pub use compiled::{
    DetectRule, EnableRules, EntityColumn, Extracted, Extractor, Field, Profile, RedfishRules, Source, SourceKind, SshMode, SshRules, TemplateError, capture_value,
    clean_value,
};
pub use load::{ProfileError, ProfileSet, load_dir, load_dirs, load_file, load_text};
