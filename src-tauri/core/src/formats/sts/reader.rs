//! The `STS_EDT` pull reader: walks the document, reads each record element
//! into a small tree and turns it into a record plus its rejects.

use std::collections::HashSet;

use super::{
    reason, Civilite, Discipline, Division, Enseignant, Groupe, Individu, Matiere, Mef, Parametres, ProfPrinc, Service,
    StsRecord,
};
use crate::formats::detect::Detected;
use crate::formats::source::{Ctl, Input};
use crate::formats::xml::{Element, XmlEvent, XmlReader};
use crate::formats::{date_fr_to_iso, date_iso, FileHeader, FormatError, Item, Reject};
use compact_str::CompactString;

const ROOT: &str = "STS_EDT";

type Sink<'a> = &'a mut dyn FnMut(Item<StsRecord>) -> Result<(), FormatError>;

/// Elements only walked through: their children are the records.
const CONTAINERS: &[&str] = &[
    "STS_EDT",
    "STS_EDT/NOMENCLATURES",
    "STS_EDT/NOMENCLATURES/MATIERES",
    "STS_EDT/NOMENCLATURES/CIVILITES",
    "STS_EDT/NOMENCLATURES/MEFS",
    "STS_EDT/DONNEES",
    "STS_EDT/DONNEES/SUPPLEANTS",
    "STS_EDT/DONNEES/STRUCTURE",
    "STS_EDT/DONNEES/STRUCTURE/DIVISIONS",
    "STS_EDT/DONNEES/STRUCTURE/GROUPES",
];

#[derive(Default)]
struct State {
    header_sent: bool,
    /// Every `INDIVIDU@ID` and `SUPPLEANT@ID` met, kept or not, so that a
    /// rejected individual does not cascade into its services.
    people: HashSet<String>,
    people_seen: bool,
    /// (kind, code) of the nomenclature and structure entries kept.
    codes: HashSet<(char, String)>,
}

pub(super) fn read(input: &Input, detected: &Detected, ctl: &mut Ctl<'_>, sink: Sink<'_>) -> Result<(), FormatError> {
    input.with_text(detected.entry, detected.encoding, ctl, |text| {
        let mut xml = XmlReader::new(input, text);
        let mut st = State::default();
        while let Some(event) = xml.next_event()? {
            let XmlEvent::Start { name, attrs } = event else { continue };
            if xml.depth() == 1 && name != ROOT {
                return Err(FormatError::Unknown {
                    file: input.name(),
                    hint: format!("élément racine « {name} » au lieu de {ROOT}"),
                });
            }
            let path = xml.path().to_string();
            let line = xml.line();
            if CONTAINERS.contains(&path.as_str()) {
                continue;
            }
            match path.as_str() {
                "STS_EDT/DONNEES/INDIVIDUS" => st.people_seen = true,
                "STS_EDT/PARAMETRES" => {
                    let el = xml.read_element(name, attrs)?;
                    parametres(&el, line, input, &mut st, sink)?;
                }
                "STS_EDT/DONNEES/SUPPLEANTS/SUPPLEANT" => {
                    if let Some(id) = attr(&attrs, "ID") {
                        st.people.insert(id);
                    }
                    xml.skip()?;
                }
                "STS_EDT/NOMENCLATURES/MATIERES/MATIERE"
                | "STS_EDT/NOMENCLATURES/CIVILITES/CIVILITE"
                | "STS_EDT/NOMENCLATURES/MEFS/MEF"
                | "STS_EDT/DONNEES/INDIVIDUS/INDIVIDU"
                | "STS_EDT/DONNEES/STRUCTURE/DIVISIONS/DIVISION"
                | "STS_EDT/DONNEES/STRUCTURE/GROUPES/GROUPE" => {
                    if !st.header_sent {
                        return Err(missing(input, "PARAMETRES/UAJ"));
                    }
                    let el = xml.read_element(name, attrs)?;
                    let (rejects, record) = record(&el, line, &mut st);
                    for r in rejects {
                        sink(Item::Reject(r))?;
                    }
                    if let Some((record, loc)) = record {
                        sink(Item::Record(record, loc))?;
                    }
                }
                _ => xml.skip()?,
            }
        }
        if !st.header_sent {
            return Err(missing(input, "PARAMETRES/UAJ"));
        }
        Ok(())
    })
}

fn missing(input: &Input, element: &str) -> FormatError {
    FormatError::MissingElement { file: input.name(), element: element.to_string() }
}

fn attr(attrs: &[(CompactString, CompactString)], name: &str) -> Option<String> {
    attrs.iter().find(|(k, _)| k == name).map(|(_, v)| v.trim().to_string()).filter(|v| !v.is_empty())
}

/// Trimmed text of a child; `None` when absent or empty.
fn text(el: &Element, name: &str) -> Option<String> {
    el.child_text(name).map(str::to_string)
}

/// A key given as an attribute or, tolerated, as a child element.
fn key(el: &Element, names: &[&str]) -> Option<String> {
    names
        .iter()
        .find_map(|n| el.attr(n).map(str::trim).filter(|v| !v.is_empty()).map(str::to_string).or_else(|| text(el, n)))
}

/// Problems met in one record element: a *dropping* one leaves the record
/// out, a *blanking* one keeps it with the field empty.
struct Rec {
    loc: String,
    rejects: Vec<Reject>,
    dropped: bool,
}

impl Rec {
    /// `ligne 57, INDIVIDU[ID=1234]`: the line and the record's key.
    fn new(line: u64, element: &str, key: &str, id: Option<&str>) -> Rec {
        let loc = match id {
            Some(id) => format!("ligne {line}, {element}[{key}={id}]"),
            None => format!("ligne {line}, {element}"),
        };
        Rec { loc, rejects: Vec::new(), dropped: false }
    }

    fn drop_with(&mut self, field: &str, value: &str, reason: &str) {
        self.rejects.push(Reject::new(self.loc.clone(), field, value, reason));
        self.dropped = true;
    }

    fn blank_with(&mut self, field: &str, value: &str, reason: &str) {
        self.rejects.push(Reject::new(self.loc.clone(), field, value, reason));
    }

    /// An ISO date (a French `jj/mm/aaaa` one is tolerated); an invalid date
    /// is left blank: the person or structure still matters.
    fn date(&mut self, field: &str, raw: Option<String>) -> Option<String> {
        let raw = raw?;
        let iso = date_iso(&raw).or_else(|| date_fr_to_iso(&raw));
        if iso.is_none() {
            self.blank_with(field, &raw, reason::DATE_INVALID);
        }
        iso
    }

    fn finish(self, record: StsRecord) -> (Vec<Reject>, Option<(StsRecord, String)>) {
        let record = (!self.dropped).then_some((record, self.loc));
        (self.rejects, record)
    }
}

fn parametres(el: &Element, line: u64, input: &Input, st: &mut State, sink: Sink<'_>) -> Result<(), FormatError> {
    let uaj = el.child("UAJ");
    // STS writes `<UAJ CODE="…">`; a BEE-style `<UAJ>…</UAJ>` is tolerated.
    let uai = uaj
        .and_then(|u| u.attr("CODE").map(str::trim).filter(|c| !c.is_empty()).map(str::to_string))
        .or_else(|| uaj.map(|u| u.text.trim().to_string()).filter(|t| !t.is_empty()))
        .ok_or_else(|| missing(input, "PARAMETRES/UAJ@CODE"))?;
    let mut rec = Rec::new(line, "PARAMETRES", "UAJ", Some(&uai));
    let year_el = el.child("ANNEE_SCOLAIRE");
    let raw_year = year_el.and_then(|y| {
        y.attr("ANNEE")
            .map(str::trim)
            .filter(|a| !a.is_empty())
            .map(str::to_string)
            .or_else(|| Some(y.text.trim().to_string()).filter(|t| !t.is_empty()))
    });
    let annee = raw_year.and_then(|y| {
        // Four digits, and a year a school could be in: it is compared and
        // printed with the next one.
        let ok = y.len() == 4
            && y.bytes().all(|b| b.is_ascii_digit())
            && y.parse::<i32>().is_ok_and(|y| (1900..=2200).contains(&y));
        if !ok {
            rec.blank_with("ANNEE_SCOLAIRE@ANNEE", &y, reason::YEAR_INVALID);
        }
        ok.then_some(y)
    });
    let date_debut = rec.date("ANNEE_SCOLAIRE/DATE_DEBUT", year_el.and_then(|y| text(y, "DATE_DEBUT")));
    let date_fin = rec.date("ANNEE_SCOLAIRE/DATE_FIN", year_el.and_then(|y| text(y, "DATE_FIN")));
    let field = |name: &str| uaj.and_then(|u| text(u, name));
    let academie = uaj.and_then(|u| u.child("ACADEMIE"));
    let p = Parametres {
        academie_code: academie.and_then(|a| text(a, "CODE")),
        academie_libelle: academie.and_then(|a| text(a, "LIBELLE")),
        sigle: field("SIGLE"),
        denom_princ: field("DENOM_PRINC"),
        denom_compl: field("DENOM_COMPL"),
        code_nature: field("CODE_NATURE"),
        code_categorie: field("CODE_CATEGORIE"),
        adresse: field("ADRESSE"),
        commune: field("COMMUNE"),
        code_postal: field("CODE_POSTAL"),
        boite_postale: field("BOITE_POSTALE"),
        cedex: field("CEDEX"),
        telephone: field("TELEPHONE"),
        statut: field("STATUT"),
        etablissement_sensible: field("ETABLISSEMENT_SENSIBLE"),
        uai: uai.clone(),
        annee: annee.clone(),
        date_debut,
        date_fin,
    };
    let header = FileHeader {
        uai: Some(uai),
        school_year: annee.and_then(|y| y.parse().ok()),
        exported_at: None,
        software: None,
        version: None,
    };
    st.header_sent = true;
    sink(Item::Header(header))?;
    let (rejects, record) = rec.finish(StsRecord::Parametres(p));
    for r in rejects {
        sink(Item::Reject(r))?;
    }
    if let Some((record, loc)) = record {
        sink(Item::Record(record, loc))?;
    }
    Ok(())
}

/// One nomenclature, individual or structure element.
fn record(el: &Element, line: u64, st: &mut State) -> (Vec<Reject>, Option<(StsRecord, String)>) {
    match el.name.as_str() {
        "INDIVIDU" => individu(el, line, st),
        "DIVISION" | "GROUPE" => structure(el, line, st),
        _ => nomenclature(el, line, st),
    }
}

fn nomenclature(el: &Element, line: u64, st: &mut State) -> (Vec<Reject>, Option<(StsRecord, String)>) {
    let (kind, alt) = match el.name.as_str() {
        "MATIERE" => ('M', "CODE_MATIERE"),
        "MEF" => ('F', "CODE_MEF"),
        _ => ('C', "CODE"),
    };
    let code = key(el, &["CODE", alt]);
    let mut rec = Rec::new(line, &el.name, "CODE", code.as_deref());
    let code = unique_code(&mut rec, st, kind, code);
    let record = match kind {
        'M' => StsRecord::Matiere(Matiere {
            code,
            code_gestion: text(el, "CODE_GESTION"),
            libelle_court: text(el, "LIBELLE_COURT"),
            libelle_long: text(el, "LIBELLE_LONG"),
            libelle_edition: text(el, "LIBELLE_EDITION"),
        }),
        'F' => StsRecord::Mef(Mef {
            code,
            formation: text(el, "FORMATION"),
            libelle_long: text(el, "LIBELLE_LONG"),
            libelle_edition: text(el, "LIBELLE_EDITION"),
        }),
        _ => StsRecord::Civilite(Civilite {
            code,
            libelle_court: text(el, "LIBELLE_COURT"),
            libelle_long: text(el, "LIBELLE_LONG"),
        }),
    };
    rec.finish(record)
}

/// A required code, unique per kind: the first occurrence wins.
fn unique_code(rec: &mut Rec, st: &mut State, kind: char, code: Option<String>) -> String {
    match code {
        None => {
            rec.drop_with("CODE", "", reason::REQUIRED_MISSING);
            String::new()
        }
        Some(code) => {
            if !st.codes.insert((kind, code.clone())) {
                rec.drop_with("CODE", &code, reason::CODE_DUPLICATE);
            }
            code
        }
    }
}

fn individu(el: &Element, line: u64, st: &mut State) -> (Vec<Reject>, Option<(StsRecord, String)>) {
    let id = key(el, &["ID"]);
    let mut rec = Rec::new(line, "INDIVIDU", "ID", id.as_deref());
    let id = match id {
        None => {
            rec.drop_with("ID", "", reason::REQUIRED_MISSING);
            String::new()
        }
        Some(id) => {
            if !st.people.insert(id.clone()) {
                rec.drop_with("ID", &id, reason::ID_DUPLICATE);
            }
            id
        }
    };
    let nom_usage = text(el, "NOM_USAGE").unwrap_or_else(|| {
        rec.drop_with("NOM_USAGE", "", reason::REQUIRED_MISSING);
        String::new()
    });
    let sexe = text(el, "SEXE").and_then(|s| {
        let ok = s == "1" || s == "2";
        if !ok {
            rec.blank_with("SEXE", &s, reason::SEX_INVALID);
        }
        ok.then_some(s)
    });
    let date_naissance = rec.date("DATE_NAISSANCE", text(el, "DATE_NAISSANCE"));
    let mut profs_principaux = Vec::new();
    for pp in el.children("PROFS_PRINC").flat_map(|w| w.children("PROF_PRINC")) {
        let Some(code_structure) = key(pp, &["CODE_STRUCTURE"]) else {
            rec.blank_with("PROF_PRINC/CODE_STRUCTURE", "", reason::REQUIRED_MISSING);
            continue;
        };
        let date_debut = rec.date("PROF_PRINC/DATE_DEBUT", text(pp, "DATE_DEBUT"));
        let date_fin = rec.date("PROF_PRINC/DATE_FIN", text(pp, "DATE_FIN"));
        profs_principaux.push(ProfPrinc { code_structure, date_debut, date_fin });
    }
    let mut disciplines = Vec::new();
    for d in el.children("DISCIPLINES").flat_map(|w| w.children("DISCIPLINE")) {
        let Some(code) = key(d, &["CODE"]) else {
            rec.blank_with("DISCIPLINE@CODE", "", reason::REQUIRED_MISSING);
            continue;
        };
        disciplines.push(Discipline { code, libelle_court: text(d, "LIBELLE_COURT"), nb_heures: text(d, "NB_HEURES") });
    }
    let individu = Individu {
        id,
        kind: el.attr("TYPE").map(str::trim).filter(|t| !t.is_empty()).map(str::to_string),
        sexe,
        civilite: text(el, "CIVILITE"),
        nom_usage,
        nom_patronymique: text(el, "NOM_PATRONYMIQUE"),
        prenom: text(el, "PRENOM"),
        date_naissance,
        grade: text(el, "GRADE"),
        fonction: text(el, "FONCTION"),
        profs_principaux,
        disciplines,
    };
    rec.finish(StsRecord::Individu(individu))
}

fn structure(el: &Element, line: u64, st: &mut State) -> (Vec<Reject>, Option<(StsRecord, String)>) {
    let code = key(el, &["CODE", "CODE_STRUCTURE"]);
    let mut rec = Rec::new(line, &el.name, "CODE", code.as_deref());
    let kind = if el.name == "DIVISION" { 'D' } else { 'G' };
    let code = unique_code(&mut rec, st, kind, code);
    let mefs = codes(el, "MEFS_APPARTENANCE", "MEF_APPARTENANCE", &["CODE", "CODE_MEF"]);
    let services = services(el, &mut rec, st);
    let record = if kind == 'D' {
        StsRecord::Division(Division {
            code,
            libelle_long: text(el, "LIBELLE_LONG"),
            effectif_prevu: text(el, "EFFECTIF_PREVU"),
            mefs,
            services,
        })
    } else {
        StsRecord::Groupe(Groupe {
            code,
            libelle_long: text(el, "LIBELLE_LONG"),
            effectif_prevu: text(el, "EFFECTIF_PREVU"),
            divisions: codes(el, "DIVISIONS_APPARTENANCE", "DIVISION_APPARTENANCE", &["CODE", "CODE_STRUCTURE"]),
            mefs,
            services,
        })
    };
    rec.finish(record)
}

/// Keys of `wrapper/item` lists (`MEFS_APPARTENANCE/MEF_APPARTENANCE@CODE`).
fn codes(el: &Element, wrapper: &str, item: &str, names: &[&str]) -> Vec<String> {
    el.children(wrapper).flat_map(|w| w.children(item)).filter_map(|i| key(i, names)).collect()
}

fn services(el: &Element, rec: &mut Rec, st: &State) -> Vec<Service> {
    let mut out = Vec::new();
    for s in el.children("SERVICES").flat_map(|w| w.children("SERVICE")) {
        let Some(code_matiere) = key(s, &["CODE_MATIERE"]) else {
            rec.blank_with("SERVICE@CODE_MATIERE", "", reason::REQUIRED_MISSING);
            continue;
        };
        let mut enseignants = Vec::new();
        for e in s.children("ENSEIGNANTS").flat_map(|w| w.children("ENSEIGNANT")) {
            let Some(id) = key(e, &["ID"]) else {
                rec.blank_with("ENSEIGNANT@ID", "", reason::REQUIRED_MISSING);
                continue;
            };
            // Only checkable once the individuals have been read (they come first).
            if st.people_seen && !st.people.contains(&id) {
                rec.blank_with("ENSEIGNANT@ID", &id, reason::TEACHER_UNKNOWN);
                continue;
            }
            let kind = e.attr("TYPE").map(str::trim).filter(|t| !t.is_empty()).map(str::to_string);
            enseignants.push(Enseignant { id, kind });
        }
        let code_mod_cours = s.attr("CODE_MOD_COURS").map(str::trim).filter(|t| !t.is_empty()).map(str::to_string);
        out.push(Service { code_matiere, code_mod_cours, enseignants });
    }
    out
}
