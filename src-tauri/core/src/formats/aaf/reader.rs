//! The `ficAlimMENESR` pull reader: one request element at a time.

use std::collections::HashSet;

use super::values::{parse_date, parse_file_name, parse_fonction, parse_pers_rel_eleve, parse_structure_ref};
use super::{reason, AafAttribute, AafCategory, AafRequest, RequestKind, DATE_ATTRIBUTES};
use crate::formats::detect::Detected;
use crate::formats::source::{Ctl, Input};
use crate::formats::xml::{Element, XmlEvent, XmlReader};
use crate::formats::{FileHeader, FormatError, Item, Reject};

const ROOT: &str = "ficAlimMENESR";

type Sink<'a> = &'a mut dyn FnMut(Item<AafRequest>) -> Result<(), FormatError>;

/// Attributes naming the entry, used when a request lacks `identifier/id`.
const JOINTURES: &[&str] = &["ENTPersonJointure", "ENTStructureJointure", "ENTMefJointure", "ENTMatJointure"];

pub(super) fn read(input: &Input, detected: &Detected, ctl: &mut Ctl<'_>, sink: Sink<'_>) -> Result<(), FormatError> {
    let header = header(input, detected)?;
    input.with_text(detected.entry, detected.encoding, ctl, |text| {
        let mut xml = XmlReader::new(input, text);
        let mut header = Some(header);
        let mut added: HashSet<(String, String)> = HashSet::new();
        while let Some(event) = xml.next_event()? {
            let XmlEvent::Start { name, attrs } = event else { continue };
            if xml.depth() == 1 {
                if name != ROOT {
                    return Err(FormatError::Unknown {
                        file: input.name(),
                        hint: format!("élément racine « {name} » au lieu de {ROOT}"),
                    });
                }
                if let Some(h) = header.take() {
                    sink(Item::Header(h))?;
                }
                continue;
            }
            let kind = match (xml.depth(), name.as_str()) {
                (2, "addRequest") => RequestKind::Add,
                (2, "modifyRequest") => RequestKind::Modify,
                (2, "deleteRequest") => RequestKind::Delete,
                _ => {
                    xml.skip()?;
                    continue;
                }
            };
            let line = xml.line();
            let el = xml.read_element(name, attrs)?;
            let (rejects, record) = request(&el, kind, line, &mut added);
            for r in rejects {
                sink(Item::Reject(r))?;
            }
            if let Some((record, loc)) = record {
                sink(Item::Record(record, loc))?;
            }
        }
        Ok(())
    })
}

/// The header: `versionAF` from the comment near the top (comments are not
/// events of the pull reader, so it is looked for in the raw head), the UAI
/// and date from the file (or ZIP entry) name.
fn header(input: &Input, detected: &Detected) -> Result<FileHeader, FormatError> {
    let head = input.head(detected.entry, 8 * 1024)?;
    let (text, _, _) = detected.encoding.decode(&head);
    let version = text.find("versionAF").and_then(|at| {
        let rest = text.get(at + "versionAF".len()..)?.trim_start().strip_prefix('=')?.trim_start();
        let quote = rest.chars().next().filter(|c| *c == '"' || *c == '\'')?;
        let value = rest.get(1..)?.split(quote).next()?.trim();
        (!value.is_empty()).then(|| value.to_string())
    });
    let name = match detected.entry {
        Some(_) => detected.summary(input).zip_entry.unwrap_or_else(|| input.name()),
        None => input.name(),
    };
    let file_name = parse_file_name(&name);
    Ok(FileHeader {
        uai: file_name.as_ref().and_then(|f| f.uai.clone()),
        school_year: None,
        exported_at: file_name.and_then(|f| f.date),
        software: None,
        version,
    })
}

fn values(el: &Element) -> Vec<String> {
    el.children("value").map(|v| v.text.trim().to_string()).collect()
}

fn request(
    el: &Element,
    kind: RequestKind,
    line: u64,
    added: &mut HashSet<(String, String)>,
) -> (Vec<Reject>, Option<(AafRequest, String)>) {
    let list = match kind {
        RequestKind::Modify => el.child("modifications").map(|m| m.children("modification").collect::<Vec<_>>()),
        _ => el.child("attributes").map(|a| a.children("attr").collect()),
    };
    let mut attributes: Vec<AafAttribute> = list
        .unwrap_or_default()
        .into_iter()
        .filter_map(|a| {
            let name = a.attr("name")?.trim().to_string();
            let operation = a.attr("operation").map(|o| o.trim().to_string()).filter(|_| kind == RequestKind::Modify);
            Some(AafAttribute { name, operation, values: values(a) })
        })
        .collect();
    let id = el.at("identifier/id").map(|i| i.text.trim().to_string()).filter(|i| !i.is_empty()).or_else(|| {
        attributes
            .iter()
            .find(|a| JOINTURES.contains(&a.name.as_str()))
            .and_then(|a| a.values.first().filter(|v| !v.is_empty()).cloned())
    });
    let element = kind.element();
    let loc = match &id {
        Some(id) => format!("ligne {line}, {element}[id={id}]"),
        None => format!("ligne {line}, {element}"),
    };
    let mut rejects = Vec::new();
    let category = el
        .child("operationalAttributes")
        .into_iter()
        .flat_map(|o| o.children("attr"))
        .filter(|a| a.attr("name").is_some_and(|n| n.trim().starts_with("categorie")))
        .flat_map(values)
        .find(|v| !v.is_empty())
        .map(|v| AafCategory::parse(&v));
    let (Some(id), Some(category)) = (id, category.clone()) else {
        let (field, reason) = if category.is_none() {
            ("operationalAttributes", reason::CATEGORY_MISSING)
        } else {
            ("identifier/id", reason::REQUIRED_MISSING)
        };
        rejects.push(Reject::new(loc, field, "", reason));
        return (rejects, None);
    };
    if kind == RequestKind::Add && !added.insert((category.as_str().to_string(), id.clone())) {
        rejects.push(Reject::new(loc, "identifier/id", &id, reason::ID_DUPLICATE));
        return (rejects, None);
    }
    for a in &mut attributes {
        check(a, &loc, &mut rejects);
    }
    (rejects, Some((AafRequest { kind, category, id, attributes }, loc)))
}

/// A composite value's parser, reduced to its verdict.
type Composite = fn(&str) -> Result<(), &'static str>;

/// Birth dates to ISO and composites checked; a bad value is left blank.
fn check(a: &mut AafAttribute, loc: &str, rejects: &mut Vec<Reject>) {
    let date = DATE_ATTRIBUTES.contains(&a.name.as_str());
    let composite: Option<Composite> = match a.name.as_str() {
        "ENTElevePersRelEleve" => Some(|v| parse_pers_rel_eleve(v).map(drop)),
        "ENTPersonFonctions" => Some(|v| parse_fonction(v).map(drop)),
        "ENTEleveClasses" | "ENTEleveGroupes" => Some(|v| parse_structure_ref(v).map(drop)),
        _ => None,
    };
    if !date && composite.is_none() {
        return;
    }
    for v in a.values.iter_mut().filter(|v| !v.is_empty()) {
        let checked = if date {
            parse_date(v).map(|iso| iso.unwrap_or_default())
        } else {
            composite.map_or(Ok(()), |c| c(v)).map(|()| v.clone())
        };
        match checked {
            Ok(ok) => *v = ok,
            Err(reason) => {
                rejects.push(Reject::new(loc, &a.name, v, reason));
                v.clear();
            }
        }
    }
}
