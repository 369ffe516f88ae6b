//! A person's fiche: who they are, every source that knows them with the
//! values each gives and where they disagree, their classes, groups,
//! functions and the messaging nodes these feed, their responsables or
//! children with the link each comes from, their Pronote/EDT links, their
//! ENT account and what waits for the ENT about them.

use std::collections::{BTreeMap, BTreeSet};

use serde::Serialize;

use crate::formats::any::AnyRecord;
use crate::formats::siecle::SiecleRecord;
use crate::formats::sts::StsRecord;
use crate::import::project::{pupil_id, responsable_id};
use crate::model::{EstablishmentData, Person, Profile, ResponsibilityLevel};
use crate::store::{Store, StoreError, HAND_PREFIX};
use crate::text::fold;
use crate::visibility::functions;

/// What one source says of the person.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Source {
    /// `siecle`, `sts`, `aaf`, `ent`, `pronote`, `edt`, `preau`.
    pub source: &'static str,
    /// The file it was read from, when it was imported (or the account created), and by whom for an account created here.
    #[serde(flatten)]
    pub origin: Origin,
    /// Its own id for the person.
    pub id: Option<String>,
    /// (field, value), in the fiche's order: `nom`, `prenom`, `naissance`, `ine`, `courriel`, `classes`, `login`.
    pub values: Vec<(&'static str, String)>,
}

/// Where a source's values come from.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Origin {
    /// The file's name.
    pub file: Option<String>,
    /// When it was imported, or the account created (AAAA-MM-JJ).
    pub date: Option<String>,
    /// Who created the account, for one created in Préau.
    pub by: Option<String>,
}

/// A field the sources do not agree on.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Disagreement {
    pub field: &'static str,
    /// (source, value), each distinct value once.
    pub values: Vec<(&'static str, String)>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FunctionLine {
    pub code: String,
    pub discipline: Option<String>,
    pub label: String,
    /// The messaging node it places the person in, if any.
    pub node: Option<String>,
    /// `fichier` (STS-Web, AAF) or `preau` (added here).
    pub by: &'static str,
}

/// A responsable of a pupil, or a child of a responsable, and the link between them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Link {
    pub person: Option<String>,
    pub account: Option<String>,
    pub name: String,
    /// `legal`, `in_charge`, `contact`; `None` when the link is not SIECLE's.
    pub level: Option<&'static str>,
    /// SIECLE's CODE_PARENTE (`10` mère, `20` père…).
    pub relationship: Option<String>,
    /// Where the link comes from: `siecle`, `ent` (the account's children in
    /// the ENT directory), `pronote`.
    pub from: Vec<&'static str>,
    /// Whether it opens the pupil's schooling (a contact person's does not).
    pub access: bool,
    /// What to correct where, when the link may be wrong (French, for the command line).
    pub correct: Option<String>,
    /// Where that correction is made (`siecle`, `ent`, `pronote`), and the file the link comes from, for the window to word it.
    pub correct_in: Option<&'static str>,
    pub correct_file: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct EntAccount {
    pub id: String,
    pub login: String,
    /// `operationnel`, `a_creer`, `ferme`.
    pub state: &'static str,
    /// Held by the server as last pulled.
    pub on_server: bool,
    pub hand_made: bool,
    /// For an account created in Préau: its end (`None`: pérenne).
    pub until: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Pending {
    pub change: i64,
    /// What it does, in the console's words (French, for the command line).
    pub what: String,
    /// What it does, as codes for the window: `create`, `functions`, `nodes`, `follows`,
    /// `endDate`, `active`, `links`, `userName`, `other`, `join`, `leave`.
    pub kinds: Vec<&'static str>,
    /// The group joined or left.
    pub group: Option<String>,
    /// `pending` or `conflict`.
    pub state: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Fiche {
    pub person: String,
    pub nom: String,
    pub prenom: String,
    pub profil: &'static str,
    pub naissance: Option<String>,
    pub etablissements: Vec<String>,
    pub left: bool,
    pub sources: Vec<Source>,
    pub disagreements: Vec<Disagreement>,
    pub classes: Vec<String>,
    /// (group id, name).
    pub groups: Vec<(String, String)>,
    pub functions: Vec<FunctionLine>,
    pub responsables: Vec<Link>,
    pub children: Vec<Link>,
    /// The pupils an AESH or tutor follows, or who follows this pupil.
    pub follows: Vec<Link>,
    pub followed_by: Vec<Link>,
    /// (source, its id), for Pronote and the timetable.
    pub links: Vec<(String, String)>,
    pub account: Option<EntAccount>,
    pub pending: Vec<Pending>,
}

/// The French words of a responsibility level.
pub fn level_label(level: &str) -> &'static str {
    match level {
        "legal" => "représentant légal",
        "in_charge" => "personne en charge",
        _ => "personne à contacter",
    }
}

fn opt(values: &mut Vec<(&'static str, String)>, field: &'static str, v: Option<&str>) {
    if let Some(v) = v.map(str::trim).filter(|v| !v.is_empty()) {
        values.push((field, v.to_string()));
    }
}

/// `28/03/2014` → `2014-03-28`; any other text as it is.
fn iso_date(text: &str) -> String {
    match text.trim().split('/').collect::<Vec<_>>().as_slice() {
        [d, m, y] if y.len() == 4 => format!("{y}-{m:0>2}-{d:0>2}"),
        _ => text.trim().to_string(),
    }
}

fn file_of(b: &crate::store::BatchSummary) -> Origin {
    Origin { file: Some(b.file_name.clone()), date: b.imported_at.get(..10).map(str::to_string), by: None }
}

/// Where the ENT directory's values come from: its latest export imported.
fn directory_file(store: &Store) -> Result<Origin, StoreError> {
    Ok(store
        .latest_batches()?
        .into_iter()
        .find(|b| b.format == "ent-directory")
        .map(|b| file_of(&b))
        .unwrap_or_default())
}

/// The records of the latest batch of each of `formats`, with the file they come from.
fn latest(store: &Store, formats: &[&str]) -> Result<Vec<(Origin, Vec<AnyRecord>)>, StoreError> {
    let mut out = Vec::new();
    let batches: Vec<crate::store::BatchSummary> =
        store.batches()?.into_iter().filter(|b| formats.contains(&b.format.as_str())).collect();
    // The latest operation of each format: an AAF delivery is several files of one format.
    let last: BTreeMap<&str, i64> = batches.iter().fold(BTreeMap::new(), |mut m, b| {
        let e = m.entry(b.format.as_str()).or_insert(b.operation);
        *e = (*e).max(b.operation);
        m
    });
    let latest: Vec<&crate::store::BatchSummary> =
        batches.iter().filter(|b| last.get(b.format.as_str()) == Some(&b.operation)).collect();
    for b in latest {
        // A kept file that cannot be read again is said by the imports view; the fiche goes on.
        if let Ok(records) = crate::import::stored_records(store, b.id) {
            out.push((file_of(b), records));
        }
    }
    Ok(out)
}

/// The fiche of `id` (a person of the establishment, or an ENT account of it).
/// `None` when neither is known.
pub fn fiche(store: &Store, id: &str) -> Result<Option<Fiche>, crate::reconcile::LoadError> {
    let Some(data) = store.load_population()? else { return Ok(None) };
    let accounts_of = crate::groups::accounts_of_people(&data);
    let person = data.people.iter().find(|p| p.id == id).or_else(|| {
        accounts_of.iter().find(|(_, a)| a.contains(&id)).and_then(|(p, _)| data.people.iter().find(|x| x.id == *p))
    });
    let Some(person) = person else {
        if let Some(f) = account_only(store, &data, id)? {
            return Ok(Some(f));
        }
        return elsewhere(store, id);
    };
    let account_ids: Vec<String> =
        accounts_of.get(person.id.as_str()).map(|v| v.iter().map(|s| s.to_string()).collect()).unwrap_or_default();
    let account = account_ids.first().and_then(|a| data.accounts.iter().find(|x| &x.id == a));
    let name_of = |pid: &str| -> String {
        data.people
            .iter()
            .find(|p| p.id == pid)
            .map(|p| format!("{} {}", p.usage_name.to_uppercase(), p.usual_name()))
            .unwrap_or_else(|| pid.to_string())
    };
    let account_of = |pid: &str| accounts_of.get(pid).and_then(|a| a.first()).map(|a| a.to_string());

    // Sources.
    let mut sources = Vec::new();
    let hand = store.hand_accounts()?.into_iter().find(|h| h.id == person.id);
    if let Some(h) = &hand {
        let mut values = Vec::new();
        opt(&mut values, "nom", Some(&h.nom));
        opt(&mut values, "prenom", Some(&h.prenom));
        opt(&mut values, "courriel", h.email.as_deref());
        opt(&mut values, "login", Some(&h.login));
        sources.push(Source {
            source: "preau",
            origin: Origin { file: None, date: h.created_at.get(..10).map(str::to_string), by: Some(h.actor.clone()) },
            id: Some(h.id.clone()),
            values,
        });
    }
    let eleve = person.id.strip_prefix("ELV");
    let personne = person.id.strip_prefix("RSP");
    let individu = person.id.strip_prefix("STS");
    // (eleve_id, personne_id, the file that links them).
    let mut pupil_links: Vec<(String, String, String)> = Vec::new();
    for (file, records) in latest(store, &["siecle-eleves", "siecle-responsables"])? {
        for r in &records {
            match r {
                AnyRecord::Siecle(SiecleRecord::Eleve(e)) if Some(e.eleve_id.as_str()) == eleve => {
                    let mut values = Vec::new();
                    opt(
                        &mut values,
                        "nom",
                        e.nom_usage.as_deref().or(e.nom_de_famille.as_deref()).or(e.nom.as_deref()),
                    );
                    opt(&mut values, "prenom", Some(&e.prenom));
                    opt(&mut values, "naissance", e.date_naiss.as_deref());
                    opt(&mut values, "ine", e.ine.as_deref());
                    opt(&mut values, "courriel", e.mel.as_deref());
                    sources.push(Source {
                        source: "siecle",
                        origin: file.clone(),
                        id: Some(e.eleve_id.clone()),
                        values,
                    });
                }
                AnyRecord::Siecle(SiecleRecord::Personne(p)) if Some(p.personne_id.as_str()) == personne => {
                    let mut values = Vec::new();
                    opt(
                        &mut values,
                        "nom",
                        p.nom_usage.as_deref().or(p.nom_de_famille.as_deref()).or(p.nom.as_deref()),
                    );
                    opt(&mut values, "prenom", p.prenom.as_deref());
                    opt(&mut values, "courriel", p.mel.as_deref());
                    sources.push(Source {
                        source: "siecle",
                        origin: file.clone(),
                        id: Some(p.personne_id.clone()),
                        values,
                    });
                }
                AnyRecord::Siecle(SiecleRecord::Responsable(l))
                    if Some(l.eleve_id.as_str()) == eleve || Some(l.personne_id.as_str()) == personne =>
                {
                    pupil_links.push((
                        l.eleve_id.clone(),
                        l.personne_id.clone(),
                        file.file.clone().unwrap_or_default(),
                    ));
                }
                _ => {}
            }
        }
    }
    if let Some(ind) = individu {
        for (file, records) in latest(store, &["sts"])? {
            for r in &records {
                if let AnyRecord::Sts(StsRecord::Individu(i)) = r {
                    if i.id == ind {
                        let mut values = Vec::new();
                        opt(&mut values, "nom", Some(&i.nom_usage));
                        opt(&mut values, "prenom", i.prenom.as_deref());
                        opt(&mut values, "naissance", i.date_naissance.as_deref());
                        sources.push(Source { source: "sts", origin: file.clone(), id: Some(i.id.clone()), values });
                    }
                }
            }
        }
    }
    // AAF: a pupil by the SIECLE id it carries (ENTEleveStructRattachId); anyone
    // else by name (and birth date when both give one), when only one record has it.
    for (file, records) in latest(store, &["aaf"])? {
        let by_name = |a: &&crate::formats::aaf::AafRequest| {
            let same = |x: Option<&str>, y: &str| x.is_some_and(|x| fold(x) == fold(y));
            same(a.first("sn"), &person.usage_name)
                && same(a.first("givenName"), person.usual_name())
                && match (a.first("ENTPersonDateNaissance").map(iso_date), &person.birth_date) {
                    (Some(x), Some(y)) => &x == y,
                    _ => true,
                }
        };
        let aaf: Vec<&crate::formats::aaf::AafRequest> =
            records.iter().filter_map(|r| if let AnyRecord::Aaf(a) = r { Some(a) } else { None }).collect();
        let found: Vec<&&crate::formats::aaf::AafRequest> = match eleve {
            Some(e) => aaf.iter().filter(|a| a.first("ENTEleveStructRattachId") == Some(e)).collect(),
            None => aaf.iter().filter(|a| a.first("ENTEleveINE").is_none() && by_name(a)).collect(),
        };
        if let [a] = found.as_slice() {
            let mut values = Vec::new();
            opt(&mut values, "nom", a.first("sn"));
            opt(&mut values, "prenom", a.first("givenName"));
            opt(&mut values, "naissance", a.first("ENTPersonDateNaissance").map(iso_date).as_deref());
            opt(&mut values, "ine", a.first("ENTEleveINE"));
            opt(&mut values, "courriel", a.first("mail"));
            sources.push(Source { source: "aaf", origin: file.clone(), id: Some(a.id.clone()), values });
        }
    }
    let mut ent_children: Vec<String> = Vec::new();
    if let Some(a) = account.filter(|a| !a.id.starts_with(HAND_PREFIX)) {
        let mut values = Vec::new();
        opt(&mut values, "nom", Some(&a.usage_name));
        opt(&mut values, "prenom", a.given_names.first().map(String::as_str));
        opt(&mut values, "naissance", a.birth_date.as_deref());
        opt(&mut values, "ine", a.ine.as_deref());
        opt(&mut values, "courriel", a.email.as_deref());
        if !a.classes.is_empty() {
            values.push(("classes", a.classes.join(", ")));
        }
        opt(&mut values, "login", Some(&a.login));
        sources.push(Source { source: "ent", origin: directory_file(store)?, id: Some(a.id.clone()), values });
        ent_children = a.children.clone();
    }
    // Pronote and the timetable, through the reconciliation's links.
    let mut links = Vec::new();
    let mut pronote_children: Vec<String> = Vec::new();
    // The kept Pronote file is read once, and only when a link points into it.
    let mut pronote: Option<Vec<(Origin, Vec<AnyRecord>)>> = None;
    for source in ["pronote", "edt"] {
        for l in store.account_links(source)?.into_iter().filter(|l| account_ids.contains(&l.account)) {
            links.push((source.to_string(), l.source_id.clone()));
            if source == "pronote" {
                if pronote.is_none() {
                    pronote = Some(latest(store, &["pronote-ids"])?);
                }
                for (file, records) in pronote.iter().flatten() {
                    for r in records {
                        if let AnyRecord::Pronote(u) = r {
                            if u.pronote_id == l.source_id {
                                let mut values = Vec::new();
                                opt(&mut values, "nom", Some(&u.last_name));
                                opt(&mut values, "prenom", Some(&u.first_name));
                                opt(&mut values, "naissance", u.birth_date.as_deref());
                                opt(&mut values, "ine", u.ine.as_deref());
                                if !u.classes.is_empty() {
                                    values.push(("classes", u.classes.join(", ")));
                                }
                                sources.push(Source {
                                    source: "pronote",
                                    origin: file.clone(),
                                    id: Some(u.pronote_id.clone()),
                                    values,
                                });
                                pronote_children = u.children.clone();
                            }
                        }
                    }
                }
            } else {
                sources.push(Source {
                    source: "edt",
                    origin: Origin::default(),
                    id: Some(l.source_id.clone()),
                    values: Vec::new(),
                });
            }
        }
    }
    let disagreements = disagreements(&sources);

    // Functions and their nodes.
    let rules = store.function_rules()?;
    let manual = store.function_manual()?;
    let computed = functions::compute(&data, &rules, &manual);
    let by_hand: BTreeSet<(String, String)> = store
        .function_changes()?
        .into_iter()
        .filter(|c| c.person == person.id && c.added)
        .map(|c| (c.function.code, c.function.discipline.unwrap_or_default()))
        .collect();
    let function_lines = person
        .functions
        .iter()
        .map(|f| FunctionLine {
            code: f.code.clone(),
            discipline: f.discipline.clone().filter(|d| d != "-"),
            label: f.label.clone(),
            node: functions::node_for(&rules, &f.code, f.discipline.as_deref()).map(str::to_string),
            by: if hand.is_some() || by_hand.contains(&(f.code.clone(), f.discipline.clone().unwrap_or_default())) {
                "preau"
            } else {
                "fichier"
            },
        })
        .collect::<Vec<_>>();
    // A node the person is in by hand, not by a function, is listed too.
    let mut function_lines = function_lines;
    for n in &computed.nodes {
        if n.members.iter().any(|m| m.person == person.id && m.by == "manuel") {
            function_lines.push(FunctionLine {
                code: String::new(),
                discipline: None,
                label: String::new(),
                node: Some(n.node.clone()),
                by: "preau",
            });
        }
    }

    // Responsables and children.
    let mut responsables = Vec::new();
    let mut children = Vec::new();
    for r in data.responsibilities.iter() {
        let file = pupil_links
            .iter()
            .find(|(e, p, ..)| pupil_id(e) == r.pupil_id && responsable_id(p) == r.responsable_id)
            .map(|l| l.2.clone());
        let access = r.level != ResponsibilityLevel::Contact;
        if r.pupil_id == person.id {
            responsables.push(Link {
                person: Some(r.responsable_id.clone()),
                account: account_of(&r.responsable_id),
                name: name_of(&r.responsable_id),
                level: Some(r.level.as_str()),
                relationship: Some(r.relationship.clone()).filter(|x| !x.is_empty()),
                from: vec!["siecle"],
                access,
                correct: None,
                correct_in: None,
                correct_file: None,
            });
        }
        if r.responsable_id == person.id {
            let child_account = account_of(&r.pupil_id);
            let mut from = vec!["siecle"];
            if child_account.as_ref().is_some_and(|a| ent_children.contains(a)) {
                from.push("ent");
            }
            let correct = access.then(|| {
                format!(
                    "Ce lien vient de SIECLE ({}) : {} y est « {} » de {}. S'il n'est pas son enfant, corrigez la fiche de l'élève dans SIECLE (Responsables), puis importez le nouvel export : l'ENT suivra.",
                    file.clone().unwrap_or_else(|| "export des responsables".into()),
                    name_of(&person.id),
                    level_label(r.level.as_str()),
                    name_of(&r.pupil_id)
                )
            });
            children.push(Link {
                person: Some(r.pupil_id.clone()),
                account: child_account,
                name: name_of(&r.pupil_id),
                level: Some(r.level.as_str()),
                relationship: Some(r.relationship.clone()).filter(|x| !x.is_empty()),
                from,
                access,
                correct_in: correct.as_ref().map(|_| "siecle"),
                correct_file: file.clone(),
                correct,
            });
        }
    }
    // Children the ENT or Pronote gives the responsable that SIECLE does not.
    for (from, list) in [("ent", &ent_children), ("pronote", &pronote_children)] {
        for c in list {
            let known =
                children.iter().any(|l| l.account.as_deref() == Some(c.as_str()) || l.person.as_deref() == Some(c));
            if known {
                continue;
            }
            let child_person = accounts_of.iter().find(|(_, a)| a.contains(&c.as_str())).map(|(p, _)| p.to_string());
            let name = child_person.as_deref().map(name_of).unwrap_or_else(|| c.clone());
            let correct = Some(if from == "ent" {
                format!(
                    "L'annuaire de l'ENT lie ce compte à {name}, mais SIECLE ne le donne pas parmi ses responsables. \
                     Vérifiez la fiche de l'élève dans SIECLE ; si SIECLE est juste, préparez un ticket pour le support de l'ENT."
                )
            } else {
                format!(
                    "Pronote lie ce responsable à {name}, mais SIECLE ne le donne pas parmi ses responsables. \
                     Corrigez la fiche du responsable dans Pronote, ou défaites le lien de ce compte dans « Rapprochement » s'il est lié au mauvais compte Pronote."
                )
            });
            children.push(Link {
                person: child_person,
                account: Some(c.clone()),
                name,
                level: None,
                relationship: None,
                from: vec![from],
                access: true,
                correct,
                correct_in: Some(from),
                correct_file: None,
            });
        }
    }

    // AESH and tutors.
    let follow = store.follow_links()?;
    let link_to = |pid: &str| Link {
        person: Some(pid.to_string()),
        account: account_of(pid),
        name: name_of(pid),
        level: None,
        relationship: None,
        from: vec!["preau"],
        access: true,
        correct: None,
        correct_in: None,
        correct_file: None,
    };
    let follows = follow.iter().filter(|f| f.follower == person.id).map(|f| link_to(&f.pupil)).collect();
    let followed_by = follow.iter().filter(|f| f.pupil == person.id).map(|f| link_to(&f.follower)).collect();

    let ent = account_state(store, account.map(|a| (a.id.as_str(), a.login.as_str())), hand.as_ref(), person)?;
    let pending = pending_for(store, &account_ids, &group_names(&data.groups))?;
    let groups =
        data.groups.iter().filter(|g| g.members.contains(&person.id)).map(|g| (g.id.clone(), g.name.clone())).collect();
    Ok(Some(Fiche {
        person: person.id.clone(),
        nom: person.usage_name.clone(),
        prenom: person.usual_name().to_string(),
        profil: person.profile.as_str(),
        naissance: person.birth_date.clone(),
        etablissements: person.establishments.iter().map(ToString::to_string).collect(),
        left: person.left,
        sources,
        disagreements,
        classes: person.divisions.clone(),
        groups,
        functions: function_lines,
        responsables,
        children,
        follows,
        followed_by,
        links,
        account: ent,
        pending,
    }))
}

/// An ENT account of the establishment that no file gives.
fn account_only(store: &Store, data: &EstablishmentData, id: &str) -> Result<Option<Fiche>, StoreError> {
    let Some(a) = data.accounts.iter().find(|a| a.id == id) else { return Ok(None) };
    let lone = Lone {
        id: &a.id,
        nom: &a.usage_name,
        prenom: a.given_names.first().map_or("", String::as_str),
        profile: a.profile,
        naissance: a.birth_date.clone(),
        ine: a.ine.as_deref(),
        email: a.email.as_deref(),
        login: &a.login,
        classes: &a.classes,
        establishments: a.establishments.iter().map(ToString::to_string).collect(),
    };
    lone.fiche(store, &group_names(&data.groups)).map(Some)
}

/// An account of another establishment, as the whole ENT's directory gives it.
fn elsewhere(store: &Store, id: &str) -> Result<Option<Fiche>, crate::reconcile::LoadError> {
    let dir = match crate::reconcile::directory_from_store(store) {
        Ok(d) => d,
        Err(crate::reconcile::LoadError::NoDirectory) => return Ok(None),
        Err(e) => return Err(e),
    };
    let Some(a) = dir.find(id).and_then(|i| dir.account(i)) else { return Ok(None) };
    let lone = Lone {
        id: &a.ent_id,
        nom: &a.last_name,
        prenom: &a.first_name,
        profile: a.profile,
        naissance: a.birth_date.as_deref().map(iso_date),
        ine: a.ine.as_deref(),
        email: a.email.as_deref(),
        login: a.login.as_deref().unwrap_or(""),
        classes: &a.classes,
        establishments: a.establishments.clone(),
    };
    let groups = store.load_imported_population()?.map(|d| group_names(&d.groups)).unwrap_or_default();
    Ok(Some(lone.fiche(store, &groups)?))
}

/// An account known only to the ENT's directory, no person behind it here.
struct Lone<'a> {
    id: &'a str,
    nom: &'a str,
    prenom: &'a str,
    profile: Profile,
    naissance: Option<String>,
    ine: Option<&'a str>,
    email: Option<&'a str>,
    login: &'a str,
    classes: &'a [String],
    establishments: Vec<String>,
}

impl Lone<'_> {
    fn fiche(self, store: &Store, groups: &BTreeMap<String, String>) -> Result<Fiche, StoreError> {
        let mut values = Vec::new();
        opt(&mut values, "nom", Some(self.nom));
        opt(&mut values, "prenom", Some(self.prenom));
        opt(&mut values, "naissance", self.naissance.as_deref());
        opt(&mut values, "ine", self.ine);
        opt(&mut values, "courriel", self.email);
        if !self.classes.is_empty() {
            values.push(("classes", self.classes.join(", ")));
        }
        opt(&mut values, "login", Some(self.login));
        let id = self.id.to_string();
        Ok(Fiche {
            person: id.clone(),
            nom: self.nom.to_string(),
            prenom: self.prenom.to_string(),
            profil: self.profile.as_str(),
            naissance: self.naissance,
            etablissements: self.establishments,
            left: false,
            sources: vec![Source { source: "ent", origin: directory_file(store)?, id: Some(id.clone()), values }],
            disagreements: Vec::new(),
            classes: self.classes.to_vec(),
            groups: Vec::new(),
            functions: Vec::new(),
            responsables: Vec::new(),
            children: Vec::new(),
            follows: Vec::new(),
            followed_by: Vec::new(),
            links: Vec::new(),
            account: Some(EntAccount {
                on_server: store.snapshot_holds("User", &id)?,
                id: id.clone(),
                login: self.login.to_string(),
                state: "operationnel",
                hand_made: false,
                until: None,
            }),
            pending: pending_for(store, std::slice::from_ref(&id), groups)?,
        })
    }
}

fn account_state(
    store: &Store,
    account: Option<(&str, &str)>,
    hand: Option<&crate::store::HandAccount>,
    person: &Person,
) -> Result<Option<EntAccount>, StoreError> {
    let Some((id, login)) = account else { return Ok(None) };
    let creating = store.outbox()?.iter().any(|c| c.resource == "User" && c.target == id && c.op == "create");
    let state = if person.left || hand.is_some_and(|h| h.closed_at.is_some()) {
        "ferme"
    } else if creating {
        "a_creer"
    } else {
        "operationnel"
    };
    Ok(Some(EntAccount {
        id: id.to_string(),
        login: login.to_string(),
        state,
        on_server: store.snapshot_holds("User", id)?,
        hand_made: hand.is_some(),
        until: hand.and_then(|h| h.until.clone()),
    }))
}

fn group_names(groups: &[crate::model::Group]) -> BTreeMap<String, String> {
    groups.iter().map(|g| (g.id.clone(), g.name.clone())).collect()
}

/// What waits for the ENT about these accounts, in words.
fn pending_for(
    store: &Store,
    accounts: &[String],
    groups: &BTreeMap<String, String>,
) -> Result<Vec<Pending>, StoreError> {
    let mut out = Vec::new();
    for c in store.outbox()? {
        let body: serde_json::Value = serde_json::from_str(&c.payload).unwrap_or_default();
        let ops = body["Operations"].as_array().cloned().unwrap_or_default();
        let mut kinds = Vec::new();
        let mut group = None;
        let what = if c.resource == "User" && accounts.contains(&c.target) {
            if c.op == "create" {
                kinds.push("create");
                "Créer le compte dans l'ENT".to_string()
            } else {
                let parts: Vec<String> = ops
                    .iter()
                    .map(|op| {
                        let path = op["path"].as_str().unwrap_or("");
                        let attr = path.rsplit(':').next().unwrap_or(path);
                        kinds.push(match attr {
                            "functions" => "functions",
                            "nodes" => "nodes",
                            "follows" => "follows",
                            "endDate" => "endDate",
                            "active" => "active",
                            "pronoteId" | "edtId" => "links",
                            "userName" => "userName",
                            _ => "other",
                        });
                        match attr {
                            "functions" => "Fonctions/disciplines de poste".to_string(),
                            "nodes" => "Place dans l'annuaire de la messagerie".to_string(),
                            "follows" => "Élèves suivis (AESH)".to_string(),
                            "endDate" => "Date de fin du compte".to_string(),
                            "active" => "Fermer le compte".to_string(),
                            "pronoteId" | "edtId" => "Lien Pronote / EDT".to_string(),
                            "userName" => "Identifiant de connexion".to_string(),
                            other => format!("Modifier « {other} »"),
                        }
                    })
                    .collect();
                parts.join(", ")
            }
        } else if c.resource == "Group" {
            let touched = ops.iter().find(|op| {
                op["path"] == "members"
                    && op["value"].as_array().is_some_and(|v| {
                        v.iter().any(|m| m["externalId"].as_str().is_some_and(|e| accounts.iter().any(|a| a == e)))
                    })
            });
            let Some(op) = touched else { continue };
            let name = groups.get(&c.target).cloned().unwrap_or_else(|| c.target.clone());
            kinds.push(if op["op"] == "remove" { "leave" } else { "join" });
            group = Some(name.clone());
            if op["op"] == "remove" {
                format!("Quitter le groupe « {name} »")
            } else {
                format!("Entrer dans le groupe « {name} »")
            }
        } else {
            continue;
        };
        out.push(Pending { change: c.id, what, kinds, group, state: c.state });
    }
    Ok(out)
}

/// Where the sources disagree: a field whose values differ once folded.
fn disagreements(sources: &[Source]) -> Vec<Disagreement> {
    let mut out = Vec::new();
    for field in ["nom", "prenom", "naissance", "ine", "courriel"] {
        let mut seen: Vec<(&'static str, String)> = Vec::new();
        for s in sources {
            for (f, v) in &s.values {
                if *f == field && !seen.iter().any(|(_, x)| fold(x) == fold(v)) {
                    seen.push((s.source, v.clone()));
                }
            }
        }
        if seen.len() > 1 {
            out.push(Disagreement { field, values: seen });
        }
    }
    out
}

/// Whether `id` is a pupil of the establishment.
pub fn is_pupil(data: &EstablishmentData, id: &str) -> bool {
    data.people.iter().any(|p| p.id == id && p.profile == Profile::Eleve)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn disagreement_is_a_field_whose_folded_values_differ() {
        let s = |source, values: Vec<(&'static str, &str)>| Source {
            source,
            origin: Origin::default(),
            id: None,
            values: values.into_iter().map(|(f, v)| (f, v.to_string())).collect(),
        };
        let d = disagreements(&[
            s("siecle", vec![("nom", "LEFÈVRE"), ("naissance", "2012-03-04")]),
            s("ent", vec![("nom", "Lefevre"), ("naissance", "2012-04-03")]),
        ]);
        assert_eq!(d.len(), 1, "{d:?}");
        assert_eq!(d[0].field, "naissance");
        assert_eq!(d[0].values.len(), 2);
    }
}
