//! Version schemes: how each vendor's version strings split into a release
//! train and an ordered value. Versions compare only within one train.

use std::cmp::Ordering;
use std::fmt;
use std::sync::LazyLock;

use regex::Regex;

/// Version numbering of one vendor's releases.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Scheme {
    CiscoIos,
    CiscoIosXe,
    CiscoNxos,
    CiscoAsa,
    Junos,
    Fortios,
    Panos,
    Sonicos,
    Aruba,
    /// Dot-separated numbers. The first `train_fields` numbers name the train.
    Dotted { train_fields: usize },
    /// Eight-digit date code such as `20240610`. Every version is in the
    /// train `all`.
    Datecode,
}

impl Scheme {
    /// Parses a scheme name as catalogue files write it.
    pub fn from_name(name: &str, train_fields: Option<usize>) -> Option<Scheme> {
        Some(match name {
            "cisco-ios" => Scheme::CiscoIos,
            "cisco-iosxe" => Scheme::CiscoIosXe,
            "cisco-nxos" => Scheme::CiscoNxos,
            "cisco-asa" => Scheme::CiscoAsa,
            "junos" => Scheme::Junos,
            "fortios" => Scheme::Fortios,
            "panos" => Scheme::Panos,
            "sonicos" => Scheme::Sonicos,
            "aruba" => Scheme::Aruba,
            "dotted" => Scheme::Dotted { train_fields: train_fields.unwrap_or(2).max(1) },
            "datecode" => Scheme::Datecode,
            _ => return None,
        })
    }

    pub const NAMES: [&'static str; 11] = [
        "cisco-ios", "cisco-iosxe", "cisco-nxos", "cisco-asa", "junos", "fortios", "panos", "sonicos",
        "aruba", "dotted", "datecode",
    ];

    /// Returns whether an advisory's upper bound covers versions that only add
    /// detail to it. Junos respins (`R1` covers `R1.15`) are rebuilds of the
    /// same release, unlike a PAN-OS hotfix (`-h1`), which is a fix.
    pub fn upper_bound_covers_detail(self) -> bool {
        matches!(self, Scheme::Junos)
    }

    /// Returns whether `version` is at or below the upper bound `bound`. For
    /// Junos a respin of the bound's release counts as that release.
    pub fn at_or_below(self, version: &Version, bound: &Version) -> bool {
        if version.train != bound.train {
            return false;
        }
        if !self.upper_bound_covers_detail() || version.key.len() <= bound.key.len() {
            return version.key <= bound.key;
        }
        let head = &version.key[..bound.key.len()];
        match head.cmp(&bound.key[..]) {
            Ordering::Less => true,
            Ordering::Greater => false,
            // An R release key is [number, rank, service, respin]. An R bound
            // without a service release covers only its respins, whose service
            // is 0. Other bounds cover every version that extends them, such as
            // a respin of a service release or of an X release.
            Ordering::Equal => {
                let is_r_release = !version.train.contains('X');
                !(is_r_release && bound.key.len() == 2 && version.key[2] != Token::Number(0))
            }
        }
    }

    /// Splits a version string into its train and ordered value, or
    /// returns `None` when the text does not follow the scheme.
    pub fn parse(self, text: &str) -> Option<Version> {
        let text = text.trim();
        match self {
            Scheme::CiscoIos => parse_cisco_ios(text),
            Scheme::Junos => parse_junos(text),
            Scheme::CiscoIosXe => parse_iosxe(text),
            Scheme::CiscoNxos => parse_nxos(text),
            Scheme::Fortios => {
                // In "v7.2.8,build1639,240313 (GA.M)" the build and date
                // follow the release and do not change it.
                let release = text.split([',', ' ']).next().unwrap_or(text);
                tokens_with_train(release, 2)
            }
            Scheme::Datecode => {
                let digits: String = text.chars().filter(char::is_ascii_digit).collect();
                if digits.len() != 8 || digits.len() != text.len() {
                    return None;
                }
                Some(Version { train: "all".to_string(), key: vec![Token::Number(digits.parse().ok()?)] })
            }
            Scheme::Dotted { train_fields } => tokens_with_train(text, train_fields),
            Scheme::CiscoAsa | Scheme::Panos | Scheme::Sonicos | Scheme::Aruba => tokens_with_train(text, 2),
        }
    }
}

impl fmt::Display for Scheme {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let name = match self {
            Scheme::CiscoIos => "cisco-ios",
            Scheme::CiscoIosXe => "cisco-iosxe",
            Scheme::CiscoNxos => "cisco-nxos",
            Scheme::CiscoAsa => "cisco-asa",
            Scheme::Junos => "junos",
            Scheme::Fortios => "fortios",
            Scheme::Panos => "panos",
            Scheme::Sonicos => "sonicos",
            Scheme::Aruba => "aruba",
            Scheme::Dotted { .. } => "dotted",
            Scheme::Datecode => "datecode",
        };
        f.write_str(name)
    }
}

/// One element of an ordered version value.
#[derive(Clone, Debug)]
pub enum Token {
    Number(u64),
    Text(String),
}

// Equality follows `Ord`, so text that differs only in case is equal.
impl PartialEq for Token {
    fn eq(&self, other: &Self) -> bool {
        self.cmp(other) == Ordering::Equal
    }
}

impl Eq for Token {}

impl Ord for Token {
    /// Compares numbers numerically and text case-insensitively. Text sorts
    /// after a number in the same place, so `R3-S1` is newer than `R3.6` and
    /// `10.2.9-h1` is newer than `10.2.9.0`.
    fn cmp(&self, other: &Self) -> Ordering {
        match (self, other) {
            (Token::Number(a), Token::Number(b)) => a.cmp(b),
            (Token::Text(a), Token::Text(b)) => a.to_ascii_lowercase().cmp(&b.to_ascii_lowercase()),
            (Token::Number(_), Token::Text(_)) => Ordering::Less,
            (Token::Text(_), Token::Number(_)) => Ordering::Greater,
        }
    }
}

impl PartialOrd for Token {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

/// A parsed version: its release train and a value ordered within it. A
/// value that is a prefix of another is the older one (`7.2.8` < `7.2.8.1`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Version {
    pub train: String,
    pub key: Vec<Token>,
}

impl Version {
    /// Compares two versions of one train. Returns `None` for versions of
    /// different trains, because ordering them by number would be meaningless.
    pub fn compare(&self, other: &Version) -> Option<Ordering> {
        (self.train == other.train).then(|| self.key.cmp(&other.key))
    }
}

/// Splits text into runs of digits and runs of letters, and every other
/// character separates them. Leading letters (platform codes such as `WC.`, a `v`, Canon's
/// `R`) are dropped because they name the product, not the release.
pub fn tokens(text: &str) -> Vec<Token> {
    let mut tokens = Vec::new();
    let mut current = String::new();
    let flush = |current: &mut String, tokens: &mut Vec<Token>| {
        if current.is_empty() {
            return;
        }
        let token = match current.parse::<u64>() {
            Ok(number) => Token::Number(number),
            Err(_) => Token::Text(current.clone()),
        };
        tokens.push(token);
        current.clear();
    };
    for c in text.chars() {
        let same_kind = current.chars().next().is_none_or(|first| first.is_ascii_digit() == c.is_ascii_digit());
        if c.is_ascii_alphanumeric() {
            if !same_kind {
                flush(&mut current, &mut tokens);
            }
            current.push(c);
        } else {
            flush(&mut current, &mut tokens);
        }
    }
    flush(&mut current, &mut tokens);
    let first_number = tokens.iter().position(|t| matches!(t, Token::Number(_))).unwrap_or(tokens.len());
    tokens.drain(..first_number);
    tokens
}

/// Parses a version whose train is its first `train_fields` numbers, written
/// without leading zeros. Returns `None` when fewer leading numbers are present.
fn tokens_with_train(text: &str, train_fields: usize) -> Option<Version> {
    let key = tokens(text);
    let leading_numbers: Vec<u64> = key
        .iter()
        .map_while(|t| match t {
            Token::Number(n) => Some(*n),
            Token::Text(_) => None,
        })
        .collect();
    if leading_numbers.len() < train_fields.max(1) {
        return None;
    }
    let train = leading_numbers[..train_fields].iter().map(u64::to_string).collect::<Vec<_>>().join(".");
    Some(Version { train, key })
}

static CISCO_IOS: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^(\d+)\.(\d+)\((\d+)([a-z]?)(?:\.(\d+))?\)([A-Z]*)(\d*)([a-z]?)$").expect("static regex")
});

/// Parses a Cisco IOS version such as `15.2(7)E10`, written as
/// major.minor(maintenance[rebuild letter][.interim]), then the train letters,
/// the train rebuild number and an optional letter. The train is major.minor
/// with its letters (`15.2E`). A mainline rebuild letter (`12.4(21a)`) is
/// newer than the release without it.
fn parse_cisco_ios(text: &str) -> Option<Version> {
    let captures = CISCO_IOS.captures(text)?;
    let number = |index: usize| captures.get(index).and_then(|m| m.as_str().parse::<u64>().ok()).unwrap_or(0);
    let letter = |index: usize| {
        captures
            .get(index)
            .and_then(|m| m.as_str().bytes().next())
            .map_or(0, |b| u64::from(b - b'a' + 1))
    };
    Some(Version {
        train: format!("{}.{}{}", number(1), number(2), &captures[6]),
        key: [number(3), letter(4), number(5), number(7), letter(8)].map(Token::Number).to_vec(),
    })
}

static JUNOS: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^(\d+)\.(\d+)([RXFBI])(\d+)(?:-([SD])(\d+))?(?:\.(\d+))?$").expect("static regex")
});

/// Parses a Junos version such as `21.4R3-S5.4`: year.quarter, release type
/// and number, an optional service release `-S`/`-D` and an optional respin.
/// R releases form the train `21.4`. X releases form their own train with
/// their number (`15.1X49`).
fn parse_junos(text: &str) -> Option<Version> {
    let captures = JUNOS.captures(text)?;
    let number = |index: usize| captures.get(index).and_then(|m| m.as_str().parse::<u64>().ok()).unwrap_or(0);
    let kind = &captures[3];
    // Parts that the version omits are left out of the key, so that an
    // advisory's bound `23.2R1` can cover its respins (`23.2R1.15`). A respin
    // without a service release gets service release 0 in the key.
    let present = |index: usize| captures.get(index).is_some();
    let tail = match (present(6), present(7)) {
        (true, true) => vec![number(6), number(7)],
        (true, false) => vec![number(6)],
        (false, true) => vec![0, number(7)],
        (false, false) => vec![],
    };
    let (train, key) = if kind == "X" {
        let train = format!("{}.{}X{}", number(1), number(2), number(4));
        (train, tail)
    } else {
        let train = format!("{}.{}", number(1), number(2));
        // Beta and feature releases come before R releases of the same number.
        let rank = if kind == "R" { 1 } else { 0 };
        (train, [vec![number(4), rank], tail].concat())
    };
    Some(Version { train, key: key.into_iter().map(Token::Number).collect() })
}

/// Parses an IOS XE version such as `17.9.4a`, `17.09.04a` or `03.07.05E`.
/// The train is major.minor plus the upper-case train letter of 3.x releases.
fn parse_iosxe(text: &str) -> Option<Version> {
    let mut version = tokens_with_train(text, 2)?;
    if let Some(Token::Text(letters)) = version.key.get(3)
        && letters.chars().all(|c| c.is_ascii_uppercase()) {
            version.train.push_str(letters);
        }
    Some(version)
}

/// Parses an NX-OS version such as `9.3(10)` or `7.0(3)I7(9)`. The letters
/// and number of an old platform train (`I7`) join the train.
fn parse_nxos(text: &str) -> Option<Version> {
    let mut version = tokens_with_train(text, 2)?;
    if let (Some(Token::Text(letters)), Some(Token::Number(number))) = (version.key.get(3), version.key.get(4))
        && letters.chars().all(|c| c.is_ascii_uppercase()) {
            version.train = format!("{}{letters}{number}", version.train);
        }
    Some(version)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Asserts that each version is older than the next, in one train.
    fn assert_ascending(scheme: Scheme, versions: &[&str]) {
        for pair in versions.windows(2) {
            let older = scheme.parse(pair[0]).unwrap_or_else(|| panic!("{scheme}: {} does not parse", pair[0]));
            let newer = scheme.parse(pair[1]).unwrap_or_else(|| panic!("{scheme}: {} does not parse", pair[1]));
            assert_eq!(older.compare(&newer), Some(Ordering::Less), "{scheme}: {} < {}", pair[0], pair[1]);
        }
    }

    fn train(scheme: Scheme, version: &str) -> String {
        scheme.parse(version).unwrap_or_else(|| panic!("{scheme}: {version} does not parse")).train
    }

    #[test]
    fn cisco_ios_orders_rebuilds() {
        assert_ascending(
            Scheme::CiscoIos,
            &["15.2(2)E1", "15.2(2)E10", "15.2(4)E", "15.2(7)E3", "15.2(7)E4", "15.2(7)E9", "15.2(7)E10", "15.2(8)E5"],
        );
        assert_ascending(
            Scheme::CiscoIos,
            &["12.2(50)SE5", "12.2(52)SE", "12.2(53)SE2", "12.2(55)SE", "12.2(55)SE8", "12.2(55)SE10", "12.2(55)SE12", "12.2(58)SE2"],
        );
        assert_ascending(Scheme::CiscoIos, &["15.0(2)EX5", "15.0(2a)EX5"]);
        assert_ascending(Scheme::CiscoIos, &["12.4(21)", "12.4(21a)", "12.4(22)"]);
        assert_ascending(Scheme::CiscoIos, &["15.7(3)M", "15.7(3)M1", "15.7(3)M4", "15.7(3)M4b", "15.7(3)M9"]);
        assert_eq!(train(Scheme::CiscoIos, "15.2(7)E10"), "15.2E");
        assert_eq!(train(Scheme::CiscoIos, "12.2(55)SE12"), "12.2SE");
        assert!(Scheme::CiscoIos.parse("Version 15.2").is_none());
    }

    #[test]
    fn iosxe_normalises_padding_and_letters() {
        assert_ascending(
            Scheme::CiscoIosXe,
            &["17.9.1", "17.9.3", "17.9.4", "17.9.4a", "17.09.05", "17.9.5a", "17.9.6", "17.9.6a"],
        );
        assert_eq!(train(Scheme::CiscoIosXe, "17.09.04a"), "17.9");
        assert_eq!(train(Scheme::CiscoIosXe, "16.12.10"), "16.12");
        assert_eq!(train(Scheme::CiscoIosXe, "03.07.05E"), "3.7E");
    }

    #[test]
    fn nxos_compares_maintenance_numerically() {
        assert_ascending(Scheme::CiscoNxos, &["7.0(3)I7(6)", "7.0(3)I7(9)", "7.0(3)I7(10)"]);
        assert_ascending(Scheme::CiscoNxos, &["9.3(2)", "9.3(9)", "9.3(10)", "9.3(11)", "9.3(12)", "9.3(13)", "9.3(14)", "9.3(15)"]);
        assert_eq!(train(Scheme::CiscoNxos, "10.2(5)"), "10.2");
        assert_eq!(train(Scheme::CiscoNxos, "7.0(3)I7(9)"), "7.0I7");
    }

    #[test]
    fn asa_interim_numbers() {
        assert_ascending(Scheme::CiscoAsa, &["9.16(1)", "9.16(1)28", "9.16(3)", "9.16(3)23", "9.16(4)", "9.16(4)9", "9.16(4)48", "9.16(4)61"]);
        assert_eq!(train(Scheme::CiscoAsa, "9.12(3)"), "9.12");
    }

    #[test]
    fn junos_service_releases_and_respins() {
        assert_ascending(
            Scheme::Junos,
            &["21.4R1", "21.4R2.5", "21.4R3", "21.4R3.6", "21.4R3-S1", "21.4R3-S4", "21.4R3-S5", "21.4R3-S5.4", "21.4R3-S10"],
        );
        assert_ascending(
            Scheme::Junos,
            &["15.1X49-D45", "15.1X49-D70.3", "15.1X49-D100.6", "15.1X49-D110.4", "15.1X49-D120.3", "15.1X49-D170.4", "15.1X49-D200.5", "15.1X49-D240"],
        );
        assert_eq!(train(Scheme::Junos, "22.4R3-S2.11"), "22.4");
        assert_ascending(Scheme::Junos, &["23.2R1", "23.2R1.15", "23.2R2"]);
        assert_eq!(train(Scheme::Junos, "15.1X53-D59.4"), "15.1X53");
    }

    #[test]
    fn fortios_ignores_build_and_date() {
        assert_ascending(Scheme::Fortios, &["7.2.0", "7.2.4", "7.2.6", "7.2.7", "7.2.8", "7.2.9", "7.2.10", "7.2.11"]);
        let long = Scheme::Fortios.parse("v7.2.8,build1639,240313 (GA.M)").unwrap();
        assert_eq!(long, Scheme::Fortios.parse("7.2.8").unwrap());
        assert_eq!(long.train, "7.2");
    }

    #[test]
    fn panos_hotfixes_follow_their_release() {
        assert_ascending(Scheme::Panos, &["10.2.0", "10.2.0-h3", "10.2.4-h4", "10.2.9", "10.2.9-h1", "10.2.9-h9", "10.2.10", "10.2.10-h2"]);
        assert_eq!(train(Scheme::Panos, "11.1.4-h7"), "11.1");
    }

    #[test]
    fn sonicos_builds_and_revisions() {
        assert_ascending(Scheme::Sonicos, &["7.0.0-R906", "7.0.1-5035", "7.0.1-5145", "7.0.1-5161"]);
        assert_ascending(
            Scheme::Sonicos,
            &["6.5.4.4-44n", "6.5.4.5-53n", "6.5.4.7-83n", "6.5.4.8-89n", "6.5.4.10-95n", "6.5.4.12-101n", "6.5.4.14-109n", "6.5.4.15-116n"],
        );
        assert_ascending(Scheme::Sonicos, &["7.1.1-7040", "7.1.2-7019", "7.1.3-7015", "7.1.3-7015-R6965"]);
        assert_eq!(train(Scheme::Sonicos, "7.0.1-5145"), "7.0");
    }

    #[test]
    fn aruba_drops_platform_code() {
        assert_ascending(
            Scheme::Aruba,
            &["WC.16.11.0001", "WC.16.11.0004", "WC.16.11.0008", "WC.16.11.0012", "WC.16.11.0016", "WC.16.11.0019", "WC.16.11.0021", "KB.16.11.0023"],
        );
        assert_eq!(
            Scheme::Aruba.parse("WC.16.10.0012").unwrap().compare(&Scheme::Aruba.parse("WC.16.11.0004").unwrap()),
            None,
            "16.10 and 16.11 are separate trains"
        );
        assert_ascending(
            Scheme::Aruba,
            &["FL.10.13.0005", "FL.10.13.1000", "FL.10.13.1010", "FL.10.13.1020", "FL.10.13.1040", "FL.10.13.1050", "PL.10.13.1080", "PL.10.13.1090"],
        );
        assert_eq!(train(Scheme::Aruba, "KB.16.10.0002"), "16.10");
    }

    #[test]
    fn dotted_versions_and_trains() {
        let two_fields = Scheme::Dotted { train_fields: 2 };
        assert_ascending(two_fields, &["7.00.00.171", "7.00.00.172"]);
        assert_ascending(two_fields, &["7.10.30.00", "7.10.50.00", "7.10.50.10", "7.10.70.00", "7.10.70.10", "7.10.75.00", "7.10.90.00", "7.10.95.00"]);
        assert_ascending(two_fields, &["66.86.0.15", "66.86.0.110", "66.86.0.160", "66.86.0.190"]);
        assert_ascending(two_fields, &["6.4.3.1234", "6.4.3.2389", "6.4.6.2611"]);
        assert_ascending(two_fields, &["7.1.1-42962", "7.1.1-42962 Update 6", "7.1.1-42962 Update 9"]);
        assert_eq!(train(two_fields, "7.10.30.00"), "7.10");
        assert_eq!(train(two_fields, "v6.9.6"), "6.9");
        let one_field = Scheme::Dotted { train_fields: 1 };
        assert_ascending(one_field, &["2.10", "2.30", "2.44", "2.55", "2.72", "2.78", "2.80", "2.98"]);
        assert_eq!(train(one_field, "2.78"), "2");
        assert!(two_fields.parse("R").is_none(), "a bare letter is no dotted version");
    }

    #[test]
    fn datecode_orders_by_date() {
        assert_ascending(
            Scheme::Datecode,
            &["20080702", "20150731", "20180925", "20201023", "20220512", "20230823", "20240610", "20250115"],
        );
        assert!(Scheme::Datecode.parse("2306242_531753").is_none());
    }

    #[test]
    fn text_tokens_equal_ignoring_case() {
        let lower = Scheme::Sonicos.parse("7.0.0-r906").unwrap();
        let upper = Scheme::Sonicos.parse("7.0.0-R906").unwrap();
        assert_eq!(lower.compare(&upper), Some(Ordering::Equal));
        assert_eq!(lower, upper);
    }

    #[test]
    fn versions_of_different_trains_do_not_compare() {
        let newer_train = Scheme::Fortios.parse("7.4.1").unwrap();
        let older_train = Scheme::Fortios.parse("7.2.9").unwrap();
        assert_eq!(newer_train.compare(&older_train), None);
    }
}
