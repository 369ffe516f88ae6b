//! `preau-cli`: every Préau capability, headless. Exit 0 on success, 1 when
//! the work ran but found blocking problems, 2 on unusable input or arguments
//! (one French line on stderr). Never a panic.

mod commands;
mod directory;
mod french;
mod groups;
mod rentree;
mod ticket;
mod visibility;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand, ValueEnum};

#[derive(Parser, Debug)]
#[command(name = "preau-cli", version, about = "Préau en ligne de commande")]
struct Cli {
    /// Répertoire des données (sinon PREAU_DATA_DIR, sinon le répertoire de données du système).
    #[arg(long, global = true, value_name = "DOSSIER")]
    data_dir: Option<PathBuf>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Remplit la base d'un établissement fictif généré (démonstration, tests).
    Demo {
        #[arg(long, required_unless_present = "academy")]
        uai: Option<String>,
        #[arg(long, value_enum, required_unless_present = "academy")]
        kind: Option<Kind>,
        #[arg(long, default_value_t = 1)]
        seed: u64,
        /// Écrit aussi l'établissement dans tous les formats d'export, avec truth.json.
        #[arg(long, value_name = "DOSSIER")]
        out: Option<PathBuf>,
        /// Une académie fictive de N établissements (environ un million de comptes ENT), écrite
        /// dans --out : l'export de l'annuaire ENT, les identifiants Pronote de quatre
        /// établissements et truth_academie.json. Aucune base n'est touchée.
        #[arg(long, value_name = "N", conflicts_with_all = ["uai", "kind"], requires = "out")]
        academy: Option<usize>,
        /// Avec --academy : le nombre de comptes visé.
        #[arg(long, value_name = "N", default_value_t = 1_000_000, requires = "academy")]
        accounts: usize,
    },
    /// Les effectifs de l'établissement.
    Status {
        #[arg(long)]
        uai: String,
        #[arg(long)]
        json: bool,
    },
    /// Importe des exports (SIECLE, STS-Web, EDT, UDT, AAF, annuaire ENT, identifiants Pronote).
    Import {
        #[arg(long)]
        uai: String,
        #[arg(long)]
        json: bool,
        /// Importe les fichiers acceptables et laisse de côté ceux qui sont
        /// refusés (sans cette option, un seul refus et rien n'est écrit).
        #[arg(long)]
        skip_refused: bool,
        /// Les fichiers, ou des dossiers (leurs fichiers) ; leur format est
        /// reconnu à leur contenu.
        #[arg(required = true, value_name = "FICHIER")]
        files: Vec<PathBuf>,
    },
    /// Les constats de qualité des données issus des imports.
    Findings {
        #[arg(long)]
        uai: String,
        #[arg(long)]
        json: bool,
    },
    /// Rapproche les comptes Pronote ou EDT des comptes de l'annuaire ENT.
    #[command(name = "match")]
    Match {
        /// pronote (fichier d'identifiants) ou edt (export vers l'ENT).
        #[arg(value_enum)]
        source: MatchSource,
        /// Depuis la base de l'établissement (derniers fichiers importés).
        #[arg(long, required_unless_present_all = ["file", "directory"])]
        uai: Option<String>,
        /// Sans base : le fichier source…
        #[arg(long = "source", value_name = "FILE", requires = "directory")]
        file: Option<PathBuf>,
        /// … et l'export de l'annuaire ENT.
        #[arg(long, value_name = "FILE", requires = "file")]
        directory: Option<PathBuf>,
        #[arg(long, value_enum, default_value_t = MatchScope::Etablissement)]
        scope: MatchScope,
        #[arg(long)]
        json: bool,
    },
    /// Le journal d'audit.
    Audit {
        #[command(subcommand)]
        command: AuditCommand,
    },
    /// La livraison à l'ENT : serveur SCIM 2.0, console Skolengo (liste de travail) ou Open ENT NG.
    Sync {
        #[command(subcommand)]
        command: SyncCommand,
    },
    /// Vérifications : `check rentree` (la liste de la rentrée, mois par mois).
    Check {
        #[command(subcommand)]
        command: CheckCommand,
    },
    /// Les groupes : libres, peuplés par une règle, gestionnaires GAR.
    Groups {
        #[command(subcommand)]
        command: GroupsCommand,
    },
    /// Qui voit qui dans la messagerie, et qui fait quoi (les nœuds de fonction).
    Visibility {
        #[command(subcommand)]
        command: VisibilityCommand,
    },
    /// L'annuaire : retrouver une personne dans l'établissement ou sur tout l'ENT.
    Directory {
        #[command(subcommand)]
        command: DirectoryCommand,
    },
    /// Sauvegarde l'établissement dans un seul fichier chiffré par une phrase de passe choisie
    /// maintenant (PREAU_BACKUP_PASSPHRASE, ou demandée deux fois au terminal), indépendante du
    /// trousseau : il peut être restauré sur un autre poste.
    Backup {
        #[arg(long)]
        uai: String,
        /// Le fichier de sauvegarde à écrire (.preau-sauvegarde).
        #[arg(long, value_name = "FICHIER")]
        out: PathBuf,
        #[arg(long)]
        json: bool,
    },
    /// Restaure un établissement depuis une sauvegarde (phrase de passe : PREAU_BACKUP_PASSPHRASE,
    /// ou demandée au terminal). Un établissement déjà présent n'est remplacé qu'avec --replace,
    /// et l'actuel est alors gardé à côté.
    Restore {
        /// Le fichier de sauvegarde.
        #[arg(value_name = "FICHIER")]
        file: PathBuf,
        /// Remplace l'établissement s'il existe déjà sur ce poste.
        #[arg(long)]
        replace: bool,
        #[arg(long)]
        json: bool,
    },
    /// Écrit l'établissement pour un ENT : `export ent-ng` (les fichiers CSV qu'importe la
    /// console d'administration d'Open ENT NG).
    Export {
        #[command(subcommand)]
        command: ExportCommand,
    },
    /// Écrit un ticket d'incident pour le support de l'ENT, vérifié selon les quatre règles : un
    /// seul incident, des phrases courtes et précises, les personnes concernées, les preuves jointes.
    Ticket(ticket::TicketArgs),
}

#[derive(Subcommand, Debug)]
enum DirectoryCommand {
    /// Cherche par les noms et prénoms (dans n'importe quel ordre, sans se soucier des accents ni
    /// des majuscules ; le début de chaque mot suffit), et par les critères de la recherche avancée.
    Search {
        #[arg(long)]
        uai: String,
        /// etablissement (ses personnes et ses comptes ENT) ou academie (tout l'annuaire ENT importé
        /// ou récupéré).
        #[arg(long, value_enum, default_value = "etablissement", value_name = "PORTÉE")]
        scope: SearchScope,
        /// Un seul profil : eleve, responsable, enseignant, non_enseignant…
        #[arg(long, value_name = "PROFIL")]
        profile: Option<String>,
        /// Une seule classe (son code, par ex. 3A).
        #[arg(long, value_name = "CLASSE")]
        classe: Option<String>,
        /// Une matière enseignée (le début de son libellé, par ex. « math », ou son code).
        #[arg(long, value_name = "MATIÈRE")]
        matiere: Option<String>,
        /// Un groupe (son identifiant ou son nom).
        #[arg(long, value_name = "GROUPE")]
        groupe: Option<String>,
        /// Une fonction (MDS, MDS/P9222, ou le début de son libellé).
        #[arg(long, value_name = "FONCTION")]
        fonction: Option<String>,
        /// Un établissement (son UAI).
        #[arg(long, value_name = "UAI")]
        etablissement: Option<String>,
        /// Écrit aussi les résultats dans ce fichier CSV (« ; », avec BOM).
        #[arg(long, value_name = "FICHIER")]
        csv: Option<PathBuf>,
        /// Le nombre de résultats au plus.
        #[arg(long, default_value = "50", value_name = "N")]
        limit: usize,
        #[arg(long)]
        json: bool,
        /// Les mots cherchés (noms, prénoms) ; sans mot, tous ceux que les critères retiennent.
        #[arg(value_name = "RECHERCHE", num_args = 0..)]
        query: Vec<String>,
    },
    /// La fiche d'une personne : ses sources et leurs valeurs, ses classes, groupes, fonctions,
    /// responsables ou enfants, son compte ENT et ce qui attend d'être envoyé.
    Show {
        #[arg(long)]
        uai: String,
        /// L'identifiant de la personne (ou de son compte ENT).
        #[arg(long, value_name = "ID")]
        person: String,
        #[arg(long)]
        json: bool,
    },
    /// Crée un compte qu'aucun fichier national ne donne (invité, personnel spécifique), après
    /// avoir cherché dans tout l'ENT un compte qui existerait déjà.
    Create {
        #[arg(long)]
        uai: String,
        #[command(flatten)]
        typed: directory::Typed,
        /// Crée même si des comptes ressemblants existent dans l'ENT.
        #[arg(long)]
        force: bool,
        #[arg(long)]
        json: bool,
    },
    /// Ajoute ou retire une fonction et sa discipline de poste (par ex. MDS/P9222), avec la place
    /// dans l'annuaire de la messagerie qu'elle donne.
    Function {
        #[arg(long)]
        uai: String,
        /// La personne (son identifiant).
        #[arg(long, value_name = "ID")]
        person: String,
        /// La fonction à ajouter, par ex. MDS/P9222.
        #[arg(long, value_name = "CODE[/DISC]", required_unless_present = "remove", conflicts_with = "remove")]
        add: Option<String>,
        /// La fonction à retirer.
        #[arg(long, value_name = "CODE[/DISC]")]
        remove: Option<String>,
        /// Montre seulement ce que le changement ferait.
        #[arg(long)]
        dry_run: bool,
        #[arg(long)]
        json: bool,
    },
    /// Associe un AESH ou un tuteur aux élèves qu'il suit (ou les dissocie avec --remove).
    Aesh {
        #[arg(long)]
        uai: String,
        /// L'AESH ou le tuteur (son identifiant).
        #[arg(long, value_name = "ID")]
        aesh: String,
        /// Un élève suivi (plusieurs possibles).
        #[arg(long = "eleve", value_name = "ID", required = true, num_args = 1..)]
        eleves: Vec<String>,
        /// Dissocie au lieu d'associer.
        #[arg(long)]
        remove: bool,
        #[arg(long)]
        json: bool,
    },
    /// Prolonge ou ferme un compte créé dans Préau.
    End {
        #[arg(long)]
        uai: String,
        /// Le compte créé dans Préau (son identifiant, PREAU-…).
        #[arg(long, value_name = "ID")]
        person: String,
        /// Le nouveau dernier jour du compte.
        #[arg(long = "jusqu-au", value_name = "AAAA-MM-JJ", conflicts_with_all = ["perenne", "fermer"])]
        jusqu_au: Option<String>,
        /// Le compte devient pérenne.
        #[arg(long, conflicts_with = "fermer")]
        perenne: bool,
        /// Ferme le compte.
        #[arg(long)]
        fermer: bool,
        #[arg(long)]
        json: bool,
    },
}

#[derive(ValueEnum, Clone, Copy, Debug)]
enum SearchScope {
    Etablissement,
    Academie,
}

#[derive(Subcommand, Debug)]
enum ExportCommand {
    /// Les fichiers CSV d'Open ENT NG, un par profil (Student.csv, Relative.csv, Teacher.csv,
    /// Personnel.csv, Guest.csv), tels que sa console les importe.
    ///
    /// Chaque écriture est un export nommé (X…) ; une fois ses fichiers importés dans la console
    /// (Imports / Exports > Importer des utilisateurs), dites-le avec --confirm : les modifications
    /// qu'ils portent sont alors confirmées.
    EntNg {
        #[arg(long)]
        uai: String,
        /// Le dossier où écrire les fichiers (créé s'il n'existe pas).
        #[arg(long, value_name = "DOSSIER", required_unless_present = "confirm", conflicts_with = "confirm")]
        out: Option<PathBuf>,
        /// N'écrit que ce qui a changé depuis le dernier export importé dans l'ENT.
        #[arg(long, conflicts_with = "confirm")]
        delta: bool,
        /// Note que l'ENT a importé cet export (son nom, X…) : ses modifications sont confirmées.
        #[arg(long, value_name = "EXPORT")]
        confirm: Option<String>,
        #[arg(long)]
        json: bool,
    },
}

#[derive(Subcommand, Debug)]
enum CheckCommand {
    /// Les étapes de la rentrée avec leur statut et leurs vérifications ; sortie 1 si une
    /// vérification bloquante échoue.
    Rentree {
        #[arg(long)]
        uai: String,
        /// La date du jour (AAAA-MM-JJ), sinon aujourd'hui.
        #[arg(long)]
        date: Option<String>,
        #[arg(long)]
        json: bool,
    },
}

#[derive(Subcommand, Debug)]
enum GroupsCommand {
    /// Les groupes de l'établissement.
    List {
        #[arg(long)]
        uai: String,
        #[arg(long)]
        json: bool,
    },
    /// Un groupe, ses membres (origine, rôle GAR) et ce qu'une réévaluation changerait.
    Show {
        #[arg(long)]
        uai: String,
        /// L'identifiant du groupe (tel que `groups list` le donne).
        #[arg(long, value_name = "GROUPE")]
        group: String,
        #[arg(long)]
        json: bool,
    },
    /// Crée un groupe (depuis un modèle ou de toutes pièces) et le peuple selon sa règle.
    Create {
        #[arg(long)]
        uai: String,
        /// Le nom du groupe (sinon celui du modèle).
        #[arg(long, value_name = "NOM")]
        name: Option<String>,
        /// eleves-3e, eleves-1re, conseil-administration, aide-aux-devoirs, cvc, cvl, surveillants, gar…
        #[arg(long)]
        template: Option<String>,
        /// libre, niveau, classe, fonction, gar.
        #[arg(long)]
        kind: Option<String>,
        /// Par ex. « profil:eleve et niveau:3e ».
        #[arg(long)]
        rule: Option<String>,
        /// Verrou : le groupe ne pourra pas être supprimé.
        #[arg(long)]
        lock_delete: bool,
        /// Verrou : sa règle ne sera plus réévaluée.
        #[arg(long)]
        lock_recompose: bool,
        #[arg(long)]
        json: bool,
    },
    /// Supprime un groupe (sauf s'il est verrouillé).
    Delete {
        #[arg(long)]
        uai: String,
        /// L'identifiant du groupe (tel que `groups list` le donne).
        #[arg(long, value_name = "GROUPE")]
        group: String,
    },
    /// Ajoute des personnes à la main (identifiants, ou un CSV à en-tête).
    Add {
        #[arg(long)]
        uai: String,
        /// L'identifiant du groupe (tel que `groups list` le donne).
        #[arg(long, value_name = "GROUPE")]
        group: String,
        /// Une personne à ajouter (son identifiant ; répétable).
        #[arg(long = "person", value_name = "PERSONNE")]
        people: Vec<String>,
        #[arg(long)]
        csv: Option<PathBuf>,
        /// Dans un groupe GAR : responsable ou gestionnaire (par défaut).
        #[arg(long)]
        role: Option<String>,
        #[arg(long)]
        json: bool,
    },
    /// Retire des personnes d'un groupe.
    Remove {
        #[arg(long)]
        uai: String,
        /// L'identifiant du groupe (tel que `groups list` le donne).
        #[arg(long, value_name = "GROUPE")]
        group: String,
        /// Une personne à retirer (son identifiant ; répétable).
        #[arg(long = "person", required = true, value_name = "PERSONNE")]
        people: Vec<String>,
    },
    /// Définit (ou retire, avec --clear) la règle d'un groupe ; les membres changent par `evaluate`.
    Rule {
        #[arg(long)]
        uai: String,
        /// L'identifiant du groupe (tel que `groups list` le donne).
        #[arg(long, value_name = "GROUPE")]
        group: String,
        /// La règle, par ex. « profil:eleve et niveau:3e ».
        #[arg(long, required_unless_present = "clear", value_name = "RÈGLE")]
        rule: Option<String>,
        /// Retire la règle : le groupe se peuple alors à la main.
        #[arg(long)]
        clear: bool,
        #[arg(long)]
        json: bool,
    },
    /// Réévalue les groupes à règle : entrants et sortants ; --apply les met en attente d'envoi.
    Evaluate {
        #[arg(long)]
        uai: String,
        /// Un seul groupe (son identifiant) ; sans lui, tous les groupes à règle.
        #[arg(long, value_name = "GROUPE")]
        group: Option<String>,
        #[arg(long)]
        apply: bool,
        #[arg(long)]
        json: bool,
    },
}

#[derive(Subcommand, Debug)]
enum VisibilityCommand {
    /// La grille profils × nœuds (vu / masqué), et ce qui diffère du serveur.
    Show {
        #[arg(long)]
        uai: String,
        #[arg(long)]
        json: bool,
    },
    /// Ouvre ou ferme l'œil d'un nœud pour un profil (masquer un nœud masque ses sous-nœuds).
    Set {
        #[arg(long)]
        uai: String,
        /// Autre, Eleve, Enseignant, NonEnseignant, Parent, PersonnelCollectivite.
        #[arg(long)]
        profile: String,
        /// Chemin du nœud, par ex. « Mon établissement/Direction ».
        #[arg(long)]
        node: String,
        /// true : le profil voit le nœud ; false : il lui est masqué.
        #[arg(long, action = clap::ArgAction::Set)]
        visible: bool,
        /// Affiche les changements et leurs effets sans rien appliquer.
        #[arg(long)]
        dry_run: bool,
        #[arg(long)]
        json: bool,
    },
    /// Applique un préréglage : college-sans-ddfpt, parents-sans-direction, defauts.
    Preset {
        #[arg(long)]
        uai: String,
        /// Le préréglage : college-sans-ddfpt, parents-sans-direction ou defauts.
        #[arg(value_name = "PRÉRÉGLAGE")]
        name: String,
        #[arg(long)]
        dry_run: bool,
        #[arg(long)]
        json: bool,
    },
    /// Ce que voit une personne dans la messagerie ; avec --to, si elle peut écrire à une autre.
    Simulate {
        #[arg(long)]
        uai: String,
        /// Identifiant de la personne (élève, responsable, personnel).
        #[arg(long)]
        user: String,
        /// Une autre personne (son identifiant) : peut-elle lui écrire ?
        #[arg(long, value_name = "PERSONNE")]
        to: Option<String>,
        #[arg(long)]
        json: bool,
    },
    /// Les nœuds de fonction, leurs membres et les alertes ; avec --queue, met en attente
    /// d'envoi la composition des nœuds (attribut `nodes` des comptes sur le serveur).
    Functions {
        #[arg(long)]
        uai: String,
        /// Met en attente d'envoi la composition des nœuds.
        #[arg(long)]
        queue: bool,
        #[arg(long)]
        json: bool,
    },
}

#[derive(Subcommand, Debug)]
enum SyncCommand {
    /// Choisit comment les modifications parviennent à l'ENT : un serveur SCIM (son adresse, et son
    /// jeton dans le trousseau), la console Skolengo (une liste de travail à suivre) ou Open ENT NG
    /// (les fichiers CSV de sa console, et une liste de travail pour le reste).
    Configure {
        #[arg(long)]
        uai: String,
        /// scim (par défaut), skolengo ou ent-ng.
        #[arg(long, value_enum, value_name = "CONNECTEUR")]
        connector: Option<Connector>,
        /// L'adresse SCIM du serveur ENT (connecteur scim).
        #[arg(long, value_name = "URL")]
        url: Option<String>,
        /// Demande le jeton d'accès de ce serveur (saisi sans écho, ou lu sur l'entrée standard)
        /// et le garde dans le trousseau du système ; sans trousseau, donnez-le dans PREAU_SCIM_TOKEN.
        /// Jamais en argument : il resterait dans la liste des processus et l'historique du shell.
        #[arg(long)]
        token: bool,
    },
    /// Teste la connexion : joignable, jeton accepté, extension ENT connue.
    Test {
        #[arg(long)]
        uai: String,
        #[arg(long)]
        json: bool,
    },
    /// Rapatrie les comptes, groupes et règles de visibilité de l'établissement.
    Pull {
        #[arg(long)]
        uai: String,
        #[arg(long)]
        json: bool,
    },
    /// Crée sur le serveur ce que l'établissement local a et que le serveur n'a pas (par externalId).
    Publish {
        #[arg(long)]
        uai: String,
        #[arg(long)]
        json: bool,
    },
    /// Envoie les modifications en attente (PATCH avec If-Match) ; un refus 412 devient un conflit.
    Push {
        #[arg(long)]
        uai: String,
        #[arg(long)]
        json: bool,
    },
    /// Règle un conflit : garder ma version (renvoyée sur celle du serveur), prendre celle du
    /// serveur, ou fusionner (les valeurs données par --set, sinon la proposition de fusion).
    Resolve {
        #[arg(long)]
        uai: String,
        /// Le numéro du conflit (tel que `sync status` et la vue Synchronisation le donnent).
        #[arg(long, value_name = "NUMÉRO")]
        conflict: i64,
        #[arg(long, value_enum)]
        keep: Keep,
        /// Avec --keep merge : CHEMIN=VALEUR (répétable ; VALEUR vide retire l'attribut).
        #[arg(long = "set", value_name = "CHEMIN=VALEUR")]
        set: Vec<String>,
    },
    /// Donne au compte un autre identifiant (celui proposé quand le sien est pris sur le serveur,
    /// ou un autre) ; la prochaine publication crée le compte avec lui.
    Login {
        #[arg(long)]
        uai: String,
        /// L'identifiant du compte dans l'établissement (externalId).
        #[arg(long)]
        account: String,
        /// Le nouvel identifiant (lettres sans accent, chiffres, point, tiret).
        #[arg(long, value_name = "IDENTIFIANT")]
        login: String,
        #[arg(long)]
        json: bool,
    },
    /// La liste de travail de la console Skolengo : chaque élément dit, écran par écran, quoi y
    /// faire. --done confirme les éléments faits ; --impossible garde la raison d'un élément qui
    /// n'a pas pu l'être ; --retry le remet à faire.
    Worklist {
        #[arg(long)]
        uai: String,
        #[arg(long)]
        json: bool,
        /// Les éléments faits dans la console (leurs identifiants, répétables).
        #[arg(long, value_name = "ID", num_args = 1.., conflicts_with_all = ["impossible", "retry"])]
        done: Vec<String>,
        /// Un élément qui n'a pas pu être fait (avec --reason).
        #[arg(long, value_name = "ID", requires = "reason", conflicts_with = "retry")]
        impossible: Option<String>,
        /// Pourquoi l'élément est impossible.
        #[arg(long, value_name = "TEXTE")]
        reason: Option<String>,
        /// Un élément marqué impossible, à refaire.
        #[arg(long, value_name = "ID")]
        retry: Option<String>,
        /// Efface de la liste les éléments faits.
        #[arg(long, conflicts_with_all = ["done", "impossible", "retry"])]
        clear_done: bool,
        /// Écrit la liste comme une liste à cocher pour un tableur (CSV, « ; », UTF-8 avec BOM).
        #[arg(long, value_name = "FICHIER", conflicts_with_all = ["done", "impossible", "retry", "clear_done"])]
        csv: Option<PathBuf>,
    },
    /// Serveur, modifications en attente, conflits, dernière synchronisation.
    Status {
        #[arg(long)]
        uai: String,
        #[arg(long)]
        json: bool,
    },
}

#[derive(Subcommand, Debug)]
enum AuditCommand {
    /// Vérifie le chaînage du journal ; code 1 et première entrée fautive s'il est rompu.
    Verify {
        #[arg(long)]
        uai: String,
        #[arg(long)]
        json: bool,
    },
}

#[derive(ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum Connector {
    Scim,
    Skolengo,
    EntNg,
}

#[derive(ValueEnum, Clone, Copy, Debug)]
enum Keep {
    Mine,
    Theirs,
    Merge,
}

#[derive(ValueEnum, Clone, Copy, Debug)]
enum MatchSource {
    Pronote,
    Edt,
}

#[derive(ValueEnum, Clone, Copy, Debug)]
enum MatchScope {
    Etablissement,
    Academie,
}

#[derive(ValueEnum, Clone, Copy, Debug)]
enum Kind {
    College,
    Lycee,
}

/// What a command returns when it cannot do its work.
pub struct Failure {
    pub exit: u8,
    pub code: &'static str,
    pub message: String,
}

impl<E: preau_core::ErrorCode + std::fmt::Display> From<E> for Failure {
    fn from(e: E) -> Self {
        Failure { exit: 2, code: e.code(), message: e.to_string() }
    }
}

fn main() -> ExitCode {
    use clap::{CommandFactory, FromArgMatches};
    let parsed = french::command(Cli::command()).try_get_matches().and_then(|m| Cli::from_arg_matches(&m));
    let cli = match parsed {
        Ok(cli) => cli,
        Err(e) => {
            use clap::error::ErrorKind;
            if matches!(
                e.kind(),
                ErrorKind::DisplayHelp
                    | ErrorKind::DisplayVersion
                    | ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand
            ) {
                let _ = e.print();
                return ExitCode::SUCCESS;
            }
            eprintln!("preau-cli : arguments invalides — {} (voir preau-cli --help)", french::error(&e));
            return ExitCode::from(2);
        }
    };
    let outcome = match cli.command {
        Command::Demo { uai, kind, seed, out, academy, accounts } => match (academy, uai, kind, out) {
            (Some(n), _, _, Some(out)) => commands::demo_academy(n, accounts, seed, &out),
            (None, Some(uai), Some(kind), out) => {
                let kind = match kind {
                    Kind::College => preau_core::model::EstablishmentKind::College,
                    Kind::Lycee => preau_core::model::EstablishmentKind::Lycee,
                };
                commands::demo(cli.data_dir, &uai, kind, seed, out)
            }
            _ => {
                Err(Failure { exit: 2, code: "ARGS", message: "--uai et --kind, ou --academy N --out DOSSIER".into() })
            }
        },
        Command::Status { uai, json } => commands::status(cli.data_dir, &uai, json),
        Command::Import { uai, json, skip_refused, files } => {
            commands::import(cli.data_dir, &uai, &files, json, skip_refused)
        }
        Command::Findings { uai, json } => commands::findings(cli.data_dir, &uai, json),
        Command::Match { source, uai, file, directory, scope, json } => {
            let kind = match source {
                MatchSource::Pronote => preau_core::reconcile::SourceKind::Pronote,
                MatchSource::Edt => preau_core::reconcile::SourceKind::Edt,
            };
            let files = file.zip(directory);
            commands::match_accounts(
                cli.data_dir,
                kind,
                uai.as_deref(),
                files,
                matches!(scope, MatchScope::Academie),
                json,
            )
        }
        Command::Export { command: ExportCommand::EntNg { uai, out, delta, confirm, json } } => match (out, confirm) {
            (_, Some(export)) => commands::export_ent_ng_confirm(cli.data_dir, &uai, &export, json),
            (Some(out), None) => commands::export_ent_ng(cli.data_dir, &uai, &out, delta, json),
            (None, None) => {
                Err(Failure { exit: 2, code: "USAGE", message: "--out DOSSIER ou --confirm EXPORT".into() })
            }
        },
        Command::Directory { command } => match command {
            DirectoryCommand::Search {
                uai,
                scope,
                profile,
                classe,
                matiere,
                groupe,
                fonction,
                etablissement,
                csv,
                limit,
                json,
                query,
            } => {
                let scope = match scope {
                    SearchScope::Etablissement => preau_core::directory::Scope::Etablissement,
                    SearchScope::Academie => preau_core::directory::Scope::Academie,
                };
                let criteria =
                    preau_core::directory::Criteria { profile, classe, matiere, groupe, fonction, etablissement };
                directory::search(cli.data_dir, &uai, scope, criteria, csv, limit, json, &query.join(" "))
            }
            DirectoryCommand::Show { uai, person, json } => directory::show(cli.data_dir, &uai, &person, json),
            DirectoryCommand::Create { uai, typed, force, json } => {
                directory::create(cli.data_dir, &uai, typed, force, json)
            }
            DirectoryCommand::Function { uai, person, add, remove, dry_run, json } => {
                directory::function(cli.data_dir, &uai, &person, add, remove, dry_run, json)
            }
            DirectoryCommand::Aesh { uai, aesh, eleves, remove, json } => {
                directory::aesh(cli.data_dir, &uai, &aesh, &eleves, remove, json)
            }
            DirectoryCommand::End { uai, person, jusqu_au, perenne, fermer, json } => {
                directory::end(cli.data_dir, &uai, &person, jusqu_au, perenne, fermer, json)
            }
        },
        Command::Backup { uai, out, json } => commands::backup(cli.data_dir, &uai, &out, json),
        Command::Restore { file, replace, json } => commands::restore(cli.data_dir, &file, replace, json),
        Command::Audit { command: AuditCommand::Verify { uai, json } } => {
            commands::audit_verify(cli.data_dir, &uai, json)
        }
        Command::Sync { command } => match command {
            SyncCommand::Configure { uai, connector, url, token } => {
                commands::sync_configure(cli.data_dir, &uai, connector, url.as_deref(), token)
            }
            SyncCommand::Worklist { uai, json, done, impossible, reason, retry, clear_done, csv } => {
                commands::sync_worklist(
                    cli.data_dir,
                    &uai,
                    json,
                    commands::WorklistAction {
                        done: &done,
                        impossible: impossible.zip(reason),
                        retry: retry.as_deref(),
                        clear_done,
                        csv: csv.as_deref(),
                    },
                )
            }
            SyncCommand::Test { uai, json } => commands::sync_test(cli.data_dir, &uai, json),
            SyncCommand::Pull { uai, json } => commands::sync_pull(cli.data_dir, &uai, json),
            SyncCommand::Publish { uai, json } => commands::sync_publish(cli.data_dir, &uai, json),
            SyncCommand::Status { uai, json } => commands::sync_status(cli.data_dir, &uai, json),
            SyncCommand::Login { uai, account, login, json } => {
                commands::sync_login(cli.data_dir, &uai, &account, &login, json)
            }
            SyncCommand::Push { uai, json } => commands::sync_push(cli.data_dir, &uai, json),
            SyncCommand::Resolve { uai, conflict, keep, set } => {
                let keep = match keep {
                    Keep::Mine => commands::Keep::Mine,
                    Keep::Theirs => commands::Keep::Theirs,
                    Keep::Merge => commands::Keep::Merge(set),
                };
                commands::sync_resolve(cli.data_dir, &uai, conflict, keep)
            }
        },
        Command::Check { command } => match command {
            CheckCommand::Rentree { uai, date, json } => rentree::check(cli.data_dir, &uai, date.as_deref(), json),
        },
        Command::Groups { command } => match command {
            GroupsCommand::List { uai, json } => groups::list(cli.data_dir, &uai, json),
            GroupsCommand::Show { uai, group, json } => groups::show(cli.data_dir, &uai, &group, json),
            GroupsCommand::Create { uai, name, template, kind, rule, lock_delete, lock_recompose, json } => {
                groups::create(
                    cli.data_dir,
                    &uai,
                    name.as_deref(),
                    template.as_deref(),
                    kind.as_deref(),
                    rule.as_deref(),
                    lock_delete,
                    lock_recompose,
                    json,
                )
            }
            GroupsCommand::Delete { uai, group } => groups::delete(cli.data_dir, &uai, &group),
            GroupsCommand::Add { uai, group, people, csv, role, json } => {
                groups::add(cli.data_dir, &uai, &group, &people, csv.as_deref(), role.as_deref(), json)
            }
            GroupsCommand::Remove { uai, group, people } => groups::remove(cli.data_dir, &uai, &group, &people),
            GroupsCommand::Rule { uai, group, rule, clear, json } => {
                groups::rule(cli.data_dir, &uai, &group, if clear { None } else { rule.as_deref() }, json)
            }
            GroupsCommand::Evaluate { uai, group, apply, json } => {
                groups::evaluate(cli.data_dir, &uai, group.as_deref(), apply, json)
            }
        },
        Command::Visibility { command } => match command {
            VisibilityCommand::Show { uai, json } => visibility::show(cli.data_dir, &uai, json),
            VisibilityCommand::Set { uai, profile, node, visible, dry_run, json } => {
                visibility::set(cli.data_dir, &uai, &profile, &node, visible, dry_run, json)
            }
            VisibilityCommand::Preset { uai, name, dry_run, json } => {
                visibility::preset(cli.data_dir, &uai, &name, dry_run, json)
            }
            VisibilityCommand::Simulate { uai, user, to, json } => {
                visibility::simulate(cli.data_dir, &uai, &user, to.as_deref(), json)
            }
            VisibilityCommand::Functions { uai, queue, json } => visibility::functions(cli.data_dir, &uai, queue, json),
        },
        Command::Ticket(args) => ticket::run(cli.data_dir, args),
    };
    match outcome {
        Ok(code) => ExitCode::from(code),
        Err(f) => {
            eprintln!("preau-cli : {} [{}]", f.message, f.code);
            ExitCode::from(f.exit)
        }
    }
}
