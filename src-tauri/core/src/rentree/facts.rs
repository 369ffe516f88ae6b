//! What the checks look at, read from the store once, and the checks.

use std::collections::{BTreeMap, BTreeSet};

use serde_json::json;

use super::{Check, Settings};
use crate::groups::GarRole;
use crate::model::{EstablishmentKind, GroupKind};
use crate::store::{Finding, Store, StoreError};
use crate::visibility::functions::Alert;

#[derive(Debug, Clone, Default)]
pub struct Facts {
    pub school_year: i32,
    pub kind: Option<EstablishmentKind>,
    /// Formats imported, with the school year their files carry.
    pub imported: BTreeMap<String, Option<i32>>,
    pub findings: Vec<Finding>,
    /// Per source (`pronote`, `edt`): (category, records, linked).
    pub reconciliation: BTreeMap<&'static str, Vec<(String, u64, u64)>>,
    /// The GAR group: (responsables, gestionnaires), when it exists.
    pub gar: Option<(usize, usize)>,
    pub function_alerts: Vec<Alert>,
    pub settings: Settings,
    /// The day the establishment was created in Préau.
    pub created_on: Option<chrono::NaiveDate>,
    /// Pupils by id as a line (« DUPONT Léa (6A) »), for the lists.
    pub people: super::list::People,
}

/// Everything the checks need, from the store.
pub fn facts(store: &Store) -> Result<Facts, StoreError> {
    let establishment = store.establishment()?;
    let mut f = Facts {
        school_year: store.rentree_year()?.or(establishment.as_ref().map(|e| e.school_year)).unwrap_or(2026),
        kind: establishment.as_ref().map(|e| e.kind),
        findings: store.findings()?,
        settings: store.rentree_settings()?,
        created_on: store.created_on()?,
        ..Facts::default()
    };
    for b in store.latest_batches()? {
        f.imported.insert(b.format.clone(), b.school_year);
    }
    for (source, kind) in
        [("pronote", crate::reconcile::SourceKind::Pronote), ("edt", crate::reconcile::SourceKind::Edt)]
    {
        // Not imported yet (or unreadable): no line, the import check says it.
        let Ok(records) = crate::reconcile::source_from_store(kind, store) else { continue };
        if records.is_empty() {
            continue;
        }
        let linked: BTreeSet<String> = store.account_links(source)?.into_iter().map(|l| l.source_id).collect();
        let mut per: BTreeMap<String, (u64, u64)> = BTreeMap::new();
        for r in &records {
            let e = per.entry(r.category.as_str().to_string()).or_default();
            e.0 += 1;
            if linked.contains(&r.id) {
                e.1 += 1;
            }
        }
        f.reconciliation.insert(source, per.into_iter().map(|(c, (t, l))| (c, t, l)).collect());
    }
    if let Some(g) = store.managed_groups()?.into_iter().find(|g| g.kind == GroupKind::Gar) {
        let count = |r| g.members.iter().filter(|m| m.role == Some(r)).count();
        f.gar = Some((count(GarRole::Responsable), count(GarRole::Gestionnaire)));
    }
    if let Some(data) = store.load_population()? {
        for p in data.people.iter().filter(|p| p.profile == crate::model::Profile::Eleve) {
            let name = format!("{} {}", p.usage_name, p.usual_name());
            let line =
                if p.divisions.is_empty() { name } else { format!("{} ({})", name.trim(), p.divisions.join(", ")) };
            f.people.insert(p.id.clone(), line.trim().to_string());
        }
        let fs = crate::visibility::functions::compute(&data, &store.function_rules()?, &store.function_manual()?);
        f.function_alerts =
            fs.alerts.into_iter().filter(|a| matches!(a.code, "EMPTY_NODE" | "IMPLAUSIBLE_HEADCOUNT")).collect();
    }
    Ok(f)
}

pub(super) fn date(text: &Option<String>) -> Option<chrono::NaiveDate> {
    chrono::NaiveDate::parse_from_str(text.as_deref()?.trim(), "%Y-%m-%d").ok()
}

/// Every check, computed from `f`.
pub fn checks(f: &Facts) -> Vec<Check> {
    let y = f.school_year;
    let mut out = Vec::new();
    let mut push = |code: &'static str,
                    label: String,
                    ok: bool,
                    count: u64,
                    blocking: bool,
                    todo: String,
                    route: &'static str,
                    items: Vec<serde_json::Value>| {
        out.push(Check {
            code,
            label,
            ok,
            count,
            blocking,
            todo,
            route,
            list: super::list::of(code, &items, &f.people),
        });
    };
    let has = |formats: &[&str]| formats.iter().any(|x| f.imported.contains_key(*x));
    let this_year =
        |formats: &[&str]| formats.iter().any(|x| f.imported.get(*x).is_some_and(|sy| sy.is_none_or(|sy| sy == y)));
    let siecle = has(&["siecle-eleves"]);
    let edt = has(&["edt", "udt"]);
    let pronote = has(&["pronote-ids"]);
    push(
        "SIECLE_IMPORTED",
        format!("SIECLE élèves {y}-{} importé", y + 1),
        this_year(&["siecle-eleves"]),
        u64::from(siecle),
        true,
        "Importez l'export SIECLE des élèves (ElevesSansAdresses) de cette année, avec les responsables et les structures.".into(),
        "imports",
        Vec::new(),
    );
    let finding = |code: &str| f.findings.iter().find(|x| x.code == code);
    let labels: &[(&'static str, &str, bool, &str, bool)] = &[
        ("PUPIL_WITHOUT_CLASS", "élèves sans classe", true, "Supprimez dans EDT (et vérifiez dans SIECLE) les élèves sans classe : ce sont souvent ceux de l'an dernier.", false),
        ("FORMER_PUPIL", "anciens élèves encore présents", false, "Vérifiez leur date de sortie dans SIECLE.", false),
        ("DUPLICATE_RESPONSABLE", "responsables en double probables (fratries scindées)", false, "Rapprochez la fratrie dans SIECLE : sinon le parent reçoit deux comptes.", false),
        ("PERSONNE_EN_CHARGE", "personnes en charge à vérifier", false, "Vérifiez leur accès (familles d'accueil : accès à la scolarité).", false),
        ("RESPONSABLE_NO_EMAIL", "responsables sans courriel", false, "Relancez ces familles via la fiche de renseignements.", false),
        ("RESPONSABLE_NO_MOBILE", "responsables sans téléphone portable", false, "Relancez ces familles via la fiche de renseignements.", false),
        ("TIMETABLE_TEACHER_UNKNOWN", "professeurs de l'emploi du temps absents de STS ou de l'annuaire ENT", false, "Ajoutez-les dans STS-Web ou rapprochez-les par une recherche sur tout l'ENT.", true),
        ("PARTIES_GROUP_NOT_EXPORTED", "parties de classe qui n'arriveront pas dans l'ENT", false, "Déclarez dans EDT des groupes constitués de parties : les parties seules ne remontent pas.", true),
    ];
    for (code, label, blocking, todo, needs_edt) in labels {
        let ready = siecle && (!needs_edt || edt);
        let n = finding(code).map_or(0, |x| x.count);
        let todo = if ready {
            todo.to_string()
        } else if *needs_edt {
            "Importez d'abord l'emploi du temps.".into()
        } else {
            "Importez d'abord SIECLE.".into()
        };
        push(
            code,
            label.to_string(),
            ready && n == 0,
            n,
            *blocking,
            todo,
            "imports",
            finding(code).map(|x| x.items.clone()).unwrap_or_default(),
        );
    }
    // Access embargo: both dates set, between mid-August and the first days of September.
    let (lo, hi) = (chrono::NaiveDate::from_ymd_opt(y, 8, 15), chrono::NaiveDate::from_ymd_opt(y, 9, 15));
    let sensible = |d: Option<chrono::NaiveDate>| d.is_some_and(|d| Some(d) >= lo && Some(d) <= hi);
    let embargo = [("élèves", &f.settings.embargo_pupils), ("parents", &f.settings.embargo_parents)];
    let wrong: Vec<serde_json::Value> = embargo
        .iter()
        .filter(|(_, d)| !sensible(date(d)))
        .map(|(who, d)| json!({ "profil": who, "date": d }))
        .collect();
    // The count is of dates set outside the window; unset ones are still to do.
    let set_wrong = embargo.iter().filter(|(_, d)| d.is_some() && !sensible(date(d))).count();
    push(
        "EMBARGO_DATES",
        "dates d'ouverture de l'ENT aux élèves et aux parents".into(),
        wrong.is_empty(),
        set_wrong as u64,
        true,
        format!("Reportez les dates d'ouverture choisies dans l'ENT ; elles doivent tomber entre le 15 août et le 15 septembre {y}."),
        "rentree",
        wrong,
    );
    let version_ok = f.settings.pronote_version.as_deref().is_some_and(|v| v.contains(&y.to_string()));
    push(
        "PRONOTE_VERSION",
        format!("version de Pronote du connecteur ({y})"),
        version_ok,
        u64::from(f.settings.pronote_version.is_some() && !version_ok),
        true,
        format!("Mettez « PRONOTE {y} » dans le connecteur de l'ENT, puis reportez-la ici."),
        "rentree",
        f.settings.pronote_version.iter().map(|v| json!({ "version": v })).collect(),
    );
    push(
        "PRONOTE_IMPORTED",
        "identifiants Pronote importés".into(),
        pronote,
        u64::from(pronote),
        true,
        "Importez le fichier d'identifiants exporté de Pronote.".into(),
        "imports",
        Vec::new(),
    );
    push(
        "EDT_IMPORTED",
        "emploi du temps importé (EDT ou UDT)".into(),
        edt,
        u64::from(edt),
        true,
        "Importez l'export de l'emploi du temps vers l'ENT.".into(),
        "imports",
        Vec::new(),
    );
    for (source, code, what) in
        [("pronote", "RECONCILIATION_PRONOTE", "Pronote"), ("edt", "RECONCILIATION_EDT", "de l'emploi du temps")]
    {
        let rows = f.reconciliation.get(source);
        let left: u64 = rows.map_or(0, |r| r.iter().map(|(_, t, l)| t - l.min(t)).sum());
        let items = rows
            .map(|r| r.iter().map(|(c, t, l)| json!({ "categorie": c, "a_rapprocher": t - l.min(t), "rapproches": l, "total": t })).collect())
            .unwrap_or_default();
        push(
            code,
            format!("comptes {what} restant à rapprocher"),
            rows.is_some() && left == 0,
            left,
            false,
            if rows.is_some() {
                "Terminez le rapprochement, catégorie par catégorie.".into()
            } else {
                format!("Importez d'abord le fichier {what}.")
            },
            "rapprochement",
            items,
        );
    }
    let (gar_ok, gar_count, gar_blocking) = match f.gar {
        Some((r, h)) => {
            (r >= 1 && h <= crate::groups::GAR_HELPERS_MAX, (r + h) as u64, h > crate::groups::GAR_HELPERS_MAX)
        }
        None => (false, 0, false),
    };
    push(
        "GAR_MANAGERS",
        "responsable d'affectation GAR et ses gestionnaires (25 au plus)".into(),
        gar_ok,
        gar_count,
        gar_blocking,
        "Créez le groupe GAR (modèle) avec un responsable d'affectation ; 25 gestionnaires au plus, actifs après 24 h."
            .into(),
        "groupes",
        f.gar.iter().map(|(r, h)| json!({ "responsables": r, "gestionnaires": h })).collect(),
    );
    push(
        "FUNCTION_NODES",
        "nœuds de fonction de la messagerie vides ou invraisemblables".into(),
        siecle && f.function_alerts.is_empty(),
        f.function_alerts.len() as u64,
        false,
        "Dans Qui voit qui › Qui fait quoi, complétez les nœuds vides et vérifiez les effectifs.".into(),
        "qui-voit-qui",
        f.function_alerts.iter().map(|a| json!({ "noeud": a.node, "alerte": a.message })).collect(),
    );
    let limit = chrono::NaiveDate::from_ymd_opt(y + 1, 7, 15);
    let end = date(&f.settings.end_of_year);
    push(
        "END_OF_YEAR_DATE",
        format!("fin d'année dans l'emploi du temps, au plus tard le 15 juillet {}", y + 1),
        end.is_some() && end <= limit,
        u64::from(end.is_some_and(|d| Some(d) > limit)),
        end.is_some_and(|d| Some(d) > limit),
        "Vers le 4 juillet, avec une période de vacances jusqu'au 15 juillet : jamais au-delà, sinon les élèves sortent des classes et de la messagerie.".into(),
        "rentree",
        f.settings.end_of_year.iter().map(|d| json!({ "date": d })).collect(),
    );
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_and_versions_are_judged() {
        let mut f = Facts { school_year: 2026, ..Facts::default() };
        let by = |f: &Facts, code: &str| checks(f).into_iter().find(|c| c.code == code).unwrap();
        assert!(!by(&f, "EMBARGO_DATES").ok);
        f.settings.embargo_pupils = Some("2026-09-01".into());
        f.settings.embargo_parents = Some("2026-07-01".into());
        let e = by(&f, "EMBARGO_DATES");
        assert_eq!((e.ok, e.count), (false, 1), "July is before the summer break's end");
        f.settings.embargo_parents = Some("2026-08-31".into());
        assert!(by(&f, "EMBARGO_DATES").ok);
        f.settings.pronote_version = Some("PRONOTE 2025".into());
        assert!(!by(&f, "PRONOTE_VERSION").ok);
        f.settings.pronote_version = Some("PRONOTE 2026".into());
        assert!(by(&f, "PRONOTE_VERSION").ok);
        f.settings.end_of_year = Some("2027-07-20".into());
        let end = by(&f, "END_OF_YEAR_DATE");
        assert!(!end.ok && end.blocking, "beyond 15 July blocks");
        f.settings.end_of_year = Some("2027-07-15".into());
        assert!(by(&f, "END_OF_YEAR_DATE").ok);
        assert!(!by(&f, "GAR_MANAGERS").ok);
        f.gar = Some((1, 26));
        assert!(by(&f, "GAR_MANAGERS").blocking);
        f.gar = Some((1, 3));
        assert!(by(&f, "GAR_MANAGERS").ok);
        // Before SIECLE, a count of zero is not a success.
        assert!(!by(&f, "PUPIL_WITHOUT_CLASS").ok);
        f.imported.insert("siecle-eleves".into(), Some(2026));
        assert!(by(&f, "PUPIL_WITHOUT_CLASS").ok && by(&f, "SIECLE_IMPORTED").ok);
        f.imported.insert("siecle-eleves".into(), Some(2025));
        assert!(!by(&f, "SIECLE_IMPORTED").ok, "last year's file does not count");
        f.reconciliation.insert("pronote", vec![("eleve".into(), 10, 7), ("enseignant".into(), 3, 3)]);
        let r = by(&f, "RECONCILIATION_PRONOTE");
        assert_eq!((r.ok, r.count), (false, 3));
    }
}
