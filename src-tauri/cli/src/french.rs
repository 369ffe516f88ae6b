//! The command line in French, its help included: clap's own headings, its
//! help and version flags, the help of the options every command shares, and
//! its argument errors, said in French with what was wrong.

use clap::builder::StyledStr;
use clap::error::{ContextKind, ContextValue, ErrorKind};
use clap::{Arg, ArgAction, Command};

const TEMPLATE: &str = "{about-with-newline}\nUtilisation : {usage}\n\n{all-args}{after-help}\n";

/// What an option shared by many commands takes, when its command says nothing.
fn shared_help(id: &str) -> Option<&'static str> {
    Some(match id {
        "uai" => "L'UAI de l'établissement : 7 chiffres et sa lettre (ex. 0999001W)",
        "json" => "Sortie en JSON, une ligne par résultat, pour un programme",
        "data_dir" => "Répertoire des données (sinon PREAU_DATA_DIR, sinon le répertoire de données du système)",
        "out" => "Le fichier ou le dossier à écrire",
        "csv" => "Écrit aussi le résultat dans ce fichier CSV (« ; », avec BOM)",
        "seed" => "La graine du générateur : la même graine donne le même établissement",
        "dry_run" => "Montre ce qui serait fait, sans rien écrire",
        "apply" => "Applique ce qui est montré (sans elle, rien n'est écrit)",
        _ => return None,
    })
}

/// The French for a value name derived from an English field name.
fn value_name(english: &str) -> Option<&'static str> {
    Some(match english {
        "VISIBLE" => "OUI_NON",
        "USER" => "PERSONNE",
        "PROFILE" => "PROFIL",
        "NODE" => "NŒUD",
        "KIND" => "TYPE",
        "KEEP" => "CHOIX",
        "FILE" => "FICHIER",
        "ACCOUNT" => "COMPTE",
        "TEMPLATE" => "MODÈLE",
        "SEED" => "GRAINE",
        "SCOPE" => "PORTÉE",
        "RULE" => "RÈGLE",
        "ROLE" => "RÔLE",
        "CSV" => "FICHIER_CSV",
        "DIR" => "DOSSIER",
        _ => return None,
    })
}

fn frenchify_arg(arg: Arg) -> Arg {
    let id = arg.get_id().as_str().to_string();
    let mut help = arg.get_help().map(|h| h.to_string()).or_else(|| shared_help(&id).map(str::to_string));
    // clap says « [default: …] » and « [possible values: …] »: said here in French instead.
    let possible: Vec<String> =
        arg.get_possible_values().iter().filter(|v| !v.is_hide_set()).map(|v| v.get_name().to_string()).collect();
    let defaults: Vec<String> = arg.get_default_values().iter().map(|v| v.to_string_lossy().into_owned()).collect();
    let mut extra = Vec::new();
    if !possible.is_empty() && arg.get_action().takes_values() {
        extra.push(format!("valeurs : {}", possible.join(", ")));
    }
    if !defaults.is_empty() && arg.get_action().takes_values() {
        extra.push(format!("par défaut : {}", defaults.join(", ")));
    }
    if !extra.is_empty() {
        let base = help.take().unwrap_or_default();
        let base = base.trim_end_matches('.');
        help = Some(format!("{base} ({})", extra.join(" ; ")));
    }
    let arg =
        if arg.get_action().takes_values() { arg.hide_default_value(true).hide_possible_values(true) } else { arg };
    // The value names clap derives from the fields' English names.
    let named: Vec<String> = arg.get_value_names().unwrap_or_default().iter().map(|n| n.to_string()).collect();
    let arg = match named.first().map(String::as_str).and_then(value_name) {
        Some(french) if named.len() == 1 => arg.value_name(french),
        _ => arg,
    };
    match help {
        Some(h) => arg.help(h),
        None => arg,
    }
}

/// The command tree with French headings, help and version flags, and the
/// help of the options many commands share.
pub fn command(cmd: Command) -> Command {
    let root = cmd.get_version().is_some();
    let ids: Vec<String> = cmd.get_arguments().map(|a| a.get_id().as_str().to_string()).collect();
    let mut cmd = cmd
        .help_template(TEMPLATE)
        .subcommand_help_heading("Commandes")
        .subcommand_value_name("COMMANDE")
        .disable_help_subcommand(true)
        .disable_help_flag(true)
        .arg(Arg::new("aide").short('h').long("help").action(ArgAction::Help).help("Affiche cette aide"));
    if root {
        cmd = cmd
            .disable_version_flag(true)
            .arg(Arg::new("version").short('V').long("version").action(ArgAction::Version).help("Affiche la version"));
    }
    for id in ids {
        cmd = cmd.mut_arg(id, frenchify_arg);
    }
    cmd.mut_subcommands(command)
}

fn value(e: &clap::Error, kind: ContextKind) -> Option<String> {
    match e.get(kind)? {
        ContextValue::String(s) => Some(s.clone()),
        ContextValue::Strings(v) => Some(v.join(", ")),
        ContextValue::StyledStr(s) => Some(s.to_string()),
        ContextValue::StyledStrs(v) => Some(v.iter().map(StyledStr::to_string).collect::<Vec<_>>().join(", ")),
        ContextValue::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

/// A clap error, in French: what was wrong, and with what.
pub fn error(e: &clap::Error) -> String {
    let arg = value(e, ContextKind::InvalidArg).unwrap_or_default();
    let val = value(e, ContextKind::InvalidValue).unwrap_or_default();
    let valid = value(e, ContextKind::ValidValue).map(|v| format!(" (possibles : {v})")).unwrap_or_default();
    match e.kind() {
        ErrorKind::UnknownArgument => format!("argument inconnu : {arg}"),
        ErrorKind::InvalidSubcommand => {
            format!("commande inconnue : {}", value(e, ContextKind::InvalidSubcommand).unwrap_or_default())
        }
        ErrorKind::MissingRequiredArgument => format!("argument obligatoire manquant : {arg}"),
        ErrorKind::MissingSubcommand => "une commande est attendue".to_string(),
        ErrorKind::InvalidValue if val.is_empty() => format!("{arg} attend une valeur"),
        ErrorKind::InvalidValue => format!("valeur invalide pour {arg} : « {val} »{valid}"),
        ErrorKind::ValueValidation => format!("valeur invalide pour {arg} : « {val} »"),
        ErrorKind::ArgumentConflict => {
            let with = value(e, ContextKind::PriorArg).unwrap_or_default();
            format!("{arg} ne va pas avec {with}")
        }
        ErrorKind::TooManyValues => format!("trop de valeurs pour {arg} : « {val} »"),
        ErrorKind::TooFewValues | ErrorKind::WrongNumberOfValues => format!("nombre de valeurs incorrect pour {arg}"),
        ErrorKind::NoEquals => format!("{arg} attend « = » et sa valeur"),
        ErrorKind::InvalidUtf8 => "un argument n'est pas de l'UTF-8 valide".to_string(),
        _ => "arguments invalides".to_string(),
    }
}

#[cfg(test)]
mod tests {
    use clap::CommandFactory;

    fn all(cmd: &clap::Command, path: String, out: &mut Vec<(String, clap::Command)>) {
        out.push((path.clone(), cmd.clone()));
        for sub in cmd.get_subcommands() {
            all(sub, format!("{path} {}", sub.get_name()), out);
        }
    }

    /// Every command's help is French, and every option says what it takes.
    #[test]
    fn the_help_speaks_french_and_every_option_says_what_it_takes() {
        let mut root = super::command(crate::Cli::command());
        root.build();
        let mut commands = Vec::new();
        all(&root, "preau-cli".into(), &mut commands);
        assert!(commands.len() > 30, "{}", commands.len());
        let mut silent = Vec::new();
        for (path, mut cmd) in commands {
            let help = cmd.render_help().to_string();
            for english in [
                "Usage:",
                "Print help",
                "Print version",
                "Commands:",
                "<COMMAND>",
                "[default:",
                "[possible values:",
                "<USER>",
                "<PROFILE>",
                "<KIND>",
                "<FILE>",
            ] {
                assert!(!help.contains(english), "`{path} --help` says « {english} »:\n{help}");
            }
            assert!(help.contains("Utilisation : "), "{path}:\n{help}");
            for arg in cmd.get_arguments() {
                if arg.get_help().is_none() && arg.get_long_help().is_none() {
                    silent.push(format!("{path} --{}", arg.get_id()));
                }
            }
        }
        assert_eq!(silent, Vec::<String>::new(), "options that say nothing of what they take");
    }

    /// Argument errors are said in French, naming what was wrong.
    #[test]
    fn argument_errors_are_french() {
        let parse = |args: &[&str]| super::command(crate::Cli::command()).try_get_matches_from(args).unwrap_err();
        let e = parse(&["preau-cli", "--bogus"]);
        assert_eq!(super::error(&e), "argument inconnu : --bogus");
        let e = parse(&["preau-cli", "sync", "configure", "--uai", "0999001W", "--connector", "x"]);
        assert!(super::error(&e).starts_with("valeur invalide pour --connector"), "{}", super::error(&e));
        assert!(super::error(&e).contains("scim, skolengo, ent-ng"));
        let e = parse(&["preau-cli", "backup"]);
        assert!(super::error(&e).starts_with("argument obligatoire manquant : --uai"), "{}", super::error(&e));
    }
}
