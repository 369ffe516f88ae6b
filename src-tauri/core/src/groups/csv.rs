//! Members in bulk from a CSV whose header says what each column holds:
//! a person or ENT id, an INE, or a surname and given name (with the birth
//! date when names are shared). Every line that does not name exactly one
//! person is reported with its number, and nobody is guessed.

use std::collections::BTreeMap;

use serde::Serialize;

use crate::model::EstablishmentData;
use crate::text::fold;

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CsvProblem {
    /// 1-based line in the file (the header is line 1).
    pub line: usize,
    pub message: String,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct CsvPeople {
    pub people: Vec<String>,
    pub problems: Vec<CsvProblem>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Column {
    Id,
    Ine,
    Surname,
    Given,
    Birth,
}

fn column(header: &str) -> Option<Column> {
    match fold(header).as_str() {
        "ID" | "IDENTIFIANT" | "IDENT" | "IDENTIFIANTENT" | "ENT" | "LOGIN" | "EXTERNALID" => Some(Column::Id),
        "INE" => Some(Column::Ine),
        "NOM" | "NOMDEFAMILLE" | "NOMDUSAGE" | "SURNAME" => Some(Column::Surname),
        "PRENOM" | "PRENOMS" | "GIVENNAME" => Some(Column::Given),
        "DATEDENAISSANCE" | "NAISSANCE" | "NELE" | "BIRTHDATE" => Some(Column::Birth),
        _ => None,
    }
}

/// `AAAA-MM-JJ` from `JJ/MM/AAAA` or `AAAA-MM-JJ`.
fn iso_date(text: &str) -> Option<String> {
    let t = text.trim();
    if let [d, m, y] = t.split('/').collect::<Vec<_>>()[..] {
        return Some(format!("{y:0>4}-{m:0>2}-{d:0>2}"));
    }
    (t.len() == 10 && t.as_bytes()[4] == b'-').then(|| t.to_string())
}

pub fn people_from_csv(bytes: &[u8], data: &EstablishmentData) -> Result<CsvPeople, CsvProblem> {
    let text = match std::str::from_utf8(bytes) {
        Ok(t) => t.trim_start_matches('\u{feff}').to_string(),
        // Spreadsheets on the secretariat PC save in Windows-1252.
        Err(_) => encoding_rs::WINDOWS_1252.decode(bytes).0.into_owned(),
    };
    let first = text.lines().next().unwrap_or("");
    let delimiter = [b';', b',', b'\t'].into_iter().max_by_key(|d| first.matches(*d as char).count()).unwrap_or(b';');
    let mut reader = csv::ReaderBuilder::new().delimiter(delimiter).flexible(true).from_reader(text.as_bytes());
    let headers =
        reader.headers().map_err(|e| CsvProblem { line: 1, message: format!("en-tête illisible : {e}") })?.clone();
    let columns: Vec<Option<Column>> = headers.iter().map(column).collect();
    let has = |c: Column| columns.contains(&Some(c));
    let usable = has(Column::Id) || has(Column::Ine) || (has(Column::Surname) && has(Column::Given));
    if !usable {
        return Err(CsvProblem {
            line: 1,
            message: format!(
                "l'en-tête ({}) doit avoir une colonne identifiant, INE, ou nom et prénom",
                headers.iter().collect::<Vec<_>>().join(", ")
            ),
        });
    }
    let by_account: BTreeMap<&str, &str> =
        data.accounts.iter().filter_map(|a| Some((a.id.as_str(), a.person_id.as_deref()?))).collect();
    let mut out = CsvPeople::default();
    for (k, record) in reader.records().enumerate() {
        let line = k + 2;
        let record = match record {
            Ok(r) => r,
            Err(e) => {
                out.problems.push(CsvProblem { line, message: format!("ligne illisible : {e}") });
                continue;
            }
        };
        let get = |c: Column| {
            columns
                .iter()
                .position(|x| *x == Some(c))
                .and_then(|i| record.get(i))
                .map(str::trim)
                .filter(|v| !v.is_empty())
        };
        if record.iter().all(|v| v.trim().is_empty()) {
            continue;
        }
        let found: Vec<&str> = if let Some(id) = get(Column::Id) {
            data.people
                .iter()
                .filter(|p| p.id.eq_ignore_ascii_case(id))
                .map(|p| p.id.as_str())
                .chain(by_account.get(id).copied())
                .collect()
        } else if let Some(ine) = get(Column::Ine) {
            data.people
                .iter()
                .filter(|p| p.ine.as_deref().is_some_and(|i| i.eq_ignore_ascii_case(ine)))
                .map(|p| p.id.as_str())
                .collect()
        } else {
            let (surname, given) = (get(Column::Surname).map(fold), get(Column::Given).map(fold));
            let birth = get(Column::Birth).and_then(iso_date);
            data.people
                .iter()
                .filter(|p| !p.left)
                .filter(|p| Some(fold(&p.usage_name)) == surname || Some(fold(&p.birth_name)) == surname)
                .filter(|p| p.given_names.iter().any(|g| Some(fold(g)) == given))
                .filter(|p| birth.is_none() || p.birth_date == birth)
                .map(|p| p.id.as_str())
                .collect()
        };
        let mut found = found;
        found.dedup();
        match found.as_slice() {
            [one] => {
                if !out.people.iter().any(|p| p == one) {
                    out.people.push(one.to_string());
                }
            }
            [] => out.problems.push(CsvProblem { line, message: "personne introuvable dans l'établissement".into() }),
            many => out.problems.push(CsvProblem {
                line,
                message: format!(
                    "{} personnes correspondent : ajoutez la date de naissance ou l'identifiant",
                    many.len()
                ),
            }),
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{EstablishmentKind, Uai};

    #[test]
    fn a_csv_names_people_by_its_header() {
        let data = crate::demo::generate(&Uai::parse("0999001W").unwrap(), EstablishmentKind::College, 1);
        let a = &data.people[0];
        let b = &data.people[1];
        let account = data.accounts.iter().find(|x| x.person_id.is_some()).unwrap();
        let csv = format!(
            "Nom;Prénom;Date de naissance\n{};{};{}\nINCONNU;Personne;\n\n",
            a.usage_name.to_lowercase(),
            a.given_names[0],
            a.birth_date.as_deref().map(|d| format!("{}/{}/{}", &d[8..10], &d[5..7], &d[0..4])).unwrap_or_default()
        );
        let got = people_from_csv(csv.as_bytes(), &data).unwrap();
        assert_eq!(got.people, vec![a.id.clone()]);
        assert_eq!(
            got.problems,
            vec![CsvProblem { line: 3, message: "personne introuvable dans l'établissement".into() }]
        );
        let ids = format!("identifiant,autre\n{},x\n{},y\n{},z\n", b.id, account.id, b.id);
        let got = people_from_csv(ids.as_bytes(), &data).unwrap();
        assert_eq!(got.people, vec![b.id.clone(), account.person_id.clone().unwrap()]);
        let err = people_from_csv(b"couleur;taille\nbleu;2\n", &data).unwrap_err();
        assert_eq!(err.line, 1);
        assert!(err.message.contains("identifiant, INE, ou nom et prénom"));
        // Windows-1252 bytes read too.
        let latin =
            [b"Nom;Pr\xe9nom\n".as_slice(), a.usage_name.as_bytes(), b";", a.given_names[0].as_bytes(), b"\n"].concat();
        assert!(people_from_csv(&latin, &data).is_ok());
    }
}
