//! ENT accounts mirroring the people: UUID-like ids, "prenom.nom" logins with a
//! numeric suffix on clash and the establishment's UAI, children of responsables.

use std::collections::{BTreeMap, BTreeSet};

use super::names::login_part;
use super::Ctx;
use crate::model::{Account, Person, Profile, Responsibility, ResponsibilityLevel};

pub fn generate(ctx: &mut Ctx, people: &[Person], links: &[Responsibility]) -> Vec<Account> {
    let mut ids = BTreeSet::new();
    let mut account_of: BTreeMap<&str, String> = BTreeMap::new();
    for p in people {
        let id = loop {
            let id = uuid_like(ctx);
            if ids.insert(id.clone()) {
                break id;
            }
        };
        account_of.insert(p.id.as_str(), id);
    }
    // Personnes à contacter have no access to the pupil's space.
    let mut children: BTreeMap<&str, Vec<String>> = BTreeMap::new();
    for l in links.iter().filter(|l| l.level != ResponsibilityLevel::Contact) {
        if let Some(child) = account_of.get(l.pupil_id.as_str()) {
            let list = children.entry(l.responsable_id.as_str()).or_default();
            if !list.contains(child) {
                list.push(child.clone());
            }
        }
    }
    let mut logins = BTreeSet::new();
    let uai = ctx.uai.to_string().to_lowercase();
    people
        .iter()
        .map(|p| Account {
            id: account_of.get(p.id.as_str()).cloned().unwrap_or_default(),
            login: login(&mut logins, p, &uai),
            person_id: Some(p.id.clone()),
            profile: p.profile,
            usage_name: p.usage_name.clone(),
            birth_name: p.birth_name.clone(),
            given_names: p.given_names.clone(),
            birth_date: p.birth_date.clone(),
            ine: p.ine.clone(),
            email: p.email.clone(),
            classes: p.divisions.clone(),
            functions: p.functions.clone(),
            establishments: p.establishments.clone(),
            children: if p.profile == Profile::Responsable {
                children.get(p.id.as_str()).cloned().unwrap_or_default()
            } else {
                Vec::new()
            },
        })
        .collect()
}

/// A random (version 4 shaped) UUID drawn from our PRNG.
fn uuid_like(ctx: &mut Ctx) -> String {
    let hi = ctx.rng.next_u64();
    let lo = ctx.rng.next_u64();
    let hi = (hi & !0xF000) | 0x4000;
    let lo = (lo & !(0b11 << 62)) | (0b10 << 62);
    format!(
        "{:08x}-{:04x}-{:04x}-{:04x}-{:012x}",
        hi >> 32,
        (hi >> 16) & 0xFFFF,
        hi & 0xFFFF,
        lo >> 48,
        lo & 0xFFFF_FFFF_FFFF
    )
}

/// `prenom.nom.<uai>`, numbered on clash (`prenom.nom2.<uai>`). One ENT
/// server holds the whole academy and a login is unique server-wide: the UAI
/// keeps two generated establishments from ever claiming the same login.
fn login(taken: &mut BTreeSet<String>, p: &Person, uai: &str) -> String {
    let given = login_part(p.usual_name());
    let name = login_part(&p.usage_name);
    let base = match (given.is_empty(), name.is_empty()) {
        (false, false) => format!("{given}.{name}"),
        (true, false) => name,
        (false, true) => given,
        (true, true) => "utilisateur".to_string(),
    };
    let first = format!("{base}.{uai}");
    if taken.insert(first.clone()) {
        return first;
    }
    (2u32..).map(|n| format!("{base}{n}.{uai}")).find(|candidate| taken.insert(candidate.clone())).unwrap_or(first)
}
