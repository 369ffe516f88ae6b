//! Writing tables the way the exporting software does (encoding, BOM,
//! quoting, separator, line ends).

use encoding_rs::Encoding;

/// How a table is laid out on disk.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CsvStyle {
    pub encoding: &'static Encoding,
    /// A UTF-8 byte-order mark first (what spreadsheets need to see UTF-8).
    pub bom: bool,
    pub delimiter: u8,
    /// Every field in double quotes (Open ENT NG), else only when needed.
    pub quote_all: bool,
    pub crlf: bool,
}

impl CsvStyle {
    /// The ENT's directory export: UTF-8 with BOM, `;`, all quoted, CRLF.
    pub const ENT: CsvStyle =
        CsvStyle { encoding: encoding_rs::UTF_8, bom: true, delimiter: b';', quote_all: true, crlf: true };
    /// A Windows spreadsheet's "CSV (séparateur : point-virgule)".
    pub const WINDOWS_1252: CsvStyle =
        CsvStyle { encoding: encoding_rs::WINDOWS_1252, bom: false, delimiter: b';', quote_all: false, crlf: true };
    /// UTF-8 with BOM, quoting only when needed.
    pub const UTF8_BOM: CsvStyle =
        CsvStyle { encoding: encoding_rs::UTF_8, bom: true, delimiter: b';', quote_all: false, crlf: true };
}

/// The bytes of a table: `header` then `rows` (each as long as the header).
pub fn write_table(header: &[&str], rows: &[Vec<String>], style: CsvStyle) -> Vec<u8> {
    let mut writer = csv::WriterBuilder::new()
        .delimiter(style.delimiter)
        .quote_style(if style.quote_all { csv::QuoteStyle::Always } else { csv::QuoteStyle::Necessary })
        .terminator(if style.crlf { csv::Terminator::CRLF } else { csv::Terminator::Any(b'\n') })
        .flexible(true)
        .from_writer(Vec::new());
    // Writing into a Vec cannot fail; a failed row would only be left out.
    let _ = writer.write_record(header);
    for row in rows {
        let _ = writer.write_record(row);
    }
    let text = writer.into_inner().unwrap_or_default();
    let text = String::from_utf8(text).unwrap_or_default();
    let mut out = Vec::with_capacity(text.len() + 3);
    if style.bom && style.encoding == encoding_rs::UTF_8 {
        out.extend_from_slice(b"\xef\xbb\xbf");
    }
    let (bytes, _, _) = style.encoding.encode(&text);
    out.extend_from_slice(&bytes);
    out
}
