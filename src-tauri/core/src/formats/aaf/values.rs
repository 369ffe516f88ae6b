//! Typed readings of the AAF's `$`-joined values and of its file names.
//! Each parser returns the reject reason code on a malformed value.

use serde::{Deserialize, Serialize};

use super::reason;
use crate::formats::{date_fr_to_iso, date_iso};

/// `ENTElevePersRelEleve`: `personJointure$codeParenté$financier$niveauResp$contact$paiement`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PersRelEleve {
    /// The responsable's `ENTPersonJointure`.
    pub person: String,
    /// Code parenté (SIECLE `CODE_PARENTE`: 10 mère, 20 père…; 1–7 in old feeds).
    pub relationship: String,
    pub financial: bool,
    /// `1` représentant légal, `2` personne en charge, `0` neither (contact).
    pub level: u8,
    pub contact: bool,
    pub payment: bool,
}

impl PersRelEleve {
    pub fn is_legal(&self) -> bool {
        self.level == 1
    }

    pub fn is_in_charge(&self) -> bool {
        self.level == 2
    }

    /// The value as the files write it.
    pub fn to_value(&self) -> String {
        let b = |f: bool| if f { "1" } else { "0" };
        format!(
            "{}${}${}${}${}${}",
            self.person,
            self.relationship,
            b(self.financial),
            self.level,
            b(self.contact),
            b(self.payment)
        )
    }
}

/// A `0`/`1` flag; an empty field (truncated old feeds) is `0`.
fn flag(field: Option<&str>) -> Result<bool, &'static str> {
    match field.map(str::trim) {
        None | Some("") | Some("0") => Ok(false),
        Some("1") => Ok(true),
        Some(_) => Err(reason::COMPOSITE_INVALID),
    }
}

pub fn parse_pers_rel_eleve(value: &str) -> Result<PersRelEleve, &'static str> {
    let fields: Vec<&str> = value.split('$').map(str::trim).collect();
    let [person, relationship, financial, level, rest @ ..] = fields.as_slice() else {
        return Err(reason::COMPOSITE_INVALID);
    };
    if person.is_empty() || rest.len() > 2 {
        return Err(reason::COMPOSITE_INVALID);
    }
    let level = match level.as_bytes() {
        [d] if d.is_ascii_digit() => d - b'0',
        [] => 0,
        _ => return Err(reason::COMPOSITE_INVALID),
    };
    Ok(PersRelEleve {
        person: person.to_string(),
        relationship: relationship.to_string(),
        financial: flag(Some(financial))?,
        level,
        contact: flag(rest.first().copied())?,
        payment: flag(rest.get(1).copied())?,
    })
}

/// `ENTPersonFonctions`: `struct$FONCTION$LIBELLE$DISCIPLINE$LIBELLE`
/// (`50187$ENS$ENSEIGNEMENT$L1700$EDUCATION MUSICALE`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PersonFonction {
    /// `ENTStructureJointure` of the establishment.
    pub structure: String,
    /// Fonction code (`ENS`, `DIR`…).
    pub code: String,
    pub label: Option<String>,
    /// Discipline de poste (`L1700`; `-` for « sans objet »).
    pub discipline: Option<String>,
    pub discipline_label: Option<String>,
}

pub fn parse_fonction(value: &str) -> Result<PersonFonction, &'static str> {
    let mut fields = value.splitn(5, '$').map(str::trim);
    let mut next = || fields.next().filter(|f| !f.is_empty()).map(str::to_string);
    let (Some(structure), Some(code)) = (next(), next()) else { return Err(reason::COMPOSITE_INVALID) };
    Ok(PersonFonction { structure, code, label: next(), discipline: next(), discipline_label: next() })
}

/// `ENTEleveClasses`, `ENTEleveGroupes`, `ENTAuxEnsClasses`…: `struct$CODE`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StructureRef {
    pub structure: String,
    /// Division or group code, as in SIECLE and STS (`4A`, `T CAP`).
    pub code: String,
}

pub fn parse_structure_ref(value: &str) -> Result<StructureRef, &'static str> {
    match value.split_once('$') {
        Some((s, c)) if !s.trim().is_empty() && !c.trim().is_empty() => {
            Ok(StructureRef { structure: s.trim().to_string(), code: c.trim().to_string() })
        }
        _ => Err(reason::COMPOSITE_INVALID),
    }
}

/// `ENTAuxEnsClassesMatieres` / `ENTAuxEnsGroupesMatieres`: `struct$CODE$codeMatière`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StructureSubject {
    pub structure: String,
    pub code: String,
    pub subject: String,
}

pub fn parse_structure_subject(value: &str) -> Result<StructureSubject, &'static str> {
    let fields: Vec<&str> = value.split('$').map(str::trim).collect();
    match fields.as_slice() {
        [s, c, m] if !s.is_empty() && !c.is_empty() && !m.is_empty() => {
            Ok(StructureSubject { structure: s.to_string(), code: c.to_string(), subject: m.to_string() })
        }
        _ => Err(reason::COMPOSITE_INVALID),
    }
}

/// A `jj/mm/aaaa` value as ISO; `Ok(None)` when empty. ISO input is accepted
/// as is (records already hold ISO birth dates).
pub fn parse_date(value: &str) -> Result<Option<String>, &'static str> {
    let v = value.trim();
    if v.is_empty() {
        return Ok(None);
    }
    date_fr_to_iso(v).or_else(|| date_iso(v)).map(Some).ok_or(reason::DATE_INVALID)
}

/// What an AAF file name says: `ENT_0999001W_Complet_20260901_Eleve_0000.xml`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AafFileName {
    /// Everything before `_Complet` / `_Delta` (`ENT_0999001W`).
    pub prefix: String,
    /// The UAI when the prefix holds one.
    pub uai: Option<String>,
    /// `Complet` (true) or `Delta` (false).
    pub full: bool,
    /// The export date, ISO.
    pub date: Option<String>,
    /// The category as named in the file name (`Eleve`, `MatiereEducNat`…).
    pub category: String,
    pub chunk: u32,
}

pub fn parse_file_name(name: &str) -> Option<AafFileName> {
    let base = name.rsplit(['/', '\\']).next().unwrap_or(name);
    let stem = base.strip_suffix(".xml").or_else(|| base.strip_suffix(".XML"))?;
    let mut parts = stem.rsplitn(4, '_');
    let chunk = parts.next()?;
    let category = parts.next()?;
    let date = parts.next()?;
    let head = parts.next()?;
    let (prefix, full) = if let Some(p) = head.strip_suffix("_Complet") {
        (p, true)
    } else if let Some(p) = head.strip_suffix("_Delta") {
        (p, false)
    } else {
        return None;
    };
    let chunk = if chunk.len() == 4 { chunk.parse().ok()? } else { return None };
    let date = (date.len() == 8 && date.bytes().all(|b| b.is_ascii_digit()))
        .then(|| date_iso(&format!("{}-{}-{}", &date[..4], &date[4..6], &date[6..])))
        .flatten();
    let uai = prefix
        .split('_')
        .find(|t| matches!(t.as_bytes(), [d @ .., l] if d.len() == 7 && d.iter().all(u8::is_ascii_digit) && l.is_ascii_alphabetic()))
        .map(str::to_uppercase);
    Some(AafFileName { prefix: prefix.to_string(), uai, full, date, category: category.to_string(), chunk })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn composites() {
        let r = parse_pers_rel_eleve("2866652$4$0$0$1$0").unwrap();
        assert_eq!((r.person.as_str(), r.relationship.as_str(), r.level, r.contact), ("2866652", "4", 0, true));
        assert_eq!(r.to_value(), "2866652$4$0$0$1$0");
        assert!(parse_pers_rel_eleve("2866652$4$0$12$1$0").is_err());
        assert!(parse_pers_rel_eleve("2866652$4").is_err());
        assert!(parse_pers_rel_eleve("2866652$4$x$1").is_err());
        assert!(parse_pers_rel_eleve("$4$0$1$0$0").is_err());
        assert!(parse_pers_rel_eleve("2$4$0$1").unwrap().is_legal());
        let f = parse_fonction("50245$AED$ASSISTANT D'EDUCATION$-$SANS OBJET").unwrap();
        assert_eq!(f.discipline.as_deref(), Some("-"));
        let f = parse_fonction("1$MDS$PERSONNELS MEDICO-SOCIAUX$$").unwrap();
        assert_eq!((f.code.as_str(), f.discipline), ("MDS", None));
        assert!(parse_fonction("ENS").is_err());
        assert_eq!(parse_structure_ref("52007$T CAP").unwrap().code, "T CAP");
        assert!(parse_structure_ref("52007$").is_err());
        assert_eq!(parse_structure_subject("55794$1S2$006600").unwrap().subject, "006600");
        assert_eq!(parse_date("14/09/1995"), Ok(Some("1995-09-14".into())));
        assert_eq!(parse_date(""), Ok(None));
        assert_eq!(parse_date("31/02/2010"), Err("DATE_INVALID"));
    }

    #[test]
    fn file_names() {
        let f = parse_file_name("ENT_0999001W_Complet_20260901_Eleve_0001.xml").unwrap();
        assert_eq!(f.uai.as_deref(), Some("0999001W"));
        assert!(f.full);
        assert_eq!((f.date.as_deref(), f.category.as_str(), f.chunk), (Some("2026-09-01"), "Eleve", 1));
        let f = parse_file_name("FULL_ENTTSSERVICES_Complet_20130117_PersRelEleve_0003.xml").unwrap();
        assert_eq!((f.uai, f.prefix.as_str()), (None, "FULL_ENTTSSERVICES"));
        assert!(!parse_file_name("x/ENT_0999001W_Delta_20260915_Eleve_0000.xml").unwrap().full);
        assert_eq!(parse_file_name("Eleve.xml"), None);
        assert_eq!(parse_file_name("é_Complet_2026_Eleve_0000.xml").map(|f| f.date), Some(None));
    }
}
