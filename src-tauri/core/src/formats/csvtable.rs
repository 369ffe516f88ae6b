//! Header-driven CSV tables (ENT directory export, Pronote identifiers):
//! columns found by name, never by position; `;`, `,` or tab sniffed from
//! the header line; any encoding `source::csv_encoding` picks; quoted fields,
//! CRLF or LF; one record at a time under the per-line byte budget.

mod columns;
mod values;
mod write;

use std::io::{BufRead, Read};

use encoding_rs::Encoding;

pub use columns::{normalize_header, ColumnDef, ColumnMap, ColumnPreset, PresetError, TableDef};
pub use values::{label_key, opt, parse_date, split_list, strip_accents, BadDate};
pub use write::{write_table, CsvStyle};

use super::detect::Detected;
use super::source::{csv_encoding, Ctl, Guarded, Input};
use super::{ent_directory, pronote_ids, Format, FormatError};

/// The table formats, for classification.
fn tables() -> [&'static TableDef; 2] {
    [&ent_directory::TABLE, &pronote_ids::TABLE]
}

/// The separator a header line uses: the most frequent of `;`, tab and `,`
/// outside quotes (`;` on a tie or when none appears).
pub fn sniff_delimiter(header_line: &str) -> u8 {
    let (mut semi, mut tab, mut comma) = (0usize, 0usize, 0usize);
    let mut quoted = false;
    for c in header_line.chars() {
        match c {
            '"' => quoted = !quoted,
            ';' if !quoted => semi += 1,
            '\t' if !quoted => tab += 1,
            ',' if !quoted => comma += 1,
            _ => {}
        }
    }
    if semi >= tab && semi >= comma {
        b';'
    } else if tab >= comma {
        b'\t'
    } else {
        b','
    }
}

/// The cells of one header line, unquoted and trimmed.
pub fn split_header(header_line: &str) -> Vec<String> {
    let line = header_line.trim_start_matches('\u{feff}').trim_end_matches(['\r', '\n']);
    let mut reader = csv::ReaderBuilder::new()
        .delimiter(sniff_delimiter(line))
        .has_headers(false)
        .flexible(true)
        .from_reader(line.as_bytes());
    let mut record = csv::StringRecord::new();
    match reader.read_record(&mut record) {
        Ok(true) => record.iter().map(|c| c.trim().to_string()).collect(),
        _ => Vec::new(),
    }
}

/// Which table a header line announces, if any: the one whose required
/// columns are all present (the one matching more columns on a tie, the ENT
/// directory last).
pub fn classify_header(header_line: &str) -> Option<Format> {
    let header = split_header(header_line);
    tables()
        .into_iter()
        .filter_map(|def| {
            let map = ColumnMap::resolve(def, &header);
            map.missing_required(def).is_empty().then_some((map.columns.len(), def.format))
        })
        .max_by_key(|(n, _)| *n)
        .map(|(_, f)| f)
}

/// A `Detected` for reading `input` as `format` although detection did not
/// recognise its header (the user chose the table and mapped the columns).
pub fn detected_as(input: &Input, format: Format) -> Result<Detected, FormatError> {
    if input.is_empty()? {
        return Err(FormatError::Empty { file: input.name() });
    }
    let head = input.head(None, 16 * 1024)?;
    Ok(Detected { format, entry: None, entries: Vec::new(), encoding: csv_encoding(&head), encrypted: false })
}

/// The header cells of a table (for the column-mapping step).
pub fn read_header(input: &Input, encoding: &'static Encoding) -> Result<Vec<String>, FormatError> {
    let cancel = crate::progress::CancelToken::new();
    let mut progress = crate::progress::NoProgress;
    let mut ctl = Ctl { cancel: &cancel, progress: &mut progress };
    input.with_text(None, encoding, &mut ctl, |text| {
        let mut line = Vec::new();
        Fused { inner: Guarded(text), eof: false }
            .read_until(b'\n', &mut line)
            .map_err(|e| input.read_error(&e, "ligne 1"))?;
        Ok(split_header(&String::from_utf8_lossy(&line)))
    })
}

/// A reader that, once it has reported the end, keeps reporting it without
/// asking the decoder again (a finished `encoding_rs` decoder panics when
/// used; the CSV reader and `read_until` both ask twice).
struct Fused<R> {
    inner: R,
    eof: bool,
}

impl<R: BufRead> Read for Fused<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        if self.eof || buf.is_empty() {
            return Ok(0);
        }
        let n = self.inner.read(buf)?;
        self.eof = n == 0;
        Ok(n)
    }
}

impl<R: BufRead> BufRead for Fused<R> {
    fn fill_buf(&mut self) -> std::io::Result<&[u8]> {
        if self.eof {
            return Ok(&[]);
        }
        if self.inner.fill_buf()?.is_empty() {
            self.eof = true;
            return Ok(&[]);
        }
        self.inner.fill_buf()
    }

    fn consume(&mut self, amt: usize) {
        if !self.eof {
            self.inner.consume(amt);
        }
    }
}

/// One data row with its resolved columns.
pub struct Row<'a> {
    record: &'a csv::StringRecord,
    map: &'a ColumnMap,
    def: &'a TableDef,
    line: u64,
}

impl<'a> Row<'a> {
    /// The trimmed cell of `field`; empty when the column is absent or the
    /// row is short.
    pub fn get(&self, field: &str) -> &'a str {
        self.map.get(field).and_then(|i| self.record.get(i)).map_or("", str::trim)
    }

    /// Whether the file has a column for `field`.
    pub fn has(&self, field: &str) -> bool {
        self.map.get(field).is_some()
    }

    /// 1-based line of the row in the file (the header is line 1).
    pub fn line(&self) -> u64 {
        self.line
    }

    pub fn location(&self) -> String {
        format!("ligne {}", self.line)
    }

    /// The canonical header of `field`, for rejects.
    pub fn label(&self, field: &str) -> String {
        self.def.label(field)
    }
}

fn csv_error(input: &Input, e: csv::Error, line: u64) -> FormatError {
    let location = format!("ligne {line}");
    match e.into_kind() {
        csv::ErrorKind::Io(io) => input.read_error(&io, &location),
        csv::ErrorKind::Utf8 { .. } => {
            FormatError::BadEncoding { file: input.name(), encoding: "UTF-8".into(), location }
        }
        other => FormatError::Io { file: input.name(), message: format!("{location} : {other:?}") },
    }
}

/// The ids already met in a file. Each is kept as two independent 64-bit
/// hashes (SipHash and Fx), not as text: a million ids in 16 bytes each, and
/// two different ids sharing both hashes is beyond any realistic chance.
#[derive(Default)]
pub struct Seen(rustc_hash::FxHashSet<(u64, u64)>);

impl Seen {
    /// True the first time `id` is met.
    pub fn first(&mut self, id: &str) -> bool {
        use std::hash::{BuildHasher, Hasher};
        let mut sip = std::hash::DefaultHasher::new();
        sip.write(id.as_bytes());
        let fx = rustc_hash::FxBuildHasher.hash_one(id);
        self.0.insert((sip.finish(), fx))
    }
}

/// Reads the table `def` into records: `parse` turns each row into a record
/// (or `None`), pushing its rejects; `seen` lets it refuse repeated ids.
#[allow(clippy::type_complexity)]
pub fn read_records<R>(
    input: &Input,
    detected: &Detected,
    ctl: &mut Ctl<'_>,
    def: &TableDef,
    preset: Option<&ColumnPreset>,
    parse: fn(&Row<'_>, &mut Seen, &mut Vec<super::Reject>) -> Option<R>,
    sink: &mut dyn FnMut(super::Item<R>) -> Result<(), FormatError>,
) -> Result<(), FormatError> {
    let mut seen = Seen::default();
    read_rows(input, detected, ctl, def, preset, &mut |row| {
        let mut rejects = Vec::new();
        let record = parse(row, &mut seen, &mut rejects);
        for r in rejects {
            sink(super::Item::Reject(r))?;
        }
        match record {
            Some(rec) => sink(super::Item::Record(rec, row.location())),
            None => Ok(()),
        }
    })
}

/// Reads the table `def` from `input`: resolves the columns from the header
/// (or with `preset`), fails with `MissingColumns` when a required one is
/// absent, then hands each non-blank row to `on_row`.
pub fn read_rows(
    input: &Input,
    detected: &Detected,
    ctl: &mut Ctl<'_>,
    def: &TableDef,
    preset: Option<&ColumnPreset>,
    on_row: &mut dyn FnMut(&Row<'_>) -> Result<(), FormatError>,
) -> Result<(), FormatError> {
    input.with_text(detected.entry, detected.encoding, ctl, |text| {
        let budget = text.budget();
        let mut guarded = Fused { inner: Guarded(text), eof: false };
        // The header line is read first to choose the separator. Blank lines
        // before it are kept for the CSV reader (which skips them, keeping
        // line numbers right); together they share one budget.
        let mut first = Vec::new();
        let mut line = 1u64;
        loop {
            let start = first.len();
            let n =
                guarded.read_until(b'\n', &mut first).map_err(|e| input.read_error(&e, &format!("ligne {line}")))?;
            let blank = first.get(start..).is_none_or(|l| l.iter().all(u8::is_ascii_whitespace));
            if n == 0 || !blank {
                break;
            }
            line += 1;
        }
        budget.refill();
        let first_text = String::from_utf8_lossy(&first).into_owned();
        let delimiter = sniff_delimiter(first_text.trim());
        let source = std::io::Cursor::new(first).chain(guarded);
        let mut reader =
            csv::ReaderBuilder::new().delimiter(delimiter).has_headers(false).flexible(true).from_reader(source);

        let mut record = csv::StringRecord::new();
        let header: Vec<String> = loop {
            match reader.read_record(&mut record) {
                Ok(true) if record.iter().all(|c| c.trim().is_empty()) => budget.refill(),
                Ok(true) => break record.iter().map(|c| c.trim().trim_start_matches('\u{feff}').to_string()).collect(),
                Ok(false) => return Err(FormatError::Empty { file: input.name() }),
                Err(e) => return Err(csv_error(input, e, reader.position().line())),
            }
        };
        budget.refill();
        let map = match preset {
            Some(p) => p
                .apply(def, &header)
                .map_err(|e| FormatError::MissingColumns { file: input.name(), columns: e.to_string() })?,
            None => ColumnMap::resolve(def, &header),
        };
        let missing = map.missing_required(def);
        if !missing.is_empty() {
            return Err(FormatError::MissingColumns { file: input.name(), columns: missing.join(", ") });
        }

        loop {
            match reader.read_record(&mut record) {
                Ok(true) => {}
                Ok(false) => break,
                Err(e) => return Err(csv_error(input, e, reader.position().line())),
            }
            budget.refill();
            // Spreadsheets leave rows of bare separators at the end.
            if record.iter().all(|c| c.trim().is_empty()) {
                continue;
            }
            let line = record.position().map_or(0, |p| p.line());
            on_row(&Row { record: &record, map: &map, def, line })?;
        }
        Ok(())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn delimiters_are_sniffed_outside_quotes() {
        assert_eq!(sniff_delimiter("Nom;Prénom;Classe"), b';');
        assert_eq!(sniff_delimiter("Nom,Prénom,Classe"), b',');
        assert_eq!(sniff_delimiter("Nom\tPrénom\tClasse"), b'\t');
        assert_eq!(sniff_delimiter("\"Nom, usage\";\"Prénom\""), b';');
        assert_eq!(sniff_delimiter("\"a;b\",\"c;d\",e"), b',');
        assert_eq!(sniff_delimiter("Nom"), b';');
    }

    #[test]
    fn header_cells_are_unquoted() {
        assert_eq!(split_header("\u{feff}\"Id\";\"Nom\"\r\n"), vec!["Id", "Nom"]);
        assert!(split_header("").is_empty());
    }

    #[test]
    fn headers_are_classified_by_their_required_columns() {
        let ent_classic =
            "\u{feff}\"Id\";\"Identifiant SIECLE\";\"Type\";\"Nom\";\"Prénom\";\"Identifiant\";\"Courriel\"";
        assert_eq!(classify_header(ent_classic), Some(Format::EntDirectory));
        assert_eq!(classify_header("Nom;Prénom;Identifiant ENT;Profil"), Some(Format::EntDirectory));
        assert_eq!(classify_header("NOM,PRENOM*,IDENTIFIANT ENT,PROFIL,CLASSE"), Some(Format::EntDirectory));
        // GEPI's ENT-Identifiants.csv (UID = the ENT id).
        let gepi = "RNE;UID;Classe;Profil;Prénom;Nom;Login;Mot de passe;Clé de jointure";
        assert_eq!(classify_header(gepi), Some(Format::EntDirectory));
        assert_eq!(classify_header("Identifiant;Catégorie;Nom;Prénom;Date de naissance"), Some(Format::PronoteIds));
        assert_eq!(classify_header("Identifiant\tProfil\tNom\tPrénom"), Some(Format::PronoteIds));
        assert_eq!(classify_header("Nom;Prénom;Classe"), None);
        assert_eq!(classify_header(""), None);
        assert_eq!(classify_header("\"\"\"\";;;\"\t,"), None);
    }
}
