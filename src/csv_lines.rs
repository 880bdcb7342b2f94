//! Line numbers of CSV records, for messages that name `file:line`.

/// Returns the line on which the record read from `position` begins.
///
/// The csv crate reports the line where it started reading a record, which
/// comes before the empty lines (and comment lines, when `comment` is set)
/// that it skipped, so those are stepped over here.
pub fn record_line(lines: &[&str], position: Option<&csv::Position>, comment: Option<char>) -> u64 {
    let Some(position) = position else { return 0 };
    let mut line = position.line();
    let skipped = |text: &str| text.is_empty() || comment.is_some_and(|c| text.starts_with(c));
    while line >= 1 && lines.get(line as usize - 1).is_some_and(|text| skipped(text)) {
        line += 1;
    }
    line
}

/// Returns the index (from 0) of the field whose opening quote is still open
/// at the end of `line`, or `None` when every quoted field closes on it.
///
/// The rules follow the csv crate's defaults: a quote opens a quoted field only
/// as the field's first byte, `""` inside one is an escaped quote, and a quote
/// inside an unquoted field is plain text. A field left open would swallow the
/// following lines, which fwsweep's CSV files never hold inside one field.
pub fn unterminated_field(line: &str) -> Option<usize> {
    #[derive(Clone, Copy, PartialEq)]
    enum State {
        FieldStart,
        Unquoted,
        Quoted,
        QuoteInQuoted,
    }
    let mut state = State::FieldStart;
    let mut field = 0;
    for byte in line.bytes() {
        state = match (state, byte) {
            (State::FieldStart | State::Unquoted | State::QuoteInQuoted, b',') => {
                field += 1;
                State::FieldStart
            }
            (State::FieldStart, b'"') | (State::QuoteInQuoted, b'"') => State::Quoted,
            (State::FieldStart | State::Unquoted | State::QuoteInQuoted, _) => State::Unquoted,
            (State::Quoted, b'"') => State::QuoteInQuoted,
            (State::Quoted, _) => State::Quoted,
        };
    }
    (state == State::Quoted).then_some(field)
}

/// Returns the first line (numbered from 1) that ends inside a quoted field,
/// with that field's index. Lines that start with `comment` are skipped, as
/// the csv crate skips them.
///
/// When this finds nothing, every record of `text` sits on one line.
pub fn first_unterminated_line(text: &str, comment: Option<char>) -> Option<(u64, usize)> {
    text.lines()
        .enumerate()
        .filter(|(_, line)| !comment.is_some_and(|c| line.starts_with(c)))
        .find_map(|(index, line)| unterminated_field(line).map(|field| (index as u64 + 1, field)))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lines_of_records(text: &str, comment: Option<char>) -> Vec<u64> {
        let lines: Vec<&str> = text.lines().collect();
        let mut reader = csv::ReaderBuilder::new().comment(comment.map(|c| c as u8)).from_reader(text.as_bytes());
        reader.records().map(|record| record_line(&lines, record.unwrap().position(), comment)).collect()
    }

    #[test]
    fn record_line_skips_empty_lines() {
        assert_eq!(lines_of_records("a,b\n1,2\n\n\n3,4\n", None), [2, 5]);
    }

    #[test]
    fn record_line_skips_comment_lines() {
        assert_eq!(lines_of_records("a,b\n# note\n1,2\n\n# note\n3,4\n", Some('#')), [3, 6]);
    }

    #[test]
    fn unterminated_field_finds_open_quote() {
        assert_eq!(unterminated_field("acme,hq,127.0.0.1,\"open,rest"), Some(3));
        assert_eq!(unterminated_field("\"open"), Some(0));
        assert_eq!(unterminated_field("a,\"say \"\"hi\"\", then,"), Some(1));
    }

    #[test]
    fn unterminated_field_accepts_closed_quotes() {
        assert_eq!(unterminated_field("acme,hq,\"a,b\",x"), None);
        assert_eq!(unterminated_field("a,\"say \"\"hi\"\"\""), None);
        assert_eq!(unterminated_field("a,\"\""), None);
        assert_eq!(unterminated_field("a,\"x\"tail,b"), None);
    }

    #[test]
    fn unterminated_field_ignores_inner_quote() {
        assert_eq!(unterminated_field("a,12\" rack,b"), None);
        assert_eq!(unterminated_field("a, \"b"), None);
    }

    #[test]
    fn first_unterminated_line_skips_comments() {
        let text = "a,b\n# \"note\n1,2\n\n3,\"4\n5,6\n";
        assert_eq!(first_unterminated_line(text, Some('#')), Some((5, 1)));
        assert_eq!(first_unterminated_line("a,b\n1,\"2\"\n", None), None);
    }
}
