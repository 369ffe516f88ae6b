//! Annuaire: find anyone, in the establishment (its people, as its files give
//! them, and the ENT accounts imported or pulled) or over « tout l'ENT » (the
//! academy index the reconciliation builds from the directory). Accent-, case-
//! and order-insensitive: every word typed starts one of the person's names.

use std::collections::BTreeMap;

use serde::Serialize;

use crate::model::{Person, Profile};
use crate::reconcile::{self, LoadError};
use crate::store::Store;
use crate::text::fold;

/// Where to look.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scope {
    Etablissement,
    Academie,
}

/// What narrows a search beyond the names typed.
#[derive(Debug, Clone, Default)]
pub struct Filters {
    pub profile: Option<Profile>,
    /// A class (its code, case-insensitive).
    pub classe: Option<String>,
}

/// One person or account found, as the console's list shows them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Hit {
    /// The person in the establishment's files, when known.
    pub person: Option<String>,
    /// Their ENT account, when known.
    pub account: Option<String>,
    pub nom: String,
    pub prenom: String,
    pub profil: &'static str,
    pub classes: Vec<String>,
    pub etablissements: Vec<String>,
    /// Which sources know them: `siecle`, `sts`, `ent`.
    pub sources: Vec<&'static str>,
}

/// The folded words of a text.
fn words(text: &str) -> Vec<String> {
    text.split([' ', '-', '\'', '’']).map(fold).filter(|w| !w.is_empty()).collect()
}

/// Every word typed starts one of `names`' words, in any order.
fn matches(typed: &[String], names: &[&str]) -> bool {
    let own: Vec<String> = names.iter().flat_map(|n| words(n)).collect();
    typed.iter().all(|t| own.iter().any(|w| w.starts_with(t.as_str())))
}

fn keep(hit: &Hit, filters: &Filters) -> bool {
    filters.profile.is_none_or(|p| hit.profil == p.as_str())
        && filters.classe.as_deref().is_none_or(|c| hit.classes.iter().any(|k| k.eq_ignore_ascii_case(c.trim())))
}

/// The people and accounts matching `query`, at most `limit`, in name order.
pub fn search(
    store: &Store,
    query: &str,
    scope: Scope,
    filters: &Filters,
    limit: usize,
) -> Result<Vec<Hit>, LoadError> {
    let typed = words(query);
    if typed.is_empty() || limit == 0 {
        return Ok(Vec::new());
    }
    let mut hits = Vec::new();
    match scope {
        Scope::Etablissement => {
            let Some(data) = store.load_population()? else { return Ok(Vec::new()) };
            let uai = data.establishment.uai.to_string();
            let accounts_of = crate::groups::accounts_of_people(&data);
            let mut linked: BTreeMap<&str, &str> = BTreeMap::new();
            for (person, accounts) in &accounts_of {
                for a in accounts {
                    linked.insert(a, person);
                }
            }
            let source = |p: &Person| match p.profile {
                Profile::Eleve | Profile::Responsable => "siecle",
                _ => "sts",
            };
            for p in data.people.iter().filter(|p| !p.left) {
                let given: Vec<&str> = p.given_names.iter().map(String::as_str).collect();
                let names: Vec<&str> =
                    [p.usage_name.as_str(), p.birth_name.as_str()].into_iter().chain(given).collect();
                if !matches(&typed, &names) {
                    continue;
                }
                let account = accounts_of.get(p.id.as_str()).and_then(|a| a.first()).map(|a| a.to_string());
                let mut sources = vec![source(p)];
                if account.is_some() {
                    sources.push("ent");
                }
                hits.push(Hit {
                    person: Some(p.id.clone()),
                    account,
                    nom: p.usage_name.clone(),
                    prenom: p.usual_name().to_string(),
                    profil: p.profile.as_str(),
                    classes: p.divisions.clone(),
                    etablissements: vec![uai.clone()],
                    sources,
                });
            }
            // Accounts of the ENT that no file of the establishment gives.
            for a in data.accounts.iter().filter(|a| !linked.contains_key(a.id.as_str())) {
                let given: Vec<&str> = a.given_names.iter().map(String::as_str).collect();
                let names: Vec<&str> =
                    [a.usage_name.as_str(), a.birth_name.as_str()].into_iter().chain(given).collect();
                if !matches(&typed, &names) {
                    continue;
                }
                hits.push(Hit {
                    person: None,
                    account: Some(a.id.clone()),
                    nom: a.usage_name.clone(),
                    prenom: a.given_names.first().cloned().unwrap_or_default(),
                    profil: a.profile.as_str(),
                    classes: a.classes.clone(),
                    etablissements: a.establishments.iter().map(ToString::to_string).collect(),
                    sources: vec!["ent"],
                });
            }
        }
        Scope::Academie => {
            let dir = reconcile::directory_from_store(store)?;
            // More than asked: the filters come after the names.
            for i in dir.search(query, None, limit.saturating_mul(20).max(200)) {
                let Some(a) = dir.account(i) else { continue };
                hits.push(Hit {
                    person: None,
                    account: Some(a.ent_id),
                    nom: a.last_name,
                    prenom: a.first_name,
                    profil: a.profile.as_str(),
                    classes: a.classes,
                    etablissements: a.establishments,
                    sources: vec!["ent"],
                });
            }
        }
    }
    hits.retain(|h| keep(h, filters));
    if scope == Scope::Etablissement {
        hits.sort_by_key(|h| (fold(&h.nom), fold(&h.prenom)));
    }
    hits.truncate(limit);
    Ok(hits)
}

/// The results as a list for the secretariat (`;`, BOM, formula-safe).
pub fn csv(hits: &[Hit]) -> Vec<u8> {
    let mut out = crate::people_csv::PeopleCsv::new(&[
        "Nom",
        "Prénom",
        "Profil",
        "Classes",
        "Établissements",
        "Identifiant ENT",
        "Identifiant Préau",
    ]);
    for h in hits {
        let profile = Profile::parse(h.profil).map(crate::reconcile::profile_label).unwrap_or(h.profil);
        out.row(&[
            h.nom.as_str(),
            h.prenom.as_str(),
            profile,
            &h.classes.join(", "),
            &h.etablissements.join(", "),
            h.account.as_deref().unwrap_or(""),
            h.person.as_deref().unwrap_or(""),
        ]);
    }
    out.into_bytes()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn any_order_any_accent_word_starts() {
        let t = words("lefevre élo");
        assert!(matches(&t, &["LEFÈVRE", "LEFÈVRE", "Élodie"]));
        assert!(matches(&words("elo lef"), &["Lefèvre", "", "Élodie"]));
        assert!(!matches(&words("lefevre marc"), &["Lefèvre", "", "Élodie"]));
        assert!(matches(&words("d'almeida"), &["D'ALMEIDA", "", "Ana"]));
    }
}
