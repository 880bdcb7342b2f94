//! Turning what a terminal session printed into plain lines of text.
//!
//! Device output read over a pty, and saved outputs too, can carry escape
//! sequences, backspaces, carriage returns that redraw a line, and pager
//! marks. The cleaner replays each line the way a terminal would show it,
//! so regexes in profiles see only the visible text.

/// Pager marks that some CLIs leave in the output, matched on a whole line
/// after cleaning.
const PAGER_MARKS: &[&str] = &["--More--", "-- More --", "---- More ----", "<--- More --->", "--More or (q)uit current module or <ctrl-z> to abort--"];

/// Returns the visible text of terminal output: escape sequences removed,
/// each line replayed with its carriage returns and backspaces, trailing
/// spaces trimmed, and lines that are only a pager mark dropped. Lines end
/// in `\n`.
pub fn clean_output(raw: &str) -> String {
    render(raw).split('\n').filter(|line| !is_pager_mark(line)).collect::<Vec<_>>().join("\n")
}

/// Returns the text a terminal would show for `raw`, line by line, with
/// trailing spaces trimmed and pager prompts kept. Lines end in `\n`.
pub fn render(raw: &str) -> String {
    let normalised = raw.replace("\u{1b}E", "\n");
    normalised.split('\n').map(|line| render_line(line).trim_end().to_string()).collect::<Vec<_>>().join("\n")
}

/// Replays one line on a virtual terminal line: `\r` returns to the first
/// column, backspace and `ESC [ n D` move left, `ESC [ K` erases to the end
/// of the line, and every other escape sequence or control character is
/// dropped.
fn render_line(line: &str) -> String {
    let mut cells: Vec<char> = Vec::new();
    let mut cursor = 0usize;
    let mut chars = line.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\r' => cursor = 0,
            '\u{8}' => cursor = cursor.saturating_sub(1),
            '\t' => write_cell(&mut cells, &mut cursor, '\t'),
            '\u{1b}' => match chars.peek() {
                Some('[') => {
                    chars.next();
                    apply_csi(&mut chars, &mut cells, &mut cursor);
                }
                Some(_) => skip_escape(&mut chars),
                None => {}
            },
            '\u{9b}' => apply_csi(&mut chars, &mut cells, &mut cursor),
            c if c.is_control() => {}
            c => write_cell(&mut cells, &mut cursor, c),
        }
    }
    cells.into_iter().collect()
}

fn write_cell(cells: &mut Vec<char>, cursor: &mut usize, c: char) {
    if *cursor < cells.len() {
        cells[*cursor] = c;
    } else {
        cells.resize(*cursor, ' ');
        cells.push(c);
    }
    *cursor += 1;
}

/// Reads a CSI sequence's parameters and final byte and applies the cursor
/// movements that output relies on; colours and the rest are dropped.
fn apply_csi(chars: &mut std::iter::Peekable<std::str::Chars<'_>>, cells: &mut Vec<char>, cursor: &mut usize) {
    let mut parameters = String::new();
    let mut last = None;
    for c in chars.by_ref() {
        if ('\u{40}'..='\u{7e}').contains(&c) {
            last = Some(c);
            break;
        }
        parameters.push(c);
    }
    let count = parameters.parse::<usize>().unwrap_or(1).max(1);
    match last {
        Some('D') => *cursor = cursor.saturating_sub(count),
        Some('C') => *cursor += count,
        Some('G') => *cursor = count - 1,
        Some('K') if parameters.is_empty() || parameters == "0" => cells.truncate(*cursor),
        Some('K') if parameters == "2" => cells.clear(),
        _ => {}
    }
}

/// Skips a non-CSI escape: OSC and similar strings up to BEL or ST, else
/// the one character after ESC.
fn skip_escape(chars: &mut std::iter::Peekable<std::str::Chars<'_>>) {
    match chars.next() {
        Some(']' | 'P' | 'X' | '^' | '_') => {
            while let Some(c) = chars.next() {
                if c == '\u{7}' {
                    break;
                }
                if c == '\u{1b}' && chars.peek() == Some(&'\\') {
                    chars.next();
                    break;
                }
            }
        }
        // Character set selections such as `ESC ( B` carry one more byte.
        Some('(' | ')' | '*' | '+' | '#') => {
            chars.next();
        }
        _ => {}
    }
}

fn is_pager_mark(line: &str) -> bool {
    let line = line.trim();
    !line.is_empty() && PAGER_MARKS.iter().any(|mark| line.eq_ignore_ascii_case(mark))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clean_turns_crlf_into_lf() {
        assert_eq!(clean_output("a\r\nb\r\n"), "a\nb\n");
    }

    #[test]
    fn clean_drops_colour_codes() {
        assert_eq!(clean_output("\u{1b}[1;32mVersion\u{1b}[0m 1.2"), "Version 1.2");
    }

    #[test]
    fn clean_replays_pager_redraw() {
        // FortiOS and others erase `--More--` with CR, spaces and CR.
        assert_eq!(clean_output("--More--\r        \rSerial-Number: FG100"), "Serial-Number: FG100");
    }

    #[test]
    fn clean_applies_backspaces() {
        assert_eq!(clean_output("shw\u{8}\u{8}how version"), "show version");
    }

    #[test]
    fn clean_applies_cursor_left() {
        // Huawei VRP writes a space and moves back over it.
        assert_eq!(clean_output("Version 8.180 \u{1b}[1D"), "Version 8.180");
        assert_eq!(clean_output("abc\u{1b}[2Dxy"), "axy");
    }

    #[test]
    fn clean_erases_to_line_end() {
        assert_eq!(clean_output("garbage\r\u{1b}[KModel: mx240"), "Model: mx240");
    }

    #[test]
    fn clean_drops_pager_lines() {
        assert_eq!(clean_output("one\n --More-- \ntwo"), "one\ntwo");
    }

    #[test]
    fn clean_drops_titles_and_bells() {
        assert_eq!(clean_output("\u{1b}]0;owned\u{7}sw01\u{7}"), "sw01");
    }

    #[test]
    fn clean_turns_esc_e_into_line_break() {
        assert_eq!(clean_output("Name: sw1\u{1b}ESerial: X1"), "Name: sw1\nSerial: X1");
    }
}
