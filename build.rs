//! Embeds the built-in vendor profiles and the demo network into the binary,
//! so an installed `fwsweep` needs no data files beside it.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

fn main() {
    let root = PathBuf::from(std::env::var("CARGO_MANIFEST_DIR").expect("cargo sets CARGO_MANIFEST_DIR"));
    let releases = root.join("vendor-profiles").join("releases");
    let mut generated = String::new();
    // Only the folder inside the repository counts, so a checkout under a
    // directory named `releases` still embeds its profiles.
    embed(&mut generated, "PROFILES", &root, "vendor-profiles", &|path| {
        path.extension().is_some_and(|e| e == "toml") && !path.starts_with(&releases)
    });
    embed(&mut generated, "RELEASES", &root, "vendor-profiles/releases", &|path| {
        path.extension().is_some_and(|e| e == "toml")
    });
    embed(&mut generated, "DEMO_RECORDINGS", &root, "fixtures/snmp", &|path| {
        path.extension().is_some_and(|e| e == "snmprec" || e == "snmpwalk")
    });
    embed(&mut generated, "DEMO_MOCKUPS", &root, "fixtures/redfish", &|path| {
        path.file_name().is_some_and(|n| n == "index.json")
    });
    embed(&mut generated, "DEMO_PHONES", &root, "fixtures/sip", &|path| {
        path.extension().is_some_and(|e| e == "sip")
    });
    embed(&mut generated, "DEMO_WEB_PAGES", &root, "fixtures/http", &|path| {
        path.extension().is_some_and(|e| e == "http")
    });
    embed(&mut generated, "DEMO_NETWORK", &root, "fixtures/demo", &|path| {
        path.extension().is_some_and(|e| e == "csv")
    });
    embed(&mut generated, "DEMO_CLI", &root, "fixtures/demo/ssh", &|path| {
        path.extension().is_some_and(|e| e == "cli")
    });
    let out = PathBuf::from(std::env::var("OUT_DIR").expect("cargo sets OUT_DIR")).join("embedded.rs");
    std::fs::write(out, generated).expect("OUT_DIR is writable");
    for folder in ["vendor-profiles", "vendor-profiles/releases", "fixtures/snmp", "fixtures/redfish", "fixtures/sip", "fixtures/http", "fixtures/demo", "fixtures/demo/ssh"] {
        println!("cargo:rerun-if-changed={folder}");
    }
}

fn embed(out: &mut String, name: &str, root: &Path, folder: &str, keep: &dyn Fn(&Path) -> bool) {
    let mut files = Vec::new();
    collect(&root.join(folder), &mut files);
    files.retain(|path| keep(path));
    files.sort();
    writeln!(out, "pub const {name}: &[(&str, &str)] = &[").unwrap();
    for path in files {
        let relative = path.strip_prefix(root).unwrap_or(&path).to_string_lossy().replace('\\', "/");
        println!("cargo:rerun-if-changed={}", path.display());
        writeln!(out, "    ({relative:?}, include_str!({:?})),", path.display().to_string()).unwrap();
    }
    writeln!(out, "];").unwrap();
}

fn collect(dir: &Path, files: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else { return };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            collect(&path, files);
        } else {
            files.push(path);
        }
    }
}
