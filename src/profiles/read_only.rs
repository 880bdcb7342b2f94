//! The read-only check on the CLI commands that profiles declare.
//!
//! The check is an allow list. A command passes only when it starts with a
//! verb that reads state on every platform that has it (`show`, `display`,
//! `get`, RouterOS `print`, ZyXEL `sys atsh`, `uname`). Anything that could
//! chain a second command or write output to a file is rejected. Paging
//! commands have their own, exact list, because they change the session only.

/// Output filters that may follow `|`. Filters that save, redirect or append
/// output to a file are missing on purpose.
const PIPE_FILTERS: &[&str] = &[
    "no-more", "json", "include", "exclude", "begin", "section", "count", "i", "e", "b", "inc", "excl", "match",
    "except", "grep", "display", "last", "find", "trim",
];

/// Session settings that turn paging off or widen the terminal, written in
/// lower case with single spaces.
const SESSION_SETTINGS: &[&str] = &[
    "terminal length 0",
    "terminal pager 0",
    "terminal datadump",
    "terminal more disable",
    "set terminal length 0",
    "set cli screen-length 0",
    "set cli screen-width 0",
    "set cli pager off",
    "set cli scripting-mode on",
    "set clienv rows 0",
    "no page",
    "no paging",
    "no cli pager session",
    "screen-length 0 temporary",
    "screen-length disable",
    "skip-page-display",
    "config paging disable",
    "disable clipaging session",
];

/// Returns whether `command` only reads device state.
pub fn is_read_only(command: &str) -> bool {
    if !is_single_line(command) {
        return false;
    }
    let normalised = normalise(command);
    let (head, filters) = match normalised.split_once('|') {
        Some((head, filters)) => (head.trim(), Some(filters)),
        None => (normalised.as_str(), None),
    };
    if let Some(filters) = filters
        && !filters.split('|').all(|filter| filter.split_whitespace().next().is_some_and(|verb| PIPE_FILTERS.contains(&verb)))
    {
        return false;
    }
    if head.contains('>') || head.contains('<') {
        return false;
    }
    let mut words = head.split_whitespace();
    match words.next() {
        Some("show" | "display" | "get") => words.next().is_some(),
        Some("sys") => words.next() == Some("atsh") && words.next().is_none(),
        Some("uname") => words.all(|word| word.starts_with('-')),
        Some(path) if path.starts_with('/') => is_routeros_print(head),
        _ => false,
    }
}

/// Returns whether `command` is a session setting from the paging list.
pub fn is_session_setting(command: &str) -> bool {
    is_single_line(command) && SESSION_SETTINGS.contains(&normalise(command).as_str())
}

/// Returns whether `command` enters privileged mode (`enable`, `enable 15`, Comware's `super`).
pub fn is_enable(command: &str) -> bool {
    if !is_single_line(command) {
        return false;
    }
    let normalised = normalise(command);
    let mut words = normalised.split_whitespace();
    let level_ok = |level: Option<&str>| level.is_none_or(|level| level.chars().all(|c| c.is_ascii_digit()));
    match words.next() {
        Some("enable" | "super") => level_ok(words.next()) && words.next().is_none(),
        _ => false,
    }
}

/// Returns whether `command` is a RouterOS menu path followed by `print` and
/// print options, such as `/system routerboard print` or
/// `/system resource print without-paging`.
fn is_routeros_print(command: &str) -> bool {
    let mut words = command.split_whitespace();
    let menu_ok = |word: &str| word.chars().all(|c| c.is_ascii_alphanumeric() || c == '/' || c == '-');
    let mut saw_print = false;
    for word in words.by_ref() {
        if word == "print" {
            saw_print = true;
            break;
        }
        if !menu_ok(word) {
            return false;
        }
    }
    // Print options are bare words (`detail`, `without-paging`). This rejects
    // `file=`, which writes the output to the device's disk.
    saw_print && words.all(|word| word.chars().all(|c| c.is_ascii_alphanumeric() || c == '-'))
}

fn is_single_line(command: &str) -> bool {
    !command.trim().is_empty()
        && !command.chars().any(|c| c.is_control() || c == ';' || c == '`')
        && !command.contains("$(")
}

fn normalise(command: &str) -> String {
    command.split_whitespace().collect::<Vec<_>>().join(" ").to_lowercase()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn read_only_accepts_version_commands() {
        for command in [
            "show version",
            "show chassis hardware | no-more",
            "show version | json",
            "display version",
            "get system status",
            "/system resource print",
            "/system routerboard print without-paging",
            "show system info",
            "sys atsh",
            "uname -a",
            "show version all",
        ] {
            assert!(is_read_only(command), "{command}");
        }
    }

    #[test]
    fn read_only_refuses_configuration_and_chained_commands() {
        for command in [
            "configure terminal",
            "conf t",
            "write memory",
            "copy running-config tftp:",
            "reload",
            "request system reboot",
            "set system host-name x",
            "delete flash:vlan.dat",
            "clear counters",
            "show version; reload",
            "show version\nreload",
            "show running-config | redirect flash:x",
            "show configuration | save /tmp/x",
            "show version > flash:x",
            "/system reset-configuration",
            "/export file=x",
            "/system resource print file=x",
            "show",
            "",
            "execute reboot",
        ] {
            assert!(!is_read_only(command), "{command:?}");
        }
    }

    #[test]
    fn session_settings_are_an_exact_list() {
        assert!(is_session_setting("terminal length 0"));
        assert!(is_session_setting("Terminal  Length 0"));
        assert!(is_session_setting("set cli pager off"));
        assert!(!is_session_setting("terminal length 0; reload"));
        assert!(!is_session_setting("no ip routing"));
        assert!(!is_session_setting("set cli config-output-format set"));
    }

    #[test]
    fn enable_allows_a_level_only() {
        assert!(is_enable("enable"));
        assert!(is_enable("enable 15"));
        assert!(is_enable("super"));
        assert!(!is_enable("enable secret x"));
        assert!(!is_enable("configure"));
    }
}
