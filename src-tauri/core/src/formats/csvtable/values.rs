//! Cell values shared by the tables: dates, multi-valued cells, codes.

use super::columns::fold_char;
use crate::formats::{date_fr_to_iso, date_iso};

/// A cell that should hold a date and does not.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BadDate;

/// A birth date as tables write it, to ISO: `jj/mm/aaaa` (also `j/m/aaaa`
/// and a trailing time, as a spreadsheet re-saves it) or ISO. `Ok(None)` for
/// an empty cell, `Err(BadDate)` for text that is not a real date.
pub fn parse_date(text: &str) -> Result<Option<String>, BadDate> {
    let t = text.trim();
    if t.is_empty() {
        return Ok(None);
    }
    let day_part = t.split([' ', 'T']).next().unwrap_or(t);
    if let Some(iso) = date_fr_to_iso(day_part).or_else(|| date_iso(day_part)) {
        return Ok(Some(iso));
    }
    let parts: Vec<&str> = day_part.split('/').collect();
    if let [d, m, y] = parts.as_slice() {
        let short = |s: &str| (1..=2).contains(&s.len()) && s.bytes().all(|b| b.is_ascii_digit());
        if short(d) && short(m) && y.len() == 4 {
            return date_fr_to_iso(&format!("{d:0>2}/{m:0>2}/{y}")).map(Some).ok_or(BadDate);
        }
    }
    Err(BadDate)
}

/// The items of a multi-valued cell ("3A, 3B", "id1|id2", one per line):
/// split on `,`, `|`, `;` and line breaks, trimmed, empty items dropped.
pub fn split_list(text: &str) -> Vec<String> {
    text.split([',', '|', ';', '\n', '\r']).map(str::trim).filter(|s| !s.is_empty()).map(str::to_string).collect()
}

/// An optional cell: `None` when blank.
pub fn opt(text: &str) -> Option<String> {
    let t = text.trim();
    (!t.is_empty()).then(|| t.to_string())
}

/// A value reduced for comparing labels (profiles, categories): lower case,
/// no accents, letters and digits only.
pub fn label_key(text: &str) -> String {
    super::columns::normalize_header(text)
}

/// Drops the diacritics of `text`, keeping case (demo discrepancies).
pub fn strip_accents(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        let lower: Vec<char> = c.to_lowercase().collect();
        let folded = match lower.as_slice() {
            [l] => fold_char(*l),
            _ => None,
        };
        match folded {
            Some(s) if c.is_uppercase() => out.push_str(&s.to_uppercase()),
            Some(s) => out.push_str(s),
            None => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_are_tolerant_but_real() {
        assert_eq!(parse_date("02/04/2013"), Ok(Some("2013-04-02".into())));
        assert_eq!(parse_date("2/4/2013"), Ok(Some("2013-04-02".into())));
        assert_eq!(parse_date("02/04/2013 00:00:00"), Ok(Some("2013-04-02".into())));
        assert_eq!(parse_date("2013-04-02"), Ok(Some("2013-04-02".into())));
        assert_eq!(parse_date("  "), Ok(None));
        assert_eq!(parse_date("31/02/2013"), Err(BadDate));
        assert_eq!(parse_date("demain"), Err(BadDate));
        assert_eq!(parse_date("1/1/13"), Err(BadDate));
    }

    #[test]
    fn lists_and_accents() {
        assert_eq!(split_list("a, b|c;;\r\nd"), vec!["a", "b", "c", "d"]);
        assert!(split_list(" ").is_empty());
        assert_eq!(strip_accents("Élodie LEFÈVRE Cœur"), "Elodie LEFEVRE Coeur");
    }
}
