//! The one writer for the CSV files Préau writes for people to open in a
//! spreadsheet (Excel with French settings): `;` between cells, CRLF line
//! ends, UTF-8 with a BOM so accents survive, quotes only where needed, and
//! cells a spreadsheet would run as formulas neutralised — a name read from
//! an imported file (`=HYPERLINK(…)`, `@SUM(…)`, `-1+1`) stays text. The rule
//! is the window's own (`ui/js/components/csv.js`), so a file saved from
//! either side reads the same.
//!
//! The national exports Préau writes for other software (`formats::*::write`)
//! keep their own shape and do not go through here.

/// A CSV table being written: a header row, then rows of cells.
#[derive(Debug, Clone)]
pub struct PeopleCsv {
    text: String,
}

impl PeopleCsv {
    /// Starts the file with its header row.
    pub fn new<S: AsRef<str>>(headers: &[S]) -> PeopleCsv {
        let mut csv = PeopleCsv { text: String::from("\u{feff}") };
        csv.row(headers);
        csv
    }

    /// Appends one row.
    pub fn row<S: AsRef<str>>(&mut self, cells: &[S]) {
        for (i, c) in cells.iter().enumerate() {
            if i > 0 {
                self.text.push(';');
            }
            self.text.push_str(&cell(c.as_ref()));
        }
        self.text.push_str("\r\n");
    }

    /// The file's bytes (UTF-8 with its BOM).
    pub fn into_bytes(self) -> Vec<u8> {
        self.text.into_bytes()
    }
}

/// A plain number, possibly negative, with `.` or `,` as decimal separator.
fn plain_number(text: &str) -> bool {
    let digits = text.strip_prefix('-').unwrap_or(text);
    let (whole, fraction) = match digits.split_once(['.', ',']) {
        Some((w, f)) => (w, Some(f)),
        None => (digits, None),
    };
    let all_digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
    all_digits(whole) && fraction.is_none_or(all_digits)
}

/// One cell: neutralised when a spreadsheet would read it as a formula
/// (a leading `=`, `+`, `@`, tab or carriage return, or a `-` that does not
/// start a plain number), then quoted when it holds `;`, `"` or a line break.
pub fn cell(value: &str) -> String {
    let formula = value.starts_with(['=', '+', '@', '\t', '\r']) || (value.starts_with('-') && !plain_number(value));
    let text = if formula { format!("'{value}") } else { value.to_string() };
    if text.contains([';', '"', '\r', '\n']) {
        format!("\"{}\"", text.replace('"', "\"\""))
    } else {
        text
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formulas_are_neutralised_and_numbers_kept() {
        assert_eq!(cell("=HYPERLINK(\"http://x\";\"y\")"), "\"'=HYPERLINK(\"\"http://x\"\";\"\"y\"\")\"");
        assert_eq!(cell("+33 6 12"), "'+33 6 12");
        assert_eq!(cell("@SUM(A1)"), "'@SUM(A1)");
        assert_eq!(cell("-1+1"), "'-1+1");
        assert_eq!(cell("\tDUPONT"), "'\tDUPONT");
        assert_eq!(cell("\r=1"), "\"'\r=1\"");
        assert_eq!(cell("-"), "'-");
        assert_eq!(cell("-3,5"), "-3,5");
        assert_eq!(cell("-12"), "-12");
        assert_eq!(cell("-1.25"), "-1.25");
        assert_eq!(cell("24,0"), "24,0");
        assert_eq!(cell("MARTIN-DUPONT"), "MARTIN-DUPONT");
        assert_eq!(cell("Léa"), "Léa");
        assert_eq!(cell(""), "");
    }

    #[test]
    fn quoting_where_needed() {
        assert_eq!(cell("a;b"), "\"a;b\"");
        assert_eq!(cell("dit \"Jo\""), "\"dit \"\"Jo\"\"\"");
        assert_eq!(cell("ligne\nsuite"), "\"ligne\nsuite\"");
    }

    #[test]
    fn the_file_has_a_bom_semicolons_and_crlf() {
        let mut csv = PeopleCsv::new(&["Nom", "Prénom"]);
        csv.row(&["=1+1", "Zoé"]);
        csv.row(&[String::from("a;b"), String::new()]);
        let text = String::from_utf8(csv.into_bytes()).unwrap();
        assert_eq!(text, "\u{feff}Nom;Prénom\r\n'=1+1;Zoé\r\n\"a;b\";\r\n");
    }
}
