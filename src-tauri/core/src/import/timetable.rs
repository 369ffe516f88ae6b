//! Findings that need the timetable (EDT/Pronote export): teachers absent
//! from STS-Web or the ENT directory, class parts that will not reach the ENT
//! (only groups made of parts and declared as groups do).

use std::collections::HashSet;

use serde_json::json;

use std::borrow::Cow;

use super::fresh::{latest, Fresh};
use crate::formats::{edt::EdtRecord, sts::StsRecord, Format};
use crate::model::{EstablishmentData, Profile};
use crate::store::{ImportTx, StoreError};
use crate::text::fold;

/// The latest timetable and STS-Web records, gathered on the store's thread.
pub(super) struct Inputs<'f> {
    edt: Cow<'f, [EdtRecord]>,
    sts: Option<Cow<'f, [StsRecord]>>,
}

/// `None` when no timetable was ever imported.
pub(super) fn inputs<'f>(tx: &ImportTx<'_>, fresh: &'f Fresh) -> Result<Option<Inputs<'f>>, StoreError> {
    let Some(edt) = latest::<EdtRecord>(tx, fresh, Format::Edt)? else { return Ok(None) };
    Ok(Some(Inputs { edt, sts: latest::<StsRecord>(tx, fresh, Format::Sts)? }))
}

pub(super) fn findings(
    inputs: &Inputs<'_>,
    population: Option<&EstablishmentData>,
    push: &mut dyn FnMut(&'static str, serde_json::Value),
) {
    let (edt, sts) = (&inputs.edt, inputs.sts.as_deref());
    let name_key = |last: &str, first: &str| format!("{}|{}", fold(last), fold(first));

    let (mut sts_ids, mut sts_names) = (HashSet::new(), HashSet::new());
    for r in sts.into_iter().flatten() {
        if let StsRecord::Individu(i) = r {
            sts_ids.insert(i.id.clone());
            sts_names.insert(name_key(&i.nom_usage, i.prenom.as_deref().unwrap_or("")));
            if let Some(birth) = &i.nom_patronymique {
                sts_names.insert(name_key(birth, i.prenom.as_deref().unwrap_or("")));
            }
        }
    }
    let (mut logins, mut ent_names) = (HashSet::new(), HashSet::new());
    for a in population.iter().flat_map(|d| &d.accounts).filter(|a| a.profile == Profile::Enseignant) {
        logins.insert(a.login.to_lowercase());
        let first = a.given_names.first().map(String::as_str).unwrap_or("");
        ent_names.insert(name_key(&a.usage_name, first));
        ent_names.insert(name_key(&a.birth_name, first));
    }
    let mut referenced_parts = HashSet::new();
    for r in edt.iter() {
        if let EdtRecord::Group(g) = r {
            referenced_parts.extend(g.parts.iter().cloned());
        }
    }
    for r in edt.iter() {
        match r {
            EdtRecord::Teacher(t) => {
                let key = name_key(&t.last_name, &t.first_name);
                let mut missing = Vec::new();
                if sts.is_some() {
                    let by_id = t.id_sts.as_ref().is_some_and(|id| sts_ids.contains(id));
                    if !by_id && !sts_names.contains(&key) {
                        missing.push("STS-Web");
                    }
                }
                if !logins.is_empty() || !ent_names.is_empty() {
                    let by_login = t.id_cas.as_ref().is_some_and(|l| logins.contains(&l.to_lowercase()));
                    if !by_login && !ent_names.contains(&key) {
                        missing.push("annuaire ENT");
                    }
                }
                if !missing.is_empty() {
                    push(
                        "TIMETABLE_TEACHER_UNKNOWN",
                        json!({
                            "ident": t.ident, "nom": t.last_name, "prenom": t.first_name,
                            "id_sts": t.id_sts, "absent_de": missing,
                        }),
                    );
                }
            }
            EdtRecord::Class(c) => {
                for part in c.parts.iter().filter(|p| !referenced_parts.contains(*p)) {
                    push("PARTIES_GROUP_NOT_EXPORTED", json!({ "classe": c.name, "partie": part }));
                }
            }
            _ => {}
        }
    }
}
