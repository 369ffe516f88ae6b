//! Qui fait quoi: the function nodes of the messaging directory, filled from
//! the fonction + discipline codes of STS-Web / AAF by an editable mapping,
//! corrected by hand, and checked (empty node, implausible headcount, a
//! member whose codes do not fit, former teachers still listed, staff
//! without a function).

use std::collections::{BTreeMap, BTreeSet};

use serde::{Deserialize, Serialize};

use super::{is_function_node, label, TREE};
use crate::model::{EstablishmentData, EstablishmentKind, Profile};
use crate::text::fold;

/// People with fonction `code` — and discipline `discipline` when it is
/// given — belong in `node`. A rule with a discipline wins over one without.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FunctionRule {
    pub code: String,
    pub discipline: Option<String>,
    pub node: String,
}

fn rule(code: &str, discipline: Option<&str>, node: &str) -> FunctionRule {
    FunctionRule { code: code.into(), discipline: discipline.map(str::to_string), node: node.into() }
}

/// The defaults (formats.md §7.1 for the codes). CTR (chef de travaux, now
/// DDFPT) goes to « DDFPT industriel »; a lycée tertiaire edits it.
pub fn default_rules() -> Vec<FunctionRule> {
    vec![
        rule("DIR", Some("D0010"), "Mon établissement/Direction/Chef d'établissement"),
        rule("DIR", Some("D0011"), "Mon établissement/Direction/Chef d'établissement adjoint"),
        rule("ADF", Some("P9182"), "Mon établissement/Direction/Adjoint gestionnaire"),
        rule("ADF", Some("P9101"), "Mon établissement/Autres/Secrétaires"),
        rule("EDU", None, "Mon établissement/Vie scolaire/CPE"),
        rule("AED", None, "Mon établissement/Vie scolaire/Assistants d'éducation"),
        rule("DOC", None, "Mon établissement/Autres/Documentaliste"),
        rule("ORI", None, "Mon établissement/Autres/Psychologue"),
        rule("MDS", Some("P9222"), "Mon établissement/Autres/Assistante sociale"),
        rule("MDS", None, "Mon établissement/Autres/Personnels médicaux"),
        rule("CTR", None, "Mon établissement/Autres/DDFPT industriel"),
    ]
}

/// A hand correction: `person` added to (`member`) or taken out of `node`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Manual {
    pub node: String,
    pub person: String,
    pub member: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Member {
    pub person: String,
    pub name: String,
    /// `fonction` (from the codes) or `manuel`.
    pub by: &'static str,
    /// The person's codes, « DIR D0010 ».
    pub codes: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct NodeMembers {
    pub node: String,
    pub members: Vec<Member>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Alert {
    /// EMPTY_NODE, IMPLAUSIBLE_HEADCOUNT, CODES_DO_NOT_FIT, FORMER_TEACHER, STAFF_WITHOUT_FUNCTION.
    pub code: &'static str,
    pub node: Option<String>,
    /// The people concerned (person ids, or ENT account ids for former teachers).
    pub people: Vec<String>,
    pub message: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Functions {
    pub rules: Vec<FunctionRule>,
    pub nodes: Vec<NodeMembers>,
    pub alerts: Vec<Alert>,
}

impl Functions {
    /// The people of `node` (none when it is not a function node).
    pub fn members(&self, node: &str) -> &[Member] {
        self.nodes.iter().find(|n| n.node == node).map_or(&[], |n| n.members.as_slice())
    }
}

/// The most people a node plausibly holds.
fn plausible(node: &str) -> Option<usize> {
    match label(node) {
        "Chef d'établissement" | "Adjoint gestionnaire" => Some(1),
        "Chef d'établissement adjoint" => Some(3),
        "Assistante sociale" | "Psychologue" | "DDFPT industriel" | "DDFPT tertiaire" => Some(2),
        "Documentaliste" => Some(4),
        "CPE" => Some(8),
        _ => None,
    }
}

/// The node the codes lead to, the most specific rule first.
pub fn node_for<'a>(rules: &'a [FunctionRule], code: &str, discipline: Option<&str>) -> Option<&'a str> {
    rules
        .iter()
        .find(|r| r.code == code && r.discipline.is_some() && r.discipline.as_deref() == discipline)
        .or_else(|| rules.iter().find(|r| r.code == code && r.discipline.is_none()))
        .map(|r| r.node.as_str())
}

/// Who is in each function node, and what looks wrong.
pub fn compute(data: &EstablishmentData, rules: &[FunctionRule], manual: &[Manual]) -> Functions {
    let people: BTreeMap<&str, &crate::model::Person> = data.people.iter().map(|p| (p.id.as_str(), p)).collect();
    let codes = |p: &crate::model::Person| -> Vec<String> {
        p.functions
            .iter()
            // STS writes « - » for a function without a discipline: said as the function alone.
            .map(|f| match f.discipline.as_deref().map(str::trim) {
                Some(d) if !d.is_empty() && d != "-" => format!("{} {d}", f.code),
                _ => f.code.clone(),
            })
            .collect()
    };
    let mut by_node: BTreeMap<&str, Vec<Member>> = BTreeMap::new();
    for p in data.people.iter().filter(|p| !p.left) {
        let mut nodes = BTreeSet::new();
        for f in &p.functions {
            if let Some(n) = node_for(rules, &f.code, f.discipline.as_deref()) {
                nodes.insert(n);
            }
        }
        for n in nodes {
            let removed = manual.iter().any(|m| m.node == n && m.person == p.id && !m.member);
            if !removed {
                by_node.entry(n).or_default().push(Member {
                    person: p.id.clone(),
                    name: format!("{} {}", p.usage_name, p.usual_name()),
                    by: "fonction",
                    codes: codes(p),
                });
            }
        }
    }
    let mut alerts = Vec::new();
    for m in manual.iter().filter(|m| m.member) {
        let Some(p) = people.get(m.person.as_str()) else { continue };
        let list = by_node.entry(m.node.as_str()).or_default();
        if list.iter().any(|x| x.person == p.id) {
            continue;
        }
        list.push(Member {
            person: p.id.clone(),
            name: format!("{} {}", p.usage_name, p.usual_name()),
            by: "manuel",
            codes: codes(p),
        });
        let fits =
            p.functions.iter().any(|f| node_for(rules, &f.code, f.discipline.as_deref()) == Some(m.node.as_str()));
        if !fits {
            alerts.push(Alert {
                code: "CODES_DO_NOT_FIT",
                node: Some(m.node.clone()),
                people: vec![p.id.clone()],
                message: format!(
                    "{} {} a été ajouté(e) à la main à « {} », mais ses codes ({}) n'y mènent pas.",
                    p.usage_name,
                    p.usual_name(),
                    label(&m.node),
                    if p.functions.is_empty() { "aucune fonction".to_string() } else { codes(p).join(", ") }
                ),
            });
        }
    }
    let college = data.establishment.kind == EstablishmentKind::College;
    let mut nodes = Vec::new();
    for node in TREE.iter().copied().filter(|n| is_function_node(n)) {
        let mut members = by_node.remove(node).unwrap_or_default();
        members.sort_by(|a, b| a.name.cmp(&b.name).then(a.person.cmp(&b.person)));
        let ddfpt = node.contains("DDFPT");
        if members.is_empty() && !(college && ddfpt) {
            alerts.push(Alert {
                code: "EMPTY_NODE",
                node: Some(node.to_string()),
                people: Vec::new(),
                message: format!("« {} » est vide : personne n'y sera joignable.", label(node)),
            });
        }
        if let Some(max) = plausible(node).filter(|max| members.len() > *max) {
            alerts.push(Alert {
                code: "IMPLAUSIBLE_HEADCOUNT",
                node: Some(node.to_string()),
                people: members.iter().map(|m| m.person.clone()).collect(),
                message: format!("« {} » compte {} personnes (au plus {max} attendu).", label(node), members.len()),
            });
        }
        nodes.push(NodeMembers { node: node.to_string(), members });
    }
    // Former teachers: ENT accounts of teachers whom STS no longer lists.
    let uai = data.establishment.uai.to_string();
    let teachers: BTreeSet<&str> =
        data.people.iter().filter(|p| p.profile == Profile::Enseignant && !p.left).map(|p| p.id.as_str()).collect();
    // An account not linked yet (before the reconciliation is applied) is
    // not said gone while a current teacher bears its name: telling the
    // admin to remove a teacher still in STS from the messaging is worse
    // than saying nothing.
    let names: BTreeSet<(String, String)> = data
        .people
        .iter()
        .filter(|p| p.profile == Profile::Enseignant && !p.left)
        .flat_map(|p| {
            let surnames: Vec<String> =
                [fold(&p.usage_name), fold(&p.birth_name)].into_iter().filter(|s| !s.is_empty()).collect();
            p.given_names.iter().flat_map(move |g| surnames.clone().into_iter().map(move |s| (s, fold(g))))
        })
        .collect();
    let known = |a: &crate::model::Account| {
        let surnames = [fold(&a.usage_name), fold(&a.birth_name)];
        a.given_names.iter().any(|g| {
            let g = fold(g);
            surnames.iter().any(|s| !s.is_empty() && names.contains(&(s.clone(), g.clone())))
        })
    };
    let former: Vec<&crate::model::Account> = data
        .accounts
        .iter()
        .filter(|a| a.profile == Profile::Enseignant && a.establishments.iter().any(|e| e.to_string() == uai))
        .filter(|a| match a.person_id.as_deref() {
            Some(p) => !teachers.contains(p),
            None => !known(a),
        })
        .collect();
    if !former.is_empty() {
        alerts.push(Alert {
            code: "FORMER_TEACHER",
            node: None,
            people: former.iter().map(|a| a.id.clone()).collect(),
            message: format!(
                "{} (à retirer de la messagerie avant la Toussaint) : {}.",
                if former.len() == 1 {
                    "1 compte d'enseignant absent de STS reste dans l'annuaire".to_string()
                } else {
                    format!("{} comptes d'enseignant absents de STS restent dans l'annuaire", former.len())
                },
                former
                    .iter()
                    .map(|a| format!("{} {}", a.usage_name, a.given_names.join(" ")))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        });
    }
    let without: Vec<&crate::model::Person> = data
        .people
        .iter()
        .filter(|p| {
            matches!(p.profile, Profile::NonEnseignant | Profile::Enseignant) && !p.left && p.functions.is_empty()
        })
        .collect();
    if !without.is_empty() {
        alerts.push(Alert {
            code: "STAFF_WITHOUT_FUNCTION",
            node: None,
            people: without.iter().map(|p| p.id.clone()).collect(),
            message: format!(
                "{} {} sans fonction : {}.",
                without.len(),
                if without.len() == 1 { "personnel" } else { "personnels" },
                without.iter().map(|p| format!("{} {}", p.usage_name, p.usual_name())).collect::<Vec<_>>().join(", ")
            ),
        });
    }
    Functions { rules: rules.to_vec(), nodes, alerts }
}

/// The function nodes each ENT account of the establishment is listed in
/// (the accounts of the nodes' people), paths in tree order.
pub fn account_nodes(data: &EstablishmentData, functions: &Functions) -> BTreeMap<String, Vec<String>> {
    let accounts = crate::groups::accounts_of_people(data);
    let mut out: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for n in &functions.nodes {
        for m in &n.members {
            for a in accounts.get(m.person.as_str()).into_iter().flatten() {
                out.entry(a.to_string()).or_default().push(n.node.clone());
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Function, Uai};

    fn demo() -> EstablishmentData {
        crate::demo::generate(&Uai::parse("0999001W").unwrap(), EstablishmentKind::College, 1)
    }

    #[test]
    fn the_demo_college_fills_its_nodes() {
        let data = demo();
        let f = compute(&data, &default_rules(), &[]);
        let n = |node: &str| f.members(node).len();
        assert_eq!(n("Mon établissement/Direction/Chef d'établissement"), 1);
        assert_eq!(n("Mon établissement/Direction/Chef d'établissement adjoint"), 1);
        assert_eq!(n("Mon établissement/Direction/Adjoint gestionnaire"), 1);
        assert_eq!(n("Mon établissement/Vie scolaire/CPE"), 2);
        assert_eq!(n("Mon établissement/Vie scolaire/Assistants d'éducation"), 6);
        assert_eq!(n("Mon établissement/Autres/Assistante sociale"), 1);
        assert_eq!(n("Mon établissement/Autres/Personnels médicaux"), 1);
        assert_eq!(n("Mon établissement/Autres/Psychologue"), 1);
        assert_eq!(n("Mon établissement/Autres/Documentaliste"), 1);
        assert_eq!(n("Mon établissement/Autres/Secrétaires"), 2);
        // In a collège, no DDFPT is expected; the hand-filled nodes are empty.
        let empty: Vec<&str> =
            f.alerts.iter().filter(|a| a.code == "EMPTY_NODE").filter_map(|a| a.node.as_deref()).collect();
        assert_eq!(empty, vec!["Mon établissement/Administration", "Mon établissement/Correspondants ENT"]);
        assert!(!f.alerts.iter().any(|a| a.code == "IMPLAUSIBLE_HEADCOUNT"));
        // A function STS gives « - » as its discipline is said alone: « AED », never « AED - ».
        assert!(data.people.iter().flat_map(|p| &p.functions).any(|f| f.discipline.as_deref() == Some("-")));
        let aed = f.members("Mon établissement/Vie scolaire/Assistants d'éducation");
        assert!(aed.iter().any(|m| m.codes == ["AED"]), "{:?}", aed.iter().map(|m| &m.codes).collect::<Vec<_>>());
        for node in &f.nodes {
            for m in &node.members {
                assert!(m.codes.iter().all(|c| !c.ends_with(" -")), "{:?}", m.codes);
            }
        }
    }

    #[test]
    fn an_account_not_linked_yet_is_not_a_former_teacher_while_a_teacher_bears_its_name() {
        let mut data = demo();
        // The ENT directory imported, the reconciliation not applied yet: no account is linked.
        for a in data.accounts.iter_mut() {
            a.person_id = None;
        }
        let teachers = data.accounts.iter().filter(|a| a.profile == Profile::Enseignant).count();
        assert!(teachers > 10, "{teachers}");
        // One teacher's account whose name no teacher of STS bears.
        let gone = data.accounts.iter_mut().find(|a| a.profile == Profile::Enseignant).unwrap();
        gone.usage_name = "PARTIELAN".into();
        gone.birth_name = String::new();
        let gone = gone.id.clone();
        let f = compute(&data, &default_rules(), &[]);
        let former: Vec<&String> =
            f.alerts.iter().filter(|a| a.code == "FORMER_TEACHER").flat_map(|a| &a.people).collect();
        assert_eq!(former, vec![&gone]);
    }

    #[test]
    fn what_looks_wrong_is_said() {
        let mut data = demo();
        // Three chefs d'établissement.
        let chef = Function { code: "DIR".into(), discipline: Some("D0010".into()), label: String::new() };
        let others: Vec<String> = data
            .people
            .iter()
            .filter(|p| p.profile == Profile::NonEnseignant && p.functions.iter().all(|f| f.code == "AED"))
            .take(2)
            .map(|p| p.id.clone())
            .collect();
        for p in data.people.iter_mut().filter(|p| others.contains(&p.id)) {
            p.functions.push(chef.clone());
        }
        // A staff member without a function, added by hand to the CPE node.
        let lonely = data
            .people
            .iter_mut()
            .find(|p| {
                p.profile == Profile::NonEnseignant
                    && !others.contains(&p.id)
                    && p.functions.iter().all(|f| f.code == "AED")
            })
            .unwrap();
        lonely.functions.clear();
        let lonely = lonely.id.clone();
        // A teacher's account whose teacher STS no longer lists.
        let gone = data.accounts.iter_mut().find(|a| a.profile == Profile::Enseignant).unwrap();
        gone.person_id = Some("ENS-PARTI".into());
        let gone = gone.id.clone();
        let manual =
            [Manual { node: "Mon établissement/Vie scolaire/CPE".into(), person: lonely.clone(), member: true }];
        let f = compute(&data, &default_rules(), &manual);
        let alert =
            |code: &str| f.alerts.iter().find(|a| a.code == code).unwrap_or_else(|| panic!("{code}: {:?}", f.alerts));
        assert_eq!(others.len(), 2);
        assert_eq!(
            alert("IMPLAUSIBLE_HEADCOUNT").people.len(),
            3,
            "{:?}",
            f.members("Mon établissement/Direction/Chef d'établissement")
        );
        assert!(alert("IMPLAUSIBLE_HEADCOUNT").message.contains("3 personnes"));
        assert_eq!(alert("CODES_DO_NOT_FIT").people, vec![lonely.clone()]);
        assert!(f.members("Mon établissement/Vie scolaire/CPE").iter().any(|m| m.person == lonely && m.by == "manuel"));
        assert_eq!(alert("FORMER_TEACHER").people, vec![gone]);
        assert!(alert("STAFF_WITHOUT_FUNCTION").people.contains(&lonely));
        // The alerts are read as sentences: counts with their proper plural.
        assert!(
            alert("FORMER_TEACHER").message.starts_with("1 compte d'enseignant absent de STS reste dans l'annuaire"),
            "{}",
            alert("FORMER_TEACHER").message
        );
        let staff = alert("STAFF_WITHOUT_FUNCTION");
        let word = if staff.people.len() == 1 { "personnel" } else { "personnels" };
        assert!(
            staff.message.starts_with(&format!("{} {word} sans fonction : ", staff.people.len())),
            "{}",
            staff.message
        );
        for a in &f.alerts {
            assert!(!a.message.contains("(s)"), "{}", a.message);
        }
        // Taken out by hand: no longer a member.
        let cpe = f.members("Mon établissement/Vie scolaire/CPE")[0].person.clone();
        let out = [Manual { node: "Mon établissement/Vie scolaire/CPE".into(), person: cpe.clone(), member: false }];
        let g = compute(&data, &default_rules(), &out);
        assert!(!g.members("Mon établissement/Vie scolaire/CPE").iter().any(|m| m.person == cpe));
    }

    #[test]
    fn a_rule_with_a_discipline_wins() {
        let rules = default_rules();
        assert_eq!(node_for(&rules, "MDS", Some("P9222")), Some("Mon établissement/Autres/Assistante sociale"));
        assert_eq!(node_for(&rules, "MDS", None), Some("Mon établissement/Autres/Personnels médicaux"));
        assert_eq!(node_for(&rules, "MDS", Some("X")), Some("Mon établissement/Autres/Personnels médicaux"));
        assert_eq!(node_for(&rules, "DIR", Some("D9999")), None);
        assert_eq!(node_for(&rules, "ENS", Some("L1300")), None);
    }
}
