//! The list behind a check, made readable: titled columns and one line of
//! text per cell — people by name with their class, links in words, dates
//! as jj/mm/aaaa — so the window's table and its CSV say the same thing
//! and never show a raw structure or an internal id.

use std::collections::HashMap;

use serde::Serialize;
use serde_json::Value;

/// A drill-down list: column titles (French) and rows of cells.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct List {
    pub columns: Vec<String>,
    pub rows: Vec<Vec<String>>,
}

/// Pupils by id, as a line (« DUPONT Léa (6A) »), to name the children a
/// responsable answers for.
pub type People = HashMap<String, String>;

/// SIECLE `CODE_PARENTE` in words.
pub fn relationship(code: &str) -> String {
    match code.trim() {
        "10" => "mère".into(),
        "20" => "père".into(),
        "37" => "frère ou sœur".into(),
        "38" => "ascendant (grand-parent…)".into(),
        "39" => "autre membre de la famille".into(),
        "41" => "éducateur".into(),
        "42" => "assistant familial".into(),
        "50" => "tuteur".into(),
        "51" => "aide sociale à l'enfance".into(),
        "70" => "l'élève lui-même".into(),
        "90" => "autre cas".into(),
        "" => "non précisé".into(),
        _ => "autre lien".into(),
    }
}

/// `AAAA-MM-JJ` → `JJ/MM/AAAA`; any other text as it is.
pub fn date(text: &str) -> String {
    match chrono::NaiveDate::parse_from_str(text.trim(), "%Y-%m-%d") {
        Ok(d) => d.format("%d/%m/%Y").to_string(),
        Err(_) => text.to_string(),
    }
}

fn str_of<'a>(v: &'a Value, key: &str) -> &'a str {
    v.get(key).and_then(Value::as_str).unwrap_or("")
}

fn strings(v: &Value, key: &str) -> Vec<String> {
    match v.get(key) {
        Some(Value::Array(a)) => a.iter().filter_map(|x| x.as_str().map(str::to_string)).collect(),
        Some(Value::String(s)) if !s.is_empty() => vec![s.clone()],
        _ => Vec::new(),
    }
}

/// « NOM Prénom », from a person item (`nom`, `prenom`).
fn name(v: &Value) -> String {
    let n =
        [str_of(v, "nom"), str_of(v, "prenom")].iter().filter(|s| !s.trim().is_empty()).cloned().collect::<Vec<_>>();
    if n.is_empty() {
        "(sans nom)".into()
    } else {
        n.join(" ")
    }
}

fn classes(v: &Value) -> String {
    strings(v, "classes").join(", ")
}

/// The children named by their ids, each « NOM Prénom (classe) ».
fn children(v: &Value, people: &People) -> String {
    strings(v, "eleves")
        .iter()
        .map(|id| people.get(id).cloned().unwrap_or_else(|| "élève qui n'est plus dans l'établissement".into()))
        .collect::<Vec<_>>()
        .join(" ; ")
}

fn count(v: &Value, key: &str) -> String {
    v.get(key).and_then(Value::as_u64).map(|n| n.to_string()).unwrap_or_default()
}

fn list(columns: &[&str], rows: Vec<Vec<String>>) -> List {
    List { columns: columns.iter().map(|c| c.to_string()).collect(), rows }
}

/// Any value as text, for a list of a shape not known here: people by name,
/// lists joined, nothing raw.
fn text(v: &Value) -> String {
    match v {
        Value::Null => String::new(),
        Value::Bool(b) => if *b { "oui" } else { "non" }.into(),
        Value::Number(n) => n.to_string(),
        Value::String(s) => date(s),
        Value::Array(a) => a.iter().map(text).filter(|s| !s.is_empty()).collect::<Vec<_>>().join(" ; "),
        Value::Object(o) if o.contains_key("nom") => name(v),
        Value::Object(o) => o.values().map(text).filter(|s| !s.is_empty()).collect::<Vec<_>>().join(", "),
    }
}

/// The readable list of check `code`'s items.
pub fn of(code: &str, items: &[Value], people: &People) -> List {
    let rows = |f: &dyn Fn(&Value) -> Vec<String>| items.iter().map(f).collect::<Vec<_>>();
    match code {
        "PUPIL_WITHOUT_CLASS" | "FORMER_PUPIL" => list(
            &["Élève", "Date de naissance", "Classe"],
            rows(&|v| vec![name(v), date(str_of(v, "date_naissance")), classes(v)]),
        ),
        "RESPONSABLE_NO_EMAIL" | "RESPONSABLE_NO_MOBILE" => list(
            &["Responsable", "Élèves dont il ou elle est responsable"],
            rows(&|v| vec![name(v), children(v, people)]),
        ),
        "DUPLICATE_RESPONSABLE" => {
            // One line per record of the same person, numbered by probable duplicate.
            let mut out = Vec::new();
            for (n, group) in items.iter().enumerate() {
                let records = group.get("responsables").and_then(Value::as_array).cloned().unwrap_or_default();
                let total = records.len();
                for (k, r) in records.iter().enumerate() {
                    out.push(vec![
                        format!("Doublon {} — fiche {} sur {total}", n + 1, k + 1),
                        name(r),
                        children(r, people),
                        str_of(r, "courriel").to_string(),
                        str_of(r, "portable").to_string(),
                    ]);
                }
            }
            list(&["Doublon", "Responsable", "Élèves de cette fiche", "Courriel", "Portable"], out)
        }
        "PERSONNE_EN_CHARGE" => list(
            &["Élève", "Classe", "Personne en charge", "Lien avec l'élève"],
            rows(&|v| {
                let pupil = v.get("eleve").unwrap_or(&Value::Null);
                let resp = v.get("responsable").unwrap_or(&Value::Null);
                vec![name(pupil), classes(pupil), name(resp), relationship(str_of(v, "lien"))]
            }),
        ),
        "TIMETABLE_TEACHER_UNKNOWN" => {
            list(&["Professeur", "Absent de"], rows(&|v| vec![name(v), strings(v, "absent_de").join(", ")]))
        }
        "PARTIES_GROUP_NOT_EXPORTED" => {
            list(&["Classe", "Partie"], rows(&|v| vec![str_of(v, "classe").into(), str_of(v, "partie").into()]))
        }
        "EMBARGO_DATES" => list(
            &["Profil", "Date d'ouverture reportée"],
            rows(&|v| {
                let d = str_of(v, "date");
                vec![str_of(v, "profil").into(), if d.is_empty() { "non renseignée".into() } else { date(d) }]
            }),
        ),
        "PRONOTE_VERSION" => list(&["Version reportée"], rows(&|v| vec![str_of(v, "version").into()])),
        "END_OF_YEAR_DATE" => list(&["Fin d'année reportée"], rows(&|v| vec![date(str_of(v, "date"))])),
        "RECONCILIATION_PRONOTE" | "RECONCILIATION_EDT" => list(
            &["Catégorie", "À rapprocher", "Rapprochés", "Total"],
            rows(&|v| {
                vec![
                    category(str_of(v, "categorie")),
                    count(v, "a_rapprocher"),
                    count(v, "rapproches"),
                    count(v, "total"),
                ]
            }),
        ),
        "GAR_MANAGERS" => list(
            &["Responsables d'affectation", "Gestionnaires"],
            rows(&|v| vec![count(v, "responsables"), count(v, "gestionnaires")]),
        ),
        "FUNCTION_NODES" => {
            list(&["Nœud", "Alerte"], rows(&|v| vec![str_of(v, "noeud").into(), str_of(v, "alerte").into()]))
        }
        _ => {
            // A shape this module does not know yet: one column, each item in words.
            list(&["Élément"], rows(&|v| vec![text(v)]))
        }
    }
}

fn category(code: &str) -> String {
    use crate::reconcile::Category;
    Category::ALL
        .iter()
        .chain([Category::ClasseGroupe].iter())
        .find(|c| c.as_str() == code)
        .map(|c| c.label().to_string())
        .unwrap_or_else(|| "autre".into())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn person(id: &str, nom: &str, prenom: &str, classes: &[&str]) -> Value {
        json!({ "id": id, "nom": nom, "prenom": prenom, "date_naissance": "2013-04-02", "classes": classes })
    }

    fn flat(l: &List) -> String {
        l.rows.iter().flatten().cloned().collect::<Vec<_>>().join(" | ")
    }

    #[test]
    fn people_read_as_people() {
        let mut people = People::new();
        people.insert("E1".into(), "MARTIN Léa (6A)".into());
        let pupil = person("E1", "MARTIN", "Léa", &["6A"]);
        let mut resp = person("R1", "MARTIN", "Anne", &[]);
        resp["eleves"] = json!(["E1"]);
        resp["courriel"] = json!("anne@example.org");
        resp["portable"] = Value::Null;
        let dup = json!({ "responsables": [resp.clone(), resp.clone()] });
        let in_charge = json!({ "responsable": resp, "eleve": pupil, "lien": "42" });

        let l = of("PUPIL_WITHOUT_CLASS", std::slice::from_ref(&pupil), &people);
        assert_eq!(l.columns, ["Élève", "Date de naissance", "Classe"]);
        assert_eq!(l.rows, [["MARTIN Léa", "02/04/2013", "6A"]]);

        let l = of("DUPLICATE_RESPONSABLE", &[dup], &people);
        assert_eq!(l.rows.len(), 2, "one line per record");
        assert_eq!(l.rows[0], ["Doublon 1 — fiche 1 sur 2", "MARTIN Anne", "MARTIN Léa (6A)", "anne@example.org", ""]);

        let l = of("PERSONNE_EN_CHARGE", &[in_charge], &people);
        assert_eq!(l.rows, [["MARTIN Léa", "6A", "MARTIN Anne", "assistant familial"]]);

        let l = of(
            "RECONCILIATION_PRONOTE",
            &[json!({ "categorie": "eleve", "a_rapprocher": 3, "rapproches": 7, "total": 10 })],
            &people,
        );
        assert_eq!(l.rows, [["élève", "3", "7", "10"]]);

        let l = of("SOMETHING_NEW", &[json!({ "who": pupil_named(), "when": "2026-09-01", "n": [1, 2] })], &people);
        let text = flat(&l);
        assert!(text.contains("DURAND Paul") && text.contains("01/09/2026"), "{text}");
    }

    fn pupil_named() -> Value {
        json!({ "nom": "DURAND", "prenom": "Paul" })
    }

    #[test]
    fn no_cell_is_a_raw_structure_or_an_internal_id() {
        let people = People::new();
        let resp = {
            let mut r = person("R77", "ROUX", "Lou", &[]);
            r["eleves"] = json!(["E9"]);
            r
        };
        let samples: &[(&str, Value)] = &[
            ("FORMER_PUPIL", person("E2", "A", "B", &["3C"])),
            ("RESPONSABLE_NO_EMAIL", resp.clone()),
            ("DUPLICATE_RESPONSABLE", json!({ "responsables": [resp.clone(), resp.clone()] })),
            (
                "PERSONNE_EN_CHARGE",
                json!({ "responsable": resp, "eleve": person("E9", "ROUX", "Tom", &[]), "lien": "99" }),
            ),
            (
                "TIMETABLE_TEACHER_UNKNOWN",
                json!({ "ident": "P12", "nom": "X", "prenom": "Y", "id_sts": "123", "absent_de": ["STS-Web"] }),
            ),
            ("EMBARGO_DATES", json!({ "profil": "élèves", "date": null })),
            ("GAR_MANAGERS", json!({ "responsables": 1, "gestionnaires": 2 })),
        ];
        for (code, item) in samples {
            let l = of(code, std::slice::from_ref(item), &people);
            let text = flat(&l);
            for raw in ["{", "[", "null", "object", "R77", "E9", "E2", "P12", "99"] {
                assert!(!text.contains(raw), "{code}: « {raw} » in {text}");
            }
            assert!(l.rows.iter().all(|r| r.len() == l.columns.len()), "{code}: every row fills the columns");
        }
    }
}
