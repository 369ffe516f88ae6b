//! Groups the administrator makes: free groups, groups a rule keeps
//! populated, and the GAR resource-assignment managers. Each member has an
//! origin — AUTO (the rule put them there) or MANUAL (by hand) — and a rule
//! never takes out a manual member. A re-evaluation is a diff (entrants,
//! sortants) shown before anything is queued.

pub mod csv;
pub mod rule;

use std::collections::BTreeSet;

use serde::{Deserialize, Serialize};

use crate::model::{EstablishmentData, EstablishmentKind, GroupKind};
pub use rule::{Context, Rule, RuleError};

/// How many helpers a GAR resource-assignment manager may add (training text, § GAR).
pub const GAR_HELPERS_MAX: usize = 25;
/// A new GAR manager is active only after this many hours.
pub const GAR_DELAY_HOURS: i64 = 24;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "UPPERCASE")]
pub enum Origin {
    Auto,
    Manual,
}

/// A member's role in a GAR group.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum GarRole {
    /// Responsable d'affectation des ressources.
    Responsable,
    /// One of the helpers the responsable adds (25 at most).
    Gestionnaire,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Member {
    pub person: String,
    pub origin: Origin,
    pub role: Option<GarRole>,
    /// When the person joined (RFC 3339).
    pub since: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ManagedGroup {
    /// The group's `externalId` on the server.
    pub id: String,
    pub name: String,
    pub kind: GroupKind,
    pub rule: Option<Rule>,
    /// Cannot be deleted.
    pub lock_delete: bool,
    /// Its rule is not re-evaluated.
    pub lock_recompose: bool,
    pub members: Vec<Member>,
}

impl ManagedGroup {
    pub fn count(&self, origin: Origin) -> usize {
        self.members.iter().filter(|m| m.origin == origin).count()
    }
}

/// What a re-evaluation would change.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Diff {
    pub entrants: Vec<String>,
    pub sortants: Vec<String>,
}

impl Diff {
    pub fn is_empty(&self) -> bool {
        self.entrants.is_empty() && self.sortants.is_empty()
    }
}

/// The rule's people now, against the group's AUTO members: who enters
/// (not yet a member at all) and who leaves (AUTO members the rule no longer
/// selects). Manual members never leave; a locked or rule-less group has none.
pub fn evaluate(group: &ManagedGroup, ctx: &Context<'_>) -> Diff {
    let Some(rule) = group.rule.as_ref().filter(|_| !group.lock_recompose) else {
        return Diff::default();
    };
    let wanted: BTreeSet<&str> = ctx.select(rule).into_iter().map(|p| p.id.as_str()).collect();
    let members: BTreeSet<&str> = group.members.iter().map(|m| m.person.as_str()).collect();
    let entrants = wanted.iter().filter(|p| !members.contains(*p)).map(|p| p.to_string()).collect();
    let sortants = group
        .members
        .iter()
        .filter(|m| m.origin == Origin::Auto && !wanted.contains(m.person.as_str()))
        .map(|m| m.person.clone())
        .collect();
    Diff { entrants, sortants }
}

/// The ENT accounts of each person of the establishment: the account's own
/// link when it has one; else the same INE, or the same surname, first
/// given name and birth date — each only when exactly one account and one
/// person share it (a wrong link is worse than none).
pub fn accounts_of_people(data: &EstablishmentData) -> std::collections::BTreeMap<&str, Vec<&str>> {
    use crate::text::fold;
    use std::collections::BTreeMap;
    let uai = data.establishment.uai.to_string();
    let ours: Vec<&crate::model::Account> =
        data.accounts.iter().filter(|a| a.establishments.iter().any(|e| e.to_string() == uai)).collect();
    let mut out: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
    for a in &ours {
        if let Some(p) = a.person_id.as_deref() {
            out.entry(p).or_default().push(a.id.as_str());
        }
    }
    let key_of = |surname: &str, given: Option<&String>, birth: Option<&String>| -> Option<String> {
        Some(format!("{}|{}|{}", fold(surname), fold(given?), birth?))
    };
    // Each key → the accounts (not linked yet) and the people carrying it.
    let mut by_ine: BTreeMap<String, (Vec<&str>, Vec<&str>)> = BTreeMap::new();
    let mut by_name: BTreeMap<String, (Vec<&str>, Vec<&str>)> = BTreeMap::new();
    for a in ours.iter().filter(|a| a.person_id.is_none()) {
        if let Some(ine) = &a.ine {
            by_ine.entry(ine.to_uppercase()).or_default().0.push(a.id.as_str());
        }
        if let Some(k) = key_of(&a.usage_name, a.given_names.first(), a.birth_date.as_ref()) {
            by_name.entry(k).or_default().0.push(a.id.as_str());
        }
    }
    for p in data.people.iter().filter(|p| !out.contains_key(p.id.as_str())) {
        if let Some(ine) = &p.ine {
            if let Some(e) = by_ine.get_mut(&ine.to_uppercase()) {
                e.1.push(p.id.as_str());
            }
        }
        if let Some(k) = key_of(&p.usage_name, p.given_names.first(), p.birth_date.as_ref()) {
            if let Some(e) = by_name.get_mut(&k) {
                e.1.push(p.id.as_str());
            }
        }
    }
    let mut taken = std::collections::BTreeSet::new();
    for (accounts, people) in by_ine.values().chain(by_name.values()) {
        if let ([a], [p]) = (accounts.as_slice(), people.as_slice()) {
            if !out.contains_key(p) && taken.insert(*a) {
                out.insert(p, vec![a]);
            }
        }
    }
    // A parent has no birth date to be told apart by: the same name and a
    // child in common (the child's account among the account's children) do
    // it, when only one account and one person fit.
    let name_key = |surname: &str, given: Option<&String>| Some(format!("{}|{}", fold(surname), fold(given?)));
    let mut parents: BTreeMap<String, (Vec<&crate::model::Account>, Vec<&str>)> = BTreeMap::new();
    for a in ours.iter().filter(|a| {
        a.person_id.is_none() && a.profile == crate::model::Profile::Responsable && !taken.contains(a.id.as_str())
    }) {
        if let Some(k) = name_key(&a.usage_name, a.given_names.first()) {
            parents.entry(k).or_default().0.push(a);
        }
    }
    if !parents.is_empty() {
        for p in data
            .people
            .iter()
            .filter(|p| p.profile == crate::model::Profile::Responsable && !out.contains_key(p.id.as_str()))
        {
            if let Some(e) = name_key(&p.usage_name, p.given_names.first()).and_then(|k| parents.get_mut(&k)) {
                e.1.push(p.id.as_str());
            }
        }
        let mut children_of: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
        for r in &data.responsibilities {
            if let Some(accounts) = out.get(r.pupil_id.as_str()) {
                children_of.entry(r.responsable_id.as_str()).or_default().extend(accounts.iter().copied());
            }
        }
        let mut found = Vec::new();
        for (accounts, people) in parents.values() {
            for a in accounts {
                let fits: Vec<&str> = people
                    .iter()
                    .copied()
                    .filter(|p| children_of.get(p).is_some_and(|c| c.iter().any(|c| a.children.iter().any(|x| x == c))))
                    .collect();
                let rivals = accounts
                    .iter()
                    .filter(|o| {
                        fits.iter().any(|p| {
                            children_of.get(p).is_some_and(|c| c.iter().any(|c| o.children.iter().any(|x| x == c)))
                        })
                    })
                    .count();
                if let ([p], 1) = (fits.as_slice(), rivals) {
                    found.push((*p, a.id.as_str()));
                }
            }
        }
        for (p, a) in found {
            if !out.contains_key(p) && taken.insert(a) {
                out.insert(p, vec![a]);
            }
        }
    }
    out
}

/// When a GAR manager who joined at `since` (RFC 3339) becomes active.
pub fn active_from(since: &str) -> Option<String> {
    chrono::DateTime::parse_from_rfc3339(since)
        .ok()
        .map(|t| (t + chrono::Duration::hours(GAR_DELAY_HOURS)).to_rfc3339_opts(chrono::SecondsFormat::AutoSi, true))
}

/// Why a person cannot join a GAR group with `role`.
pub fn gar_refusal(group: &ManagedGroup, role: GarRole) -> Option<String> {
    if group.kind != GroupKind::Gar || role != GarRole::Gestionnaire {
        return None;
    }
    let helpers = group.members.iter().filter(|m| m.role == Some(GarRole::Gestionnaire)).count();
    (helpers >= GAR_HELPERS_MAX).then(|| {
        format!(
            "le responsable d'affectation GAR a déjà {helpers} gestionnaires : {GAR_HELPERS_MAX} au plus (retirez-en un d'abord)"
        )
    })
}

/// A group to create from the training's exercises.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Template {
    pub name: &'static str,
    pub label: String,
    pub kind: GroupKind,
    pub rule: Option<String>,
    pub lock_delete: bool,
}

pub fn templates(kind: EstablishmentKind) -> Vec<Template> {
    let lycee = kind == EstablishmentKind::Lycee;
    let t = |name, label: &str, kind, rule: Option<&str>, lock_delete| Template {
        name,
        label: label.to_string(),
        kind,
        rule: rule.map(str::to_string),
        lock_delete,
    };
    let mut out = Vec::new();
    if lycee {
        out.push(t(
            "eleves-2de",
            "Tous les élèves de seconde",
            GroupKind::Niveau,
            Some("profil:eleve et niveau:2de"),
            false,
        ));
        out.push(t(
            "eleves-1re",
            "Tous les élèves de première",
            GroupKind::Niveau,
            Some("profil:eleve et niveau:1re"),
            false,
        ));
        out.push(t(
            "eleves-tle",
            "Tous les élèves de terminale",
            GroupKind::Niveau,
            Some("profil:eleve et niveau:Tle"),
            false,
        ));
    } else {
        out.push(t("eleves-6e", "Tous les élèves de 6e", GroupKind::Niveau, Some("profil:eleve et niveau:6e"), false));
        out.push(t("eleves-3e", "Tous les élèves de 3e", GroupKind::Niveau, Some("profil:eleve et niveau:3e"), false));
    }
    out.push(t("conseil-administration", "Conseil d'administration", GroupKind::Libre, None, false));
    out.push(t("aide-aux-devoirs", "Aide aux devoirs", GroupKind::Libre, Some("fonction:AED/S0093"), false));
    out.push(if lycee {
        t("cvl", "Conseil de vie lycéenne (CVL)", GroupKind::Libre, None, false)
    } else {
        t("cvc", "Conseil de vie collégienne (CVC)", GroupKind::Libre, None, false)
    });
    out.push(t("surveillants", "Surveillants", GroupKind::Libre, Some("fonction:AED"), false));
    out.push(t("enseignants", "Tous les enseignants", GroupKind::Libre, Some("profil:enseignant"), false));
    out.push(t("gar", "Responsables d'affectation des ressources (GAR)", GroupKind::Gar, None, true));
    out
}

/// Every rule-populated group's diff: the work after an import or a pull.
pub fn evaluate_all<'a>(groups: &'a [ManagedGroup], data: &EstablishmentData) -> Vec<(&'a ManagedGroup, Diff)> {
    let ctx = Context::new(data);
    groups.iter().map(|g| (g, evaluate(g, &ctx))).filter(|(_, d)| !d.is_empty()).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Uai;

    fn member(person: &str, origin: Origin) -> Member {
        Member { person: person.into(), origin, role: None, since: String::new() }
    }

    #[test]
    fn a_rule_never_takes_out_a_manual_member() {
        let data = crate::demo::generate(&Uai::parse("0999001W").unwrap(), EstablishmentKind::College, 1);
        let ctx = Context::new(&data);
        let rule = Rule::parse("profil:eleve et niveau:3e").unwrap();
        let third: Vec<String> = ctx.select(&rule).iter().map(|p| p.id.clone()).collect();
        let sixth = ctx.select(&Rule::parse("profil:eleve et niveau:6e").unwrap())[0].id.clone();
        let mut g = ManagedGroup {
            id: "G1".into(),
            name: "3e".into(),
            kind: GroupKind::Niveau,
            rule: Some(rule),
            lock_delete: false,
            lock_recompose: false,
            members: Vec::new(),
        };
        let first = evaluate(&g, &ctx);
        assert_eq!((first.entrants.len(), first.sortants.len()), (third.len(), 0));
        // Everyone in, plus a 6e by hand and a 6e put there by an older rule.
        g.members = third.iter().map(|p| member(p, Origin::Auto)).collect();
        g.members.push(member(&sixth, Origin::Manual));
        let other_sixth = ctx.select(&Rule::parse("profil:eleve et niveau:6e").unwrap())[1].id.clone();
        g.members.push(member(&other_sixth, Origin::Auto));
        let d = evaluate(&g, &ctx);
        assert_eq!(d.entrants, Vec::<String>::new());
        assert_eq!(d.sortants, vec![other_sixth], "the AUTO one leaves, the MANUAL one stays");
        g.lock_recompose = true;
        assert!(evaluate(&g, &ctx).is_empty(), "a locked group is not recomposed");
    }

    #[test]
    fn the_26th_gar_helper_is_refused() {
        let mut g = ManagedGroup {
            id: "GAR".into(),
            name: "GAR".into(),
            kind: GroupKind::Gar,
            rule: None,
            lock_delete: true,
            lock_recompose: false,
            members: vec![Member { role: Some(GarRole::Responsable), ..member("R", Origin::Manual) }],
        };
        for k in 0..GAR_HELPERS_MAX {
            assert!(gar_refusal(&g, GarRole::Gestionnaire).is_none(), "helper {k}");
            g.members.push(Member { role: Some(GarRole::Gestionnaire), ..member(&format!("H{k}"), Origin::Manual) });
        }
        let refusal = gar_refusal(&g, GarRole::Gestionnaire).unwrap();
        assert!(refusal.contains("25 au plus"), "{refusal}");
        assert!(gar_refusal(&g, GarRole::Responsable).is_none(), "another responsable is not a helper");
    }

    #[test]
    fn templates_follow_the_establishment() {
        let college: Vec<&str> = templates(EstablishmentKind::College).iter().map(|t| t.name).collect();
        assert!(college.contains(&"eleves-3e") && college.contains(&"cvc") && !college.contains(&"eleves-1re"));
        let lycee: Vec<&str> = templates(EstablishmentKind::Lycee).iter().map(|t| t.name).collect();
        assert!(lycee.contains(&"eleves-1re") && lycee.contains(&"cvl"));
        for t in templates(EstablishmentKind::Lycee) {
            if let Some(r) = &t.rule {
                Rule::parse(r).unwrap();
            }
        }
    }
}
