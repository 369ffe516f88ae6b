//! The incident-ticket assistant: a ticket for the ENT's support, checked
//! against the four rules of the Skolengo admin training, then written as
//! the text to paste and its attachments.
//!
//! 1. One incident per ticket.
//! 2. Short, precise sentences.
//! 3. The people concerned named with their profile and establishment.
//! 4. The evidence attached.
//!
//! The checks are heuristics over French text. They are meant to catch the
//! obvious faults and to stay quiet when in doubt (a ticket refused for
//! nothing teaches the administrator to ignore the assistant):
//!
//! - rule 1 breaks when the title or « constaté » announces another incident
//!   (« par ailleurs », « et aussi », « d'autre part », « en outre », « autre
//!   problème »…, « de plus » / « également » opening a sentence), lists items
//!   (« 1) … 2) … », two bullet lines), asks two questions sharing no word, or
//!   joins with « et » two ENT services of different families in a failing
//!   sentence (« la messagerie et le cahier de textes ne marchent pas ») or two
//!   failing clauses (« X ne s'affiche pas et la messagerie refuse … »). Two
//!   services of one family (« les notes et les absences ne remontent pas »)
//!   are usually one cause and pass;
//! - rule 2 breaks on an empty field, a title over 15 words, a sentence over
//!   35 words, a text over 120 words, or a « depuis » that is not a past date;
//! - rule 3 breaks when nobody is named or an id is neither a person of the
//!   population nor one of its ENT accounts;
//! - rule 4 breaks when nothing could be attached: no record for anyone
//!   named and no screenshot (or a screenshot that is not a PNG).

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::model::{Account, EstablishmentData, Function, Person};
use crate::reconcile::profile_label;
use crate::store::{Store, StoreError};
use crate::text::upper_ascii;

pub const MAX_TITLE_WORDS: usize = 15;
pub const MAX_SENTENCE_WORDS: usize = 35;
pub const MAX_TEXT_WORDS: usize = 120;

/// The attachments' folder inside the ticket's folder.
pub const ATTACHMENTS: &str = "pieces-jointes";

/// A ticket as the administrator wrote it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct Draft {
    pub titre: String,
    /// What was expected to happen.
    pub attendu: String,
    /// What happened.
    pub constate: String,
    /// Since when (AAAA-MM-JJ).
    pub depuis: Option<String>,
    /// Person ids of the establishment's population, or ENT account ids.
    pub personnes: Vec<String>,
    /// A PNG, as the window captured it.
    pub screenshot: Option<Vec<u8>>,
}

/// One rule the draft breaks, said in French.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Broken {
    /// 1 to 4, the training's numbering.
    pub rule: u8,
    pub code: &'static str,
    /// « Règle N — … : why », naming the sentence or word at fault.
    pub message: String,
}

/// What `write` wrote.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Written {
    pub dir: PathBuf,
    /// The ticket's text, as in `ticket.txt`.
    pub text: String,
    /// The attachments, relative to `dir` (`pieces-jointes/fiches.json`…).
    pub attachments: Vec<String>,
}

#[derive(Debug, thiserror::Error)]
pub enum TicketError {
    #[error("aucune population pour {uai} : importez d'abord l'établissement")]
    NoPopulation { uai: String },
    #[error("ticket non écrit : {}", .0.iter().map(|b| b.message.as_str()).collect::<Vec<_>>().join(" ; "))]
    Broken(Vec<Broken>),
    #[error("le dossier {path} n'est pas vide : choisissez un dossier vide ou nouveau")]
    OutNotEmpty { path: String },
    #[error("impossible d'écrire dans {path} : {message}")]
    Write { path: String, message: String },
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl crate::ErrorCode for TicketError {
    fn code(&self) -> &'static str {
        match self {
            TicketError::NoPopulation { .. } => "NO_POPULATION",
            TicketError::Broken(_) => "TICKET_RULES_BROKEN",
            TicketError::OutNotEmpty { .. } => "TICKET_OUT_NOT_EMPTY",
            TicketError::Write { .. } => "TICKET_NOT_WRITTEN",
            TicketError::Store(e) => e.code(),
        }
    }
}

fn rule_label(rule: u8) -> &'static str {
    match rule {
        1 => "un seul incident par ticket",
        2 => "des phrases courtes et précises",
        3 => "les personnes concernées nommées, avec leur profil et leur établissement",
        _ => "les preuves jointes",
    }
}

fn broken(rule: u8, code: &'static str, why: String) -> Broken {
    Broken { rule, code, message: format!("Règle {rule} — {} : {why}", rule_label(rule)) }
}

/// Checks the draft against the four rules, as of today.
pub fn check(draft: &Draft, data: &EstablishmentData) -> Vec<Broken> {
    check_at(draft, data, chrono::Local::now().date_naive())
}

/// `check` as of `today` (the « depuis » date may not be after it).
pub fn check_at(draft: &Draft, data: &EstablishmentData, today: NaiveDate) -> Vec<Broken> {
    let mut out = Vec::new();
    rule_one(draft, &mut out);
    rule_two(draft, today, &mut out);
    let concerned = concerned(draft, data);
    rule_three(draft, &concerned, &mut out);
    rule_four(draft, &concerned, &mut out);
    out
}

// ---------------------------------------------------------------- text

/// The sentences of a text: cut after `.`, `!`, `?`, `…` followed by a space
/// (or the end), and at each line break.
fn sentences(text: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let mut start = 0;
    let mut chars = text.char_indices().peekable();
    while let Some((i, c)) = chars.next() {
        let end = match c {
            '\n' | '\r' => Some(i),
            '.' | '!' | '?' | '…' => {
                // « ?! », « ... »: the run of marks ends the sentence.
                let mut last = i + c.len_utf8();
                while let Some(&(j, d)) = chars.peek() {
                    if matches!(d, '.' | '!' | '?' | '…') {
                        last = j + d.len_utf8();
                        chars.next();
                    } else {
                        break;
                    }
                }
                match chars.peek() {
                    None => Some(last),
                    Some(&(_, d)) if d.is_whitespace() => Some(last),
                    _ => None,
                }
            }
            _ => None,
        };
        if let Some(end) = end {
            let s = text[start..end].trim();
            if !s.is_empty() {
                out.push(s);
            }
            start = end;
        }
    }
    let rest = text[start..].trim();
    if !rest.is_empty() {
        out.push(rest);
    }
    out
}

fn word_count(text: &str) -> usize {
    text.split_whitespace().filter(|w| w.chars().any(char::is_alphanumeric)).count()
}

/// Upper-case ASCII words, apostrophes cut (« n'arrive » → `N`, `ARRIVE`).
fn words(text: &str) -> Vec<String> {
    upper_ascii(text).split([' ', '\'']).filter(|w| !w.is_empty()).map(str::to_string).collect()
}

/// A sentence quoted in a message: its first words.
fn excerpt(sentence: &str) -> String {
    const WORDS: usize = 15;
    let all: Vec<&str> = sentence.split_whitespace().collect();
    if all.len() <= WORDS {
        format!("« {} »", all.join(" "))
    } else {
        format!("« {} … »", all[..WORDS].join(" "))
    }
}

// ---------------------------------------------------------------- rule 1

/// Phrases that announce another incident wherever they stand (as
/// `words` gives them, and as a message quotes them).
const ANOTHER: &[(&str, &str)] = &[
    ("ET AUSSI", "et aussi"),
    ("PAR AILLEURS", "par ailleurs"),
    ("D AUTRE PART", "d'autre part"),
    ("EN OUTRE", "en outre"),
    ("AUTRE PROBLEME", "autre problème"),
    ("AUTRE SOUCI", "autre souci"),
    ("AUTRE BUG", "autre bug"),
    ("AUTRE INCIDENT", "autre incident"),
    ("AUTRE DYSFONCTIONNEMENT", "autre dysfonctionnement"),
    ("DEUXIEME PROBLEME", "deuxième problème"),
    ("SECOND PROBLEME", "second problème"),
    ("AUTRES PROBLEMES", "autres problèmes"),
    ("PLUSIEURS PROBLEMES", "plusieurs problèmes"),
];

/// Words that announce another incident when they open a sentence
/// (elsewhere « de plus » and « également » are ordinary words).
const ANOTHER_OPENING: &[(&str, &str)] = &[("DE PLUS", "de plus"), ("EGALEMENT", "également")];

/// ENT services, by family: two families joined by « et » in a failing
/// sentence are two incidents; one family is usually one cause.
const SERVICES: &[(&str, &[&str])] = &[
    ("messagerie", &["MESSAGERIE", "MAIL", "MAILS", "COURRIEL", "COURRIELS"]),
    ("cahier de textes", &["CAHIER DE TEXTES", "CAHIER DE TEXTE", "TRAVAIL A FAIRE", "DEVOIRS", "AGENDA"]),
    (
        "vie scolaire",
        &["NOTES", "ABSENCES", "VIE SCOLAIRE", "EMPLOI DU TEMPS", "BULLETINS", "PRONOTE", "COMPETENCES", "RETARDS"],
    ),
    ("documents", &["ESPACE DOCUMENTAIRE", "DOCUMENTS", "CASIER", "CLASSEUR", "PIECES JOINTES", "PIECE JOINTE"]),
    ("ressources", &["GAR", "MANUELS", "MANUEL NUMERIQUE", "RESSOURCES", "MEDIACENTRE"]),
    ("connexion", &["CONNEXION", "MOT DE PASSE", "IDENTIFIANT", "AUTHENTIFICATION", "EDUCONNECT"]),
    ("publication", &["BLOG", "FORUM", "ACTUALITES", "SITE", "PAGES"]),
    ("application", &["APPLICATION MOBILE", "APPLI"]),
];

/// Words that make a clause a failure (« ne … pas », « impossible »…).
fn fails(words: &[String]) -> bool {
    words.iter().any(|w| {
        matches!(w.as_str(), "NE" | "N" | "IMPOSSIBLE" | "PANNE")
            || ["REFUS", "BLOQU", "PLANT", "ECHOU"].iter().any(|stem| w.starts_with(stem))
    })
}

/// Where `phrase` (upper-case words) starts in `words`, if it is there.
fn find_phrase(words: &[String], phrase: &str) -> Option<usize> {
    let phrase: Vec<&str> = phrase.split(' ').collect();
    words.windows(phrase.len()).position(|w| w.iter().zip(&phrase).all(|(a, b)| a == b))
}

fn contains_phrase(words: &[String], phrase: &str) -> bool {
    find_phrase(words, phrase).is_some()
}

/// The service families named in `words`, in the order they come.
fn families(words: &[String]) -> Vec<&'static str> {
    let mut found: Vec<(usize, &'static str)> = SERVICES
        .iter()
        .filter_map(|(family, names)| names.iter().filter_map(|n| find_phrase(words, n)).min().map(|at| (at, *family)))
        .collect();
    found.sort();
    found.into_iter().map(|(_, family)| family).collect()
}

const DETERMINERS: &[&str] = &[
    "LE", "LA", "LES", "L", "UN", "UNE", "DES", "SON", "SA", "SES", "LEUR", "LEURS", "MON", "MA", "MES", "NOTRE",
    "NOS", "CE", "CETTE", "CES", "AUCUN", "AUCUNE",
];

/// Why a sentence joins two incidents with « et », if it does.
fn joined_by_et(sentence: &[String]) -> Option<String> {
    if !fails(sentence) {
        return None;
    }
    let parts: Vec<&[String]> = sentence.split(|w| w == "ET").collect();
    for pair in parts.windows(2) {
        let (left, right) = (pair[0], pair[1]);
        let (a, b) = (families(left), families(right));
        if let (Some(x), Some(y)) = (a.first(), b.iter().find(|f| !a.contains(*f))) {
            return Some(format!("« et » joint deux services ({x}, {y})"));
        }
        let new_subject = right.first().is_some_and(|w| DETERMINERS.contains(&w.as_str()));
        if fails(left) && new_subject && fails(right) {
            return Some("« et » joint deux pannes".to_string());
        }
    }
    None
}

/// The item numbers of a list (« 1) », « 2. » opening a line, « a) »).
fn list_items(text: &str) -> BTreeSet<char> {
    let mut items = BTreeSet::new();
    for line in text.lines() {
        let line = line.trim_start();
        let mut cs = line.chars();
        if let (Some(n), Some(mark), Some(space)) = (cs.next(), cs.next(), cs.next()) {
            if n.is_ascii_digit() && matches!(mark, ')' | '.' | '-' | '°') && space.is_whitespace() {
                items.insert(n);
            }
        }
        // « 1) » or « a) » inside a line.
        let chars: Vec<char> = line.chars().collect();
        for i in 0..chars.len().saturating_sub(1) {
            let before_ok = i == 0 || chars[i - 1].is_whitespace() || chars[i - 1] == '(';
            let after_ok = chars.get(i + 2).is_none_or(|c| c.is_whitespace());
            if before_ok
                && after_ok
                && chars[i + 1] == ')'
                && (chars[i].is_ascii_digit() || matches!(chars[i], 'a'..='c'))
            {
                items.insert(match chars[i] {
                    'a' => '1',
                    'b' => '2',
                    'c' => '3',
                    d => d,
                });
            }
        }
    }
    items
}

fn bullet_lines(text: &str) -> usize {
    text.lines()
        .filter(|l| {
            let l = l.trim_start();
            ["- ", "* ", "• ", "– ", "— ", "· "].iter().any(|b| l.starts_with(b))
        })
        .count()
}

/// Words that carry no topic, left out when comparing two questions.
fn topical(words: &[String]) -> BTreeSet<&str> {
    const EMPTY: &[&str] = &[
        "POURQUOI", "COMMENT", "QUAND", "EST", "CE", "QUE", "QUI", "QUOI", "PEUT", "PEUVENT", "FAIRE", "FAUT", "AVOIR",
        "ETRE", "SONT", "VOUS", "NOUS", "DANS", "POUR", "AVEC", "SANS", "PLUS", "PAS", "MAIS", "COMPTE", "ELEVE",
        "ELEVES", "PARENT", "PARENTS", "IL", "ELLE", "ILS", "ELLES", "CELA", "CETTE", "TOUJOURS", "ENCORE",
    ];
    words.iter().map(String::as_str).filter(|w| w.len() >= 4 && !EMPTY.contains(w)).collect()
}

fn rule_one(draft: &Draft, out: &mut Vec<Broken>) {
    let mut found: Option<String> = None;
    let mut questions: Vec<(&str, Vec<String>)> = Vec::new();
    for (field, text) in [("le titre", draft.titre.as_str()), ("« Constaté »", draft.constate.as_str())] {
        for s in sentences(text) {
            let w = words(s);
            let opening = |p: &str| w.join(" ").starts_with(&format!("{p} "));
            let why = if let Some((_, said)) = ANOTHER.iter().find(|(p, _)| contains_phrase(&w, p)) {
                Some(format!("« {said} » annonce un autre incident"))
            } else if let Some((_, said)) = ANOTHER_OPENING.iter().find(|(p, _)| opening(p)) {
                Some(format!("« {said} » en tête de phrase annonce un autre incident"))
            } else {
                joined_by_et(&w)
            };
            if let Some(why) = why {
                found.get_or_insert(format!("dans {field}, {why} : {}", excerpt(s)));
            }
            if s.ends_with('?') {
                questions.push((s, w));
            }
        }
        if found.is_none() {
            let items = list_items(text);
            if items.contains(&'1') && items.contains(&'2') {
                found = Some(format!("{field} énumère plusieurs points (1, 2…)"));
            } else if bullet_lines(text) >= 2 {
                found = Some(format!("{field} énumère plusieurs points (une ligne par tiret)"));
            }
        }
    }
    if found.is_none() {
        'pairs: for (i, (a, wa)) in questions.iter().enumerate() {
            for (b, wb) in &questions[i + 1..] {
                if topical(wa).is_disjoint(&topical(wb)) {
                    found = Some(format!("deux questions sur deux sujets : {} et {}", excerpt(a), excerpt(b)));
                    break 'pairs;
                }
            }
        }
    }
    if let Some(why) = found {
        out.push(broken(1, "TICKET_SEVERAL_INCIDENTS", format!("{why} ; faites un ticket par incident.")));
    }
}

// ---------------------------------------------------------------- rule 2

/// The « depuis » date, checked: a real date, not after today.
pub fn parse_depuis(text: &str, today: NaiveDate) -> Result<NaiveDate, String> {
    let date = NaiveDate::parse_from_str(text.trim(), "%Y-%m-%d")
        .map_err(|_| format!("« {text} » n'est pas une date (AAAA-MM-JJ, par ex. 2026-01-15)"))?;
    if date > today {
        return Err(format!(
            "le {} est dans le futur : l'incident a commencé avant aujourd'hui",
            date.format("%d/%m/%Y")
        ));
    }
    Ok(date)
}

fn rule_two(draft: &Draft, today: NaiveDate, out: &mut Vec<Broken>) {
    for (name, text) in [("Titre", &draft.titre), ("Attendu", &draft.attendu), ("Constaté", &draft.constate)] {
        if text.trim().is_empty() {
            let what = match name {
                "Titre" => "le titre dit l'incident en quelques mots",
                "Attendu" => "dites en une phrase ce qui devait se passer",
                _ => "dites en une phrase ce qui s'est passé",
            };
            out.push(broken(2, "TICKET_EMPTY_FIELD", format!("« {name} » est vide : {what}.")));
        }
    }
    let title_words = word_count(&draft.titre);
    if title_words > MAX_TITLE_WORDS {
        out.push(broken(
            2,
            "TICKET_LONG_TITLE",
            format!(
                "le titre compte {title_words} mots ({MAX_TITLE_WORDS} au plus) : gardez le service et la panne, le détail va dans « Constaté »."
            ),
        ));
    }
    for (name, text) in [("Attendu", &draft.attendu), ("Constaté", &draft.constate)] {
        for s in sentences(text) {
            let n = word_count(s);
            if n > MAX_SENTENCE_WORDS {
                out.push(broken(
                    2,
                    "TICKET_LONG_SENTENCES",
                    format!(
                        "dans « {name} », la phrase {} compte {n} mots ({MAX_SENTENCE_WORDS} au plus) : coupez-la.",
                        excerpt(s)
                    ),
                ));
            }
        }
        let n = word_count(text);
        if n > MAX_TEXT_WORDS {
            out.push(broken(
                2,
                "TICKET_LONG_TEXT",
                format!("« {name} » compte {n} mots ({MAX_TEXT_WORDS} au plus) : gardez l'essentiel."),
            ));
        }
    }
    if let Some(d) = draft.depuis.as_deref().filter(|d| !d.trim().is_empty()) {
        if let Err(why) = parse_depuis(d, today) {
            out.push(broken(2, "TICKET_BAD_DATE", format!("« Depuis » : {why}.")));
        }
    }
}

// ---------------------------------------------------------------- rules 3 and 4

/// Someone the ticket names: a person of the population and their ENT
/// accounts, or an ENT account Préau cannot tie to a person.
struct Concerned<'a> {
    person: Option<&'a Person>,
    accounts: Vec<&'a Account>,
}

struct Named<'a> {
    /// Each id as typed, with who it names (None: unknown).
    ids: Vec<(String, Option<usize>)>,
    people: Vec<Concerned<'a>>,
}

fn concerned<'a>(draft: &Draft, data: &'a EstablishmentData) -> Named<'a> {
    let of_people = crate::groups::accounts_of_people(data);
    let account = |id: &str| data.accounts.iter().find(|a| a.id == id);
    let mut by_key: BTreeMap<String, usize> = BTreeMap::new();
    let mut named = Named { ids: Vec::new(), people: Vec::new() };
    let mut seen = BTreeSet::new();
    for raw in &draft.personnes {
        let id = raw.trim();
        if id.is_empty() || !seen.insert(id.to_string()) {
            continue;
        }
        let person = data.people.iter().find(|p| p.id == id).or_else(|| {
            let a = account(id)?;
            let owner = a.person_id.clone().or_else(|| {
                of_people.iter().find(|(_, accounts)| accounts.contains(&id)).map(|(p, _)| p.to_string())
            })?;
            data.people.iter().find(|p| p.id == owner)
        });
        let (key, entry) = match person {
            Some(p) => {
                let accounts = of_people.get(p.id.as_str()).map(|ids| ids.iter().filter_map(|a| account(a)).collect());
                (format!("p:{}", p.id), Concerned { person: Some(p), accounts: accounts.unwrap_or_default() })
            }
            None => match account(id) {
                Some(a) => (format!("a:{}", a.id), Concerned { person: None, accounts: vec![a] }),
                None => {
                    named.ids.push((id.to_string(), None));
                    continue;
                }
            },
        };
        let at = *by_key.entry(key).or_insert_with(|| {
            named.people.push(entry);
            named.people.len() - 1
        });
        named.ids.push((id.to_string(), Some(at)));
    }
    named
}

fn rule_three(draft: &Draft, named: &Named, out: &mut Vec<Broken>) {
    if draft.personnes.iter().all(|p| p.trim().is_empty()) {
        out.push(broken(
            3,
            "TICKET_NO_PERSON",
            "aucune personne concernée : donnez l'identifiant d'au moins une personne (Annuaire).".to_string(),
        ));
    }
    for (id, _) in named.ids.iter().filter(|(_, at)| at.is_none()) {
        out.push(broken(
            3,
            "TICKET_UNKNOWN_PERSON",
            format!(
                "« {id} » n'est ni une personne ni un compte ENT de l'établissement : vérifiez l'identifiant (Annuaire)."
            ),
        ));
    }
}

const PNG_SIGNATURE: &[u8] = b"\x89PNG\r\n\x1a\n";

fn rule_four(draft: &Draft, named: &Named, out: &mut Vec<Broken>) {
    match &draft.screenshot {
        Some(png) if !png.starts_with(PNG_SIGNATURE) => {
            out.push(broken(4, "TICKET_BAD_SCREENSHOT", "la capture d'écran n'est pas une image PNG.".to_string()));
        }
        Some(_) => {}
        None if named.people.is_empty() => out.push(broken(
            4,
            "TICKET_NO_EVIDENCE",
            "aucune preuve à joindre : aucune fiche trouvée pour les personnes concernées et pas de capture d'écran."
                .to_string(),
        )),
        None => {}
    }
}

// ---------------------------------------------------------------- writing

/// « Élève », from the shared lower-case label.
fn capitalised(label: &str) -> String {
    let mut cs = label.chars();
    cs.next().map(|c| c.to_uppercase().chain(cs).collect()).unwrap_or_default()
}

fn function_json(f: &Function) -> serde_json::Value {
    serde_json::json!({ "code": f.code, "discipline": f.discipline, "libelle": f.label })
}

/// The record an incident needs, and nothing more: no birth date, INE,
/// e-mail, phone or address ever leaves through a ticket.
fn minimised(c: &Concerned, data: &EstablishmentData) -> serde_json::Value {
    let accounts: Vec<serde_json::Value> =
        c.accounts.iter().map(|a| serde_json::json!({ "id": a.id, "identifiant": a.login })).collect();
    match c.person {
        Some(p) => serde_json::json!({
            "id": p.id,
            "comptes_ent": accounts,
            "nom": p.usage_name,
            "prenom": p.usual_name(),
            "profil": capitalised(profile_label(p.profile)),
            "classes": p.divisions,
            "etablissements": establishments(&p.establishments, data),
            "fonctions": p.functions.iter().map(function_json).collect::<Vec<_>>(),
        }),
        None => {
            let a = c.accounts.first();
            serde_json::json!({
                "id": null,
                "comptes_ent": accounts,
                "nom": a.map(|a| a.usage_name.as_str()),
                "prenom": a.and_then(|a| a.given_names.first()),
                "profil": a.map(|a| capitalised(profile_label(a.profile))),
                "classes": a.map(|a| a.classes.clone()).unwrap_or_default(),
                "etablissements": a.map(|a| establishments(&a.establishments, data)).unwrap_or_default(),
                "fonctions": a.map(|a| a.functions.iter().map(function_json).collect::<Vec<_>>()).unwrap_or_default(),
            })
        }
    }
}

/// A record's UAIs, the ticket's own establishment when it names none.
fn establishments(list: &[crate::model::Uai], data: &EstablishmentData) -> Vec<String> {
    if list.is_empty() {
        vec![data.establishment.uai.to_string()]
    } else {
        list.iter().map(ToString::to_string).collect()
    }
}

/// « NOM Prénom, Profil, établissement UAI » (with the ENT login when known).
fn person_line(c: &Concerned, data: &EstablishmentData) -> String {
    let (nom, prenom, profile, uais) = match (c.person, c.accounts.first()) {
        (Some(p), _) => (p.usage_name.as_str(), p.usual_name(), p.profile, establishments(&p.establishments, data)),
        (None, Some(a)) => (
            a.usage_name.as_str(),
            a.given_names.first().map_or("", String::as_str),
            a.profile,
            establishments(&a.establishments, data),
        ),
        (None, None) => return String::new(),
    };
    let place = if uais.len() > 1 { "établissements" } else { "établissement" };
    let mut line = format!(
        "{} {prenom}, {}, {place} {}",
        nom.to_uppercase(),
        capitalised(profile_label(profile)),
        uais.join(", ")
    );
    let logins: Vec<&str> = c.accounts.iter().map(|a| a.login.as_str()).filter(|l| !l.is_empty()).collect();
    if !logins.is_empty() {
        line.push_str(&format!(" (identifiant ENT : {})", logins.join(", ")));
    }
    line
}

/// An RFC 3339 time as jj/mm/aaaa hh:mm (UTC), else as stored.
fn when(at: &str) -> String {
    chrono::DateTime::parse_from_rfc3339(at)
        .map(|t| t.with_timezone(&chrono::Utc).format("%d/%m/%Y %H:%M UTC").to_string())
        .unwrap_or_else(|_| at.to_string())
}

/// Whether a journal detail names one of `ids` (as a whole value).
fn names_any(value: &serde_json::Value, ids: &BTreeSet<&str>) -> bool {
    match value {
        serde_json::Value::String(s) => ids.contains(s.as_str()),
        serde_json::Value::Array(items) => items.iter().any(|v| names_any(v, ids)),
        serde_json::Value::Object(map) => map.values().any(|v| names_any(v, ids)),
        _ => false,
    }
}

fn journal_text(store: &Store, people: &[Concerned]) -> Result<String, StoreError> {
    let ids: BTreeSet<&str> = people
        .iter()
        .flat_map(|c| c.person.map(|p| p.id.as_str()).into_iter().chain(c.accounts.iter().map(|a| a.id.as_str())))
        .collect();
    // Every entry: a shorter read could miss the one that matters.
    let mut entries = store.audit_entries(usize::MAX >> 1)?;
    entries.reverse();
    let mut out = String::from("Journal de Préau : les entrées qui nomment les personnes concernées\n\n");
    let mut any = false;
    for e in entries {
        let named = serde_json::from_str::<serde_json::Value>(&e.detail).is_ok_and(|d| names_any(&d, &ids));
        if named {
            any = true;
            out.push_str(&format!("{} — {} — {}\n", when(&e.at), e.actor, e.action));
        }
    }
    if !any {
        out.push_str("Aucune entrée du journal ne nomme ces personnes.\n");
    }
    Ok(out)
}

fn files_text(store: &Store) -> Result<String, StoreError> {
    let mut out = String::from("Les fichiers de l'établissement importés dans Préau (le dernier de chaque format)\n\n");
    let batches = store.latest_batches()?;
    if batches.is_empty() {
        out.push_str("Aucun fichier importé.\n");
    }
    for b in batches {
        let name = match &b.zip_entry {
            Some(entry) => format!("{} ({entry})", b.file_name),
            None => b.file_name.clone(),
        };
        out.push_str(&format!("{} — {name} — importé le {} — sha256 {}\n", b.format, when(&b.imported_at), b.sha256));
    }
    Ok(out)
}

fn ticket_text(draft: &Draft, data: &EstablishmentData, people: &[Concerned], attachments: &[String]) -> String {
    let depuis = draft
        .depuis
        .as_deref()
        .filter(|d| !d.trim().is_empty())
        .and_then(|d| NaiveDate::parse_from_str(d.trim(), "%Y-%m-%d").ok())
        .map_or_else(|| "non précisé".to_string(), |d| d.format("%d/%m/%Y").to_string());
    let mut t = String::new();
    t.push_str(&format!("Titre : {}\n", draft.titre.trim()));
    t.push_str(&format!("Établissement : {} (UAI {})\n\n", data.establishment.name, data.establishment.uai));
    t.push_str(&format!("Attendu :\n{}\n\n", draft.attendu.trim()));
    t.push_str(&format!("Constaté :\n{}\n\n", draft.constate.trim()));
    t.push_str(&format!("Depuis : {depuis}\n\n"));
    t.push_str("Personnes concernées :\n");
    for c in people {
        t.push_str(&format!("- {}\n", person_line(c, data)));
    }
    t.push_str("\nPièces jointes :\n");
    for a in attachments {
        let what = match a.rsplit('/').next().unwrap_or(a) {
            "fiches.json" => "les fiches des personnes concernées (sans date de naissance, INE ni coordonnées)",
            "journal.txt" => "les entrées du journal de Préau qui les nomment",
            "fichiers.txt" => "les versions des fichiers importés (format, nom, date, empreinte sha256)",
            _ => "la capture d'écran",
        };
        t.push_str(&format!("- {a} : {what}\n"));
    }
    t
}

/// Writes the ticket into `out` (created if absent, refused if not empty):
/// `ticket.txt` and `pieces-jointes/` (`fiches.json`, `journal.txt`,
/// `fichiers.txt`, `capture.png` with a screenshot), journaled as
/// `TICKET_WRITTEN`. Nothing is written while a rule is broken.
pub fn write(store: &mut Store, draft: &Draft, out: &Path, actor: &str) -> Result<Written, TicketError> {
    let data = store.load_population()?.ok_or_else(|| TicketError::NoPopulation { uai: store.uai().to_string() })?;
    let problems = check(draft, &data);
    if !problems.is_empty() {
        return Err(TicketError::Broken(problems));
    }
    let named = concerned(draft, &data);
    let failed = |path: &Path, e: std::io::Error| TicketError::Write {
        path: path.display().to_string(),
        message: e.to_string(),
    };
    let created = match std::fs::read_dir(out) {
        Ok(mut entries) => {
            if entries.next().is_some() {
                return Err(TicketError::OutNotEmpty { path: out.display().to_string() });
            }
            false
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => true,
        Err(e) => return Err(failed(out, e)),
    };
    // Everything read before anything is written.
    let fiches: Vec<serde_json::Value> = named.people.iter().map(|c| minimised(c, &data)).collect();
    let fiches = serde_json::to_string_pretty(&fiches)
        .map_err(|e| TicketError::Write { path: out.display().to_string(), message: e.to_string() })?;
    let journal = journal_text(store, &named.people)?;
    let files = files_text(store)?;
    let mut attachments: Vec<(String, Vec<u8>)> = vec![
        (format!("{ATTACHMENTS}/fiches.json"), format!("{fiches}\n").into_bytes()),
        (format!("{ATTACHMENTS}/journal.txt"), journal.into_bytes()),
        (format!("{ATTACHMENTS}/fichiers.txt"), files.into_bytes()),
    ];
    if let Some(png) = &draft.screenshot {
        attachments.push((format!("{ATTACHMENTS}/capture.png"), png.clone()));
    }
    let names: Vec<String> = attachments.iter().map(|(n, _)| n.clone()).collect();
    let text = ticket_text(draft, &data, &named.people, &names);

    let written = (|| -> Result<(), TicketError> {
        let folder = out.join(ATTACHMENTS);
        std::fs::create_dir_all(&folder).map_err(|e| failed(&folder, e))?;
        let ticket = out.join("ticket.txt");
        std::fs::write(&ticket, &text).map_err(|e| failed(&ticket, e))?;
        for (name, bytes) in &attachments {
            let path = out.join(name);
            std::fs::write(&path, bytes).map_err(|e| failed(&path, e))?;
        }
        store.append_audit(
            actor,
            "TICKET_WRITTEN",
            &serde_json::json!({
                "subject": draft.titre.trim(),
                "people": named.people.len(),
                "folder": out.display().to_string(),
            }),
        )?;
        Ok(())
    })();
    if let Err(e) = written {
        // A half-written ticket would be pasted as if whole: take it back.
        if created {
            let _ = std::fs::remove_dir_all(out);
        } else {
            let _ = std::fs::remove_dir_all(out.join(ATTACHMENTS));
            let _ = std::fs::remove_file(out.join("ticket.txt"));
        }
        return Err(e);
    }
    Ok(Written { dir: out.to_path_buf(), text, attachments: names })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{EstablishmentKind, Profile, Uai};
    use crate::secrets::DbKey;

    const UAI: &str = "0999001W";

    fn demo() -> EstablishmentData {
        crate::demo::generate(&Uai::parse(UAI).unwrap(), EstablishmentKind::College, 2)
    }

    fn today() -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 3, 10).unwrap()
    }

    fn pupil(data: &EstablishmentData) -> &Person {
        data.people.iter().find(|p| p.profile == Profile::Eleve && !p.left).unwrap()
    }

    fn good(data: &EstablishmentData) -> Draft {
        Draft {
            titre: "Le cahier de textes ne s'affiche pas".into(),
            attendu: "L'élève voit le travail à faire de sa classe dans le cahier de textes.".into(),
            constate: "La page du cahier de textes reste blanche sur ordinateur et sur téléphone.".into(),
            depuis: Some("2026-03-02".into()),
            personnes: vec![pupil(data).id.clone()],
            screenshot: None,
        }
    }

    fn codes(draft: &Draft, data: &EstablishmentData) -> Vec<(u8, &'static str)> {
        check_at(draft, data, today()).into_iter().map(|b| (b.rule, b.code)).collect()
    }

    #[test]
    fn a_good_ticket_passes() {
        let data = demo();
        assert_eq!(check_at(&good(&data), &data, today()), vec![]);
    }

    #[test]
    fn two_incidents_break_rule_one() {
        let data = demo();
        let mut d = good(&data);
        d.constate =
            "Le cahier de textes ne s'affiche pas. Par ailleurs la messagerie refuse les pièces jointes.".into();
        let b = check_at(&d, &data, today());
        assert_eq!(b.iter().map(|b| (b.rule, b.code)).collect::<Vec<_>>(), [(1, "TICKET_SEVERAL_INCIDENTS")]);
        assert!(b[0].message.starts_with("Règle 1 — un seul incident par ticket"), "{}", b[0].message);
        assert!(b[0].message.contains("par ailleurs"), "{}", b[0].message);
        assert!(b[0].message.contains("la messagerie refuse"), "{}", b[0].message);

        for constate in [
            "1) La messagerie ne marche pas.\n2) Le cahier de textes est vide.",
            "- la messagerie ne s'ouvre pas\n- le GAR refuse la connexion",
            "Le cahier de textes est vide. De plus, les notes ne remontent pas.",
            "Le cahier de textes est vide et aussi la messagerie est lente.",
            "Pourquoi la messagerie refuse-t-elle les pièces jointes ? Comment réinitialiser un mot de passe ?",
            "Le cahier de textes ne s'affiche pas et la messagerie refuse les pièces jointes.",
        ] {
            let mut d = good(&data);
            d.constate = constate.into();
            assert_eq!(codes(&d, &data), [(1, "TICKET_SEVERAL_INCIDENTS")], "{constate}");
        }
        let mut d = good(&data);
        d.titre = "La messagerie et le cahier de textes ne marchent pas".into();
        assert_eq!(codes(&d, &data), [(1, "TICKET_SEVERAL_INCIDENTS")]);
        let b = check_at(&d, &data, today());
        assert!(b[0].message.contains("deux services (messagerie, cahier de textes)"), "{}", b[0].message);
    }

    /// One incident said with « et », or two questions on one subject, passes.
    #[test]
    fn one_incident_with_et_passes() {
        let data = demo();
        for (titre, constate) in [
            ("Les notes et les absences ne remontent pas de Pronote", "Les notes ne remontent plus depuis lundi."),
            ("Les élèves et les parents ne reçoivent pas les messages", "Aucun message n'arrive."),
            ("Le compte ne s'ouvre pas", "La page ne se charge pas et affiche une erreur 500."),
            (
                "La messagerie refuse les pièces jointes",
                "Pourquoi la messagerie refuse les pièces jointes ? Les pièces jointes font-elles plus de 10 Mo ?",
            ),
        ] {
            let mut d = good(&data);
            d.titre = titre.into();
            d.constate = constate.into();
            assert_eq!(codes(&d, &data), [], "{titre} / {constate}");
        }
    }

    #[test]
    fn long_or_empty_text_and_a_bad_date_break_rule_two() {
        let data = demo();
        let mut d = good(&data);
        d.attendu = "  ".into();
        d.constate = format!("La page {} reste blanche.", "du cahier de textes de la classe".repeat(7));
        d.depuis = Some("2026-02-30".into());
        let b = codes(&d, &data);
        assert!(b.contains(&(2, "TICKET_EMPTY_FIELD")), "{b:?}");
        assert!(b.contains(&(2, "TICKET_LONG_SENTENCES")), "{b:?}");
        assert!(b.contains(&(2, "TICKET_BAD_DATE")), "{b:?}");
        assert!(b.iter().all(|(r, _)| *r == 2), "{b:?}");

        let mut d = good(&data);
        d.constate = "La page reste blanche. ".repeat(40);
        assert_eq!(codes(&d, &data), [(2, "TICKET_LONG_TEXT")]);
        d = good(&data);
        d.depuis = Some("2026-04-01".into());
        let b = check_at(&d, &data, today());
        assert_eq!(b.len(), 1);
        assert!(b[0].message.contains("01/04/2026") && b[0].message.contains("futur"), "{}", b[0].message);
    }

    #[test]
    fn nobody_or_an_unknown_id_breaks_rule_three() {
        let data = demo();
        let mut d = good(&data);
        d.personnes.clear();
        assert_eq!(codes(&d, &data), [(3, "TICKET_NO_PERSON"), (4, "TICKET_NO_EVIDENCE")]);
        d.screenshot = Some(PNG_SIGNATURE.to_vec());
        assert_eq!(codes(&d, &data), [(3, "TICKET_NO_PERSON")]);

        let mut d = good(&data);
        d.personnes.push("ELV-INCONNU".into());
        let b = check_at(&d, &data, today());
        assert_eq!(b.iter().map(|b| b.code).collect::<Vec<_>>(), ["TICKET_UNKNOWN_PERSON"]);
        assert!(b[0].message.contains("ELV-INCONNU"), "{}", b[0].message);

        // An ENT account id names its person.
        let account = data.accounts.iter().find(|a| a.person_id.is_some()).unwrap();
        d.personnes = vec![account.id.clone()];
        assert_eq!(codes(&d, &data), []);
        d.screenshot = Some(b"GIF89a".to_vec());
        assert_eq!(codes(&d, &data), [(4, "TICKET_BAD_SCREENSHOT")]);
    }

    #[test]
    fn sentences_are_cut_at_their_marks() {
        assert_eq!(
            sentences("Un. Deux ?! Trois\nQuatre… cinq 3.5 six"),
            ["Un.", "Deux ?!", "Trois", "Quatre…", "cinq 3.5 six"]
        );
    }

    #[test]
    fn the_ticket_is_written_minimised_and_journaled() {
        let dir = tempfile::tempdir().unwrap();
        let uai = Uai::parse(UAI).unwrap();
        let key = DbKey::from_hex(&"17".repeat(32)).unwrap();
        let mut store = Store::open_or_create(dir.path(), &uai, &key, "test@store").unwrap();
        let data = demo();
        store.replace_population(&data, "test@store", "DEMO_GENERATED", &serde_json::json!({})).unwrap();
        let p = pupil(&data).clone();
        let mut d = good(&data);
        d.screenshot = Some([PNG_SIGNATURE, b"rest"].concat());

        // Refused: nothing written.
        let mut bad = d.clone();
        bad.personnes.clear();
        let out = dir.path().join("ticket");
        assert!(matches!(write(&mut store, &bad, &out, "test@store"), Err(TicketError::Broken(_))));
        assert!(!out.exists());

        let w = write(&mut store, &d, &out, "test@store").unwrap();
        assert_eq!(w.attachments.len(), 4);
        for a in &w.attachments {
            assert!(out.join(a).is_file(), "{a}");
        }
        assert!(w.text.contains(&format!(
            "{} {}, Élève, établissement {UAI}",
            p.usage_name.to_uppercase(),
            p.usual_name()
        )));
        let fiches = std::fs::read_to_string(out.join("pieces-jointes/fiches.json")).unwrap();
        assert!(fiches.contains(&p.id));
        for secret in [&p.birth_date, &p.ine, &p.email, &p.mobile].into_iter().flatten() {
            assert!(!fiches.contains(secret.as_str()), "{secret} in {fiches}");
        }
        let last = store.audit_entries(1).unwrap().remove(0);
        assert_eq!(last.action, "TICKET_WRITTEN");
        // Not over a folder that holds something.
        let again = write(&mut store, &d, &out, "test@store");
        assert!(matches!(again, Err(TicketError::OutNotEmpty { .. })));
    }
}
