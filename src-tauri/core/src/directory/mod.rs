//! Annuaire: find anyone, in the establishment (its people, as its files give
//! them, and the ENT accounts imported or pulled) or over « tout l'ENT » (the
//! academy index the reconciliation builds from the directory). Accent-, case-
//! and order-insensitive: every word typed starts one of the person's names.

pub mod codes;
pub mod edit;
pub mod fiche;

use serde::Serialize;

use crate::model::{EstablishmentData, Person, Profile};
use crate::reconcile::{self, LoadError};
use crate::store::Store;
use crate::text::fold;

/// Where to look.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scope {
    Etablissement,
    Academie,
}

/// What narrows a search beyond the names typed (the console's « recherche avancée »).
#[derive(Debug, Clone, Default)]
pub struct Filters {
    pub profile: Option<Profile>,
    /// A class (its code, case-insensitive).
    pub classe: Option<String>,
    /// A subject taught: the discipline's code or any start of its label (« math »).
    pub matiere: Option<String>,
    /// A group: its id or its name.
    pub groupe: Option<String>,
    /// A fonction: its code (`MDS`), `CODE/DISCIPLINE`, or any start of its label.
    pub fonction: Option<String>,
    /// An establishment (UAI).
    pub etablissement: Option<String>,
}

/// The advanced search's criteria as typed (the window's fields, the command line's options).
#[derive(Debug, Clone, Default, serde::Deserialize)]
#[serde(default)]
pub struct Criteria {
    pub profile: Option<String>,
    pub classe: Option<String>,
    pub matiere: Option<String>,
    pub groupe: Option<String>,
    pub fonction: Option<String>,
    pub etablissement: Option<String>,
}

impl Criteria {
    /// The filters; `Err` names a profile that is not one.
    pub fn filters(self) -> Result<Filters, String> {
        let clean = |v: Option<String>| v.map(|s| s.trim().to_string()).filter(|s| !s.is_empty());
        let profile = match clean(self.profile) {
            Some(p) => Some(Profile::parse(&p).ok_or(p)?),
            None => None,
        };
        Ok(Filters {
            profile,
            classe: clean(self.classe),
            matiere: clean(self.matiere),
            groupe: clean(self.groupe),
            fonction: clean(self.fonction),
            etablissement: clean(self.etablissement),
        })
    }
}

impl Filters {
    fn any(&self) -> bool {
        self.profile.is_some()
            || self.classe.is_some()
            || self.matiere.is_some()
            || self.groupe.is_some()
            || self.fonction.is_some()
            || self.etablissement.is_some()
    }
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
    /// `operationnel`, `a_creer` (its creation waits for the ENT), `sans_compte`, `ferme`.
    pub etat: &'static str,
    pub classes: Vec<String>,
    /// The main establishment first.
    pub etablissements: Vec<String>,
    /// Which sources know them: `siecle`, `sts`, `ent`, `preau`.
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

/// Whether `label` (or `code`) answers `wanted`: the code exactly, or every word a start of the label's.
fn answers(wanted: &str, code: &str, label: &str) -> bool {
    let w = wanted.trim();
    !w.is_empty() && (code.eq_ignore_ascii_case(w) || matches(&words(w), &[label]))
}

fn keep(hit: &Hit, filters: &Filters) -> bool {
    filters.profile.is_none_or(|p| hit.profil == p.as_str())
        && filters.classe.as_deref().is_none_or(|c| hit.classes.iter().any(|k| k.eq_ignore_ascii_case(c.trim())))
        && filters
            .etablissement
            .as_deref()
            .is_none_or(|u| hit.etablissements.iter().any(|e| e.eq_ignore_ascii_case(u.trim())))
}

fn person_keep(p: &Person, data: &EstablishmentData, filters: &Filters) -> bool {
    let matiere = filters.matiere.as_deref().is_none_or(|m| {
        p.functions.iter().any(|f| {
            f.code == "ENS"
                && (f.discipline.as_deref().is_some_and(|d| d.eq_ignore_ascii_case(m.trim()))
                    || answers(m, "", &f.label))
        })
    });
    let fonction = filters.fonction.as_deref().is_none_or(|wanted| {
        let (code, disc) = match wanted.split_once('/') {
            Some((c, d)) => (c.trim(), Some(d.trim())),
            None => (wanted.trim(), None),
        };
        p.functions.iter().any(|f| {
            let by_code = f.code.eq_ignore_ascii_case(code)
                && disc.is_none_or(|d| f.discipline.as_deref().is_some_and(|x| x.eq_ignore_ascii_case(d)));
            by_code
                || answers(wanted, "", &f.label)
                || codes::function_label(&f.code).is_some_and(|l| answers(wanted, "", l))
        })
    });
    let groupe = filters.groupe.as_deref().is_none_or(|g| {
        data.groups.iter().any(|x| (x.id == g.trim() || fold(&x.name) == fold(g)) && x.members.contains(&p.id))
    });
    matiere && fonction && groupe
}

/// The people and accounts matching `query`, at most `limit`, in name order.
/// An empty query lists everyone the filters keep (establishment), or needs
/// an establishment (academy).
pub fn search(
    store: &Store,
    query: &str,
    scope: Scope,
    filters: &Filters,
    limit: usize,
) -> Result<Vec<Hit>, LoadError> {
    let typed = words(query);
    if (typed.is_empty() && !filters.any()) || limit == 0 {
        return Ok(Vec::new());
    }
    match scope {
        Scope::Etablissement => establishment(store, &typed, filters, limit),
        Scope::Academie => {
            let dir = reconcile::directory_from_store(store)?;
            Ok(academy(&dir, query, filters, limit))
        }
    }
}

fn establishment(store: &Store, typed: &[String], filters: &Filters, limit: usize) -> Result<Vec<Hit>, LoadError> {
    Ok(People::load(store)?.map(|p| p.find(typed, filters, limit)).unwrap_or_default())
}

/// One person or account of the establishment, ready to be matched.
#[derive(Debug, Clone)]
struct Entry {
    hit: Hit,
    /// The folded words of every name.
    words: Vec<String>,
    /// Its place in the population's people (none: an account no file gives).
    person: Option<usize>,
}

/// The establishment's people and ENT accounts prepared once (names folded,
/// states known, in name order), so that each keystroke only compares.
#[derive(Debug, Clone)]
pub struct People {
    data: EstablishmentData,
    entries: Vec<Entry>,
}

impl People {
    /// `None` when the store holds no population yet.
    pub fn load(store: &Store) -> Result<Option<People>, LoadError> {
        let Some(data) = store.load_population()? else { return Ok(None) };
        let creating: std::collections::BTreeSet<String> = store
            .outbox()?
            .into_iter()
            .filter(|c| c.resource == "User" && c.op == "create")
            .map(|c| c.target)
            .collect();
        let hand: std::collections::BTreeSet<String> = store.hand_accounts()?.into_iter().map(|h| h.id).collect();
        let uai = data.establishment.uai.to_string();
        let mut entries = Vec::new();
        {
            let accounts_of = crate::groups::accounts_of_people(&data);
            let linked: std::collections::BTreeSet<&str> = accounts_of.values().flatten().copied().collect();
            let source = |p: &Person| match p.profile {
                _ if hand.contains(&p.id) => "preau",
                Profile::Eleve | Profile::Responsable => "siecle",
                _ => "sts",
            };
            let name_words = |usage: &str, birth: &str, given: &[String]| -> Vec<String> {
                let mut w = words(usage);
                w.extend(words(birth));
                w.extend(given.iter().flat_map(|g| words(g)));
                w.sort();
                w.dedup();
                w
            };
            for (i, p) in data.people.iter().enumerate().filter(|(_, p)| !p.left || hand.contains(&p.id)) {
                let account = accounts_of.get(p.id.as_str()).and_then(|a| a.first()).map(|a| a.to_string());
                let mut sources = vec![source(p)];
                if account.is_some() && !hand.contains(&p.id) {
                    sources.push("ent");
                }
                let etat = match &account {
                    _ if p.left => "ferme",
                    Some(a) if creating.contains(a) => "a_creer",
                    Some(_) => "operationnel",
                    None => "sans_compte",
                };
                entries.push(Entry {
                    hit: Hit {
                        person: Some(p.id.clone()),
                        account,
                        nom: p.usage_name.clone(),
                        prenom: p.usual_name().to_string(),
                        profil: p.profile.as_str(),
                        etat,
                        classes: p.divisions.clone(),
                        etablissements: vec![uai.clone()],
                        sources,
                    },
                    words: name_words(&p.usage_name, &p.birth_name, &p.given_names),
                    person: Some(i),
                });
            }
            // Accounts of the establishment that no file of it gives.
            let here = &data.establishment.uai;
            for a in data.accounts.iter().filter(|a| !linked.contains(a.id.as_str()) && a.establishments.contains(here))
            {
                entries.push(Entry {
                    hit: Hit {
                        person: None,
                        account: Some(a.id.clone()),
                        nom: a.usage_name.clone(),
                        prenom: a.given_names.first().cloned().unwrap_or_default(),
                        profil: a.profile.as_str(),
                        etat: "operationnel",
                        classes: a.classes.clone(),
                        etablissements: a.establishments.iter().map(ToString::to_string).collect(),
                        sources: vec!["ent"],
                    },
                    words: name_words(&a.usage_name, &a.birth_name, &a.given_names),
                    person: None,
                });
            }
        }
        entries.sort_by_cached_key(|e| (fold(&e.hit.nom), fold(&e.hit.prenom)));
        Ok(Some(People { data, entries }))
    }

    /// Everyone matching `query` and the filters, at most `limit`, in name order.
    pub fn search(&self, query: &str, filters: &Filters, limit: usize) -> Vec<Hit> {
        let typed = words(query);
        if (typed.is_empty() && !filters.any()) || limit == 0 {
            return Vec::new();
        }
        self.find(&typed, filters, limit)
    }

    fn find(&self, typed: &[String], filters: &Filters, limit: usize) -> Vec<Hit> {
        // The accounts no file gives carry no function nor group here.
        let advanced = filters.matiere.is_some() || filters.groupe.is_some() || filters.fonction.is_some();
        self.entries
            .iter()
            .filter(|e| typed.iter().all(|t| e.words.iter().any(|w| w.starts_with(t.as_str()))))
            .filter(|e| match e.person.and_then(|i| self.data.people.get(i)) {
                Some(p) => person_keep(p, &self.data, filters),
                None => !advanced,
            })
            .filter(|e| keep(&e.hit, filters))
            .take(limit)
            .map(|e| e.hit.clone())
            .collect()
    }
}

/// « Tout l'ENT »: the accounts of the academy index matching `query`, at
/// most `limit`, best first. This is what runs at each keystroke.
pub fn academy(dir: &reconcile::Directory, query: &str, filters: &Filters, limit: usize) -> Vec<Hit> {
    let uai = filters.etablissement.as_deref().map(|u| u.trim().to_uppercase());
    let mut hits = Vec::new();
    let text = if words(query).is_empty() { "" } else { query };
    // More than asked only when filters come after the names (the establishment is the index's own).
    let want =
        if filters.profile.is_some() || filters.classe.is_some() { limit.saturating_mul(20).max(200) } else { limit };
    let ids = if text.is_empty() { Vec::new() } else { dir.search(text, uai.as_deref(), want) };
    for i in ids {
        let Some(a) = dir.account(i) else { continue };
        hits.push(Hit {
            person: None,
            account: Some(a.ent_id),
            nom: a.last_name,
            prenom: a.first_name,
            profil: a.profile.as_str(),
            etat: "operationnel",
            classes: a.classes,
            etablissements: a.establishments,
            sources: vec!["ent"],
        });
    }
    hits.retain(|h| keep(h, filters));
    hits.truncate(limit);
    hits
}

/// The console's words for an account's state.
pub fn etat_label(etat: &str) -> &'static str {
    match etat {
        "operationnel" => "Opérationnel",
        "a_creer" => "En attente de création",
        "ferme" => "Fermé",
        _ => "Sans compte ENT",
    }
}

/// The results as a list for the secretariat (`;`, BOM, formula-safe).
pub fn csv(hits: &[Hit]) -> Vec<u8> {
    let mut out = crate::people_csv::PeopleCsv::new(&[
        "Nom",
        "Prénom",
        "Profil",
        "État",
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
            etat_label(h.etat),
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
