//! The simulator: what one person's messaging directory shows (the nodes
//! their profile sees and the people in them, from their side), and
//! whether A can write to B, with the reason.

use std::collections::BTreeSet;

use serde::Serialize;

use super::functions::Functions;
use super::{is_function_node, Matrix, VProfile, TREE};
use crate::model::{EstablishmentData, Person, Profile, ResponsibilityLevel};

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SeenPerson {
    pub person: String,
    pub name: String,
    pub profile: VProfile,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SeenNode {
    pub node: String,
    pub people: Vec<SeenPerson>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct HiddenNode {
    pub node: String,
    /// The closed eye that hides it (the node itself or an ancestor).
    pub by: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Simulation {
    pub person: String,
    pub name: String,
    pub profile: VProfile,
    pub visible: Vec<SeenNode>,
    pub hidden: Vec<HiddenNode>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Verdict {
    pub from: String,
    pub to: String,
    pub can: bool,
    /// The node through which A reaches B, or the one that would.
    pub node: Option<String>,
    pub reason: String,
}

fn name(p: &Person) -> String {
    format!("{} {}", p.usual_name(), p.usage_name)
}

/// The classes a person's « Ma classe » is about.
fn classes<'a>(data: &'a EstablishmentData, viewer: &'a Person) -> BTreeSet<&'a str> {
    match viewer.profile {
        Profile::Eleve | Profile::Enseignant => viewer.divisions.iter().map(String::as_str).collect(),
        Profile::Responsable => {
            let children: BTreeSet<&str> = data
                .responsibilities
                .iter()
                .filter(|r| r.responsable_id == viewer.id && r.level != ResponsibilityLevel::Contact)
                .map(|r| r.pupil_id.as_str())
                .collect();
            data.people
                .iter()
                .filter(|p| children.contains(p.id.as_str()))
                .flat_map(|p| p.divisions.iter().map(String::as_str))
                .collect()
        }
        _ => BTreeSet::new(),
    }
}

/// The people of `node` as `viewer` would find them there.
fn people_in<'a>(data: &'a EstablishmentData, functions: &Functions, viewer: &Person, node: &str) -> Vec<&'a Person> {
    let in_class = |p: &Person, classes: &BTreeSet<&str>| p.divisions.iter().any(|d| classes.contains(d.as_str()));
    let mine = classes(data, viewer);
    let pick = |profile: Profile| -> Vec<&'a Person> {
        data.people
            .iter()
            .filter(|p| p.profile == profile && !p.left && p.id != viewer.id && in_class(p, &mine))
            .collect()
    };
    match node {
        "Ma classe/Élèves" => pick(Profile::Eleve),
        "Ma classe/Enseignants" => pick(Profile::Enseignant),
        "Ma classe/Toute ma classe" => pick(Profile::Eleve).into_iter().chain(pick(Profile::Enseignant)).collect(),
        n if is_function_node(n) => {
            let ids: BTreeSet<&str> = functions.members(n).iter().map(|m| m.person.as_str()).collect();
            data.people.iter().filter(|p| ids.contains(p.id.as_str()) && p.id != viewer.id).collect()
        }
        _ => Vec::new(),
    }
}

/// What `person`'s messaging directory shows.
pub fn simulate(data: &EstablishmentData, matrix: &Matrix, functions: &Functions, person: &str) -> Option<Simulation> {
    let viewer = data.people.iter().find(|p| p.id == person)?;
    let profile = VProfile::of(viewer.profile);
    let mut visible = Vec::new();
    let mut hidden = Vec::new();
    for node in TREE.iter().copied() {
        match matrix.hidden_by(profile, node) {
            Some(by) => hidden.push(HiddenNode { node: node.to_string(), by: by.to_string() }),
            None => visible.push(SeenNode {
                node: node.to_string(),
                people: people_in(data, functions, viewer, node)
                    .into_iter()
                    .map(|p| SeenPerson { person: p.id.clone(), name: name(p), profile: VProfile::of(p.profile) })
                    .collect(),
            }),
        }
    }
    Some(Simulation { person: viewer.id.clone(), name: name(viewer), profile, visible, hidden })
}

/// Whether `from` finds `to` in their directory, and why (not).
pub fn can_write(
    data: &EstablishmentData,
    matrix: &Matrix,
    functions: &Functions,
    from: &str,
    to: &str,
) -> Option<Verdict> {
    let a = data.people.iter().find(|p| p.id == from)?;
    let b = data.people.iter().find(|p| p.id == to)?;
    let profile = VProfile::of(a.profile);
    let holding: Vec<&str> =
        TREE.iter().copied().filter(|n| people_in(data, functions, a, n).iter().any(|p| p.id == b.id)).collect();
    let verdict = |can: bool, node: Option<&str>, reason: String| Verdict {
        from: a.id.clone(),
        to: b.id.clone(),
        can,
        node: node.map(str::to_string),
        reason,
    };
    let path = |n: &str| n.replace('/', " › ");
    if let Some(n) = holding.iter().find(|n| matrix.visible(profile, n)) {
        return Some(verdict(
            true,
            Some(n),
            format!("Oui : {} est dans « {} », que le profil {} voit.", name(b), path(n), profile.label()),
        ));
    }
    if let Some(n) = holding.first() {
        let by = matrix.hidden_by(profile, n).unwrap_or(n);
        return Some(verdict(
            false,
            Some(n),
            format!(
                "Non : {} est dans « {} », mais « {} » est masqué pour le profil {}.",
                name(b),
                path(n),
                path(by),
                profile.label()
            ),
        ));
    }
    Some(verdict(
        false,
        None,
        format!(
            "Non : {} n'apparaît dans aucun nœud de l'annuaire de {} (ni sa classe, ni une fonction de l'établissement).",
            name(b),
            name(a)
        ),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{EstablishmentKind, Uai};
    use crate::visibility::functions::{compute, default_rules};

    #[test]
    fn a_parent_reaches_the_cpe_until_vie_scolaire_is_hidden() {
        let data = crate::demo::generate(&Uai::parse("0999001W").unwrap(), EstablishmentKind::College, 1);
        let f = compute(&data, &default_rules(), &[]);
        let parent = data.responsibilities.iter().find(|r| r.level == ResponsibilityLevel::Legal).unwrap();
        let child = data.people.iter().find(|p| p.id == parent.pupil_id).unwrap();
        let cpe = f.members("Mon établissement/Vie scolaire/CPE")[0].person.clone();
        let mut m = Matrix::default();

        let sim = simulate(&data, &m, &f, &parent.responsable_id).unwrap();
        assert_eq!(sim.profile, VProfile::Parent);
        let seen = |s: &Simulation, node: &str| s.visible.iter().find(|n| n.node == node).map(|n| n.people.len());
        assert!(seen(&sim, "Ma classe/Enseignants").unwrap() > 3, "the child's teachers");
        assert!(seen(&sim, "Ma classe/Élèves").unwrap() > 10, "the child's classmates");
        assert_eq!(seen(&sim, "Mon établissement/Vie scolaire/CPE"), Some(2));
        let yes = can_write(&data, &m, &f, &parent.responsable_id, &cpe).unwrap();
        assert!(yes.can && yes.reason.contains("Vie scolaire › CPE"), "{}", yes.reason);

        m.set(VProfile::Parent, "Mon établissement/Vie scolaire", false);
        let no = can_write(&data, &m, &f, &parent.responsable_id, &cpe).unwrap();
        assert!(!no.can);
        assert!(
            no.reason.contains("« Mon établissement › Vie scolaire » est masqué pour le profil Parent"),
            "{}",
            no.reason
        );
        let sim = simulate(&data, &m, &f, &parent.responsable_id).unwrap();
        assert!(sim
            .hidden
            .iter()
            .any(|h| h.node == "Mon établissement/Vie scolaire/CPE" && h.by == "Mon établissement/Vie scolaire"));

        // A teacher of none of the children's classes: no node holds them for this parent.
        let reached = classes(&data, data.people.iter().find(|p| p.id == parent.responsable_id).unwrap());
        assert!(child.divisions.iter().all(|d| reached.contains(d.as_str())));
        let other = data
            .people
            .iter()
            .find(|p| p.profile == Profile::Enseignant && !p.divisions.iter().any(|d| reached.contains(d.as_str())))
            .unwrap();
        let none = can_write(&data, &m, &f, &parent.responsable_id, &other.id).unwrap();
        assert!(!none.can && none.node.is_none(), "{}", none.reason);
        assert!(can_write(&data, &m, &f, "inconnu", &cpe).is_none());
    }
}
