//! `preau-cli check rentree`: the checklist with its checks, as of a date.

use std::path::PathBuf;

use preau_core::reconcile::profile_label;
use preau_core::rentree::{self, Status};
use preau_core::store::Store;

use crate::commands::{data_dir, json_line, key, print_line, uai};
use crate::Failure;

pub fn check(dir: Option<PathBuf>, raw_uai: &str, date: Option<&str>, json: bool) -> Result<u8, Failure> {
    let u = uai(raw_uai)?;
    let store = Store::open(&data_dir(dir)?, &u, &key()?)?;
    let today = match date {
        Some(d) => chrono::NaiveDate::parse_from_str(d, "%Y-%m-%d").map_err(|_| Failure {
            exit: 2,
            code: "CLI_USAGE",
            message: format!("date attendue au format AAAA-MM-JJ, pas « {d} »"),
        })?,
        None => chrono::Local::now().date_naive(),
    };
    let facts = rentree::facts(&store)?;
    let steps = rentree::checklist(&facts, &store.rentree_states()?, today);
    for s in &steps {
        if json {
            let checks: Vec<serde_json::Value> = s
                .checks
                .iter()
                .map(|c| serde_json::json!({ "code": c.code, "ok": c.ok, "count": c.count, "blocking": c.blocking }))
                .collect();
            json_line(&serde_json::json!({
                "step": s.step,
                "period": s.period.code(),
                "status": s.status,
                "due": s.due,
                "late": s.late,
                "checks": checks,
            }))?;
            continue;
        }
        let status = match s.status {
            Status::AFaire => "à faire",
            Status::EnCours => "en cours",
            Status::Fait => "fait",
            Status::Bloque => "bloqué",
            Status::SansObjet => "sans objet",
        };
        let late = if s.late { " — EN RETARD" } else { "" };
        print_line(&format!(
            "[{}] {} — {status} (échéance {}){late}",
            s.period.code(),
            s.title,
            rentree::list::date(&s.due)
        ))?;
        for c in &s.checks {
            let mark = if c.ok {
                "ok"
            } else if c.blocking {
                "BLOQUANT"
            } else {
                "à voir"
            };
            print_line(&format!("    {mark:>8} · {} : {}", c.label, c.count))?;
            if !c.ok {
                print_line(&format!("             → {}", c.todo))?;
            }
        }
    }
    if !json {
        print_hand_accounts(store.uai().as_str(), &store.transition_preview()?.hand_accounts)?;
    }
    Ok(if rentree::blocked(&steps) { 1 } else { 0 })
}

/// The accounts created in Préau: no national file renews them, so each is
/// to be extended or closed when the year turns.
fn print_hand_accounts(uai: &str, list: &[rentree::HandReview]) -> Result<(), Failure> {
    if list.is_empty() {
        return Ok(());
    }
    print_line(&format!(
        "Comptes créés dans Préau ({}) : aucun fichier national ne les renouvelle ; à la transition d'année, \
         prolongez-les ou fermez-les.",
        list.len()
    ))?;
    for h in list {
        let end = match &h.until {
            Some(d) => format!("jusqu'au {}", rentree::list::date(d)),
            None => "pérenne".to_string(),
        };
        print_line(&format!("    {} — {} — {end} [{}]", h.name, profile_label(h.profile), h.id))?;
        print_line(&format!(
            "             → prolonger : preau-cli directory end --uai {uai} --person {} --jusqu-au AAAA-MM-JJ ; \
             fermer : preau-cli directory end --uai {uai} --person {} --fermer",
            h.id, h.id
        ))?;
    }
    Ok(())
}
