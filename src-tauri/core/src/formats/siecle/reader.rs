//! The streaming walk shared by the four BEE files: root and `VERSION`,
//! `PARAMETRES` → header, then each section of `DONNEES`, one record element
//! at a time, checked against what the file said earlier.

use std::collections::{HashMap, HashSet};

use super::super::detect::Detected;
use super::super::source::{Ctl, Input};
use super::super::xml::{Element, XmlEvent, XmlReader};
use super::super::{FileHeader, Format, FormatError, Item};
use super::{eleves, nomenclature, responsables, structures, text, Outcome, SiecleRecord};

/// The shape of one BEE file: its root, the sections of `DONNEES` with their
/// record element, and the sections without which the file is not usable.
struct Spec {
    root: &'static str,
    sections: &'static [(&'static str, &'static str)],
    required: &'static [&'static str],
}

fn spec(format: Format) -> Option<Spec> {
    Some(match format {
        Format::SiecleEleves => Spec {
            root: "BEE_ELEVES",
            sections: &[("ELEVES", "ELEVE"), ("OPTIONS", "OPTION"), ("STRUCTURES", "STRUCTURES_ELEVE")],
            required: &["ELEVES"],
        },
        Format::SiecleResponsables => Spec {
            root: "BEE_RESPONSABLES",
            sections: &[("PERSONNES", "PERSONNE"), ("RESPONSABLES", "RESPONSABLE_ELEVE"), ("ADRESSES", "ADRESSE")],
            required: &["PERSONNES", "RESPONSABLES"],
        },
        Format::SiecleStructures => Spec {
            root: "BEE_STRUCTURES",
            sections: &[("DIVISIONS", "DIVISION"), ("GROUPES", "GROUPE")],
            required: &["DIVISIONS"],
        },
        Format::SiecleNomenclature => Spec {
            root: "BEE_NOMENCLATURES",
            sections: &[("MEFS", "MEF"), ("MATIERES", "MATIERE")],
            required: &["MEFS"],
        },
        _ => return None,
    })
}

/// Identifiers met so far in one section, to check duplicates and the
/// references of later sections.
#[derive(Default)]
pub(crate) struct Ids {
    /// Whether the section was met at all (references are only checked then).
    pub seen: bool,
    pub accepted: HashSet<String>,
    pub rejected: HashSet<String>,
}

impl Ids {
    pub fn known(&self, id: &str) -> bool {
        self.accepted.contains(id) || self.rejected.contains(id)
    }

    pub fn record(&mut self, id: String, accepted: bool) {
        if accepted {
            self.accepted.insert(id);
        } else {
            self.rejected.insert(id);
        }
    }
}

/// What the reader remembers while streaming one file.
#[derive(Default)]
pub(crate) struct State {
    pub eleves: Ids,
    /// ELENOET → ELEVE_ID, for structures keyed by ELENOET only.
    pub elenoet: HashMap<String, String>,
    pub personnes: Ids,
    pub adresses: Ids,
    pub divisions: Ids,
    pub groupes: Ids,
    pub mefs: Ids,
    pub matieres: Ids,
}

type Sink<'s> = dyn FnMut(Item<SiecleRecord>) -> Result<(), FormatError> + 's;

pub(super) fn read(
    input: &Input,
    detected: &Detected,
    ctl: &mut Ctl<'_>,
    sink: &mut Sink<'_>,
) -> Result<(), FormatError> {
    let Some(spec) = spec(detected.format) else {
        return Err(FormatError::Unknown {
            file: input.name(),
            hint: format!("fichier {} et non un export XML de SIECLE", detected.format.as_str()),
        });
    };
    input.with_text(detected.entry, detected.encoding, ctl, |text| {
        let mut xml = XmlReader::new(input, text);
        walk(input, &mut xml, &spec, sink)
    })
}

fn walk(input: &Input, xml: &mut XmlReader<'_, '_>, spec: &Spec, sink: &mut Sink<'_>) -> Result<(), FormatError> {
    let (root, attrs) = loop {
        match xml.next_event()? {
            Some(XmlEvent::Start { name, attrs }) => break (name, attrs),
            Some(_) => {}
            None => return Err(FormatError::MissingElement { file: input.name(), element: spec.root.to_string() }),
        }
    };
    if root != spec.root {
        return Err(FormatError::Unknown {
            file: input.name(),
            hint: format!("élément racine « {root} » au lieu de « {} »", spec.root),
        });
    }
    let version = attrs.iter().find(|(k, _)| k == "VERSION").map(|(_, v)| v.trim().to_string());
    let mut header = Some(FileHeader { version, ..FileHeader::default() });
    let mut state = State::default();
    let mut met: Vec<&str> = Vec::new();
    let mut donnees = false;
    while let Some(ev) = xml.next_event()? {
        match ev {
            XmlEvent::Start { name, attrs } if name == "PARAMETRES" && header.is_some() => {
                let el = xml.read_element(name, attrs)?;
                if let Some(mut h) = header.take() {
                    fill_header(&mut h, &el);
                    sink(Item::Header(h))?;
                }
            }
            XmlEvent::Start { name, .. } if name == "DONNEES" => {
                // A file without PARAMETRES still gets its header (VERSION) first.
                if let Some(h) = header.take() {
                    sink(Item::Header(h))?;
                }
                donnees = true;
                read_donnees(xml, spec, &mut state, &mut met, sink)?;
            }
            XmlEvent::Start { .. } => xml.skip()?,
            XmlEvent::End => break,
            XmlEvent::Text(_) => {}
        }
    }
    // Whatever follows the root must still be well-formed.
    while xml.next_event()?.is_some() {}
    if !donnees {
        return Err(FormatError::MissingElement { file: input.name(), element: format!("{}/DONNEES", spec.root) });
    }
    if let Some(missing) = spec.required.iter().find(|s| !met.contains(s)) {
        return Err(FormatError::MissingElement { file: input.name(), element: format!("DONNEES/{missing}") });
    }
    Ok(())
}

fn fill_header(h: &mut FileHeader, el: &Element) {
    h.uai = text(el, "UAJ");
    // `2026`, tolerated `2026-2027`: the first year.
    let year = text(el, "ANNEE_SCOLAIRE");
    let first = year.as_deref().and_then(|y| y.split(|c: char| !c.is_ascii_digit()).next());
    h.school_year = first.and_then(|y| y.parse::<i32>().ok()).filter(|y| (1900..=2200).contains(y));
    h.exported_at = text(el, "HORODATAGE").or_else(|| text(el, "DATE_EXPORT"));
}

fn read_donnees<'s>(
    xml: &mut XmlReader<'_, '_>,
    spec: &'s Spec,
    state: &mut State,
    met: &mut Vec<&'s str>,
    sink: &mut Sink<'_>,
) -> Result<(), FormatError> {
    while let Some(ev) = xml.next_event()? {
        match ev {
            XmlEvent::Start { name, .. } => match spec.sections.iter().find(|(s, _)| *s == name) {
                Some((section, record)) => {
                    met.push(section);
                    mark_seen(state, section);
                    read_section(xml, record, state, sink)?;
                }
                None => xml.skip()?,
            },
            XmlEvent::End => return Ok(()),
            XmlEvent::Text(_) => {}
        }
    }
    Err(FormatError::Truncated { file: xml.file().to_string(), location: xml.location() })
}

fn mark_seen(state: &mut State, section: &str) {
    match section {
        "ELEVES" => state.eleves.seen = true,
        "PERSONNES" => state.personnes.seen = true,
        "ADRESSES" => state.adresses.seen = true,
        "DIVISIONS" => state.divisions.seen = true,
        "GROUPES" => state.groupes.seen = true,
        "MEFS" => state.mefs.seen = true,
        "MATIERES" => state.matieres.seen = true,
        _ => {}
    }
}

fn read_section(
    xml: &mut XmlReader<'_, '_>,
    record: &str,
    state: &mut State,
    sink: &mut Sink<'_>,
) -> Result<(), FormatError> {
    while let Some(ev) = xml.next_event()? {
        match ev {
            XmlEvent::Start { name, attrs } if name == record => {
                let line = xml.line();
                let el = xml.read_element(name, attrs)?;
                let Outcome { rejects, record } = handle(&el, line, state);
                for r in rejects {
                    sink(Item::Reject(r))?;
                }
                if let Some((r, loc)) = record {
                    sink(Item::Record(r, loc))?;
                }
            }
            XmlEvent::Start { .. } => xml.skip()?,
            XmlEvent::End => return Ok(()),
            XmlEvent::Text(_) => {}
        }
    }
    Err(FormatError::Truncated { file: xml.file().to_string(), location: xml.location() })
}

fn handle(el: &Element, line: u64, state: &mut State) -> Outcome {
    match el.name.as_str() {
        "ELEVE" => eleves::eleve(el, line, state),
        "OPTION" => eleves::options(el, line, state),
        "STRUCTURES_ELEVE" => eleves::structures(el, line, state),
        "PERSONNE" => responsables::personne(el, line, state),
        "RESPONSABLE_ELEVE" => responsables::responsable(el, line, state),
        "ADRESSE" => responsables::adresse(el, line, state),
        "DIVISION" => structures::division(el, line, state),
        "GROUPE" => structures::groupe(el, line, state),
        "MEF" => nomenclature::mef(el, line, state),
        "MATIERE" => nomenclature::matiere(el, line, state),
        _ => Outcome { rejects: Vec::new(), record: None },
    }
}
