//! Qui voit qui: the messaging directory tree each profile sees, the eye
//! per profile × node that hides a node (and its subtree), presets shown as
//! change lists, and the side effects a change has, named before it is
//! queued. `functions` fills the function nodes from fonction + discipline
//! codes; `simulate` answers « que voit A ? » and « A peut-il écrire à B ? ».

pub mod functions;
pub mod simulate;

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::model::Profile;

/// The six profiles of the « Qui voit qui » screen.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum VProfile {
    Autre,
    Eleve,
    Enseignant,
    NonEnseignant,
    Parent,
    PersonnelCollectivite,
}

impl VProfile {
    pub const ALL: [VProfile; 6] = [
        VProfile::Autre,
        VProfile::Eleve,
        VProfile::Enseignant,
        VProfile::NonEnseignant,
        VProfile::Parent,
        VProfile::PersonnelCollectivite,
    ];

    /// The code used on the command line, in JSON and on the server.
    pub fn code(self) -> &'static str {
        match self {
            VProfile::Autre => "Autre",
            VProfile::Eleve => "Eleve",
            VProfile::Enseignant => "Enseignant",
            VProfile::NonEnseignant => "NonEnseignant",
            VProfile::Parent => "Parent",
            VProfile::PersonnelCollectivite => "PersonnelCollectivite",
        }
    }

    /// As the ENT's screen names it.
    pub fn label(self) -> &'static str {
        match self {
            VProfile::Autre => "Autre",
            VProfile::Eleve => "Élève",
            VProfile::Enseignant => "Enseignant",
            VProfile::NonEnseignant => "Non enseignant",
            VProfile::Parent => "Parent",
            VProfile::PersonnelCollectivite => "Personnel de collectivité",
        }
    }

    /// Accepts the code or the label, with or without accents and case.
    pub fn parse(text: &str) -> Option<VProfile> {
        use crate::text::fold;
        let key = fold(text);
        VProfile::ALL.into_iter().find(|p| fold(p.code()) == key || fold(p.label()) == key)
    }

    /// The messaging profile of an ENT profile.
    pub fn of(profile: Profile) -> VProfile {
        match profile {
            Profile::Eleve => VProfile::Eleve,
            Profile::Responsable => VProfile::Parent,
            Profile::Enseignant => VProfile::Enseignant,
            Profile::NonEnseignant => VProfile::NonEnseignant,
            Profile::PersonnelCollectivite => VProfile::PersonnelCollectivite,
            Profile::Invite | Profile::MaitreDeStage | Profile::Inspecteur => VProfile::Autre,
        }
    }
}

/// The directory tree of the messaging assistant, parents before children.
/// A node is named by its path; the establishment's own level (« Collège … »)
/// is shown under « Mon établissement » but is not a node of its own.
pub const TREE: &[&str] = &[
    "Mes rubriques",
    "Ma classe",
    "Ma classe/Toute ma classe",
    "Ma classe/Élèves",
    "Ma classe/Enseignants",
    "Mon établissement",
    "Mon établissement/Administration",
    "Mon établissement/Correspondants ENT",
    "Mon établissement/Direction",
    "Mon établissement/Direction/Chef d'établissement",
    "Mon établissement/Direction/Chef d'établissement adjoint",
    "Mon établissement/Direction/Adjoint gestionnaire",
    "Mon établissement/Vie scolaire",
    "Mon établissement/Vie scolaire/CPE",
    "Mon établissement/Vie scolaire/Assistants d'éducation",
    "Mon établissement/Autres",
    "Mon établissement/Autres/Assistante sociale",
    "Mon établissement/Autres/DDFPT industriel",
    "Mon établissement/Autres/DDFPT tertiaire",
    "Mon établissement/Autres/Psychologue",
    "Mon établissement/Autres/Documentaliste",
    "Mon établissement/Autres/Personnels médicaux",
    "Mon établissement/Autres/Secrétaires",
];

/// The tree's own spelling of `path` (accents, case and spaces around `/` forgiven).
pub fn node(path: &str) -> Option<&'static str> {
    let key = |p: &str| p.split('/').map(|s| crate::text::fold(s.trim())).collect::<Vec<_>>().join("/");
    let wanted = key(path);
    TREE.iter().copied().find(|n| key(n) == wanted)
}

/// The nodes on the way to `path`, itself included, root first.
pub fn ancestors(path: &str) -> impl Iterator<Item = &'static str> + '_ {
    TREE.iter().copied().filter(move |n| path == *n || path.starts_with(&format!("{n}/")))
}

/// The nodes below `path`.
pub fn descendants(path: &str) -> impl Iterator<Item = &'static str> + '_ {
    let prefix = format!("{path}/");
    TREE.iter().copied().filter(move |n| n.starts_with(&prefix))
}

pub fn depth(path: &str) -> usize {
    path.matches('/').count()
}

pub fn label(path: &str) -> &str {
    path.rsplit('/').next().unwrap_or(path)
}

/// A function node: filled from fonction codes (or by hand), not from classes.
pub fn is_function_node(path: &str) -> bool {
    path.starts_with("Mon établissement/") && descendants(path).next().is_none()
}

/// The eye of every profile × node: `true` shows it. A cell not set is shown
/// (the ENT's default).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Matrix {
    cells: BTreeMap<(VProfile, String), bool>,
}

/// One cell changed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Change {
    pub profile: VProfile,
    pub node: String,
    pub visible: bool,
}

impl Matrix {
    /// The eye of one cell, as set.
    pub fn eye(&self, profile: VProfile, node: &str) -> bool {
        self.cells.get(&(profile, node.to_string())).copied().unwrap_or(true)
    }

    /// Whether `profile` sees `node`: its eye and every ancestor's are open.
    pub fn visible(&self, profile: VProfile, node: &str) -> bool {
        ancestors(node).all(|n| self.eye(profile, n))
    }

    /// The closed ancestor (or the node itself) that hides `node` from `profile`.
    pub fn hidden_by(&self, profile: VProfile, node: &str) -> Option<&'static str> {
        ancestors(node).find(|n| !self.eye(profile, n))
    }

    pub fn set(&mut self, profile: VProfile, node: &str, visible: bool) {
        if visible {
            self.cells.remove(&(profile, node.to_string()));
        } else {
            self.cells.insert((profile, node.to_string()), false);
        }
    }

    pub fn apply(&mut self, changes: &[Change]) {
        for c in changes {
            self.set(c.profile, &c.node, c.visible);
        }
    }

    /// The cells whose eye differs between `self` and `other`, in tree order.
    pub fn diff(&self, other: &Matrix) -> Vec<Change> {
        let mut out = Vec::new();
        for node in TREE {
            for profile in VProfile::ALL {
                let (a, b) = (self.eye(profile, node), other.eye(profile, node));
                if a != b {
                    out.push(Change { profile, node: node.to_string(), visible: b });
                }
            }
        }
        out
    }

    /// Every cell, in tree order then profile order.
    pub fn cells(&self) -> Vec<Change> {
        TREE.iter()
            .flat_map(|n| VProfile::ALL.map(|p| Change { profile: p, node: n.to_string(), visible: self.eye(p, n) }))
            .collect()
    }
}

/// A named preset: the changes it makes from `current`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Preset {
    pub name: &'static str,
    pub label: &'static str,
}

pub const PRESETS: &[Preset] = &[
    Preset { name: "college-sans-ddfpt", label: "Collège : masquer les DDFPT" },
    Preset { name: "parents-sans-direction", label: "Les parents ne voient pas la direction" },
    Preset { name: "defauts", label: "Réinitialiser aux valeurs par défaut" },
];

/// The changes preset `name` makes to `current` (`None`: no such preset).
pub fn preset(name: &str, current: &Matrix) -> Option<Vec<Change>> {
    let mut target = current.clone();
    match name {
        "college-sans-ddfpt" => {
            for p in VProfile::ALL {
                target.set(p, "Mon établissement/Autres/DDFPT industriel", false);
                target.set(p, "Mon établissement/Autres/DDFPT tertiaire", false);
            }
        }
        "parents-sans-direction" => target.set(VProfile::Parent, "Mon établissement/Direction", false),
        "defauts" => target = Matrix::default(),
        _ => return None,
    }
    Some(current.diff(&target))
}

/// A side effect of a change, said before it is queued.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Warning {
    pub code: &'static str,
    pub profile: VProfile,
    pub node: String,
    pub message: String,
}

/// The explicit rules: what `changes` would do beyond the cells themselves.
/// `members` tells how many people a function node holds.
pub fn warnings(current: &Matrix, changes: &[Change], members: &dyn Fn(&str) -> usize) -> Vec<Warning> {
    let mut after = current.clone();
    after.apply(changes);
    let mut out = Vec::new();
    let lost = |p: VProfile, n: &str| current.visible(p, n) && !after.visible(p, n);
    let gained = |p: VProfile, n: &str| !current.visible(p, n) && after.visible(p, n);
    let mut warn = |code: &'static str, profile: VProfile, node: &str, message: String| {
        if !out.iter().any(|w: &Warning| w.code == code && w.profile == profile && w.node == node) {
            out.push(Warning { code, profile, node: node.to_string(), message });
        }
    };
    for c in changes {
        let p = c.profile;
        if !c.visible {
            let below: Vec<&str> = descendants(&c.node).filter(|n| current.visible(p, n)).collect();
            if !below.is_empty() {
                warn(
                    "HIDES_SUBTREE",
                    p,
                    &c.node,
                    format!(
                        "Masquer « {} » au profil {} masque aussi : {}.",
                        c.node.replace('/', " › "),
                        p.label(),
                        below.iter().map(|n| label(n)).collect::<Vec<_>>().join(", ")
                    ),
                );
            }
        }
    }
    for p in VProfile::ALL {
        if p == VProfile::Parent && lost(p, "Mon établissement/Vie scolaire/CPE") {
            warn(
                "PARENTS_LOSE_CPE",
                p,
                "Mon établissement/Vie scolaire/CPE",
                "Les parents ne pourront plus écrire au CPE : c'est leur interlocuteur pour les absences et la vie scolaire.".into(),
            );
        }
        if p == VProfile::Parent && lost(p, "Ma classe/Enseignants") {
            warn(
                "PARENTS_LOSE_TEACHERS",
                p,
                "Ma classe/Enseignants",
                "Les parents ne pourront plus écrire aux enseignants de leurs enfants.".into(),
            );
        }
        if p == VProfile::Eleve && lost(p, "Ma classe/Enseignants") {
            warn(
                "PUPILS_LOSE_TEACHERS",
                p,
                "Ma classe/Enseignants",
                "Les élèves ne pourront plus écrire à leurs enseignants.".into(),
            );
        }
        if matches!(p, VProfile::Enseignant | VProfile::NonEnseignant) && lost(p, "Mon établissement/Direction") {
            warn(
                "STAFF_LOSE_DIRECTION",
                p,
                "Mon établissement/Direction",
                format!("Le profil {} ne pourra plus écrire à la direction.", p.label()),
            );
        }
        if p == VProfile::Eleve && (gained(p, "Ma classe/Élèves") || gained(p, "Ma classe/Toute ma classe")) {
            warn(
                "PUPILS_SEE_PUPILS",
                p,
                "Ma classe/Élèves",
                "Chaque élève pourra écrire à tous les élèves de sa classe, et ceux-ci lui répondre.".into(),
            );
        }
        if p == VProfile::Eleve && gained(p, "Mon établissement") {
            warn(
                "PUPILS_SEE_ESTABLISHMENT",
                p,
                "Mon établissement",
                "Les élèves verront tout l'annuaire de l'établissement ouvert à leur profil.".into(),
            );
        }
        for n in TREE.iter().copied().filter(|n| is_function_node(n)) {
            if gained(p, n) && members(n) == 0 {
                warn(
                    "EMPTY_NODE_VISIBLE",
                    p,
                    n,
                    format!("« {} » devient visible pour le profil {} mais ne contient personne.", label(n), p.label()),
                );
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hiding_a_parent_hides_its_subtree() {
        let mut m = Matrix::default();
        assert!(m.visible(VProfile::Parent, "Mon établissement/Direction/Chef d'établissement"));
        m.set(VProfile::Parent, "Mon établissement/Direction", false);
        assert!(!m.visible(VProfile::Parent, "Mon établissement/Direction/Chef d'établissement"));
        assert_eq!(
            m.hidden_by(VProfile::Parent, "Mon établissement/Direction/Adjoint gestionnaire"),
            Some("Mon établissement/Direction")
        );
        assert!(
            m.eye(VProfile::Parent, "Mon établissement/Direction/Chef d'établissement"),
            "the child's own eye is untouched"
        );
        assert!(m.visible(VProfile::Eleve, "Mon établissement/Direction"), "other profiles are untouched");
        assert!(m.visible(VProfile::Parent, "Mon établissement/Vie scolaire/CPE"));
    }

    #[test]
    fn presets_are_change_lists() {
        let m = Matrix::default();
        let ddfpt = preset("college-sans-ddfpt", &m).unwrap();
        assert_eq!(ddfpt.len(), 12);
        assert!(ddfpt.iter().all(|c| !c.visible && c.node.contains("DDFPT")));
        let direction = preset("parents-sans-direction", &m).unwrap();
        assert_eq!(
            direction,
            vec![Change { profile: VProfile::Parent, node: "Mon établissement/Direction".into(), visible: false }]
        );
        let mut after = m.clone();
        after.apply(&direction);
        assert!(preset("parents-sans-direction", &after).unwrap().is_empty(), "applied twice: nothing more");
        assert_eq!(preset("defauts", &after).unwrap().len(), 1);
        assert!(preset("inconnu", &m).is_none());
    }

    #[test]
    fn side_effects_are_named() {
        let m = Matrix::default();
        let none = |_: &str| 0;
        let hide_vs =
            [Change { profile: VProfile::Parent, node: "Mon établissement/Vie scolaire".into(), visible: false }];
        let codes: Vec<&str> = warnings(&m, &hide_vs, &|_| 1).iter().map(|w| w.code).collect();
        assert_eq!(codes, vec!["HIDES_SUBTREE", "PARENTS_LOSE_CPE"]);
        // Showing an empty function node.
        let mut hidden = m.clone();
        hidden.set(VProfile::Eleve, "Mon établissement/Autres/Psychologue", false);
        let show =
            [Change { profile: VProfile::Eleve, node: "Mon établissement/Autres/Psychologue".into(), visible: true }];
        assert_eq!(warnings(&hidden, &show, &none)[0].code, "EMPTY_NODE_VISIBLE");
        assert!(warnings(&hidden, &show, &|_| 2).is_empty());
        // Pupils reaching all their classmates.
        let mut closed = m.clone();
        closed.set(VProfile::Eleve, "Ma classe/Élèves", false);
        let open = [Change { profile: VProfile::Eleve, node: "Ma classe/Élèves".into(), visible: true }];
        assert_eq!(warnings(&closed, &open, &none)[0].code, "PUPILS_SEE_PUPILS");
        let direction =
            [Change { profile: VProfile::Parent, node: "Mon établissement/Direction".into(), visible: false }];
        assert_eq!(warnings(&m, &direction, &none).len(), 1, "only the subtree, parents keep the CPE");
    }

    #[test]
    fn names_are_forgiving_but_exact_in_the_end() {
        assert_eq!(node("mon etablissement / direction"), Some("Mon établissement/Direction"));
        assert_eq!(node("Ma classe/Eleves"), Some("Ma classe/Élèves"));
        assert!(node("Mon établissement/Cantine").is_none());
        assert_eq!(VProfile::parse("élève"), Some(VProfile::Eleve));
        assert_eq!(VProfile::parse("Personnel de collectivité"), Some(VProfile::PersonnelCollectivite));
        assert_eq!(VProfile::parse("NonEnseignant"), Some(VProfile::NonEnseignant));
        assert!(VProfile::parse("directeur").is_none());
        assert!(is_function_node("Mon établissement/Vie scolaire/CPE"));
        assert!(!is_function_node("Mon établissement/Vie scolaire"));
        assert!(!is_function_node("Ma classe/Élèves"));
    }
}
