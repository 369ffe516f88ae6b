//! The fonction and discipline de poste codes as STS-Web and the AAF give them
//! (formats.md §7; P9182 and P9222 as the ENT's training names them), for
//! the pickers and to read `CODE[/DISCIPLINE]` typed on the command line.

use serde::Serialize;

use crate::model::Function;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Code {
    pub code: &'static str,
    pub label: &'static str,
}

/// Fonction codes (STS `FONCTION`, AAF `ENTPersonFonctions`).
pub const FUNCTIONS: &[Code] = &[
    Code { code: "ENS", label: "ENSEIGNEMENT" },
    Code { code: "DIR", label: "DIRECTION" },
    Code { code: "EDU", label: "EDUCATION" },
    Code { code: "DOC", label: "DOCUMENTATION" },
    Code { code: "AED", label: "ASSISTANT D'EDUCATION" },
    Code { code: "ORI", label: "ORIENTATION" },
    Code { code: "ADF", label: "PERSONNELS ADMINISTRATIFS" },
    Code { code: "MDS", label: "PERSONNELS MEDICO-SOCIAUX" },
    Code { code: "CTR", label: "CHEF DE TRAVAUX" },
    Code { code: "LAB", label: "PERSONNELS DE LABORATOIRE" },
    Code { code: "AVS", label: "AUXILIAIRE DE VIE SCOLAIRE" },
    Code { code: "CFC", label: "CONSEILLER EN FORMATION CONTINUE" },
    Code { code: "OUV", label: "PERSONNELS OUVRIERS ET DE SERVICE" },
];

/// Disciplines de poste, with the fonction they go with.
pub const DISCIPLINES: &[(&str, Code)] = &[
    ("DIR", Code { code: "D0010", label: "DIRECTION CHEF D'ETABLISSEMENT" }),
    ("DIR", Code { code: "D0011", label: "DIRECTION ADJOINT AU CHEF ETABLISSEMENT" }),
    ("EDU", Code { code: "E0030", label: "EDUCATION (CE, CPE)" }),
    ("DOC", Code { code: "L0080", label: "DOCUMENTATION" }),
    ("AED", Code { code: "S0054", label: "ENCADRE. SUR. DES ELEVES (HORS INTERNAT)" }),
    ("AED", Code { code: "S0055", label: "ENCADRE. SUR. DES ELEVES (INTERNAT)" }),
    ("AED", Code { code: "S0056", label: "AIDE UTILISATION NOUVELLES TECHNOLOGIES" }),
    ("AED", Code { code: "S0093", label: "AIDE DEVOIRS ET LECONS" }),
    ("ORI", Code { code: "O0040", label: "ORIENTATION" }),
    ("ADF", Code { code: "P9101", label: "FONCTION ADMINISTRATIVE" }),
    ("ADF", Code { code: "P9182", label: "GESTION MATERIELLE" }),
    ("MDS", Code { code: "P9222", label: "SERVICE SOCIAL DES ELEVES" }),
    ("CTR", Code { code: "P2072", label: "CHEF DE TRAVAUX EQUIP.SERV.COLLECTIVITES" }),
];

pub fn function_label(code: &str) -> Option<&'static str> {
    FUNCTIONS.iter().find(|c| c.code == code).map(|c| c.label)
}

pub fn discipline_label(code: &str) -> Option<&'static str> {
    DISCIPLINES.iter().find(|(_, d)| d.code == code).map(|(_, d)| d.label)
}

/// `MDS/P9222` (or `MDS`) as a function, labelled; `None` when the fonction
/// code is not a code (2 to 5 letters) or the discipline not one (a letter
/// and 4 digits).
pub fn parse(text: &str) -> Option<Function> {
    let (code, discipline) = match text.trim().split_once('/') {
        Some((c, d)) => (c.trim().to_uppercase(), Some(d.trim().to_uppercase())),
        None => (text.trim().to_uppercase(), None),
    };
    if !(2..=5).contains(&code.len()) || !code.chars().all(|c| c.is_ascii_uppercase()) {
        return None;
    }
    if let Some(d) = &discipline {
        let b = d.as_bytes();
        if b.len() != 5 || !b[0].is_ascii_uppercase() || !b[1..].iter().all(u8::is_ascii_digit) {
            return None;
        }
    }
    let label =
        discipline.as_deref().and_then(discipline_label).or_else(|| function_label(&code)).unwrap_or("").to_string();
    Some(Function { code, discipline, label })
}

/// « MDS P9222 — SERVICE SOCIAL DES ELEVES ».
pub fn describe(f: &Function) -> String {
    let codes = match f.discipline.as_deref().filter(|d| *d != "-") {
        Some(d) => format!("{} {d}", f.code),
        None => f.code.clone(),
    };
    if f.label.is_empty() {
        codes
    } else {
        format!("{codes} — {}", f.label)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_typed_are_read_and_labelled() {
        let f = parse(" mds/p9222 ").unwrap();
        assert_eq!(
            (f.code.as_str(), f.discipline.as_deref(), f.label.as_str()),
            ("MDS", Some("P9222"), "SERVICE SOCIAL DES ELEVES")
        );
        assert_eq!(parse("EDU").unwrap().label, "EDUCATION");
        assert!(parse("MDS/9222").is_none());
        assert!(parse("M").is_none());
        assert!(parse("MDS/P92223").is_none());
        assert_eq!(describe(&parse("ADF/P9182").unwrap()), "ADF P9182 — GESTION MATERIELLE");
    }
}
