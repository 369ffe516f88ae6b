//! `preau-cli ticket`: an incident ticket for the ENT's support, checked
//! against the training's four rules, then written with its attachments.

use std::path::PathBuf;

use preau_core::store::Store;
use preau_core::ticket::{self, Broken, Draft, TicketError};

use crate::commands::{data_dir, json_line, key, print_line, uai};
use crate::Failure;

/// Rule breaks that are really unusable arguments (exit 2, not 1).
const UNUSABLE: &[&str] = &["TICKET_BAD_DATE", "TICKET_BAD_SCREENSHOT"];

#[derive(clap::Args, Debug)]
pub struct TicketArgs {
    #[arg(long)]
    uai: String,
    /// Le dossier où écrire le ticket et ses pièces jointes (créé s'il n'existe pas ; vide sinon).
    #[arg(long, value_name = "DOSSIER")]
    out: PathBuf,
    /// L'incident en quelques mots (un seul incident par ticket).
    #[arg(long, value_name = "TITRE")]
    titre: String,
    /// Ce qui devait se passer, en phrases courtes.
    #[arg(long, value_name = "TEXTE")]
    attendu: String,
    /// Ce qui s'est passé, en phrases courtes.
    #[arg(long, value_name = "TEXTE")]
    constate: String,
    /// Depuis quand (AAAA-MM-JJ, aujourd'hui au plus tard).
    #[arg(long, value_name = "AAAA-MM-JJ")]
    depuis: Option<String>,
    /// Une personne concernée : son identifiant dans l'établissement ou celui de son compte ENT
    /// (répétable).
    #[arg(long = "personne", value_name = "PERSONNE")]
    personnes: Vec<String>,
    /// Une capture d'écran à joindre (image PNG).
    #[arg(long, value_name = "FICHIER")]
    capture: Option<PathBuf>,
    #[arg(long)]
    json: bool,
}

fn usage(code: &'static str, message: String) -> Failure {
    Failure { exit: 2, code, message }
}

/// Exit 1 with each broken rule on its own line; exit 2 when one of them
/// is an argument that cannot be used at all.
fn refused(broken: &[Broken], json: bool) -> Result<u8, Failure> {
    if let Some(b) = broken.iter().find(|b| UNUSABLE.contains(&b.code)) {
        return Err(usage(b.code, b.message.clone()));
    }
    for b in broken {
        eprintln!("{} [{}]", b.message, b.code);
    }
    if json {
        json_line(&serde_json::json!({ "broken": broken }))?;
    }
    eprintln!("preau-cli : ticket non écrit, {} règle(s) à respecter [TICKET_RULES_BROKEN]", broken.len());
    Ok(1)
}

pub fn run(dir: Option<PathBuf>, args: TicketArgs) -> Result<u8, Failure> {
    let u = uai(&args.uai)?;
    let screenshot = match &args.capture {
        Some(path) => Some(std::fs::read(path).map_err(|e| {
            usage("TICKET_CAPTURE_UNREADABLE", format!("capture d'écran illisible : {} ({e})", path.display()))
        })?),
        None => None,
    };
    let mut store = Store::open(&data_dir(dir)?, &u, &key()?)?;
    let data = store.load_population()?.ok_or_else(|| Failure {
        exit: 2,
        code: "NO_POPULATION",
        message: format!("aucune population pour {u} : importez ou générez d'abord l'établissement"),
    })?;
    let draft = Draft {
        titre: args.titre,
        attendu: args.attendu,
        constate: args.constate,
        depuis: args.depuis,
        personnes: args.personnes,
        screenshot,
    };
    let broken = ticket::check(&draft, &data);
    if !broken.is_empty() {
        return refused(&broken, args.json);
    }
    let written = match ticket::write(&mut store, &draft, &args.out, &preau_core::audit::actor("cli")) {
        Ok(w) => w,
        Err(TicketError::Broken(broken)) => return refused(&broken, args.json),
        Err(e) => return Err(e.into()),
    };
    if args.json {
        json_line(&serde_json::json!({
            "dir": written.dir.display().to_string(),
            "text": written.text,
            "attachments": written.attachments,
        }))?;
    } else {
        // Only the text: it is meant to be piped or pasted as is.
        print_line(written.text.trim_end())?;
    }
    Ok(0)
}
