//! The ENT directory, prepared and indexed once: each account's names parsed,
//! term frequencies of surnames and given names (the rarer a shared name,
//! the stronger the evidence), and inverted indexes from keys to accounts —
//! surname keys (usage and birth, every component), the particle-free key,
//! the phonetic key, one-letter deletions of the surname (typos), first
//! given name + birth date, INE, e-mail, children, and establishment.

use rustc_hash::FxHashMap as HashMap;

use super::names::{given_names, surname, GivenNames, Surname};
use crate::formats::ent_directory::DirectoryAccount;

/// Postings longer than this are not followed alone (MARTIN in an academy).
pub(super) const MAX_POSTINGS: usize = 5_000;

/// An account ready for comparison.
#[derive(Debug, Clone)]
pub(super) struct Prepared {
    pub usage: Surname,
    pub birth: Option<Surname>,
    pub given: GivenNames,
    pub ine: Option<String>,
    pub email: Option<String>,
    pub classes: Vec<String>,
}

/// The directory snapshot with its indexes.
pub struct Directory {
    pub(super) accounts: Vec<DirectoryAccount>,
    pub(super) prepared: Vec<Prepared>,
    index: HashMap<String, Vec<u32>>,
    surname_tf: HashMap<String, u32>,
    given_tf: HashMap<String, u32>,
    /// Every name word of every account, sorted: the search box's prefix index.
    words: Vec<(Box<str>, u32)>,
}

/// A class name made comparable: `3EME A`, `3E A`, `3°A`, `3A` → `3A`.
pub(super) fn class_key(raw: &str) -> String {
    // `°` would fold to DEG.
    let folded = crate::text::fold(&raw.replace(['°', 'º'], ""));
    let mut out = String::with_capacity(folded.len());
    let bytes = folded.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        let rest = &folded[i..];
        if i > 0 && bytes[i - 1].is_ascii_digit() {
            if let Some(suffix) = ["EME", "IEME", "E"].iter().find(|s| rest.starts_with(*s)) {
                i += suffix.len();
                continue;
            }
        }
        out.push(char::from(bytes[i]));
        i += 1;
    }
    out
}

/// One-letter deletions of `key`, for the typo-tolerant lookup (a pair of
/// words one edit apart share a deletion or one is a deletion of the other).
pub(super) fn deletions(key: &str) -> Vec<String> {
    if key.len() < 4 {
        return Vec::new();
    }
    let mut out: Vec<String> = (0..key.len())
        .filter(|&i| key.is_char_boundary(i) && key.is_char_boundary(i + 1))
        .map(|i| format!("{}{}", &key[..i], &key[i + 1..]))
        .collect();
    out.sort();
    out.dedup();
    out
}

fn normalise_email(e: &str) -> Option<String> {
    let e = e.trim().to_lowercase();
    e.contains('@').then_some(e)
}

fn normalise_ine(ine: &str) -> Option<String> {
    let ine: String = ine.chars().filter(|c| !c.is_whitespace()).collect::<String>().to_uppercase();
    (ine.len() == 11 && ine.chars().all(|c| c.is_ascii_alphanumeric())).then_some(ine)
}

pub(super) fn prepare_ine(ine: Option<&str>) -> Option<String> {
    ine.and_then(normalise_ine)
}

pub(super) fn prepare_email(e: Option<&str>) -> Option<String> {
    e.and_then(normalise_email)
}

impl Directory {
    pub fn build(accounts: Vec<DirectoryAccount>) -> Directory {
        let mut prepared = Vec::with_capacity(accounts.len());
        let mut index: HashMap<String, Vec<u32>> = HashMap::default();
        let mut surname_tf: HashMap<String, u32> = HashMap::default();
        let mut given_tf: HashMap<String, u32> = HashMap::default();
        for (i, a) in accounts.iter().enumerate() {
            let id = i as u32;
            let usage = surname(&a.last_name);
            let birth = a.birth_name.as_deref().map(surname).filter(|b| !b.full.is_empty() && b.full != usage.full);
            let given = given_names(&a.first_name);
            let mut keys: Vec<String> = Vec::new();
            let initial = given.tokens.first().and_then(|t| t.get(..1)).unwrap_or("");
            for s in std::iter::once(&usage).chain(birth.as_ref()) {
                for k in &s.keys {
                    keys.push(format!("S:{k}"));
                    // Frequent names are followed paired with the given name's initial.
                    keys.push(format!("SI:{k}|{initial}"));
                    *surname_tf.entry(k.clone()).or_default() += 1;
                }
                keys.push(format!("B:{}", s.bare));
                keys.push(format!("BI:{}|{initial}", s.bare));
                keys.push(format!("P:{}", s.sound));
                keys.push(format!("PI:{}|{initial}", s.sound));
                keys.push(format!("D:{}", s.full));
                keys.extend(deletions(&s.full).into_iter().map(|d| format!("D:{d}")));
            }
            for g in &given.groups {
                *given_tf.entry(g.clone()).or_default() += 1;
            }
            if let (Some(first), Some(date)) = (given.tokens.first(), a.birth_date.as_deref()) {
                keys.push(format!("G:{first}|{date}"));
            }
            let ine = prepare_ine(a.ine.as_deref());
            if let Some(ine) = &ine {
                keys.push(format!("I:{ine}"));
            }
            let email = prepare_email(a.email.as_deref());
            if let Some(e) = &email {
                keys.push(format!("E:{e}"));
            }
            for child in &a.children {
                keys.push(format!("C:{}", child.trim()));
            }
            for uai in &a.establishments {
                keys.push(format!("U:{}", uai.trim().to_uppercase()));
            }
            keys.sort();
            keys.dedup();
            for k in keys.into_iter().filter(|k| k.len() > 2) {
                index.entry(k).or_default().push(id);
            }
            let classes = a.classes.iter().map(|c| class_key(c)).filter(|c| !c.is_empty()).collect();
            prepared.push(Prepared { usage, birth, given, ine, email, classes });
        }
        let mut words: Vec<(Box<str>, u32)> = Vec::new();
        for (i, p) in prepared.iter().enumerate() {
            let mut own: Vec<&String> = p
                .usage
                .tokens
                .iter()
                .chain(&p.usage.keys)
                .chain(p.birth.iter().flat_map(|b| b.tokens.iter().chain(&b.keys)))
                .chain(&p.given.tokens)
                .chain(&p.given.groups)
                .collect();
            own.sort();
            own.dedup();
            words.extend(own.into_iter().map(|w| (w.as_str().into(), i as u32)));
        }
        words.sort_unstable();
        Directory { accounts, prepared, index, surname_tf, given_tf, words }
    }

    pub fn len(&self) -> usize {
        self.accounts.len()
    }

    pub fn is_empty(&self) -> bool {
        self.accounts.is_empty()
    }

    pub fn account(&self, i: usize) -> Option<&DirectoryAccount> {
        self.accounts.get(i)
    }

    /// Accounts whose names start with every word typed (surname, birth name
    /// or given names; accents, case and hyphens ignored), for the search box:
    /// exact words first, then by name. `uai` keeps one establishment's.
    pub fn search(&self, text: &str, uai: Option<&str>, limit: usize) -> Vec<usize> {
        let words: Vec<String> = crate::text::upper_ascii(text)
            .split([' ', '-', '\''])
            .map(|w| w.chars().filter(char::is_ascii_alphanumeric).collect::<String>())
            .filter(|w| !w.is_empty())
            .collect();
        // One letter alone matches a good part of an academy: answer at once
        // with the first names in alphabetical order.
        if let [w] = words.as_slice() {
            if w.len() == 1 {
                let members = uai.map(|u| self.members(u));
                let start = self.words.partition_point(|(k, _)| k.as_ref() < w.as_str());
                let mut out: Vec<usize> = Vec::new();
                for (k, i) in &self.words[start..] {
                    if !k.starts_with(w.as_str()) || out.len() == limit {
                        break;
                    }
                    if members.is_none_or(|m| m.binary_search(i).is_ok()) && !out.contains(&(*i as usize)) {
                        out.push(*i as usize);
                    }
                }
                return out;
            }
        }
        // Per word: the accounts with a name starting with it, and whether exactly.
        let mut sets: Vec<Vec<(u32, bool)>> = words
            .iter()
            .map(|w| {
                let start = self.words.partition_point(|(k, _)| k.as_ref() < w.as_str());
                let run = &self.words[start..];
                let end = run.partition_point(|(k, _)| k.starts_with(w.as_str()));
                let mut found: Vec<(u32, bool)> = run[..end].iter().map(|(k, i)| (*i, k.len() == w.len())).collect();
                // Exact first for each account, then one entry per account.
                found.sort_unstable_by_key(|&(i, exact)| (i, !exact));
                found.dedup_by_key(|(i, _)| *i);
                found
            })
            .collect();
        if sets.is_empty() {
            return Vec::new();
        }
        sets.sort_by_key(Vec::len);
        let members = uai.map(|u| self.members(u));
        let mut hits: Vec<(usize, usize)> = Vec::new();
        for &(i, exact) in &sets[0] {
            if members.is_some_and(|m| m.binary_search(&i).is_err()) {
                continue;
            }
            let mut exact_words = usize::from(exact);
            let everywhere = sets[1..].iter().all(|set| match set.binary_search_by_key(&i, |&(j, _)| j) {
                Ok(at) => {
                    exact_words += usize::from(set[at].1);
                    true
                }
                Err(_) => false,
            });
            if everywhere {
                hits.push((i as usize, exact_words));
            }
        }
        let name =
            |i: usize| self.accounts.get(i).map(|a| (a.last_name.as_str(), a.first_name.as_str(), a.ent_id.as_str()));
        hits.sort_by(|(a, ea), (b, eb)| eb.cmp(ea).then_with(|| name(*a).cmp(&name(*b))));
        hits.into_iter().take(limit).map(|(i, _)| i).collect()
    }

    /// The establishment of an export: the UAI more than half of the
    /// accounts carry (teachers may carry a second one).
    pub fn main_establishment(&self) -> Option<String> {
        let mut counts: std::collections::BTreeMap<String, usize> = std::collections::BTreeMap::new();
        for a in &self.accounts {
            let mut seen: Vec<String> = a.establishments.iter().map(|e| e.trim().to_uppercase()).collect();
            seen.sort();
            seen.dedup();
            for e in seen {
                *counts.entry(e).or_default() += 1;
            }
        }
        counts.into_iter().find(|(_, n)| *n * 2 > self.accounts.len()).map(|(e, _)| e)
    }

    /// Accounts under `key` (`S:DUPONT`, `I:…`); empty when unknown.
    pub(super) fn postings(&self, key: &str) -> &[u32] {
        self.index.get(key).map(Vec::as_slice).unwrap_or(&[])
    }

    /// How many accounts carry this surname key / given name (at least 1).
    pub(super) fn surname_count(&self, key: &str) -> u32 {
        self.surname_tf.get(key).copied().unwrap_or(0).max(1)
    }

    pub(super) fn given_count(&self, key: &str) -> u32 {
        self.given_tf.get(key).copied().unwrap_or(0).max(1)
    }

    /// The accounts of establishment `uai`, sorted.
    pub(super) fn members(&self, uai: &str) -> &[u32] {
        self.postings(&format!("U:{}", uai.trim().to_uppercase()))
    }
}

#[cfg(test)]
mod tests {
    use super::{class_key, deletions};

    #[test]
    fn class_names_compare() {
        for (a, b) in [("3EME A", "3A"), ("3E A", "3A"), ("3°A", "3A"), ("4ème B", "4B"), ("TLE1", "TLE1")] {
            assert_eq!(class_key(a), class_key(b), "{a} / {b}");
        }
        assert_ne!(class_key("3A"), class_key("4A"));
    }

    #[test]
    fn deletions_meet_for_one_edit() {
        let a = deletions("DUPONT");
        let b = deletions("DUPOND");
        assert!(a.iter().any(|d| b.contains(d)));
        assert!(deletions("LEGALL").contains(&"LEGAL".to_string()));
        assert!(deletions("ABC").is_empty());
    }
}
