//! The ENT's directory export (CSV): one row per account, columns found by
//! header name (Skolengo/Kosmos headers, Open ENT NG's classic export and
//! the canonical `Identifiant ENT;Nom;…;Courriel`). See formats.md §6.

use std::borrow::Cow;
use std::collections::HashMap;

use serde::{Deserialize, Serialize};

use super::csvtable::{self, label_key, opt, parse_date, ColumnDef, ColumnPreset, CsvStyle, Row, TableDef};
use super::detect::Detected;
use super::source::{Ctl, Input};
use super::{date_iso_to_fr, DemoFiles, Format, FormatError, Item, Parsed, Reject};
use crate::model::{EstablishmentData, Profile, Uai};

/// One account row as the export gives it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DirectoryAccount {
    /// Identifiant ENT (the account's stable id).
    pub ent_id: String,
    /// Login, when the export has a column for it.
    pub login: Option<String>,
    /// Nom (d'usage).
    pub last_name: String,
    pub birth_name: Option<String>,
    pub first_name: String,
    pub profile: Profile,
    /// ISO `AAAA-MM-JJ`.
    pub birth_date: Option<String>,
    pub classes: Vec<String>,
    /// UAIs (upper case); an establishment given by name is kept as written.
    pub establishments: Vec<String>,
    pub ine: Option<String>,
    /// ENT ids (or, in some exports, names) of the children of a responsable.
    pub children: Vec<String>,
    pub email: Option<String>,
}

/// Headers as formats.md §6 lists them (Open ENT NG classic export: `Id`,
/// `Type`, `Identifiant` = login, `Établissements`, `Classes`…; Kosmos:
/// `Identifiant ENT`, `Nom`, `Prénom`).
pub const TABLE: TableDef = TableDef {
    format: Format::EntDirectory,
    columns: &[
        ColumnDef {
            field: "ent_id",
            label: "Identifiant ENT",
            aliases: &["Id", "Id ENT", "UID", "Identifiant unique", "Identifiant ENT unique", "uid ENT"],
            required: true,
        },
        ColumnDef {
            field: "last_name",
            label: "Nom",
            aliases: &["Nom d'usage", "Nom usuel", "Nom usage"],
            required: true,
        },
        ColumnDef {
            field: "birth_name",
            label: "Nom de naissance",
            aliases: &["Nom de famille", "Nom patronymique", "Nom de jeune fille"],
            required: false,
        },
        ColumnDef { field: "first_name", label: "Prénom", aliases: &["Prénom usuel", "Prénoms"], required: true },
        ColumnDef {
            field: "profile",
            label: "Profil",
            aliases: &["Type", "Profils", "Type de compte"],
            required: true,
        },
        ColumnDef {
            field: "birth_date",
            label: "Date de naissance",
            aliases: &["Date naissance", "Naissance", "Né(e) le", "Né le"],
            required: false,
        },
        ColumnDef {
            field: "classes",
            label: "Classe",
            aliases: &["Classes", "Division", "Divisions"],
            required: false,
        },
        ColumnDef {
            field: "establishments",
            label: "Établissement",
            aliases: &["Établissements", "UAI", "RNE", "Code UAI", "Structure", "Structures"],
            required: false,
        },
        ColumnDef {
            field: "ine",
            label: "INE",
            aliases: &["N° INE", "Numéro INE", "Identifiant national", "Identifiant national élève", "ID_NATIONAL"],
            required: false,
        },
        ColumnDef {
            field: "children",
            label: "Enfants",
            aliases: &["Enfant", "Identifiants des enfants", "Identifiants ENT des enfants"],
            required: false,
        },
        ColumnDef {
            field: "email",
            label: "Courriel",
            aliases: &["Email", "E-mail", "Mail", "Adresse électronique", "Adresse mail", "Adresse de messagerie"],
            required: false,
        },
        ColumnDef {
            field: "login",
            label: "Login",
            aliases: &["Identifiant", "Identifiant de connexion", "Login ENT"],
            required: false,
        },
    ],
};

/// Every reject reason this reader emits.
pub const REJECT_REASONS: &[(&str, &str)] = &[
    ("REQUIRED_MISSING", "valeur obligatoire absente (identifiant ENT, nom ou profil)"),
    ("ID_DUPLICATE", "identifiant ENT déjà vu plus haut dans le fichier (ligne ignorée)"),
    ("PROFILE_UNKNOWN", "profil inconnu (Élève, Parent, Enseignant, Personnel, Invité… attendu)"),
    ("DATE_INVALID", "date de naissance invalide (jj/mm/aaaa attendu) ; le compte est gardé sans date"),
    ("UAI_INVALID", "code établissement (UAI) invalide ; le compte est gardé sans cet établissement"),
];

/// The profile a cell names, accent-, case- and plural-insensitive; the
/// Open ENT NG labels (`Personnel`, `Invité`), the Skolengo ones and
/// Préau's own codes (`non_enseignant`) are all accepted.
pub fn parse_profile(text: &str) -> Option<Profile> {
    let key = label_key(text);
    Some(match key.as_str() {
        "eleve" | "eleves" | "student" | "students" => Profile::Eleve,
        "parent" | "parents" | "responsable" | "responsables" | "responsablelegal" | "responsableslegaux"
        | "relative" | "persreleleve" => Profile::Responsable,
        "enseignant" | "enseignants" | "professeur" | "professeurs" | "teacher" | "teachers" => Profile::Enseignant,
        "personnel"
        | "personnels"
        | "nonenseignant"
        | "nonenseignants"
        | "personnelnonenseignant"
        | "personnelsnonenseignants"
        | "personneladministratif"
        | "personnelsadministratifs" => Profile::NonEnseignant,
        "personneldecollectivite"
        | "personnelsdecollectivite"
        | "personnelcollectivite"
        | "personnelscollectivite"
        | "personneldecollectiviteterritoriale"
        | "personnelsdecollectivitesterritoriales"
        | "agentdecollectivite"
        | "collectivite" => Profile::PersonnelCollectivite,
        "invite" | "invites" | "autre" | "autres" | "inviteautre" | "guest" => Profile::Invite,
        "maitredestage" | "maitresdestage" | "tuteurdestage" | "tuteursdestage" => Profile::MaitreDeStage,
        "inspecteur" | "inspecteurs" | "inspecteurpedagogique" | "inspecteurspedagogiques" => Profile::Inspecteur,
        _ => return None,
    })
}

/// The label the ENT export writes for a profile.
pub fn profile_label(profile: Profile) -> &'static str {
    match profile {
        Profile::Eleve => "Élève",
        Profile::Responsable => "Parent",
        Profile::Enseignant => "Enseignant",
        Profile::NonEnseignant => "Personnel",
        Profile::PersonnelCollectivite => "Personnel de collectivité",
        Profile::Invite => "Invité",
        Profile::MaitreDeStage => "Maître de stage",
        Profile::Inspecteur => "Inspecteur",
    }
}

/// Whether a cell item that is not a valid UAI was meant as one (a code with
/// digits and no spaces) rather than an establishment's name.
fn looks_like_code(item: &str) -> bool {
    !item.contains(char::is_whitespace) && item.chars().any(|c| c.is_ascii_digit())
}

/// Reads the export, recognising the columns from the header.
pub fn read(
    input: &Input,
    detected: &Detected,
    ctl: &mut Ctl<'_>,
    sink: &mut dyn FnMut(Item<DirectoryAccount>) -> Result<(), FormatError>,
) -> Result<(), FormatError> {
    read_with(input, detected, ctl, None, sink)
}

/// Reads the export with the user's column mapping (`preset`) when given.
pub fn read_with(
    input: &Input,
    detected: &Detected,
    ctl: &mut Ctl<'_>,
    preset: Option<&ColumnPreset>,
    sink: &mut dyn FnMut(Item<DirectoryAccount>) -> Result<(), FormatError>,
) -> Result<(), FormatError> {
    csvtable::read_records(input, detected, ctl, &TABLE, preset, parse_row, sink)
}

/// An account as one row gives it, borrowing the row's text: what an
/// academy-sized read turns into the reconciliation index without
/// allocating a record per row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AccountRow<'a> {
    pub ent_id: &'a str,
    pub login: Option<&'a str>,
    pub last_name: &'a str,
    pub birth_name: Option<&'a str>,
    pub first_name: &'a str,
    pub profile: Profile,
    pub birth_date: Option<String>,
    pub classes: Vec<&'a str>,
    pub establishments: Vec<Cow<'a, str>>,
    pub ine: Option<Cow<'a, str>>,
    pub children: Vec<&'a str>,
    pub email: Option<&'a str>,
}

impl AccountRow<'_> {
    pub fn to_account(&self) -> DirectoryAccount {
        let owned = |v: &[&str]| v.iter().map(|s| s.to_string()).collect();
        DirectoryAccount {
            ent_id: self.ent_id.to_string(),
            login: self.login.map(str::to_string),
            last_name: self.last_name.to_string(),
            birth_name: self.birth_name.map(str::to_string),
            first_name: self.first_name.to_string(),
            profile: self.profile,
            birth_date: self.birth_date.clone(),
            classes: owned(&self.classes),
            establishments: self.establishments.iter().map(|e| e.to_string()).collect(),
            ine: self.ine.as_ref().map(|i| i.to_string()),
            children: owned(&self.children),
            email: self.email.map(str::to_string),
        }
    }
}

impl DirectoryAccount {
    pub fn as_row(&self) -> AccountRow<'_> {
        AccountRow {
            ent_id: &self.ent_id,
            login: self.login.as_deref(),
            last_name: &self.last_name,
            birth_name: self.birth_name.as_deref(),
            first_name: &self.first_name,
            profile: self.profile,
            birth_date: self.birth_date.clone(),
            classes: self.classes.iter().map(String::as_str).collect(),
            establishments: self.establishments.iter().map(|e| Cow::Borrowed(e.as_str())).collect(),
            ine: self.ine.as_deref().map(Cow::Borrowed),
            children: self.children.iter().map(String::as_str).collect(),
            email: self.email.as_deref(),
        }
    }
}

/// Accounts packed into one text, to hand a batch of rows to another thread
/// without an allocation per row. Control characters cannot come from a
/// name or an id worth keeping, so they separate the fields.
#[derive(Debug, Default)]
pub struct PackedRows {
    text: String,
    ends: Vec<usize>,
}

const PACK_FIELD: char = '\u{1f}';
const PACK_ITEM: char = '\u{1e}';

impl PackedRows {
    pub fn len(&self) -> usize {
        self.ends.len()
    }

    pub fn is_empty(&self) -> bool {
        self.ends.is_empty()
    }

    pub fn push(&mut self, a: &AccountRow<'_>) {
        let put = |text: &mut String, value: &str| {
            if value.contains([PACK_FIELD, PACK_ITEM]) {
                text.extend(value.chars().filter(|&c| c != PACK_FIELD && c != PACK_ITEM));
            } else {
                text.push_str(value);
            }
        };
        let list = |text: &mut String, items: &mut dyn Iterator<Item = &str>| {
            for (n, item) in items.enumerate() {
                if n > 0 {
                    text.push(PACK_ITEM);
                }
                put(text, item);
            }
        };
        let t = &mut self.text;
        t.push(char::from(b'0' + Profile::ALL.iter().position(|p| *p == a.profile).unwrap_or(0) as u8));
        for value in [a.ent_id, a.login.unwrap_or(""), a.last_name, a.birth_name.unwrap_or(""), a.first_name] {
            t.push(PACK_FIELD);
            put(t, value);
        }
        t.push(PACK_FIELD);
        put(t, a.birth_date.as_deref().unwrap_or(""));
        t.push(PACK_FIELD);
        list(t, &mut a.classes.iter().copied());
        t.push(PACK_FIELD);
        list(t, &mut a.establishments.iter().map(|e| e.as_ref()));
        t.push(PACK_FIELD);
        put(t, a.ine.as_deref().unwrap_or(""));
        t.push(PACK_FIELD);
        list(t, &mut a.children.iter().copied());
        t.push(PACK_FIELD);
        put(t, a.email.unwrap_or(""));
        self.ends.push(t.len());
    }

    /// Each account, as it was pushed.
    pub fn for_each(&self, each: &mut dyn FnMut(&AccountRow<'_>)) {
        let mut start = 0;
        for &end in &self.ends {
            let Some(packed) = self.text.get(start..end) else { return };
            start = end;
            let mut f = packed.split(PACK_FIELD);
            let mut next = || f.next().unwrap_or("");
            let profile = next().bytes().next().and_then(|b| Profile::ALL.get(usize::from(b.wrapping_sub(b'0'))));
            fn some(t: &str) -> Option<&str> {
                (!t.is_empty()).then_some(t)
            }
            fn items(t: &str) -> Vec<&str> {
                t.split(PACK_ITEM).filter(|i| !i.is_empty()).collect()
            }
            let (ent_id, login, last_name, birth_name, first_name) = (next(), next(), next(), next(), next());
            let (date, classes, establishments, ine, children, email) =
                (next(), next(), next(), next(), next(), next());
            let row = AccountRow {
                ent_id,
                login: some(login),
                last_name,
                birth_name: some(birth_name),
                first_name,
                profile: profile.copied().unwrap_or(Profile::Invite),
                birth_date: some(date).map(str::to_string),
                classes: items(classes),
                establishments: items(establishments).into_iter().map(Cow::Borrowed).collect(),
                ine: some(ine).map(Cow::Borrowed),
                children: items(children),
                email: some(email),
            };
            each(&row);
        }
    }
}

/// The items of a multi-valued cell, borrowed (as [`split_list`]).
fn items(text: &str) -> Vec<&str> {
    text.split([',', '|', ';', '\n', '\r']).map(str::trim).filter(|s| !s.is_empty()).collect()
}

fn parse_row(row: &Row<'_>, seen: &mut csvtable::Seen, rejects: &mut Vec<Reject>) -> Option<DirectoryAccount> {
    parse_view(row, seen, rejects).map(|a| a.to_account())
}

/// One row to an account. Missing id, name or profile, an unknown profile
/// and a repeated id leave the row out; a bad date or UAI only blanks that
/// value (the account exists, and reconciliation needs to see it). An empty
/// first name is accepted (some service accounts have none).
fn parse_view<'a>(row: &Row<'a>, seen: &mut csvtable::Seen, rejects: &mut Vec<Reject>) -> Option<AccountRow<'a>> {
    let reject = |rejects: &mut Vec<Reject>, field: &str, value: &str, reason: &str| {
        rejects.push(Reject::new(row.location(), &row.label(field), value, reason));
    };
    let some = |text: &'a str| (!text.is_empty()).then_some(text);
    let ent_id = row.get("ent_id");
    if ent_id.is_empty() {
        reject(rejects, "ent_id", "", "REQUIRED_MISSING");
        return None;
    }
    if !seen.first(ent_id) {
        reject(rejects, "ent_id", ent_id, "ID_DUPLICATE");
        return None;
    }
    let last_name = row.get("last_name");
    if last_name.is_empty() {
        reject(rejects, "last_name", "", "REQUIRED_MISSING");
        return None;
    }
    let raw_profile = row.get("profile");
    if raw_profile.is_empty() {
        reject(rejects, "profile", "", "REQUIRED_MISSING");
        return None;
    }
    let Some(profile) = parse_profile(raw_profile) else {
        reject(rejects, "profile", raw_profile, "PROFILE_UNKNOWN");
        return None;
    };
    let birth_date = parse_date(row.get("birth_date")).unwrap_or_else(|_| {
        reject(rejects, "birth_date", row.get("birth_date"), "DATE_INVALID");
        None
    });
    let mut establishments = Vec::new();
    for item in items(row.get("establishments")) {
        match Uai::parse(item) {
            Ok(uai) => {
                let uai = uai.to_string();
                establishments.push(if uai == item { Cow::Borrowed(item) } else { Cow::Owned(uai) });
            }
            Err(_) if looks_like_code(item) => reject(rejects, "establishments", item, "UAI_INVALID"),
            Err(_) => establishments.push(Cow::Borrowed(item)),
        }
    }
    let ine = some(row.get("ine")).map(|i| {
        if i.bytes().any(|b| b.is_ascii_lowercase()) || !i.is_ascii() {
            Cow::Owned(i.to_uppercase())
        } else {
            Cow::Borrowed(i)
        }
    });
    Some(AccountRow {
        ent_id,
        login: some(row.get("login")),
        last_name,
        birth_name: some(row.get("birth_name")),
        first_name: row.get("first_name"),
        profile,
        birth_date,
        classes: items(row.get("classes")),
        establishments,
        ine,
        children: items(row.get("children")),
        email: some(row.get("email")),
    })
}

/// Reads the export row by row, handing each account to `each` without
/// keeping it (an academy's million accounts); rejected rows are skipped.
pub fn for_each_row(input: &Input, each: &mut dyn FnMut(&AccountRow<'_>)) -> Result<(), FormatError> {
    super::with_detected(
        input,
        |f| f == Format::EntDirectory,
        WHAT,
        |input, detected, ctl| {
            let mut seen = csvtable::Seen::default();
            let mut rejects = Vec::new();
            csvtable::read_rows(input, detected, ctl, &TABLE, None, &mut |row| {
                rejects.clear();
                if let Some(a) = parse_view(row, &mut seen, &mut rejects) {
                    each(&a);
                }
                Ok(())
            })
        },
    )
}

/// Detects and reads a whole file (tests, fuzzing, small files).
pub fn read_all(input: &Input) -> Result<Parsed<DirectoryAccount>, FormatError> {
    super::read_all_as(input, |f| f == Format::EntDirectory, WHAT, read)
}

const WHAT: &str = "un export de l'annuaire ENT";

/// The canonical column order (fields), as Préau writes the export.
pub const COLUMNS: &[&str] = &[
    "ent_id",
    "last_name",
    "birth_name",
    "first_name",
    "profile",
    "birth_date",
    "classes",
    "establishments",
    "ine",
    "children",
    "email",
    "login",
];

fn cell(rec: &DirectoryAccount, field: &str) -> String {
    let text = |o: &Option<String>| o.clone().unwrap_or_default();
    match field {
        "ent_id" => rec.ent_id.clone(),
        "login" => text(&rec.login),
        "last_name" => rec.last_name.clone(),
        "birth_name" => text(&rec.birth_name),
        "first_name" => rec.first_name.clone(),
        "profile" => profile_label(rec.profile).to_string(),
        "birth_date" => rec.birth_date.as_deref().map(date_iso_to_fr).unwrap_or_default(),
        "classes" => rec.classes.join(", "),
        "establishments" => rec.establishments.join(", "),
        "ine" => text(&rec.ine),
        "children" => rec.children.join(", "),
        "email" => text(&rec.email),
        _ => String::new(),
    }
}

/// The export as the ENT writes it: UTF-8 with BOM, `;`, every field quoted,
/// CRLF, canonical headers.
pub fn write(records: &[DirectoryAccount]) -> Vec<u8> {
    write_with(records, COLUMNS, CsvStyle::ENT)
}

/// The export with the given columns (fields, in order) and layout — e.g. a
/// Kosmos-like file with shuffled columns in Windows-1252.
pub fn write_with(records: &[DirectoryAccount], columns: &[&str], style: CsvStyle) -> Vec<u8> {
    let labels: Vec<String> = columns.iter().map(|f| TABLE.label(f)).collect();
    let header: Vec<&str> = labels.iter().map(String::as_str).collect();
    let rows: Vec<Vec<String>> = records.iter().map(|r| columns.iter().map(|f| cell(r, f)).collect()).collect();
    csvtable::write_table(&header, &rows, style)
}

/// The directory's accounts as export records.
/// The first name shown is the person's prénom usuel when the account's
/// person is known.
pub fn records_of(data: &EstablishmentData) -> Vec<DirectoryAccount> {
    let usual: HashMap<&str, &str> = data.people.iter().map(|p| (p.id.as_str(), p.usual_name())).collect();
    data.accounts
        .iter()
        .map(|a| DirectoryAccount {
            ent_id: a.id.clone(),
            login: opt(&a.login),
            last_name: a.usage_name.clone(),
            birth_name: opt(&a.birth_name),
            first_name: a
                .person_id
                .as_deref()
                .and_then(|id| usual.get(id))
                .map(|s| s.to_string())
                .or_else(|| a.given_names.first().cloned())
                .unwrap_or_default(),
            profile: a.profile,
            birth_date: a.birth_date.clone(),
            classes: a.classes.clone(),
            establishments: a.establishments.iter().map(Uai::to_string).collect(),
            ine: a.ine.clone(),
            children: a.children.clone(),
            email: a.email.clone(),
        })
        .collect()
}

/// `export_annuaire_ENT_<UAI>.csv` for the demo establishment; `ids` maps
/// each person to the id of their account (`ent_id`).
pub fn demo_files(data: &EstablishmentData) -> DemoFiles {
    let name = format!("export_annuaire_ENT_{}.csv", data.establishment.uai);
    let ids =
        data.accounts.iter().filter_map(|a| Some((a.person_id.clone()?, "ent_id".to_string(), a.id.clone()))).collect();
    DemoFiles { files: vec![(name, write(&records_of(data)))], ids }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn profiles_are_tolerant() {
        for (text, p) in [
            ("Élève", Profile::Eleve),
            ("ELEVE", Profile::Eleve),
            ("élèves", Profile::Eleve),
            ("Parent", Profile::Responsable),
            ("Responsable", Profile::Responsable),
            ("Enseignant", Profile::Enseignant),
            ("Personnel", Profile::NonEnseignant),
            ("Non enseignant", Profile::NonEnseignant),
            ("non_enseignant", Profile::NonEnseignant),
            ("Personnel de collectivité", Profile::PersonnelCollectivite),
            ("Invité", Profile::Invite),
            ("Autre", Profile::Invite),
            ("Maître de stage", Profile::MaitreDeStage),
            ("Inspecteur", Profile::Inspecteur),
        ] {
            assert_eq!(parse_profile(text), Some(p), "{text}");
        }
        for p in Profile::ALL {
            assert_eq!(parse_profile(profile_label(p)), Some(p));
            assert_eq!(parse_profile(p.as_str()), Some(p));
        }
        assert_eq!(parse_profile("Directeur"), None);
    }
}
