//! Turning what a device's terminal printed into plain text: escape
//! sequences removed, backspaces and carriage returns applied as a terminal
//! would, line ends normalised, and pager prompts recognised.

use std::sync::LazyLock;

use regex::Regex;

/// Pager prompts that devices print when paging is still on: `--More--`,
/// `-- MORE --, next page: Space, ...` (ProCurve), `<--- More --->` (ASA),
/// `---- More ----` (VRP, Comware) and `---(more 45%)---` (Junos).
static PAGER: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)<-+\s*more\s*-+>|-{2,}\s*more\s*-{2,}(?:,[^\n]*)?|-{2,}\(more(?:\s+\d+%)?\)-{2,}")
        .expect("valid pager regex")
});

/// Screens shown before the first prompt that wait for a key press.
static PRESS_ANY_KEY: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)(press|hit) (any key|enter|return)( key)? to continue|press any key").expect("valid regex")
});

/// Removes escape sequences and applies backspaces and carriage returns
/// line by line, as a terminal shows them. Line ends become `\n`, trailing
/// blanks are removed, and other control characters are dropped.
pub fn clean(raw: &str) -> String {
    super::clean::render(raw)
}

/// Returns the last line of cleaned text, the one a prompt would be on.
pub fn last_line(cleaned: &str) -> &str {
    cleaned.rsplit('\n').next().unwrap_or("")
}

/// Returns whether the last line of the cleaned text is a pager prompt.
pub fn ends_in_pager(cleaned: &str) -> bool {
    PAGER.is_match(last_line(cleaned))
}

/// Returns whether the last lines of the cleaned text ask for a key press.
pub fn waits_for_key(cleaned: &str) -> bool {
    let tail_start = cleaned.len().saturating_sub(200);
    let tail_start = (tail_start..=cleaned.len()).find(|&i| cleaned.is_char_boundary(i)).unwrap_or(0);
    PRESS_ANY_KEY.is_match(&cleaned[tail_start..])
}

/// Removes pager prompts left in the output, and lines that held nothing else.
pub fn remove_pager_marks(cleaned: &str) -> String {
    let mut kept = Vec::new();
    for line in cleaned.split('\n') {
        if !PAGER.is_match(line) {
            kept.push(line.to_string());
            continue;
        }
        let rest = PAGER.replace_all(line, "");
        if !rest.trim().is_empty() {
            kept.push(rest.trim_start().trim_end().to_string());
        }
    }
    kept.join("\n")
}

/// Returns a device string safe to print on a terminal: escape sequences
/// and control characters other than newline and tab removed.
pub fn printable(text: &str) -> String {
    clean(text).chars().filter(|c| !c.is_control() || *c == '\n' || *c == '\t').collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clean_removes_colours_and_crlf() {
        assert_eq!(clean("\x1b[1;32mVersion\x1b[0m 1.2\r\nnext\r\n"), "Version 1.2\nnext\n");
    }

    #[test]
    fn clean_applies_backspace_erase_of_pager() {
        let raw = "line one\r\n --More-- \x08\x08\x08\x08\x08\x08\x08\x08\x08\x08          \x08\x08\x08\x08\x08\x08\x08\x08\x08\x08line two\r\n";
        assert_eq!(clean(raw), "line one\nline two\n");
    }

    #[test]
    fn clean_applies_carriage_return_overwrite() {
        assert_eq!(clean("-- MORE --\r          \rmodel X\r\n"), "model X\n");
    }

    #[test]
    fn clean_drops_osc_title_and_charset_selection() {
        assert_eq!(clean("\x1b]0;sw1: admin\x07\x1b(Bsw1#"), "sw1#");
    }

    #[test]
    fn pager_prompts_are_recognised() {
        for prompt in ["--More--", " --More-- ", "-- MORE --, next page: Space, next line: Return key, quit: Control-C", "<--- More --->", "  ---- More ----", "---(more 45%)---"] {
            assert!(ends_in_pager(&format!("output\n{prompt}")), "{prompt:?}");
        }
        assert!(!ends_in_pager("Moreover, more text"));
    }

    #[test]
    fn pager_marks_are_removed_from_output() {
        assert_eq!(remove_pager_marks("a\n--More--\nb\n --More-- c"), "a\nb\nc");
    }

    #[test]
    fn press_any_key_is_recognised() {
        assert!(waits_for_key("HP J9773A 2530\nPress any key to continue"));
        assert!(!waits_for_key("sw1#"));
    }

    #[test]
    fn printable_strips_escapes_and_bells() {
        assert_eq!(printable("ok\x1b[2J\x07 done\n"), "ok done\n");
    }
}
