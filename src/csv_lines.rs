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
}
