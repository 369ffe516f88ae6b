//! What a file is, from its content only (root element, CSV header), never
//! from its name.

use encoding_rs::Encoding;
use serde::Serialize;

use super::source::{csv_encoding, xml_encoding, Input, ZipEntry};
use super::{csvtable, udt, Format, FormatError};

/// How much of a file detection looks at.
const HEAD: usize = 16 * 1024;

#[derive(Debug, Clone)]
pub struct Detected {
    pub format: Format,
    /// The ZIP entry holding the document, for a single-document archive.
    pub entry: Option<usize>,
    /// For a UDT archive: every entry that is a UDT file.
    pub entries: Vec<ZipEntry>,
    pub encoding: &'static Encoding,
    /// Whether the content is the encrypted EDT container (header only).
    pub encrypted: bool,
}

/// What detection says of a file, for reports and the UI.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct DetectedSummary {
    pub format: Format,
    pub zip_entry: Option<String>,
    pub encoding: String,
}

impl Detected {
    pub fn summary(&self, input: &Input) -> DetectedSummary {
        let zip_entry =
            self.entry.and_then(|i| input.zip_entries().ok()?.into_iter().find(|e| e.index == i).map(|e| e.name));
        DetectedSummary { format: self.format, zip_entry, encoding: self.encoding.name().to_string() }
    }
}

/// The root element's name of an XML head, skipping the declaration,
/// comments, processing instructions and DOCTYPE.
pub fn xml_root(text: &str) -> Option<String> {
    let mut rest = text.trim_start_matches('\u{feff}');
    loop {
        rest = rest.trim_start();
        if !rest.starts_with('<') {
            return None;
        }
        if rest.starts_with("<?") {
            rest = &rest[rest.find("?>")? + 2..];
        } else if rest.starts_with("<!--") {
            rest = &rest[rest.find("-->")? + 3..];
        } else if rest.starts_with("<!") {
            // DOCTYPE, possibly with an internal subset.
            let close = match (rest.find('['), rest.find('>')) {
                (Some(b), Some(g)) if b < g => rest.find("]>")? + 2,
                (_, Some(g)) => g + 1,
                _ => return None,
            };
            rest = &rest[close..];
        } else {
            let name: String = rest[1..].chars().take_while(|c| !c.is_whitespace() && *c != '>' && *c != '/').collect();
            // Drop a namespace prefix (`ns:Root`).
            let local = name.rsplit(':').next().unwrap_or(&name).to_string();
            return (!local.is_empty()).then_some(local);
        }
    }
}

/// The format a root element announces. `Err(hint)` for known look-alikes
/// that Préau must refuse with an explanation.
fn format_of_root(root: &str) -> Result<Option<(Format, bool)>, String> {
    Ok(Some(match root {
        "BEE_ELEVES" => (Format::SiecleEleves, false),
        "BEE_RESPONSABLES" => (Format::SiecleResponsables, false),
        "BEE_STRUCTURES" => (Format::SiecleStructures, false),
        "BEE_NOMENCLATURES" => (Format::SiecleNomenclature, false),
        "STS_EDT" => (Format::Sts, false),
        "ExportEmploiDuTemps" => (Format::Edt, false),
        "EXPORT_INDEX_EDUCATION" => (Format::Edt, true),
        "ficAlimMENESR" => (Format::Aaf, false),
        "EDT_STS" => {
            return Err("c'est le fichier emp_sts que le logiciel d'emploi du temps envoie à STS-Web ; \
                        il faut l'export sts_emp téléchargé depuis STS-Web"
                .into())
        }
        "BEE_COMMUN" => return Err("Communs.xml de SIECLE n'est pas utile à Préau".into()),
        r if udt::is_udt_root(r) => (Format::Udt, false),
        _ => return Ok(None),
    }))
}

fn looks_binary(head: &[u8]) -> bool {
    if head.starts_with(b"\xef\xbb\xbf") || head.starts_with(b"\xff\xfe") || head.starts_with(b"\xfe\xff") {
        return false;
    }
    let controls = head.iter().filter(|b| matches!(b, 0..=8 | 14..=31) && **b != 0x1b).count();
    head.contains(&0) || controls * 20 > head.len()
}

fn detect_xml(input: &Input, entry: Option<usize>, head: &[u8]) -> Result<Option<Detected>, FormatError> {
    let encoding = xml_encoding(head, &input.name())?;
    let (text, _, _) = encoding.decode(head);
    let Some(root) = xml_root(&text) else { return Ok(None) };
    match format_of_root(&root) {
        Ok(Some((format, encrypted))) => Ok(Some(Detected { format, entry, entries: Vec::new(), encoding, encrypted })),
        Ok(None) => Err(FormatError::Unknown {
            file: input.name(),
            hint: format!("document XML d'élément racine « {root} », inconnu de Préau"),
        }),
        Err(hint) => Err(FormatError::Unknown { file: input.name(), hint }),
    }
}

/// Detects the format of `input` by content.
pub fn detect(input: &Input) -> Result<Detected, FormatError> {
    if input.is_empty()? {
        return Err(FormatError::Empty { file: input.name() });
    }
    if input.is_zip()? {
        return detect_zip(input);
    }
    let head = input.head(None, HEAD)?;
    let trimmed =
        String::from_utf8_lossy(&head[..head.len().min(256)]).trim_start_matches('\u{feff}').trim_start().to_string();
    if trimmed.starts_with('<') {
        if let Some(d) = detect_xml(input, None, &head)? {
            return Ok(d);
        }
    }
    if looks_binary(&head) {
        return Err(FormatError::Binary { file: input.name() });
    }
    let encoding = csv_encoding(&head);
    let (text, _, _) = encoding.decode(&head);
    if trimmed.starts_with('{') || trimmed.starts_with('[') {
        // A JSON document is no export of the school's software.
        return Err(FormatError::Unknown {
            file: input.name(),
            hint: "document JSON, qui n'est pas un export que Préau sait lire".into(),
        });
    }
    let first_line = text.trim_start_matches('\u{feff}').lines().find(|l| !l.trim().is_empty()).unwrap_or("");
    match csvtable::classify_header(first_line) {
        Some(format) => Ok(Detected { format, entry: None, entries: Vec::new(), encoding, encrypted: false }),
        None => Err(FormatError::Unknown {
            file: input.name(),
            hint: "tableau dont les colonnes ne correspondent ni à l'export de l'annuaire ENT ni aux identifiants Pronote \
                   (associez les colonnes à la main)"
                .into(),
        }),
    }
}

fn detect_zip(input: &Input) -> Result<Detected, FormatError> {
    let entries = input.zip_entries()?;
    let mut documents = Vec::new();
    let mut udt_entries = Vec::new();
    for e in &entries {
        let head = input.head(Some(e.index), 4096)?;
        let Ok(encoding) = xml_encoding(&head, &e.name) else { continue };
        let (text, _, _) = encoding.decode(&head);
        let Some(root) = xml_root(&text) else { continue };
        match format_of_root(&root) {
            Ok(Some((Format::Udt, _))) => udt_entries.push(e.clone()),
            Ok(Some((format, encrypted))) => {
                documents.push(Detected { format, entry: Some(e.index), entries: Vec::new(), encoding, encrypted })
            }
            _ => {}
        }
    }
    if !udt_entries.is_empty() && documents.is_empty() {
        return Ok(Detected {
            format: Format::Udt,
            entry: None,
            entries: udt_entries,
            encoding: encoding_rs::UTF_8,
            encrypted: false,
        });
    }
    match documents.len() {
        1 => Ok(documents.remove(0)),
        0 => Err(FormatError::ZipNothingUsable { file: input.name() }),
        n => Err(FormatError::Unknown {
            file: input.name(),
            hint: format!("l'archive contient {n} exports ; importez-les un par un"),
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ErrorCode;

    #[test]
    fn roots_are_found_past_prologs() {
        assert_eq!(
            xml_root("<?xml version=\"1.0\"?>\n<!-- x -->\n<BEE_ELEVES VERSION=\"3.1\">").as_deref(),
            Some("BEE_ELEVES")
        );
        assert_eq!(
            xml_root("<?xml version=\"1.0\"?><!DOCTYPE ficAlimMENESR SYSTEM \"ficAlimMENESR.dtd\"><ficAlimMENESR>")
                .as_deref(),
            Some("ficAlimMENESR")
        );
        assert_eq!(xml_root("<ns1:ExportEmploiDuTemps xmlns:ns1=\"x\">").as_deref(), Some("ExportEmploiDuTemps"));
        assert_eq!(xml_root("Nom;Prénom"), None);
    }

    #[test]
    fn detection_by_content_not_name() {
        let d = detect(&Input::bytes("whatever.csv", b"<?xml version=\"1.0\"?><STS_EDT/>".to_vec())).unwrap();
        assert_eq!(d.format, Format::Sts);
        let e = detect(&Input::bytes("emp.xml", b"<EDT_STS/>".to_vec())).unwrap_err();
        assert_eq!(e.code(), "FORMAT_UNKNOWN");
        assert_eq!(detect(&Input::bytes("x", Vec::new())).unwrap_err().code(), "FORMAT_EMPTY");
        assert_eq!(detect(&Input::bytes("x", vec![0, 1, 2, 3, 0, 0, 7])).unwrap_err().code(), "FORMAT_BINARY");
        let enc = detect(&Input::bytes("e.xml", b"<EXPORT_INDEX_EDUCATION><VERSION>1.0</VERSION>".to_vec())).unwrap();
        assert!(enc.encrypted && enc.format == Format::Edt);
    }

    #[test]
    fn zipped_export_is_found_inside() {
        use std::io::Write;
        let mut buf = std::io::Cursor::new(Vec::new());
        {
            let mut zip = zip::ZipWriter::new(&mut buf);
            let opts = zip::write::SimpleFileOptions::default();
            zip.start_file("ElevesSansAdresses.xml", opts).unwrap();
            zip.write_all(
                b"<?xml version=\"1.0\" encoding=\"ISO-8859-15\"?>\n<BEE_ELEVES VERSION=\"3.1\"></BEE_ELEVES>",
            )
            .unwrap();
            zip.finish().unwrap();
        }
        let d = detect(&Input::bytes("ExportXML.zip", buf.into_inner())).unwrap();
        assert_eq!((d.format, d.entry, d.encoding.name()), (Format::SiecleEleves, Some(0), "ISO-8859-15"));
    }
}
