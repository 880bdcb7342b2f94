//! Importing endoflife.date data into the catalogue format. Four shapes
//! are read: the API v1 product document (`/api/v1/products/<product>`),
//! the older cycle list (`/api/<product>.json`), a product page's Markdown
//! with YAML front matter, and the release-data files that key cycles and
//! versions by name.

use std::fmt::Write as _;

use serde_json::Value;

use super::scheme::{Scheme, Version};

/// Release cycle read from endoflife.date data, with dates as `YYYY-MM-DD`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cycle {
    pub name: String,
    pub latest: Option<String>,
    pub released: Option<String>,
    pub end_of_support: Option<String>,
}

/// Product fields of the catalogue file that endoflife.date data does not
/// contain.
pub struct ImportOptions<'a> {
    pub product: &'a str,
    pub vendor: &'a str,
    pub name: &'a str,
    pub scheme: &'a str,
    pub checked: time::Date,
    pub source: &'a str,
}

/// Reads cycles from any of the four shapes. `scheme` picks each cycle's
/// latest version where the data lists versions instead of a latest.
pub fn read_cycles(text: &str, scheme: Option<Scheme>) -> Result<Vec<Cycle>, String> {
    let trimmed = text.trim_start();
    if trimmed.starts_with("---") {
        return read_front_matter(trimmed);
    }
    let value: Value = serde_json::from_str(text).map_err(|e| format!("neither JSON nor Markdown front matter: {e}"))?;
    let releases = match &value {
        Value::Array(cycles) => return Ok(cycles.iter().filter_map(cycle_from_v0).collect()),
        Value::Object(map) if map.get("releases").is_some_and(Value::is_object) => {
            return Ok(release_data_cycles(map, scheme));
        }
        Value::Object(map) => map
            .get("result")
            .and_then(|r| r.get("releases"))
            .or_else(|| map.get("releases"))
            .and_then(Value::as_array)
            .ok_or("JSON has no result.releases list (API v1) and is not a cycle list")?,
        _ => return Err("expected a JSON array or object".into()),
    };
    Ok(releases.iter().filter_map(cycle_from_v1).collect())
}

/// Returns a `YYYY-MM-DD` date string, or `None` for `false`, `true`, null,
/// missing and other values. endoflife.date writes `eol: false` for a cycle
/// that is still supported.
fn date_of(value: Option<&Value>) -> Option<String> {
    let text = value?.as_str()?;
    let is_date = text.len() == 10
        && text.bytes().enumerate().all(|(index, byte)| match index {
            4 | 7 => byte == b'-',
            _ => byte.is_ascii_digit(),
        });
    is_date.then(|| text.to_string())
}

fn text_of(value: Option<&Value>) -> Option<String> {
    match value? {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

/// Reads a release-data file such as `{"releases": {"9.1": {...}}, "versions":
/// {"9.1.4": {"date": ...}}}`. A cycle's latest release is its newest version
/// under the scheme. Files that list only versions get one cycle per train
/// that the scheme derives, released on the date of its earliest version.
fn release_data_cycles(map: &serde_json::Map<String, Value>, scheme: Option<Scheme>) -> Vec<Cycle> {
    let mut versions: Vec<(Version, String, Option<String>)> = Vec::new();
    if let (Some(scheme), Some(listed)) = (scheme, map.get("versions").and_then(Value::as_object)) {
        for (text, details) in listed {
            if let Some(version) = scheme.parse(text) {
                versions.push((version, text.clone(), date_of(details.get("date"))));
            }
        }
    }
    let latest_of = |train: &str| {
        versions
            .iter()
            .filter(|(version, _, _)| version.train == train)
            .max_by(|a, b| a.0.key.cmp(&b.0.key))
            .map(|(_, text, _)| text.clone())
    };

    let releases = map.get("releases").and_then(Value::as_object);
    if let Some(releases) = releases.filter(|r| !r.is_empty()) {
        return releases
            .iter()
            .map(|(name, release)| Cycle {
                name: name.clone(),
                latest: latest_of(name),
                released: date_of(release.get("releaseDate")),
                end_of_support: date_of(release.get("eol")),
            })
            .collect();
    }
    let mut trains: Vec<String> = versions.iter().map(|(v, _, _)| v.train.clone()).collect();
    trains.sort();
    trains.dedup();
    trains
        .into_iter()
        .map(|train| Cycle {
            latest: latest_of(&train),
            released: versions.iter().filter(|(v, _, _)| v.train == train).filter_map(|(_, _, d)| d.clone()).min(),
            end_of_support: None,
            name: train,
        })
        .collect()
}

fn cycle_from_v0(value: &Value) -> Option<Cycle> {
    Some(Cycle {
        name: text_of(value.get("cycle"))?,
        latest: text_of(value.get("latest")),
        released: date_of(value.get("releaseDate")),
        end_of_support: date_of(value.get("eol")),
    })
}

fn cycle_from_v1(value: &Value) -> Option<Cycle> {
    Some(Cycle {
        name: text_of(value.get("name"))?,
        latest: value.get("latest").and_then(|l| text_of(l.get("name"))),
        released: date_of(value.get("releaseDate")),
        end_of_support: date_of(value.get("eolFrom")),
    })
}

#[derive(serde::Deserialize)]
struct FrontMatter {
    releases: Vec<FrontMatterRelease>,
}

#[derive(serde::Deserialize)]
#[serde(rename_all = "camelCase")]
struct FrontMatterRelease {
    release_cycle: serde_json::Value,
    latest: Option<serde_json::Value>,
    release_date: Option<serde_json::Value>,
    eol: Option<serde_json::Value>,
}

fn read_front_matter(text: &str) -> Result<Vec<Cycle>, String> {
    let body = text.trim_start_matches("---");
    let end = body.find("\n---").ok_or("front matter has no closing ---")?;
    let yaml = &body[..end];
    let matter: FrontMatter = serde_saphyr::from_str(yaml).map_err(|e| format!("front matter: {e}"))?;
    Ok(matter
        .releases
        .into_iter()
        .filter_map(|release| {
            Some(Cycle {
                name: text_of(Some(&release.release_cycle))?,
                latest: text_of(release.latest.as_ref()),
                released: date_of(release.release_date.as_ref()),
                end_of_support: date_of(release.eol.as_ref()),
            })
        })
        .collect())
}

/// Writes the cycles as a catalogue product file.
pub fn to_catalogue(cycles: &[Cycle], options: &ImportOptions<'_>) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "# Imported from endoflife.date data; advisories are not part of that data.");
    let _ = writeln!(out, "product = {:?}", options.product);
    let _ = writeln!(out, "vendor = {:?}", options.vendor);
    let _ = writeln!(out, "name = {:?}", options.name);
    let _ = writeln!(out, "scheme = {:?}", options.scheme);
    let _ = writeln!(out, "checked = {}", options.checked);
    let _ = writeln!(out, "sources = [{:?}]", options.source);
    for cycle in cycles {
        let _ = writeln!(out, "\n[[train]]\nname = {:?}", cycle.name);
        if let Some(latest) = &cycle.latest {
            let _ = writeln!(out, "latest = {latest:?}");
        }
        if let Some(released) = &cycle.released {
            let _ = writeln!(out, "released = {released}");
        }
        if let Some(end) = &cycle.end_of_support {
            let _ = writeln!(out, "end_of_support = {end}");
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_cycle_list() {
        let text = r#"[{"cycle":"7.2","releaseDate":"2022-03-31","eol":"2026-09-28","latest":"7.2.11"},
                       {"cycle":"7.6","releaseDate":"2024-07-25","eol":false,"latest":"7.6.4"}]"#;
        let cycles = read_cycles(text, None).unwrap();
        assert_eq!(cycles[0], Cycle {
            name: "7.2".into(),
            latest: Some("7.2.11".into()),
            released: Some("2022-03-31".into()),
            end_of_support: Some("2026-09-28".into()),
        });
        assert_eq!(cycles[1].end_of_support, None);
    }

    #[test]
    fn date_of_rejects_non_dates() {
        assert_eq!(date_of(Some(&Value::from("2026-09-28"))), Some("2026-09-28".to_string()));
        assert_eq!(date_of(Some(&Value::from("2026/09/28"))), None);
        assert_eq!(date_of(Some(&Value::from("2026-09-28T00:00:00Z"))), None);
        assert_eq!(date_of(Some(&Value::Bool(false))), None);
        assert_eq!(date_of(None), None);
    }

    #[test]
    fn reads_api_v1_document() {
        let text = r#"{"schema_version":"1.2.0","result":{"name":"pan-os","releases":[
            {"name":"11.1","releaseDate":"2023-05-03","isEol":false,"eolFrom":"2027-05-03",
             "latest":{"name":"11.1.6-h1","date":"2025-01-01"}}]}}"#;
        let cycles = read_cycles(text, None).unwrap();
        assert_eq!(cycles[0].latest.as_deref(), Some("11.1.6-h1"));
        assert_eq!(cycles[0].end_of_support.as_deref(), Some("2027-05-03"));
    }

    #[test]
    fn reads_release_data_file() {
        let text = r#"{"releases":{"9.1":{"name":"9.1","releaseDate":"2019-12-13","eol":"2024-06-30"}},
                       "versions":{"9.1.2":{"date":"2020-01-01"},"9.1.19":{"date":"2024-05-01"},"9.1.9-h1":{"date":"2021-01-01"},"10.0.1":{}}}"#;
        let cycles = read_cycles(text, Some(Scheme::Panos)).unwrap();
        assert_eq!(cycles.len(), 1);
        assert_eq!(cycles[0].latest.as_deref(), Some("9.1.19"));
        assert_eq!(cycles[0].end_of_support.as_deref(), Some("2024-06-30"));

        let only_versions = r#"{"releases":{},"versions":{"7.24":{"date":"2026-08-17"},"7.23.3":{"date":"2026-08-03"},"7.23":{"date":"2026-05-26"}}}"#;
        let cycles = read_cycles(only_versions, Some(Scheme::Dotted { train_fields: 2 })).unwrap();
        assert_eq!(cycles.len(), 2);
        assert_eq!(cycles[0].name, "7.23");
        assert_eq!(cycles[0].latest.as_deref(), Some("7.23.3"));
        assert_eq!(cycles[0].released.as_deref(), Some("2026-05-26"));
    }

    #[test]
    fn reads_front_matter() {
        let text = "---\ntitle: FortiOS\nreleases:\n-   releaseCycle: \"7.2\"\n    releaseDate: 2022-03-31\n    eol: 2026-09-28\n\n-   releaseCycle: \"7.6\"\n    releaseDate: 2024-07-25\n    eol: false\n---\n\n> text\n";
        let cycles = read_cycles(text, None).unwrap();
        assert_eq!(cycles.len(), 2);
        assert_eq!(cycles[0].end_of_support.as_deref(), Some("2026-09-28"));
        assert_eq!(cycles[1].end_of_support, None);
    }
}
