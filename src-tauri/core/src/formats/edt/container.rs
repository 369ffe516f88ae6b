//! The encrypted container `EXPORT_INDEX_EDUCATION` (formats.md §3.1): only
//! its clear header is read; `CLES` and `CONTENU` are streamed past and
//! dropped. Préau holds no partner key and never decrypts.

use sha2::{Digest, Sha256};

use super::{element, local};
use crate::formats::xml::{escape, XmlEvent, XmlReader};
use crate::formats::{FileHeader, FormatError, Item};

type Sink<'s> = &'s mut dyn FnMut(Item<super::EdtRecord>) -> Result<(), FormatError>;

pub(super) fn read(reader: &mut XmlReader<'_, '_>, sink: Sink<'_>) -> Result<(), FormatError> {
    let mut header = FileHeader::default();
    while let Some(ev) = reader.next_event()? {
        match ev {
            XmlEvent::Start { name, attrs } if reader.depth() == 2 => {
                let field = match local(&name) {
                    "VERSION" => &mut header.version,
                    "LOGICIEL" => &mut header.software,
                    "DATEHEURE" => &mut header.exported_at,
                    "UAI" => &mut header.uai,
                    // CLES, CONTENU (the bulk), VERIFICATION, names: not kept.
                    _ => {
                        reader.skip()?;
                        continue;
                    }
                };
                let text = element(reader, name, attrs)?.text.trim().to_string();
                *field = Some(text).filter(|t| !t.is_empty());
            }
            XmlEvent::Start { .. } => reader.skip()?,
            XmlEvent::End if reader.depth() == 0 => break,
            _ => {}
        }
    }
    while reader.next_event()?.is_some() {}
    let error = FormatError::EncryptedEdt {
        file: reader.file().to_string(),
        uai: header.uai.clone().unwrap_or_else(|| "non indiquée".into()),
        date: header.exported_at.as_deref().map_or_else(|| "date non indiquée".into(), human_date),
        software: header.software.clone().unwrap_or_else(|| "logiciel non indiqué".into()),
    };
    sink(Item::Header(header))?;
    Err(error)
}

/// `2014-05-20T10:19:08.486+02:00` → `20/05/2014 à 10:19` for the message.
fn human_date(raw: &str) -> String {
    match chrono::DateTime::parse_from_rfc3339(raw.trim()) {
        Ok(d) => d.format("%d/%m/%Y à %H:%M").to_string(),
        Err(_) => raw.to_string(),
    }
}

/// What a container says in clear, and the clear export it stands for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Container {
    /// `VERSION` (`1.0`).
    pub version: String,
    /// `LOGICIEL`.
    pub software: String,
    /// `CLES/PARTENAIRE@NOM`, at most two.
    pub partners: Vec<String>,
    /// `CONTENU@CompresseAvantChiffrement`; absent in older exports.
    pub compressed: Option<bool>,
    /// The clear export: hashed into `VERIFICATION` and sizing `CONTENU`.
    pub clear: Vec<u8>,
    /// `DATEHEURE` (`xs:dateTime`).
    pub date: String,
    pub uai: String,
    /// `NOMETABLISSEMENT`.
    pub name: String,
    /// `CODEPOSTALVILLE`.
    pub postal_city: String,
}

const NS: &str = "http://www.index-education.com/conteneurexportchiffre";

/// A container of the real shape (one line, base64 wrapped at 76 columns).
/// The key blobs and `CONTENU` are bytes from a deterministic generator
/// seeded by the clear export, NOT an encryption of it: Préau never
/// decrypts, so a test container only has to look and size right.
pub fn write_container(c: &Container) -> Vec<u8> {
    let digest = Sha256::digest(&c.clear);
    let seed = digest.iter().take(8).fold(0u64, |acc, b| acc << 8 | u64::from(*b));
    let mut out = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    out.push_str(&format!(
        "<EXPORT_INDEX_EDUCATION xmlns=\"{NS}\" xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\" \
         xsi:schemaLocation=\"{NS} http://telechargement.index-education.com/export/ConteneurExportChiffre.xsd\">"
    ));
    out.push_str(&format!(
        "<VERSION>{}</VERSION><LOGICIEL>{}</LOGICIEL><CLES>",
        escape(&c.version),
        escape(&c.software)
    ));
    for (i, partner) in c.partners.iter().enumerate() {
        // An RSA-2048 block: 256 bytes.
        let key = noise(seed ^ (i as u64 + 1).wrapping_mul(0x9E37_79B9_7F4A_7C15), 256);
        out.push_str(&format!("<PARTENAIRE NOM=\"{}\">{}</PARTENAIRE>", escape(partner), base64_wrapped(&key)));
    }
    out.push_str("</CLES>");
    // Compressed exports shrink about tenfold; AES works in 16-byte blocks.
    let ratio = if c.compressed == Some(false) { 1 } else { 10 };
    let len = (c.clear.len() / ratio / 16 + 1) * 16;
    let attr = match c.compressed {
        Some(z) => format!(" CompresseAvantChiffrement=\"{z}\""),
        None => String::new(),
    };
    out.push_str(&format!("<CONTENU{attr}>{}</CONTENU>", base64_wrapped(&noise(seed, len))));
    out.push_str(&format!("<VERIFICATION>{}</VERIFICATION>", base64(&digest)));
    out.push_str(&format!(
        "<DATEHEURE>{}</DATEHEURE><UAI>{}</UAI><NOMETABLISSEMENT>{}</NOMETABLISSEMENT><CODEPOSTALVILLE>{}</CODEPOSTALVILLE>",
        escape(&c.date),
        escape(&c.uai),
        escape(&c.name),
        escape(&c.postal_city)
    ));
    out.push_str("</EXPORT_INDEX_EDUCATION>\n");
    out.into_bytes()
}

/// SplitMix64 bytes: stable across platforms and versions.
fn noise(seed: u64, len: usize) -> Vec<u8> {
    let mut state = seed;
    let mut out = Vec::with_capacity(len + 8);
    while out.len() < len {
        state = state.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = state;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        out.extend_from_slice(&(z ^ (z >> 31)).to_le_bytes());
    }
    out.truncate(len);
    out
}

const B64: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

fn base64(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let b = [chunk.first().copied(), chunk.get(1).copied(), chunk.get(2).copied()];
        let n = u32::from(b[0].unwrap_or(0)) << 16 | u32::from(b[1].unwrap_or(0)) << 8 | u32::from(b[2].unwrap_or(0));
        for (i, present) in [true, true, b[1].is_some(), b[2].is_some()].into_iter().enumerate() {
            let sextet = (n >> (18 - 6 * i)) & 63;
            out.push(if present { char::from(B64[sextet as usize]) } else { '=' });
        }
    }
    out
}

/// Base64 in lines of 76 characters joined by `\n`, as in the real files.
fn base64_wrapped(bytes: &[u8]) -> String {
    let flat = base64(bytes);
    let lines: Vec<&str> = flat.as_bytes().chunks(76).map(|l| std::str::from_utf8(l).unwrap_or_default()).collect();
    lines.join("\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base64_matches_the_rfc_vectors() {
        for (raw, enc) in [("", ""), ("f", "Zg=="), ("fo", "Zm8="), ("foo", "Zm9v"), ("foobar", "Zm9vYmFy")] {
            assert_eq!(base64(raw.as_bytes()), enc);
        }
        let wrapped = base64_wrapped(&[0u8; 100]);
        assert!(wrapped.lines().all(|l| l.len() <= 76) && wrapped.lines().count() == 2);
        assert_eq!(human_date("2014-05-20T10:19:08.486+02:00"), "20/05/2014 à 10:19");
    }
}
