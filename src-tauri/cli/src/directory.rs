//! `preau-cli directory …`: the Annuaire — search, a person's fiche, the
//! accounts created by hand, functions, AESH links.

use std::path::PathBuf;

use preau_core::directory::{self, codes, edit, fiche, Criteria, Hit, Scope};
use preau_core::model::Profile;
use preau_core::reconcile::profile_label;
use preau_core::store::Store;

use crate::commands::{data_dir, json_line, key, print_line, uai};
use crate::Failure;

fn open(dir: Option<PathBuf>, raw_uai: &str) -> Result<Store, Failure> {
    let u = uai(raw_uai)?;
    Ok(Store::open(&data_dir(dir)?, &u, &key()?)?)
}

fn actor() -> String {
    preau_core::audit::actor("cli")
}

fn profile(text: &str) -> Result<Profile, Failure> {
    Profile::parse(text.trim()).ok_or_else(|| Failure {
        exit: 2,
        code: "DIRECTORY_UNKNOWN_PROFILE",
        message: format!("profil inconnu : « {text} » (eleve, responsable, enseignant, non_enseignant, invite…)"),
    })
}

fn parse_function(text: &str) -> Result<preau_core::model::Function, Failure> {
    codes::parse(text).ok_or_else(|| Failure {
        exit: 2,
        code: "FUNCTION_CODE",
        message: format!(
            "« {text} » : une fonction s'écrit CODE ou CODE/DISCIPLINE, par ex. MDS/P9222 (une lettre et quatre chiffres pour la discipline)"
        ),
    })
}

fn line(h: &Hit) -> String {
    let profile = Profile::parse(h.profil).map(profile_label).unwrap_or(h.profil);
    let classes = if h.classes.is_empty() { String::new() } else { format!(", {}", h.classes.join(" ")) };
    let known: Vec<&str> = h
        .sources
        .iter()
        .map(|s| match *s {
            "siecle" => "SIECLE",
            "sts" => "STS-Web",
            "preau" => "créé dans Préau",
            _ => "annuaire ENT",
        })
        .collect();
    format!(
        "{} {} — {profile}{classes} — {} — {} — connu de : {} [{}]",
        h.nom.to_uppercase(),
        h.prenom,
        directory::etat_label(h.etat),
        h.etablissements.join(", "),
        known.join(", "),
        h.account.as_deref().or(h.person.as_deref()).unwrap_or("")
    )
}

#[allow(clippy::too_many_arguments)]
pub fn search(
    dir: Option<PathBuf>,
    raw_uai: &str,
    scope: Scope,
    c: Criteria,
    csv: Option<PathBuf>,
    limit: usize,
    json: bool,
    query: &str,
) -> Result<u8, Failure> {
    let store = open(dir, raw_uai)?;
    let filters = c.filters().map_err(|p| Failure {
        exit: 2,
        code: "DIRECTORY_UNKNOWN_PROFILE",
        message: format!("profil inconnu : « {p} » (eleve, responsable, enseignant, non_enseignant, invite…)"),
    })?;
    let hits = directory::search(&store, query, scope, &filters, limit)?;
    if let Some(path) = &csv {
        std::fs::write(path, directory::csv(&hits)).map_err(|e| Failure {
            exit: 2,
            code: "EXPORT_NOT_WRITTEN",
            message: format!("impossible d'écrire {} : {e}", path.display()),
        })?;
    }
    if json {
        for h in &hits {
            json_line(h)?;
        }
    } else if hits.is_empty() {
        print_line("Personne ne répond à cette recherche.")?;
    } else {
        for h in &hits {
            print_line(&line(h))?;
        }
    }
    Ok(0)
}

fn source_label(s: &str) -> &'static str {
    match s {
        "siecle" => "SIECLE",
        "sts" => "STS-Web",
        "aaf" => "AAF",
        "ent" => "Annuaire ENT",
        "pronote" => "Pronote",
        "edt" => "Emploi du temps",
        _ => "Créé dans Préau",
    }
}

fn field_label(f: &str) -> &'static str {
    match f {
        "nom" => "Nom",
        "prenom" => "Prénom",
        "naissance" => "Date de naissance",
        "ine" => "INE",
        "courriel" => "Courriel",
        "classes" => "Classes",
        _ => "Identifiant",
    }
}

pub fn show(dir: Option<PathBuf>, raw_uai: &str, person: &str, json: bool) -> Result<u8, Failure> {
    let store = open(dir, raw_uai)?;
    let Some(f) = fiche::fiche(&store, person)? else {
        return Err(Failure {
            exit: 2,
            code: "PERSON_UNKNOWN",
            message: format!("aucune personne ni aucun compte « {person} » dans l'établissement"),
        });
    };
    if json {
        json_line(&f)?;
        return Ok(0);
    }
    let profile = Profile::parse(f.profil).map(profile_label).unwrap_or(f.profil);
    print_line(&format!("{} {} — {profile}{}", f.nom.to_uppercase(), f.prenom, if f.left { " (parti)" } else { "" }))?;
    if !f.classes.is_empty() {
        print_line(&format!("Classes : {}", f.classes.join(", ")))?;
    }
    for s in &f.sources {
        let day = s.origin.date.as_deref().map(preau_core::formats::date_iso_to_fr).unwrap_or_default();
        let file = match (&s.origin.file, &s.origin.by) {
            (Some(f), _) => format!(" ({f}, importé le {day})"),
            (None, Some(who)) => format!(" (créé par {who} le {day})"),
            _ => String::new(),
        };
        print_line(&format!("{}{file}", source_label(s.source)))?;
        for (k, v) in &s.values {
            print_line(&format!("  {} : {v}", field_label(k)))?;
        }
    }
    for d in &f.disagreements {
        let values: Vec<String> = d.values.iter().map(|(s, v)| format!("{} « {v} »", source_label(s))).collect();
        print_line(&format!("Désaccord — {} : {}", field_label(d.field), values.join(", ")))?;
    }
    for l in &f.functions {
        let node = l.node.as_deref().map(|n| format!(" → {}", n.rsplit('/').next().unwrap_or(n))).unwrap_or_default();
        let what = codes::describe(&preau_core::model::Function {
            code: l.code.clone(),
            discipline: l.discipline.clone(),
            label: l.label.clone(),
        });
        print_line(&format!("Fonction : {what}{node}"))?;
    }
    for (title, links) in [("Responsable", &f.responsables), ("Enfant", &f.children)] {
        for l in links {
            let level = l.level.map(fiche::level_label).unwrap_or("lien hors SIECLE");
            print_line(&format!("{title} : {} — {level}", l.name))?;
            if let Some(c) = &l.correct {
                print_line(&format!("  {c}"))?;
            }
        }
    }
    for l in &f.follows {
        print_line(&format!("Suit : {}", l.name))?;
    }
    for l in &f.followed_by {
        print_line(&format!("Suivi par : {}", l.name))?;
    }
    match &f.account {
        Some(a) => print_line(&format!("Compte ENT : {} ({}) — {}", a.login, a.id, directory::etat_label(a.state)))?,
        None => print_line("Pas de compte ENT connu.")?,
    }
    for p in &f.pending {
        print_line(&format!("En attente d'envoi : {}", p.what))?;
    }
    Ok(0)
}

/// What was typed to create an account.
#[derive(clap::Args, Debug)]
pub struct Typed {
    /// invite, non_enseignant, personnel_collectivite ou maitre_de_stage.
    #[arg(long, value_name = "PROFIL")]
    pub profil: String,
    /// M. ou Mme.
    #[arg(long, value_name = "CIVILITÉ")]
    pub civilite: Option<String>,
    /// Le nom de famille.
    #[arg(long, value_name = "NOM")]
    pub nom: String,
    /// Le prénom.
    #[arg(long, value_name = "PRÉNOM")]
    pub prenom: String,
    /// L'adresse électronique.
    #[arg(long, value_name = "ADRESSE")]
    pub courriel: Option<String>,
    /// Un numéro de téléphone (plusieurs possibles).
    #[arg(long = "telephone", value_name = "NUMÉRO")]
    pub telephones: Vec<String>,
    /// Une fonction et sa discipline de poste, par ex. MDS/P9222 (plusieurs possibles).
    #[arg(long = "fonction", value_name = "CODE[/DISC]")]
    pub fonctions: Vec<String>,
    /// Un groupe de l'établissement (son identifiant ; plusieurs possibles).
    #[arg(long = "groupe", value_name = "GROUPE")]
    pub groupes: Vec<String>,
    /// Le dernier jour du compte (AAAA-MM-JJ).
    #[arg(long = "jusqu-au", value_name = "AAAA-MM-JJ", conflicts_with = "perenne")]
    pub jusqu_au: Option<String>,
    /// Un compte pérenne, sans date de fin.
    #[arg(long)]
    pub perenne: bool,
    /// Pourquoi ce compte (« famille d'accueil de … »), gardé avec lui.
    #[arg(long, value_name = "TEXTE", default_value = "")]
    pub motif: String,
}

pub fn create(dir: Option<PathBuf>, raw_uai: &str, t: Typed, force: bool, json: bool) -> Result<u8, Failure> {
    let mut store = open(dir, raw_uai)?;
    let new = edit::NewAccount {
        profile: Some(profile(&t.profil)?),
        civility: t.civilite,
        nom: t.nom,
        prenom: t.prenom,
        email: t.courriel,
        phones: t.telephones,
        functions: t.fonctions.iter().map(|f| parse_function(f)).collect::<Result<_, _>>()?,
        groups: t.groupes,
        until: t.jusqu_au,
        perenne: t.perenne,
        reason: t.motif,
    };
    let on_server = preau_core::sync::server_logins(&store, crate::commands::token_secrets().as_ref());
    match edit::create(&mut store, &new, force, on_server.as_deref(), &actor()) {
        Ok(c) => {
            if json {
                json_line(&serde_json::json!({
                    "created": true, "person": c.account.id, "account": c.account.id, "login": c.account.login,
                    "until": c.account.until, "nodes": c.nodes,
                }))?;
            } else {
                print_line(&format!(
                    "Compte de {} {} créé dans Préau : identifiant {} ({}). Sa création attend l'envoi à l'ENT.",
                    c.account.prenom,
                    c.account.nom.to_uppercase(),
                    c.account.login,
                    c.account.id
                ))?;
                for n in &c.nodes {
                    print_line(&format!("Dans l'annuaire de la messagerie : {n}"))?;
                }
            }
            Ok(0)
        }
        Err(edit::EditError::LikelyExisting { likely }) => {
            if json {
                json_line(&serde_json::json!({ "created": false, "likely": likely }))?;
            }
            eprintln!(
                "preau-cli : {} compte(s) de l'ENT ressemblent à celui à créer — vérifiez qu'il n'existe pas déjà (relancez avec --force pour créer quand même) :",
                likely.len()
            );
            for l in &likely {
                let profile = Profile::parse(l.profil).map(profile_label).unwrap_or(l.profil);
                eprintln!(
                    "  {} {} — {profile} — {} [{}] : {}",
                    l.nom.to_uppercase(),
                    l.prenom,
                    l.etablissements.join(", "),
                    l.account.as_deref().or(l.person.as_deref()).unwrap_or(""),
                    l.reasons.join(" ; ")
                );
            }
            Ok(1)
        }
        Err(e) => Err(e.into()),
    }
}

pub fn function(
    dir: Option<PathBuf>,
    raw_uai: &str,
    person: &str,
    add: Option<String>,
    remove: Option<String>,
    dry_run: bool,
    json: bool,
) -> Result<u8, Failure> {
    let mut store = open(dir, raw_uai)?;
    let (text, adding) = match (add, remove) {
        (Some(a), None) => (a, true),
        (None, Some(r)) => (r, false),
        _ => return Err(Failure { exit: 2, code: "CLI_USAGE", message: "--add ou --remove, l'un des deux".into() }),
    };
    let f = parse_function(&text)?;
    let p = if dry_run {
        edit::preview_function(&store, person, &f, adding)?
    } else {
        edit::change_function(&mut store, person, &f, adding, &actor())?
    };
    if json {
        json_line(&p)?;
        return Ok(0);
    }
    let label = |n: &Vec<String>| {
        if n.is_empty() {
            "aucune place de fonction".to_string()
        } else {
            n.iter().map(|x| format!("« {} »", x.rsplit('/').next().unwrap_or(x))).collect::<Vec<_>>().join(", ")
        }
    };
    if p.unchanged {
        print_line(&format!(
            "Rien à changer : {} {} déjà.",
            p.name,
            if adding { "a cette fonction" } else { "n'a pas cette fonction" }
        ))?;
    } else {
        print_line(&format!(
            "{} {} à {} : dans la messagerie, {} → {}.{}",
            if adding { "Ajout de" } else { "Retrait de" },
            codes::describe(&f),
            p.name,
            label(&p.before),
            label(&p.after),
            if dry_run { " (rien n'est changé)" } else { "" }
        ))?;
        if p.account.is_none() {
            print_line("Sans compte ENT connu : rien n'est envoyé à l'ENT.")?;
        }
    }
    Ok(0)
}

pub fn aesh(
    dir: Option<PathBuf>,
    raw_uai: &str,
    follower: &str,
    pupils: &[String],
    remove: bool,
    json: bool,
) -> Result<u8, Failure> {
    let mut store = open(dir, raw_uai)?;
    let n = edit::follow(&mut store, follower, pupils, !remove, &actor())?;
    if json {
        json_line(&serde_json::json!({ "changed": n }))?;
    } else if n == 0 {
        print_line("Rien à changer.")?;
    } else {
        print_line(&format!(
            "{n} élève{} {}.",
            if n > 1 { "s" } else { "" },
            if remove { "ne sont plus suivis" } else { "suivis désormais ; le lien attend l'envoi à l'ENT" }
        ))?;
    }
    Ok(0)
}

pub fn end(
    dir: Option<PathBuf>,
    raw_uai: &str,
    person: &str,
    until: Option<String>,
    perenne: bool,
    close: bool,
    json: bool,
) -> Result<u8, Failure> {
    let mut store = open(dir, raw_uai)?;
    if until.is_none() && !perenne && !close {
        return Err(Failure {
            exit: 2,
            code: "CLI_USAGE",
            message: "--jusqu-au AAAA-MM-JJ, --perenne ou --fermer".into(),
        });
    }
    let until = match until {
        Some(d) => Some(edit::end_date(&d)?),
        None => None,
    };
    store.set_hand_account_end(person, until.as_deref(), close, &actor())?;
    if json {
        json_line(&serde_json::json!({ "person": person, "until": until, "closed": close }))?;
    } else if close {
        print_line("Compte fermé ; la fermeture attend l'envoi à l'ENT.")?;
    } else {
        print_line("Compte prolongé ; le changement attend l'envoi à l'ENT.")?;
    }
    Ok(0)
}
