//! The rentrée checklist, month by month, after the training's chapter
//! « Préparer la rentrée scolaire »: each step with its due date, a status
//! (set by hand or derived from its checks), a note, and checks computed
//! from the store (`facts.rs`) with counts, what to do, the wizard that does
//! it, and the list behind each count.

pub mod facts;
pub mod list;

use chrono::{Datelike, NaiveDate};
use serde::{Deserialize, Serialize};

pub use facts::{facts, Facts};
pub use list::List;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Period {
    Juillet,
    Aout,
    Septembre,
    FinAnnee,
}

impl Period {
    pub fn code(self) -> &'static str {
        match self {
            Period::Juillet => "juillet",
            Period::Aout => "aout",
            Period::Septembre => "septembre",
            Period::FinAnnee => "fin_annee",
        }
    }

    /// The period a date falls in (October to June: the rest of the year, up to its end).
    pub fn of(date: NaiveDate) -> Period {
        match date.month() {
            7 => Period::Juillet,
            8 => Period::Aout,
            9 => Period::Septembre,
            _ => Period::FinAnnee,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    AFaire,
    EnCours,
    Fait,
    Bloque,
    SansObjet,
}

impl Status {
    pub fn parse(s: &str) -> Option<Status> {
        Some(match s {
            "a_faire" => Status::AFaire,
            "en_cours" => Status::EnCours,
            "fait" => Status::Fait,
            "bloque" => Status::Bloque,
            "sans_objet" => Status::SansObjet,
            _ => return None,
        })
    }
}

/// What the administrator tells Préau about the ENT's settings (Préau cannot read them).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Settings {
    /// Access opens for pupils / parents on (AAAA-MM-JJ).
    pub embargo_pupils: Option<String>,
    pub embargo_parents: Option<String>,
    /// The Pronote version set in the ENT's connector (« PRONOTE 2026 »).
    pub pronote_version: Option<String>,
    /// The end of the year set in the timetable software (AAAA-MM-JJ).
    pub end_of_year: Option<String>,
    /// The school does not use Pronote: its steps are « sans objet ».
    #[serde(default)]
    pub no_pronote: bool,
    /// The day Préau started following this rentrée (AAAA-MM-JJ), when the
    /// administrator corrects it; else the day the establishment was created.
    /// Steps due before it are not late: nobody could do them here.
    #[serde(default)]
    pub followed_since: Option<String>,
}

/// One automatic check.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Check {
    pub code: &'static str,
    pub label: String,
    pub ok: bool,
    pub count: u64,
    /// A failure stops the rentrée (the CLI exits 1).
    pub blocking: bool,
    /// What to do, in French.
    pub todo: String,
    /// The view that does it (`#/…`).
    pub route: &'static str,
    /// The list behind the count, readable, for the drill-down and its CSV.
    pub list: List,
}

struct StepDef {
    code: &'static str,
    period: Period,
    title: &'static str,
    todo: &'static str,
    route: &'static str,
    /// (month, day), in the school year's first calendar year, or the next one for June–July of `FinAnnee`.
    due: (u32, u32),
    checks: &'static [&'static str],
    pronote: bool,
}

const STEPS: &[StepDef] = &[
    StepDef { code: "SIECLE_VERIFIE", period: Period::Juillet, title: "Vérifier SIECLE : fiches bloquantes ou incomplètes, élèves sans classe, anciens élèves", todo: "Importez SIECLE (élèves, responsables, structures) et corrigez dans SIECLE ce que les constats signalent.", route: "imports", due: (7, 10), checks: &["SIECLE_IMPORTED", "PUPIL_WITHOUT_CLASS", "FORMER_PUPIL"], pronote: false },
    StepDef { code: "FRATRIES", period: Period::Juillet, title: "Rapprocher les fratries dans SIECLE (sinon les parents ont deux comptes)", todo: "Pour chaque responsable en double, rapprochez les élèves de la fratrie dans SIECLE, puis réimportez.", route: "imports", due: (7, 10), checks: &["DUPLICATE_RESPONSABLE", "PERSONNE_EN_CHARGE"], pronote: false },
    StepDef { code: "FICHE_RENSEIGNEMENTS", period: Period::Juillet, title: "Fiche de renseignements : courriels et téléphones des responsables", todo: "Relancez les familles dont le courriel ou le portable manque, et saisissez-les dans SIECLE.", route: "imports", due: (7, 14), checks: &["RESPONSABLE_NO_EMAIL", "RESPONSABLE_NO_MOBILE"], pronote: false },
    StepDef { code: "ARCHIVAGE", period: Period::Juillet, title: "Archivage de mi-juillet (cahier de textes, espaces classes)", todo: "L'ENT archive à la mi-juillet ; l'opération dure plusieurs jours. Marquez l'étape faite une fois l'archivage constaté.", route: "rentree", due: (7, 20), checks: &[], pronote: false },
    StepDef { code: "BLOCAGE_ACCES", period: Period::Aout, title: "Blocage des accès ENT des élèves et des parents jusqu'à la rentrée", todo: "Dans l'ENT : Administration › Accès portail › Blocage des accès ENT. Reportez ici les dates d'ouverture choisies.", route: "rentree", due: (8, 25), checks: &["EMBARGO_DATES"], pronote: false },
    StepDef { code: "CONNECTEUR_PRONOTE", period: Period::Aout, title: "Version de Pronote dans le connecteur", todo: "Chaque année, changez la version de Pronote dans le connecteur de l'ENT, puis reportez-la ici.", route: "rentree", due: (8, 31), checks: &["PRONOTE_VERSION"], pronote: true },
    StepDef { code: "IDENTIFIANTS_PRONOTE", period: Period::Aout, title: "Import des identifiants Pronote et rapprochement des comptes", todo: "Exportez les identifiants depuis Pronote, importez-les, puis rapprochez les six catégories.", route: "rapprochement", due: (8, 31), checks: &["PRONOTE_IMPORTED", "RECONCILIATION_PRONOTE"], pronote: true },
    StepDef { code: "EXPORT_EDT", period: Period::Septembre, title: "Export de l'emploi du temps : sans les élèves de l'an dernier, groupes faits de parties", todo: "Dans EDT, supprimez les élèves sans classe avant l'export ; seuls les groupes de parties déclarés arrivent dans l'ENT.", route: "imports", due: (9, 5), checks: &["EDT_IMPORTED", "PUPIL_WITHOUT_CLASS", "PARTIES_GROUP_NOT_EXPORTED"], pronote: false },
    StepDef { code: "IMPORT_EDT", period: Period::Septembre, title: "Import de l'emploi du temps et rapprochement (enseignants, élèves, classes et groupes)", todo: "Importez l'emploi du temps puis rapprochez ; ne générez pas les séances si le cahier de textes est celui de Pronote.", route: "rapprochement", due: (9, 10), checks: &["EDT_IMPORTED", "TIMETABLE_TEACHER_UNKNOWN", "RECONCILIATION_EDT"], pronote: false },
    StepDef { code: "IMPORT_AUTOMATISE", period: Period::Septembre, title: "Import automatisé : ses utilisateurs et ses seuils", todo: "Ajoutez à l'import automatisé les personnels de direction qui gèrent l'EDT ; en cas de rejet, ne décochez jamais le dernier seuil.", route: "rentree", due: (9, 15), checks: &[], pronote: false },
    StepDef { code: "GROUPES_MESSAGERIE", period: Period::Septembre, title: "Groupes, messagerie (qui fait quoi) et gestionnaires GAR", todo: "Créez le groupe GAR et ses gestionnaires, vérifiez les nœuds de fonction de la messagerie.", route: "groupes", due: (9, 20), checks: &["GAR_MANAGERS", "FUNCTION_NODES"], pronote: false },
    StepDef { code: "FIN_ANNEE", period: Period::FinAnnee, title: "Fin de l'année : date de fin dans l'EDT, vacances jusqu'au 15 juillet au plus", todo: "Dans le logiciel d'emploi du temps, mettez la fin d'année vers le 4 juillet et une période de vacances jusqu'au 15 juillet, jamais au-delà.", route: "rentree", due: (6, 30), checks: &["END_OF_YEAR_DATE"], pronote: false },
];

/// A step of the checklist as it stands.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Step {
    pub step: &'static str,
    pub period: Period,
    pub title: &'static str,
    pub todo: &'static str,
    pub route: &'static str,
    pub due: String,
    pub status: Status,
    /// Set by hand rather than derived from the checks.
    pub manual: bool,
    pub note: String,
    /// Due before the given date and not done (and due after Préau started following the rentrée).
    pub late: bool,
    /// Due before Préau started following the rentrée: never late.
    pub before_start: bool,
    /// In the given date's period.
    pub current: bool,
    pub checks: Vec<Check>,
}

/// What the administrator set on a step.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct StepState {
    pub status: Option<Status>,
    pub note: String,
}

/// From the checks: all green → fait; a blocking check failing on
/// something found (a count) → bloqué; nothing green yet → à faire; else en cours.
fn derived(checks: &[Check]) -> Status {
    if !checks.is_empty() && checks.iter().all(|c| c.ok) {
        Status::Fait
    } else if checks.iter().any(|c| !c.ok && c.blocking && c.count > 0) {
        Status::Bloque
    } else if checks.iter().all(|c| !c.ok) {
        Status::AFaire
    } else {
        Status::EnCours
    }
}

/// The checklist for the school year of `facts`, as on `today`.
pub fn checklist(facts: &Facts, states: &std::collections::BTreeMap<String, StepState>, today: NaiveDate) -> Vec<Step> {
    let all = facts::checks(facts);
    let year = facts.school_year;
    let since = facts::date(&facts.settings.followed_since).or(facts.created_on);
    STEPS
        .iter()
        .map(|d| {
            let checks: Vec<Check> =
                d.checks.iter().filter_map(|c| all.iter().find(|x| x.code == *c).cloned()).collect();
            let y = if d.period == Period::FinAnnee { year + 1 } else { year };
            let due = NaiveDate::from_ymd_opt(y, d.due.0, d.due.1).unwrap_or(today);
            let state = states.get(d.code).cloned().unwrap_or_default();
            let status = if d.pronote && facts.settings.no_pronote {
                Status::SansObjet
            } else {
                state.status.unwrap_or_else(|| derived(&checks))
            };
            Step {
                step: d.code,
                period: d.period,
                title: d.title,
                todo: d.todo,
                route: d.route,
                due: due.format("%Y-%m-%d").to_string(),
                status,
                manual: state.status.is_some(),
                note: state.note,
                late: today > due
                    && since.is_none_or(|s| due >= s)
                    && !matches!(status, Status::Fait | Status::SansObjet),
                before_start: since.is_some_and(|s| due < s),
                current: Period::of(today) == d.period,
                checks,
            }
        })
        .collect()
}

/// A step's title by its code.
pub fn step_title(code: &str) -> Option<&'static str> {
    STEPS.iter().find(|d| d.code == code).map(|d| d.title)
}

/// Whether a blocking check fails anywhere (the CLI's exit 1).
pub fn blocked(steps: &[Step]) -> bool {
    steps.iter().filter(|s| s.status != Status::SansObjet).any(|s| s.checks.iter().any(|c| c.blocking && !c.ok))
}

/// What a year transition will change or lose, for the confirmation screen.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Transition {
    pub from_year: i32,
    pub to_year: i32,
    /// Classes that the new year's SIECLE will empty, and their pupils.
    pub classes: usize,
    pub pupils_in_classes: usize,
    /// Pupils leaving: the last level's (3e, Tle) and those already gone.
    pub leaving: usize,
    /// Groups whose rule will be re-evaluated after the new imports.
    pub rule_groups: usize,
    /// Account links kept from this year (Pronote, EDT).
    pub links_kept: usize,
    /// Steps whose status and notes start over.
    pub steps_reset: usize,
    /// The accounts created in Préau and not closed: no feed renews them, so
    /// each is to be extended or closed.
    pub hand_accounts: Vec<HandReview>,
}

/// An account created in Préau, as the transition lists it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct HandReview {
    pub id: String,
    /// « Prénom NOM ».
    pub name: String,
    pub profile: crate::model::Profile,
    /// Its last day (AAAA-MM-JJ); `None`: compte pérenne.
    pub until: Option<String>,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn facts() -> Facts {
        Facts { school_year: 2026, ..Facts::default() }
    }

    #[test]
    fn nothing_imported_is_to_do_and_late_after_its_date() {
        let f = facts();
        let july = NaiveDate::from_ymd_opt(2026, 7, 5).unwrap();
        let steps = checklist(&f, &Default::default(), july);
        let siecle = steps.iter().find(|s| s.step == "SIECLE_VERIFIE").unwrap();
        assert_eq!((siecle.status, siecle.late, siecle.current), (Status::AFaire, false, true));
        assert_eq!(siecle.due, "2026-07-10");
        let sept = NaiveDate::from_ymd_opt(2026, 9, 2).unwrap();
        let steps = checklist(&f, &Default::default(), sept);
        let siecle = steps.iter().find(|s| s.step == "SIECLE_VERIFIE").unwrap();
        assert!(siecle.late && !siecle.current);
        assert!(steps.iter().find(|s| s.step == "IMPORT_EDT").unwrap().current);
        assert_eq!(steps.iter().find(|s| s.step == "FIN_ANNEE").unwrap().due, "2027-06-30");
        assert!(blocked(&steps));
    }

    #[test]
    fn an_establishment_created_mid_year_is_not_late_for_the_months_before() {
        // Created on 7 December: July to September went by before Préau knew it.
        let mut f = Facts { created_on: NaiveDate::from_ymd_opt(2026, 12, 7), ..facts() };
        let december = NaiveDate::from_ymd_opt(2026, 12, 7).unwrap();
        let steps = checklist(&f, &Default::default(), december);
        let late: Vec<&str> = steps.iter().filter(|s| s.late).map(|s| s.step).collect();
        assert_eq!(late, Vec::<&str>::new());
        assert_eq!(steps.iter().filter(|s| s.before_start).count(), 11, "the summer's steps came before");
        let end = steps.iter().find(|s| s.step == "FIN_ANNEE").unwrap();
        assert!(!end.before_start && !end.late);
        // The end of the year still counts once its date passes.
        let july = NaiveDate::from_ymd_opt(2027, 7, 2).unwrap();
        assert!(checklist(&f, &Default::default(), july).iter().find(|s| s.step == "FIN_ANNEE").unwrap().late);
        // Followed since the summer, as the administrator says: the summer's steps are late again.
        f.settings.followed_since = Some("2026-07-01".into());
        let steps = checklist(&f, &Default::default(), december);
        assert_eq!(steps.iter().filter(|s| s.late).count(), 11);
        assert!(steps.iter().all(|s| !s.before_start));
    }

    #[test]
    fn a_status_set_by_hand_wins_and_pronote_can_be_without_object() {
        let mut f = facts();
        let mut states = std::collections::BTreeMap::new();
        states.insert("ARCHIVAGE".to_string(), StepState { status: Some(Status::Fait), note: "vu le 16/07".into() });
        f.settings.no_pronote = true;
        let steps = checklist(&f, &states, NaiveDate::from_ymd_opt(2026, 8, 1).unwrap());
        let a = steps.iter().find(|s| s.step == "ARCHIVAGE").unwrap();
        assert_eq!((a.status, a.manual, a.note.as_str()), (Status::Fait, true, "vu le 16/07"));
        assert_eq!(steps.iter().find(|s| s.step == "IDENTIFIANTS_PRONOTE").unwrap().status, Status::SansObjet);
    }

    #[test]
    fn statuses_follow_the_checks() {
        let check = |ok: bool, blocking| Check {
            code: "X",
            label: String::new(),
            ok,
            count: u64::from(!ok),
            blocking,
            todo: String::new(),
            route: "",
            list: List::default(),
        };
        assert_eq!(derived(&[check(true, true), check(true, false)]), Status::Fait);
        assert_eq!(derived(&[check(true, true), check(false, true)]), Status::Bloque);
        assert_eq!(derived(&[check(true, true), check(false, false)]), Status::EnCours);
        assert_eq!(derived(&[check(false, true)]), Status::Bloque, "something found that blocks");
        assert_eq!(derived(&[Check { count: 0, ..check(false, true) }]), Status::AFaire, "nothing there yet");
        assert_eq!(derived(&[check(false, false)]), Status::AFaire);
        assert_eq!(derived(&[]), Status::AFaire);
    }
}
