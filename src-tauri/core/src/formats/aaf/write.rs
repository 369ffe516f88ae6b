//! Writes `ficAlimMENESR` files like the académies' exports: UTF-8, the
//! SYSTEM doctype, the `versionAF` comment inside the root, one request per
//! block, one attribute per line, blank lines between requests.

use super::{AafRequest, RequestKind, DATE_ATTRIBUTES};
use crate::formats::date_iso_to_fr;
use crate::formats::xml::escape;

/// The feed version written in the comment: the INE is there since AAF-VE1803.
pub const VERSION: &str = "AAF-VE1803";

/// Files are split into `_0000`, `_0001`… above about this size.
pub const CHUNK_BYTES: usize = 1_000_000;

/// Escapes as the exports do: apostrophes and quotes stay literal in values
/// (`L'ETABLISSEMENT`), quotes are escaped inside attributes.
fn escaped(text: &str, attribute: bool) -> String {
    let out = escape(text).replace("&apos;", "'");
    if attribute {
        out
    } else {
        out.replace("&quot;", "\"")
    }
}

const FOOTER: &str = "</ficAlimMENESR>\n";

fn prolog(version: &str) -> String {
    format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<!DOCTYPE ficAlimMENESR SYSTEM \"ficAlimMENESR.dtd\">\n\
         <ficAlimMENESR>\n<!-- versionAF=\"{}\" -->\n\n",
        version.replace(['"', '\''], "").replace("--", "- -")
    )
}

fn values(out: &mut String, name: &str, values: &[String]) {
    let date = DATE_ATTRIBUTES.contains(&name);
    if values.is_empty() {
        out.push_str("<value/>");
    }
    for v in values {
        if v.is_empty() {
            out.push_str("<value/>");
        } else {
            let v = if date { date_iso_to_fr(v) } else { v.clone() };
            out.push_str(&format!("<value>{}</value>", escaped(&v, false)));
        }
    }
}

/// One request block (followed by a blank line).
fn request(r: &AafRequest) -> String {
    let mut out = String::with_capacity(256 + r.attributes.len() * 80);
    let element = r.kind.element();
    let (attr, value) = r.category.operational();
    out.push_str(&format!(
        "<{element}>\n<operationalAttributes><attr name=\"{attr}\"><value>{}</value></attr></operationalAttributes>\n\
         <identifier><id>{}</id></identifier>\n",
        escaped(value, false),
        escaped(&r.id, false)
    ));
    match r.kind {
        RequestKind::Add => {
            out.push_str("<attributes>\n");
            for a in &r.attributes {
                out.push_str(&format!("<attr name=\"{}\">", escaped(&a.name, true)));
                values(&mut out, &a.name, &a.values);
                out.push_str("</attr>\n");
            }
            out.push_str("</attributes>\n");
        }
        RequestKind::Modify => {
            out.push_str("<modifications>\n");
            for a in &r.attributes {
                let operation = a.operation.as_deref().unwrap_or("replace");
                out.push_str(&format!(
                    "<modification name=\"{}\" operation=\"{}\">",
                    escaped(&a.name, true),
                    escaped(operation, true)
                ));
                values(&mut out, &a.name, &a.values);
                out.push_str("</modification>\n");
            }
            out.push_str("</modifications>\n");
        }
        RequestKind::Delete => {}
    }
    out.push_str(&format!("</{element}>\n\n"));
    out
}

/// One file holding every request.
pub fn write(records: &[AafRequest], version: &str) -> Vec<u8> {
    let mut out = prolog(version);
    for r in records {
        out.push_str(&request(r));
    }
    out.push_str(FOOTER);
    out.into_bytes()
}

/// Files of at most about `max_bytes` each (never empty of requests, one
/// request per file at worst), in order; at least one file.
pub fn write_chunks(records: &[AafRequest], version: &str, max_bytes: usize) -> Vec<Vec<u8>> {
    let prolog = prolog(version);
    let mut files = Vec::new();
    let mut current = prolog.clone();
    let mut count = 0usize;
    for r in records {
        let block = request(r);
        if count > 0 && current.len() + block.len() + FOOTER.len() > max_bytes {
            current.push_str(FOOTER);
            files.push(std::mem::replace(&mut current, prolog.clone()).into_bytes());
            count = 0;
        }
        current.push_str(&block);
        count += 1;
    }
    current.push_str(FOOTER);
    files.push(current.into_bytes());
    files
}
