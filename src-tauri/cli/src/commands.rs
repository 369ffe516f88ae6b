//! The subcommands: each one is a thin layer over preau-core.

use std::io::Write;
use std::path::PathBuf;

use preau_core::model::{EstablishmentKind, Uai};
use preau_core::secrets::{self, DbKey, SecretStore};
use preau_core::store::{self, Store};

use crate::Failure;

pub(crate) fn data_dir(given: Option<PathBuf>) -> Result<PathBuf, Failure> {
    match given {
        Some(d) => Ok(d),
        None => Ok(store::data_dir_from_env()?),
    }
}

/// `PREAU_DB_KEY`, else the OS keychain (generating the key on first use).
pub(crate) fn key() -> Result<DbKey, Failure> {
    if std::env::var_os(secrets::DB_KEY_ENV).is_some() {
        return Ok(secrets::db_key(&secrets::MemorySecrets::new())?);
    }
    let keychain = secrets::KeychainSecrets::open().map_err(|e| Failure {
        exit: 2,
        code: "KEYCHAIN_UNAVAILABLE",
        message: format!(
            "{e} ; sans trousseau, fournissez la clé dans {} (64 caractères hexadécimaux)",
            secrets::DB_KEY_ENV
        ),
    })?;
    Ok(secrets::db_key(&keychain as &dyn SecretStore)?)
}

pub(crate) fn uai(raw: &str) -> Result<Uai, Failure> {
    Ok(Uai::parse(raw)?)
}

pub(crate) fn print_line(line: &str) -> Result<(), Failure> {
    let mut out = std::io::stdout().lock();
    writeln!(out, "{line}").map_err(|e| Failure {
        exit: 2,
        code: "STDOUT",
        message: format!("écriture impossible : {e}"),
    })
}

pub fn demo(
    dir: Option<PathBuf>,
    raw_uai: &str,
    kind: EstablishmentKind,
    seed: u64,
    out: Option<PathBuf>,
) -> Result<u8, Failure> {
    let uai = uai(raw_uai)?;
    let dir = data_dir(dir)?;
    let key = key()?;
    let mut store = Store::open_or_create(&dir, &uai, &key, &preau_core::audit::actor("cli"))?;
    if store.establishment()?.is_some() && store.population_origin()?.as_deref() != Some("DEMO_GENERATED") {
        return Err(Failure {
            exit: 2,
            code: "DEMO_WOULD_OVERWRITE",
            message: format!(
                "la base de l'établissement {uai} contient des données réelles : la démonstration ne les remplace pas"
            ),
        });
    }
    let data = preau_core::demo::generate(&uai, kind, seed);
    if let Some(out) = &out {
        let written = preau_core::demo::write_demo_files(&data, out).map_err(|e| Failure {
            exit: 2,
            code: "DEMO_OUT_IO",
            message: format!("écriture dans {} impossible : {e}", out.display()),
        })?;
        print_line(&format!("{} fichiers d'export écrits dans {}", written.len(), out.display()))?;
    }
    let detail = serde_json::json!({ "uai": uai.as_str(), "kind": kind.as_str(), "seed": seed });
    store.replace_population(&data, &preau_core::audit::actor("cli"), "DEMO_GENERATED", &detail)?;
    let c = store.counts()?;
    print_line(&format!(
        "{} ({}) : {} élèves, {} responsables, {} enseignants, {} personnels, {} groupes — {}",
        c.name,
        c.uai,
        c.pupils,
        c.responsables,
        c.teachers,
        c.staff,
        c.groups,
        store.path().display()
    ))?;
    Ok(0)
}

pub fn status(dir: Option<PathBuf>, raw_uai: &str, json: bool) -> Result<u8, Failure> {
    let uai = uai(raw_uai)?;
    let store = Store::open(&data_dir(dir)?, &uai, &key()?)?;
    let c = store.counts()?;
    if json {
        let text = serde_json::to_string(&c).map_err(|e| Failure { exit: 2, code: "JSON", message: e.to_string() })?;
        print_line(&text)?;
    } else {
        print_line(&format!("{} ({})", c.name, c.uai))?;
        print_line(&format!("  élèves : {}", c.pupils))?;
        for (level, n) in &c.pupils_by_level.0 {
            let label = if level == store::NO_DIVISION { "sans classe" } else { level };
            print_line(&format!("    {label} : {n}"))?;
        }
        print_line(&format!("  responsables : {}", c.responsables))?;
        print_line(&format!("  enseignants : {}", c.teachers))?;
        print_line(&format!("  personnels : {}", c.staff))?;
        print_line(&format!("  groupes : {}", c.groups))?;
    }
    Ok(0)
}

pub fn audit_verify(dir: Option<PathBuf>, raw_uai: &str, json: bool) -> Result<u8, Failure> {
    let uai = uai(raw_uai)?;
    let store = Store::open(&data_dir(dir)?, &uai, &key()?)?;
    let verdict = store.audit_verify()?;
    if json {
        let text =
            serde_json::to_string(&verdict).map_err(|e| Failure { exit: 2, code: "JSON", message: e.to_string() })?;
        print_line(&text)?;
    }
    match &verdict.first_bad {
        None => {
            if !json {
                print_line(&format!("journal intègre : {} entrées vérifiées", verdict.entries))?;
            }
            Ok(0)
        }
        Some(b) => {
            if !json {
                print_line(&format!("journal rompu à l'entrée n° {} ({})", b.seq, b.reason))?;
            }
            eprintln!("preau-cli : journal d'audit rompu à l'entrée n° {} [{}]", b.seq, b.reason);
            Ok(1)
        }
    }
}

pub(crate) fn json_line<T: serde::Serialize>(value: &T) -> Result<(), Failure> {
    let text = serde_json::to_string(value).map_err(|e| Failure { exit: 2, code: "JSON", message: e.to_string() })?;
    print_line(&text)
}

/// The files named, a folder standing for the files in it (by name).
fn import_paths(files: &[PathBuf]) -> Result<Vec<PathBuf>, Failure> {
    let mut out = Vec::new();
    for path in files {
        if !path.is_dir() {
            out.push(path.clone());
            continue;
        }
        let unreadable = |e: std::io::Error| Failure {
            exit: 2,
            code: "IMPORT_FOLDER_UNREADABLE",
            message: format!("dossier {} illisible : {e}", path.display()),
        };
        let mut inside: Vec<PathBuf> = Vec::new();
        for entry in std::fs::read_dir(path).map_err(unreadable)? {
            let entry = entry.map_err(unreadable)?;
            if entry.file_type().map_err(unreadable)?.is_file() {
                inside.push(entry.path());
            }
        }
        inside.sort();
        out.extend(inside);
    }
    Ok(out)
}

/// `import`: every file checked first and every refusal printed, each with
/// its file. Exit 0 when every file is imported; 2 when a refusal left the
/// store as it was; with `--skip-refused`, the acceptable files are
/// imported and a refusal makes it 1.
pub fn import(
    dir: Option<PathBuf>,
    raw_uai: &str,
    files: &[PathBuf],
    json: bool,
    skip_refused: bool,
) -> Result<u8, Failure> {
    use preau_core::formats::source::Input;
    use preau_core::import::Refused;
    let uai = uai(raw_uai)?;
    let files = import_paths(files)?;
    if files.is_empty() {
        return Err(Failure { exit: 2, code: "IMPORT_NO_FILES", message: "aucun fichier à importer".into() });
    }
    // Importing is how an establishment's store comes to exist.
    let mut store = Store::open_or_create(&data_dir(dir)?, &uai, &key()?, &preau_core::audit::actor("cli"))?;
    let inputs: Vec<Input> = files.iter().map(Input::file).collect();
    let cancel = preau_core::progress::CancelToken::new();
    let presets = vec![None; inputs.len()];
    let refused = if skip_refused { Refused::Skip } else { Refused::WriteNothing };
    let outcome = preau_core::import::import_selection(
        &mut store,
        &inputs,
        &presets,
        refused,
        &preau_core::audit::actor("cli"),
        &cancel,
        &mut |_| {},
    )?;
    for r in &outcome.files {
        if json {
            if let Some(code) = &r.error {
                json_line(&serde_json::json!({ "file": r.file, "error": code, "message": r.message }))?;
            } else {
                json_line(r)?;
            }
        } else {
            match (&r.error, r.format) {
                (Some(code), _) => {
                    print_line(&format!("{} : refusé — {} [{code}]", r.file, r.message.as_deref().unwrap_or("")))?
                }
                (None, Some(f)) => print_line(&format!(
                    "{} : {} — {} enregistrements lus, {} rejetés{}",
                    r.file,
                    f.as_str(),
                    r.read,
                    r.rejected,
                    if r.applied { "" } else { " (non importé)" }
                ))?,
                (None, None) => {}
            }
            if let Some(notice) = &r.notice {
                print_line(&format!("    à savoir : {notice}"))?;
            }
            for rej in r.rejects.iter().take(20) {
                print_line(&format!("    {} — {} = « {} » : {}", rej.location, rej.field, rej.value, rej.reason))?;
            }
            if r.rejects.len() > 20 {
                print_line(&format!("    … et {} autres rejets", r.rejected.saturating_sub(20)))?;
            }
        }
    }
    let bad: Vec<&str> = outcome.files.iter().filter(|r| r.error.is_some()).map(|r| r.file.as_str()).collect();
    let good = outcome.files.iter().filter(|r| r.error.is_none()).count();
    match (outcome.committed, bad.is_empty()) {
        (true, true) => Ok(0),
        (true, false) => {
            eprintln!(
                "preau-cli : {} fichier(s) importé(s) ; {} refusé(s) et laissé(s) de côté : {}",
                good,
                bad.len(),
                bad.join(", ")
            );
            Ok(1)
        }
        (false, _) => {
            let hint = if good > 0 && !skip_refused {
                format!(" ; pour importer les {good} fichier(s) acceptable(s) sans les refusés : --skip-refused")
            } else {
                String::new()
            };
            eprintln!(
                "preau-cli : import refusé ({} fichier(s) : {}) : la base n'a pas été modifiée{hint}",
                bad.len(),
                bad.join(", ")
            );
            Ok(2)
        }
    }
}

pub fn findings(dir: Option<PathBuf>, raw_uai: &str, json: bool) -> Result<u8, Failure> {
    let uai = uai(raw_uai)?;
    let store = Store::open(&data_dir(dir)?, &uai, &key()?)?;
    let found = store.findings()?;
    for f in &found {
        if json {
            json_line(f)?;
        } else {
            let label = preau_core::import::FINDING_CODES
                .iter()
                .find(|(c, _)| *c == f.code)
                .map(|(_, l)| *l)
                .unwrap_or(f.code.as_str());
            print_line(&format!("{label} : {}", f.count))?;
        }
    }
    if found.is_empty() && !json {
        print_line("aucun constat (aucun import, ou des données sans défaut)")?;
    }
    Ok(0)
}

/// `match pronote|edt`: one line per source record, then the summary.
pub fn match_accounts(
    dir: Option<PathBuf>,
    kind: preau_core::reconcile::SourceKind,
    raw_uai: Option<&str>,
    files: Option<(PathBuf, PathBuf)>,
    academy: bool,
    json: bool,
) -> Result<u8, Failure> {
    use preau_core::formats::source::Input;
    use preau_core::reconcile::{self, Band, Scope};
    let started = std::time::Instant::now();
    let uai = raw_uai.map(uai).transpose()?;
    let edt = kind == reconcile::SourceKind::Edt;
    // The EDT's third step: its classes and groups against the ENT's.
    let (sources, directory, structures) = match files {
        Some((source, directory)) => {
            let input = Input::file(&source);
            let directory = reconcile::directory_from_file(&Input::file(&directory))?;
            let structures = if edt {
                let own = uai.as_ref().map(|u| u.to_string());
                let ent = reconcile::ent_structures_in(&directory, &[], own.as_deref());
                Some((reconcile::timetable_from_file(&input)?, ent))
            } else {
                None
            };
            (reconcile::source_from_file(kind, &input)?, directory, structures)
        }
        None => {
            let Some(u) = &uai else {
                return Err(Failure { exit: 2, code: "ARGS", message: "--uai, ou --source et --directory".into() });
            };
            let store = Store::open(&data_dir(dir)?, u, &key()?)?;
            let directory = reconcile::directory_from_store(&store)?;
            let structures = if edt { Some(reconcile::structures_from_store(&store, &directory)?) } else { None };
            (reconcile::source_from_store(kind, &store)?, directory, structures)
        }
    };
    let establishment = uai.as_ref().map(|u| u.to_string());
    let scope = match (academy, establishment) {
        (true, e) => Scope::Academy(e),
        (false, Some(e)) => Scope::Establishment(e),
        (false, None) if directory.main_establishment().is_none() => {
            return Err(Failure {
                exit: 2,
                code: "MATCH_SCOPE",
                message: "l'annuaire couvre plusieurs établissements : précisez --uai, ou --scope academie".into(),
            })
        }
        // The directory's main establishment need not be the source's: it
        // only says where to look, never that an account is of the same one.
        (false, None) => Scope::Academy(None),
    };
    if uai.is_none() {
        eprintln!(
            "établissement non précisé (--uai) : les comptes sont cherchés dans tout l'annuaire, sans compter \
             « même établissement » ; un personnel que seuls ses nom et prénom désignent reste à vérifier, et \
             dans un annuaire de plusieurs établissements seuls l'INE, l'adresse électronique ou un enfant \
             permettent un rapprochement automatique"
        );
    }
    let mut decisions = reconcile::reconcile(&sources, &directory, &scope);
    if let Some((timetable, ent)) = structures {
        let first = sources.len() + 1;
        decisions.extend(reconcile::structures::match_structures(&timetable, &ent, first).into_iter().map(|(_, d)| d));
    }
    let summary = reconcile::summary(&decisions);
    if json {
        for d in &decisions {
            json_line(d)?;
        }
        let mut value =
            serde_json::to_value(&summary).map_err(|e| Failure { exit: 2, code: "JSON", message: e.to_string() })?;
        value["elapsed_ms"] = serde_json::json!(started.elapsed().as_millis() as u64);
        value["directory_accounts"] = serde_json::json!(directory.len());
        json_line(&serde_json::json!({ "summary": value }))?;
    } else {
        for d in decisions.iter().filter(|d| d.band != Band::Auto) {
            let best = d.candidates.first().map(|c| format!("{} ({:.1})", c.account, c.score)).unwrap_or_default();
            let band = if d.band == Band::Review { "à vérifier" } else { "aucun compte" };
            print_line(&format!("ligne {} {} [{}] : {band} {best}", d.source_row, d.source_id, d.category.label()))?;
        }
        print_line(&format!(
            "{} enregistrements : {} rapprochés automatiquement, {} à vérifier, {} sans compte ({} ms)",
            summary.records,
            summary.auto,
            summary.review,
            summary.none,
            started.elapsed().as_millis()
        ))?;
    }
    Ok(0)
}

/// `demo --academy N --out DIR`: the synthetic academy for reconciliation, as files.
pub fn demo_academy(establishments: usize, accounts: usize, seed: u64, out: &std::path::Path) -> Result<u8, Failure> {
    use preau_core::demo::linkage::{generate_linkage, write_academy, LinkageConfig};
    if establishments == 0 {
        return Err(Failure { exit: 2, code: "ARGS", message: "--academy : au moins un établissement".into() });
    }
    let case = generate_linkage(&LinkageConfig::academy(seed, establishments, accounts));
    let written = write_academy(&case, out).map_err(|e| Failure {
        exit: 2,
        code: "DEMO_WRITE",
        message: format!("écriture impossible dans {} : {e}", out.display()),
    })?;
    let sources: usize = case.sources.iter().map(|s| s.records.len()).sum();
    let timetables: usize = case.edt.iter().map(|e| e.set.records.len()).sum();
    print_line(&format!(
        "académie fictive : {establishments} établissements, {} comptes ENT, {sources} enregistrements Pronote et \
         {timetables} enregistrements EDT à rapprocher",
        case.directory.len()
    ))?;
    for path in written {
        print_line(&path.display().to_string())?;
    }
    Ok(0)
}

/// The keychain when there is one, else an empty store (the token then comes from the environment).
pub(crate) fn token_secrets() -> Box<dyn SecretStore> {
    match secrets::KeychainSecrets::open() {
        Ok(k) => Box::new(k),
        Err(_) => Box::new(secrets::MemorySecrets::new()),
    }
}

/// The establishment's store, its server address and a connected client.
fn sync_client(dir: Option<PathBuf>, raw_uai: &str) -> Result<(Store, preau_core::sync::Client), Failure> {
    use preau_core::sync::{self, SyncError};
    let uai = uai(raw_uai)?;
    let store = Store::open(&data_dir(dir)?, &uai, &key()?)?;
    if let Some(by_hand) = store.sync_connector()?.filter(|c| c != "scim") {
        return Err(Failure {
            exit: 2,
            code: "SYNC_NOT_SCIM",
            message: format!(
                "l'établissement {uai} passe par le connecteur {by_hand}, sans serveur à joindre : {how} ou \
                 choisissez scim (sync configure --connector scim)",
                how = if by_hand == "ent-ng" {
                    format!(
                        "écrivez ses fichiers (preau-cli export ent-ng --uai {uai} --out DOSSIER), suivez sa liste de \
                         travail (preau-cli sync worklist --uai {uai})"
                    )
                } else {
                    format!("suivez sa liste de travail (preau-cli sync worklist --uai {uai})")
                }
            ),
        });
    }
    let url = store.sync_url()?.ok_or_else(|| SyncError::NotConfigured { uai: uai.to_string() })?;
    let token = sync::token(token_secrets().as_ref(), &uai.to_string(), &url)?;
    let client = sync::block_on(sync::Client::connect(&url, &token))??;
    Ok((store, client))
}

/// Stands in for a keychain that cannot be opened: saving there fails, so
/// that nothing is half-saved.
struct NoKeychain(String);

impl SecretStore for NoKeychain {
    fn get(&self, _: &str) -> Result<Option<String>, secrets::SecretError> {
        Ok(None)
    }
    fn set(&self, _: &str, _: &str) -> Result<(), secrets::SecretError> {
        Err(secrets::SecretError::Unavailable(self.0.clone()))
    }
    fn delete(&self, _: &str) -> Result<(), secrets::SecretError> {
        Ok(())
    }
}

/// The token, typed without echo on a terminal, else one line of standard input.
/// One line read from standard input without echo when it is a terminal,
/// after `prompt`; `None` when nothing could be read.
fn read_secret(prompt: &str) -> std::io::Result<String> {
    use std::io::{BufRead, IsTerminal};
    let stdin = std::io::stdin();
    let terminal = stdin.is_terminal();
    if terminal {
        eprint!("{prompt}");
        let _ = std::io::stderr().flush();
    }
    let _echo = terminal.then(NoEcho::new).flatten();
    let mut line = String::new();
    let read = stdin.lock().read_line(&mut line);
    drop(_echo);
    if terminal {
        eprintln!();
    }
    read.map(|_| line.trim_end_matches(['\r', '\n']).to_string())
}

fn read_token() -> Result<String, Failure> {
    let line = read_secret("Jeton d'accès du serveur (non affiché) : ").map_err(|e| Failure {
        exit: 2,
        code: "SYNC_TOKEN_READ",
        message: format!("jeton illisible : {e}"),
    })?;
    let token = line.trim().to_string();
    if token.is_empty() {
        return Err(Failure {
            exit: 2,
            code: "SYNC_TOKEN_READ",
            message: "aucun jeton saisi : rien n'a été enregistré".into(),
        });
    }
    Ok(token)
}

/// The terminal's echo turned off while it lives (Unix); restored when dropped.
struct NoEcho {
    #[cfg(unix)]
    saved: libc::termios,
}

impl NoEcho {
    #[cfg(unix)]
    fn new() -> Option<NoEcho> {
        // SAFETY: tcgetattr/tcsetattr on standard input with a termios we own.
        unsafe {
            let mut saved: libc::termios = std::mem::zeroed();
            if libc::tcgetattr(libc::STDIN_FILENO, &mut saved) != 0 {
                return None;
            }
            let mut quiet = saved;
            quiet.c_lflag &= !libc::ECHO;
            quiet.c_lflag |= libc::ECHONL;
            (libc::tcsetattr(libc::STDIN_FILENO, libc::TCSANOW, &quiet) == 0).then_some(NoEcho { saved })
        }
    }

    #[cfg(not(unix))]
    fn new() -> Option<NoEcho> {
        None
    }
}

impl Drop for NoEcho {
    fn drop(&mut self) {
        #[cfg(unix)]
        // SAFETY: restores the settings read in `new`.
        unsafe {
            libc::tcsetattr(libc::STDIN_FILENO, libc::TCSANOW, &self.saved);
        }
    }
}

pub fn sync_configure(
    dir: Option<PathBuf>,
    raw_uai: &str,
    connector: Option<crate::Connector>,
    url: Option<&str>,
    ask_token: bool,
) -> Result<u8, Failure> {
    use crate::Connector;
    let uai = uai(raw_uai)?;
    let actor = preau_core::audit::actor("cli");
    // Everything checked before the store is opened: a PC that has no store
    // for the establishment yet gets one (a second PC starts from the server).
    let open = |dir: Option<PathBuf>| -> Result<Store, Failure> {
        Ok(Store::open_or_create(&data_dir(dir)?, &uai, &key()?, &actor)?)
    };
    let by_hand = match connector {
        Some(Connector::Skolengo) => Some(("skolengo", "la console Skolengo : preau-cli sync worklist --uai")),
        Some(Connector::EntNg) => Some((
            "ent-ng",
            "les fichiers CSV de la console Open ENT NG (preau-cli export ent-ng) et, pour le reste, \
             preau-cli sync worklist --uai",
        )),
        Some(Connector::Scim) | None => None,
    };
    if let Some((name, how)) = by_hand {
        if url.is_some() || ask_token {
            return Err(Failure {
                exit: 2,
                code: "SYNC_NO_SERVER_FOR_CONNECTOR",
                message: format!("le connecteur {name} n'a ni adresse ni jeton : les modifications passent par {how}"),
            });
        }
        open(dir)?.set_sync_connector(name, &actor)?;
        print_line(&format!("Connecteur de {uai} : {name} ; les modifications passent par {how} {uai}"))?;
        return Ok(0);
    }
    let Some(url) = url else {
        return Err(Failure {
            exit: 2,
            code: "SYNC_NO_URL",
            message: "le connecteur scim demande l'adresse du serveur ENT : --url".into(),
        });
    };
    // Refused before a token is asked for.
    let url = preau_core::sync::Client::checked_url(url)?;
    let token = if ask_token { Some(read_token()?) } else { None };
    let mut store = open(dir)?;
    let keychain: Box<dyn SecretStore> = match (&token, secrets::KeychainSecrets::open()) {
        (None, _) => Box::new(secrets::MemorySecrets::new()),
        (Some(_), Ok(k)) => Box::new(k),
        (Some(_), Err(e)) => Box::new(NoKeychain(e.to_string())),
    };
    let url =
        preau_core::sync::configure(&mut store, keychain.as_ref(), &uai.to_string(), &url, token.as_deref(), &actor)?;
    if store.sync_connector()?.is_some_and(|c| c != "scim") {
        store.set_sync_connector("scim", &actor)?;
    }
    print_line(&format!("Serveur ENT de {uai} : {url}"))?;
    if token.is_some() {
        print_line("Jeton d'accès gardé dans le trousseau du système pour ce serveur.")?;
    }
    Ok(0)
}

pub fn sync_test(dir: Option<PathBuf>, raw_uai: &str, json: bool) -> Result<u8, Failure> {
    let (_, client) = sync_client(dir, raw_uai)?;
    if json {
        json_line(&serde_json::json!({ "ok": true, "server": client.url(), "capabilities": client.caps }))?;
    } else {
        let caps = &client.caps;
        print_line(&format!(
            "Connexion réussie à {} : extension ENT connue ; Bulk {} ; ETag {} ; {} ressources par page.",
            client.url(),
            caps.bulk.map_or("non proposé".to_string(), |n| format!("jusqu'à {n} opérations")),
            if caps.etag { "oui" } else { "non" },
            caps.max_results
        ))?;
    }
    Ok(0)
}

pub fn sync_pull(dir: Option<PathBuf>, raw_uai: &str, json: bool) -> Result<u8, Failure> {
    let (mut store, client) = sync_client(dir, raw_uai)?;
    let uai = uai(raw_uai)?.to_string();
    let actor = preau_core::audit::actor("cli");
    let pulled = preau_core::sync::block_on(preau_core::sync::pull(&client, &mut store, &uai, &actor, &mut |_| {}))??;
    if json {
        json_line(&pulled)?;
    } else {
        print_line(&format!(
            "Rapatrié de {} : {} comptes, {} groupes, {} règles de visibilité.",
            client.url(),
            pulled.users,
            pulled.groups,
            pulled.visibility_rules
        ))?;
    }
    Ok(0)
}

pub fn sync_publish(dir: Option<PathBuf>, raw_uai: &str, json: bool) -> Result<u8, Failure> {
    let (store, client) = sync_client(dir, raw_uai)?;
    let data = store
        .load_population()?
        .ok_or_else(|| preau_core::sync::SyncError::NoPopulation { uai: raw_uai.trim().to_uppercase() })?;
    let published = preau_core::sync::block_on(preau_core::sync::publish(&client, &data))??;
    if json {
        json_line(&published)?;
    } else {
        print_line(&format!(
            "Publié sur {} : {} comptes et {} groupes créés, {} déjà présents.",
            client.url(),
            published.users_created,
            published.groups_created,
            published.present
        ))?;
    }
    // Each refused resource, named; the others were created.
    for r in &published.refused {
        let what = match r.resource.as_str() {
            "Group" => "groupe".to_string(),
            _ if !r.display_name.is_empty() && r.display_name != r.name => format!("compte de {}", r.display_name),
            _ => "compte".to_string(),
        };
        let mut line = format!("{what} « {} » ({}) refusé par le serveur ({}", r.name, r.external_id, r.status);
        if let Some(t) = &r.scim_type {
            line.push_str(&format!(", {t}"));
        }
        line.push(')');
        if !r.detail.is_empty() {
            line.push_str(&format!(" : {}", r.detail));
        }
        if let Some(p) = &r.proposed_login {
            line.push_str(&format!(
                " ; identifiant libre proposé : {p} (pour le prendre : preau-cli sync login --uai {} --account {} --login {p})",
                raw_uai.trim().to_uppercase(),
                r.external_id
            ));
        }
        eprintln!("preau-cli : {line} [SYNC_REFUSED]");
    }
    Ok(if published.refused.is_empty() { 0 } else { 1 })
}

/// A login of the administrator's choosing for an account the server
/// refused (its login taken there): kept in the store, journaled, sent by
/// the next publish.
pub fn sync_login(dir: Option<PathBuf>, raw_uai: &str, account: &str, login: &str, json: bool) -> Result<u8, Failure> {
    let uai = uai(raw_uai)?;
    let mut store = Store::open(&data_dir(dir)?, &uai, &key()?)?;
    let (changed, note) = preau_core::sync::set_login(
        &mut store,
        token_secrets().as_ref(),
        account,
        login,
        &preau_core::audit::actor("cli"),
    )?;
    if let Some(note) = &note {
        eprintln!("preau-cli : {note}");
    }
    if json {
        json_line(&changed)?;
    } else {
        print_line(&format!(
            "Identifiant de {} ({}) : « {} » ; publiez à nouveau pour créer son compte sur le serveur.",
            changed.name, changed.account, changed.to
        ))?;
    }
    Ok(0)
}

pub fn sync_status(dir: Option<PathBuf>, raw_uai: &str, json: bool) -> Result<u8, Failure> {
    let uai = uai(raw_uai)?;
    let store = Store::open(&data_dir(dir)?, &uai, &key()?)?;
    let server = store.sync_url()?;
    let outbox = store.outbox()?;
    let conflicts = outbox.iter().filter(|c| c.state == "conflict").count();
    let pending = outbox.len() - conflicts;
    let last = store.last_sync()?;
    let (users, groups, rules) =
        (store.snapshot_count("User")?, store.snapshot_count("Group")?, store.snapshot_count("VisibilityRule")?);
    let connector = preau_core::sync::Connector::of(&store)?;
    let delivery = preau_core::sync::delivery(&store)?;
    if json {
        json_line(&serde_json::json!({
            "connector": connector,
            "server": server,
            "pending": pending,
            "conflicts": conflicts,
            "delivery": delivery,
            "last": last,
            "directory": { "users": users, "groups": groups, "visibility_rules": rules },
        }))?;
    } else {
        print_line(&format!("Connecteur : {}", connector.code()))?;
        if !connector.has_server() {
            print_line(&format!(
                "Confirmation : {} par les fichiers importés, {} à faire dans la console, {} marquées impossibles",
                delivery.in_files, delivery.by_hand, delivery.impossible
            ))?;
        }
        print_line(&format!("Serveur : {}", server.as_deref().unwrap_or("non configuré")))?;
        print_line(&format!(
            "Annuaire du serveur (dernière récupération) : {users} comptes, {groups} groupes, {rules} règles de visibilité"
        ))?;
        print_line(&format!("Modifications en attente : {pending}"))?;
        print_line(&format!("Conflits à régler : {conflicts}"))?;
        match last {
            Some(l) => print_line(&format!(
                "Dernière synchronisation : {} ({}, {} rapatriés, {} envoyés)",
                l.at, l.result, l.pulled, l.pushed
            ))?,
            None => print_line("Dernière synchronisation : jamais")?,
        }
    }
    Ok(0)
}

pub fn sync_push(dir: Option<PathBuf>, raw_uai: &str, json: bool) -> Result<u8, Failure> {
    let (mut store, client) = sync_client(dir, raw_uai)?;
    let actor = preau_core::audit::actor("cli");
    let pushed =
        preau_core::sync::block_on(preau_core::sync::push(&client, &mut store, &actor, &|| false, &mut |_, _| {}))??;
    store.record_push(pushed.sent, pushed.conflicts == 0 && pushed.missing == 0)?;
    if json {
        json_line(&pushed)?;
    } else {
        print_line(&format!(
            "Envoyé à {} : {} modifications ; {} conflits à régler ; {} comptes absents du serveur ; {} encore en attente.",
            client.url(),
            pushed.sent,
            pushed.conflicts,
            pushed.missing,
            pushed.remaining
        ))?;
    }
    Ok(0)
}

/// How `sync resolve` settles a conflict.
pub enum Keep {
    Mine,
    Theirs,
    /// `PATH=VALUE` pairs; none takes the merge the view proposes.
    Merge(Vec<String>),
}

pub fn sync_resolve(dir: Option<PathBuf>, raw_uai: &str, conflict: i64, keep: Keep) -> Result<u8, Failure> {
    use preau_core::store::Resolution;
    let uai = uai(raw_uai)?;
    let mut store = Store::open(&data_dir(dir)?, &uai, &key()?)?;
    let (resolution, said) = match keep {
        Keep::Mine => (Resolution::Mine, "Conflit réglé : votre version sera renvoyée au prochain envoi."),
        Keep::Theirs => {
            (Resolution::Theirs, "Conflit réglé : la version du serveur est gardée, votre modification est retirée.")
        }
        Keep::Merge(pairs) => {
            let change = store.outbox()?.into_iter().find(|c| c.id == conflict && c.state == "conflict");
            let view = change.as_ref().and_then(preau_core::sync::conflict_view).ok_or_else(|| Failure {
                code: "SYNC_NO_CONFLICT",
                message: format!("aucun conflit n° {conflict}"),
                exit: 2,
            })?;
            let mut values: Vec<(String, serde_json::Value)> =
                view.rows.iter().filter(|r| r.member.is_none()).map(|r| (r.path.clone(), r.merged.clone())).collect();
            for pair in pairs {
                let Some((path, value)) = pair.split_once('=') else {
                    return Err(Failure {
                        code: "CLI_USAGE",
                        message: format!("--set attend CHEMIN=VALEUR, pas « {pair} »"),
                        exit: 2,
                    });
                };
                let Some(slot) = values.iter_mut().find(|(p, _)| p == path) else {
                    return Err(Failure {
                        code: "CLI_USAGE",
                        message: format!("le conflit n° {conflict} ne porte pas sur « {path} »"),
                        exit: 2,
                    });
                };
                slot.1 = serde_json::Value::String(value.to_string());
            }
            let merged = change.map(|c| preau_core::sync::merged_patch(&c, &values)).unwrap_or_default();
            (Resolution::Merge(merged), "Conflit réglé : la fusion sera envoyée au prochain envoi.")
        }
    };
    store.resolve_conflict(conflict, resolution, &preau_core::audit::actor("cli"))?;
    print_line(said)?;
    Ok(0)
}

/// What `sync worklist` is asked to do besides listing.
pub struct WorklistAction<'a> {
    pub done: &'a [String],
    pub impossible: Option<(String, String)>,
    pub retry: Option<&'a str>,
    pub clear_done: bool,
    pub csv: Option<&'a std::path::Path>,
}

pub fn sync_worklist(
    dir: Option<PathBuf>,
    raw_uai: &str,
    json: bool,
    action: WorklistAction<'_>,
) -> Result<u8, Failure> {
    use preau_core::sync::worklist;
    let WorklistAction { done, impossible, retry, clear_done, csv } = action;
    let uai = uai(raw_uai)?;
    let mut store = Store::open(&data_dir(dir)?, &uai, &key()?)?;
    let actor = preau_core::audit::actor("cli");
    if clear_done {
        let n = worklist::clear_done(&mut store)?;
        print_line(&format!("Éléments faits effacés de la liste : {n}."))?;
        return Ok(0);
    }
    if !done.is_empty() {
        let confirmed = worklist::mark_done(&mut store, done, &actor)?;
        let n = |count: usize, one: &str, many: &str| format!("{count} {}", if count == 1 { one } else { many });
        print_line(&format!(
            "{} ; {}.",
            n(done.len(), "élément fait", "éléments faits"),
            n(confirmed, "modification confirmée", "modifications confirmées")
        ))?;
        return Ok(0);
    }
    if let Some((id, reason)) = impossible {
        worklist::mark_impossible(&mut store, &id, &reason, &actor)?;
        print_line(&format!("Élément {id} marqué impossible : {}", reason.trim()))?;
        return Ok(0);
    }
    if let Some(id) = retry {
        worklist::retry(&mut store, id, &actor)?;
        print_line(&format!("Élément {id} remis à faire."))?;
        return Ok(0);
    }
    let items = worklist::worklist(&store)?;
    if let Some(path) = csv {
        std::fs::write(path, worklist::checklist_csv(&items)).map_err(|e| Failure {
            exit: 2,
            code: "WORKLIST_CSV_NOT_WRITTEN",
            message: format!("impossible d'écrire {} : {e}", path.display()),
        })?;
        print_line(&format!("Liste à cocher écrite : {}.", path.display()))?;
        return Ok(0);
    }
    if json {
        for i in &items {
            json_line(&serde_json::json!({
                "id": i.id,
                "screen": i.screen.code(),
                "action": i.action,
                "target": i.target,
                "steps": i.steps,
                "status": i.status.code(),
                "reason": i.reason,
            }))?;
        }
        return Ok(0);
    }
    if items.is_empty() {
        print_line("Rien à faire dans la console : aucune modification en attente.")?;
        return Ok(0);
    }
    let (done, all) = worklist::progress(&items);
    print_line(&format!("{done} sur {all} faits."))?;
    let mut screen = None;
    for i in &items {
        if screen != Some(i.screen) {
            screen = Some(i.screen);
            print_line(&format!("\n== {} ==", i.screen.path()))?;
        }
        let status = match i.status {
            worklist::Status::Impossible => format!(" [impossible : {}]", i.reason.as_deref().unwrap_or("")),
            worklist::Status::Fait => " [fait]".to_string(),
            worklist::Status::AFaire => String::new(),
        };
        print_line(&format!("[{}] {} — {}{status}", i.id, i.action, i.target))?;
        for (n, step) in i.steps.iter().enumerate() {
            print_line(&format!("    {}. {step}", n + 1))?;
        }
    }
    Ok(0)
}

pub fn export_ent_ng(
    dir: Option<PathBuf>,
    raw_uai: &str,
    out: &std::path::Path,
    delta: bool,
    json: bool,
) -> Result<u8, Failure> {
    use preau_core::sync::ent_ng;
    let uai = uai(raw_uai)?;
    let mut store = Store::open(&data_dir(dir)?, &uai, &key()?)?;
    let actor = preau_core::audit::actor("cli");
    let written = ent_ng::write(&mut store, out, delta, &actor)?;
    let Some(export) = &written.export else {
        if !json {
            print_line("Rien de nouveau depuis le dernier export importé dans l'ENT : aucun fichier écrit.")?;
        }
        return Ok(0);
    };
    for f in &export.files {
        if json {
            json_line(
                &serde_json::json!({ "file": f.file, "profile": f.profile, "rows": f.rows, "export": export.export }),
            )?;
        } else {
            let rows = if f.rows == 1 { "1 ligne".to_string() } else { format!("{} lignes", f.rows) };
            print_line(&format!("{} : {rows} ({})", out.join(&f.file).display(), f.profile))?;
        }
    }
    if !json {
        if delta && !written.since_import {
            print_line("Aucun export n'a encore été noté importé : tout l'établissement est écrit.")?;
        }
        if !export.gone.is_empty() {
            let n = export.gone.len();
            print_line(&format!(
                "{} : dans la console, « Utilisateurs », « Pré-supprimer le compte » de chacune.",
                if n == 1 {
                    "1 personne importée n'est plus dans les fichiers".to_string()
                } else {
                    format!("{n} personnes importées ne sont plus dans les fichiers")
                }
            ))?;
        }
        for file in &written.oversized {
            print_line(&format!(
                "Attention : {file} dépasse le méga-octet que la console accepte par fichier ; importez-le en \
                 plusieurs parties (même en-tête)."
            ))?;
        }
        print_line(&format!(
            "Export {} : importez ces fichiers dans la console (Imports / Exports > Importer des utilisateurs), le \
             fichier Élèves avant le fichier Parents, puis : preau-cli export ent-ng --uai {uai} --confirm {}",
            export.export, export.export
        ))?;
    }
    Ok(0)
}

pub fn export_ent_ng_confirm(dir: Option<PathBuf>, raw_uai: &str, export: &str, json: bool) -> Result<u8, Failure> {
    let uai = uai(raw_uai)?;
    let mut store = Store::open(&data_dir(dir)?, &uai, &key()?)?;
    let actor = preau_core::audit::actor("cli");
    let confirmed = preau_core::sync::ent_ng::confirm(&mut store, export, &actor)?;
    if json {
        json_line(&serde_json::json!({ "export": export.trim(), "confirmed": confirmed }))?;
    } else {
        print_line(&format!(
            "Export {} noté importé dans l'ENT : {}.",
            export.trim(),
            if confirmed == 1 {
                "1 modification confirmée".to_string()
            } else {
                format!("{confirmed} modifications confirmées")
            }
        ))?;
    }
    Ok(0)
}

/// The environment variable holding a backup's passphrase, for scripts.
pub const BACKUP_PASSPHRASE_ENV: &str = "PREAU_BACKUP_PASSPHRASE";

/// The backup's passphrase: the environment's, else asked on the terminal
/// (twice when a backup is written, so that a typing error is caught).
fn backup_passphrase(confirm: bool) -> Result<String, Failure> {
    if let Ok(p) = std::env::var(BACKUP_PASSPHRASE_ENV) {
        if !p.is_empty() {
            return Ok(p);
        }
    }
    let unread = |e: std::io::Error| Failure {
        exit: 2,
        code: "BACKUP_PASSPHRASE_READ",
        message: format!("phrase de passe illisible : {e} (ou donnez-la dans {BACKUP_PASSPHRASE_ENV})"),
    };
    let first = read_secret("Phrase de passe de la sauvegarde (non affichée) : ").map_err(unread)?;
    if first.is_empty() {
        return Err(Failure {
            exit: 2,
            code: "BACKUP_PASSPHRASE_READ",
            message: format!("aucune phrase de passe saisie (ou donnez-la dans {BACKUP_PASSPHRASE_ENV})"),
        });
    }
    if confirm {
        let again = read_secret("La même, une seconde fois : ").map_err(unread)?;
        if again != first {
            return Err(Failure {
                exit: 2,
                code: "BACKUP_PASSPHRASE_MISMATCH",
                message: "les deux phrases de passe diffèrent : rien n'a été écrit".into(),
            });
        }
    }
    Ok(first)
}

fn info_line(i: &preau_core::store::BackupInfo) -> String {
    format!(
        "{} {} : {} élèves, {} responsables, {} enseignants, {} personnels, {} groupes ; {} entrées du journal ; {} \
         modifications en attente",
        i.uai,
        i.name.as_deref().unwrap_or("(sans population)"),
        i.pupils,
        i.responsables,
        i.teachers,
        i.staff,
        i.groups,
        i.journal,
        i.pending
    )
}

pub fn backup(dir: Option<PathBuf>, raw_uai: &str, out: &std::path::Path, json: bool) -> Result<u8, Failure> {
    let uai = uai(raw_uai)?;
    let mut store = Store::open(&data_dir(dir)?, &uai, &key()?)?;
    let passphrase = backup_passphrase(true)?;
    let info = store.backup(out, &passphrase, &preau_core::audit::actor("cli"))?;
    if json {
        json_line(&serde_json::json!({ "file": out.display().to_string(), "backup": info }))?;
    } else {
        print_line(&format!("Sauvegarde écrite : {}", out.display()))?;
        print_line(&info_line(&info))?;
        print_line("Gardez la phrase de passe à part : sans elle, la sauvegarde ne peut pas être restaurée.")?;
    }
    Ok(0)
}

pub fn restore(dir: Option<PathBuf>, file: &std::path::Path, replace: bool, json: bool) -> Result<u8, Failure> {
    let dir = data_dir(dir)?;
    let key = key()?;
    let passphrase = backup_passphrase(false)?;
    let preview = preau_core::store::restore_preview(&dir, file, &passphrase, &key)?;
    if let (Some(existing), false) = (&preview.existing, replace) {
        if json {
            json_line(&serde_json::json!({ "preview": preview }))?;
        } else {
            print_line(&format!("Sauvegarde : {}", info_line(&preview.backup)))?;
            print_line(&format!("Sur ce poste : {}", info_line(existing)))?;
        }
        return Err(Failure {
            exit: 2,
            code: "RESTORE_EXISTS",
            message: format!(
                "l'établissement {} existe déjà sur ce poste : rien n'a été remplacé ; relancez avec --replace pour le \
                 remplacer par la sauvegarde (l'actuel est gardé à côté)",
                preview.backup.uai
            ),
        });
    }
    let restored =
        preau_core::store::restore(&dir, file, &passphrase, &key, replace, &preau_core::audit::actor("cli"))?;
    if json {
        json_line(&restored)?;
    } else {
        print_line(&format!("Établissement restauré : {}", info_line(&restored.info)))?;
        if let Some(kept) = &restored.replaced_kept {
            print_line(&format!("L'établissement remplacé est gardé dans {kept}"))?;
        }
    }
    Ok(0)
}
