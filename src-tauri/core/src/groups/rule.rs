//! A group's population rule: a boolean combination of profile, level,
//! class, discipline, function and establishment, written as administrators
//! say it — `profil:eleve et niveau:3e`, `(classe:3A ou classe:3B) et non
//! profil:parent`, `fonction:AED/S0093` — and kept as JSON.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::model::{EstablishmentData, Person, Profile};
use crate::text::fold;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "op", rename_all = "snake_case")]
pub enum Rule {
    All { rules: Vec<Rule> },
    Any { rules: Vec<Rule> },
    Not { rule: Box<Rule> },
    Profile { value: Profile },
    Level { value: String },
    Class { value: String },
    Discipline { value: String },
    Function { code: String, discipline: Option<String> },
    Establishment { value: String },
}

/// Why a rule's text cannot be read: what, and where (1-based character).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("règle illisible, position {position} : {message}")]
pub struct RuleError {
    pub position: usize,
    pub message: String,
}

impl crate::ErrorCode for RuleError {
    fn code(&self) -> &'static str {
        "GROUP_RULE"
    }
}

fn profile_of(text: &str) -> Option<Profile> {
    let key = fold(text);
    let all = [
        (Profile::Eleve, &["ELEVE", "ELEVES"][..]),
        (Profile::Responsable, &["PARENT", "PARENTS", "RESPONSABLE", "RESPONSABLES"]),
        (Profile::Enseignant, &["ENSEIGNANT", "ENSEIGNANTS", "PROFESSEUR", "PROFESSEURS"]),
        (Profile::NonEnseignant, &["NONENSEIGNANT", "NONENSEIGNANTS", "PERSONNEL", "PERSONNELS"]),
        (Profile::PersonnelCollectivite, &["PERSONNELCOLLECTIVITE", "COLLECTIVITE"]),
        (Profile::Invite, &["INVITE", "INVITES", "AUTRE"]),
        (Profile::MaitreDeStage, &["MAITREDESTAGE"]),
        (Profile::Inspecteur, &["INSPECTEUR"]),
    ];
    all.into_iter().find(|(_, names)| names.contains(&key.as_str())).map(|(p, _)| p)
}

fn profile_word(p: Profile) -> &'static str {
    match p {
        Profile::Eleve => "eleve",
        Profile::Responsable => "parent",
        Profile::Enseignant => "enseignant",
        Profile::NonEnseignant => "non-enseignant",
        Profile::PersonnelCollectivite => "collectivite",
        Profile::Invite => "invite",
        Profile::MaitreDeStage => "maitre-de-stage",
        Profile::Inspecteur => "inspecteur",
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Token {
    Open,
    Close,
    And,
    Or,
    Not,
    Term(String, String),
}

fn lex(text: &str) -> Result<Vec<(usize, Token)>, RuleError> {
    let chars: Vec<char> = text.chars().collect();
    let mut out = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        if c.is_whitespace() {
            i += 1;
            continue;
        }
        if c == '(' || c == ')' {
            out.push((i + 1, if c == '(' { Token::Open } else { Token::Close }));
            i += 1;
            continue;
        }
        let start = i;
        while i < chars.len() && !chars[i].is_whitespace() && chars[i] != '(' && chars[i] != ')' {
            i += 1;
        }
        let word: String = chars[start..i].iter().collect();
        let token = match fold(&word).as_str() {
            "ET" | "AND" => Token::And,
            "OU" | "OR" => Token::Or,
            "NON" | "NOT" | "SAUF" => Token::Not,
            _ => match word.split_once(':').or_else(|| word.split_once('=')) {
                Some((k, v)) if !v.is_empty() => Token::Term(fold(k), v.to_string()),
                _ => {
                    return Err(RuleError {
                        position: start + 1,
                        message: format!("« {word} » : attendu clé:valeur (profil, niveau, classe, discipline, fonction, etablissement), et, ou, non"),
                    })
                }
            },
        };
        out.push((start + 1, token));
    }
    Ok(out)
}

struct Parser {
    tokens: Vec<(usize, Token)>,
    at: usize,
    end: usize,
}

impl Parser {
    fn peek(&self) -> Option<&Token> {
        self.tokens.get(self.at).map(|(_, t)| t)
    }
    fn position(&self) -> usize {
        self.tokens.get(self.at).map_or(self.end, |(p, _)| *p)
    }
    fn error(&self, message: impl Into<String>) -> RuleError {
        RuleError { position: self.position(), message: message.into() }
    }
    // `(a ou b) ou c` is `a ou b ou c`: nested alike combinations are
    // flattened, so that a rule written back reads back the same.
    fn or(&mut self) -> Result<Rule, RuleError> {
        let mut rules = Vec::new();
        loop {
            match self.and()? {
                Rule::Any { rules: inner } => rules.extend(inner),
                r => rules.push(r),
            }
            if self.peek() != Some(&Token::Or) {
                break;
            }
            self.at += 1;
        }
        Ok(if rules.len() == 1 { rules.remove(0) } else { Rule::Any { rules } })
    }
    fn and(&mut self) -> Result<Rule, RuleError> {
        let mut rules = Vec::new();
        loop {
            match self.unary()? {
                Rule::All { rules: inner } => rules.extend(inner),
                r => rules.push(r),
            }
            if self.peek() != Some(&Token::And) {
                break;
            }
            self.at += 1;
        }
        Ok(if rules.len() == 1 { rules.remove(0) } else { Rule::All { rules } })
    }
    fn unary(&mut self) -> Result<Rule, RuleError> {
        match self.peek().cloned() {
            Some(Token::Not) => {
                self.at += 1;
                Ok(Rule::Not { rule: Box::new(self.unary()?) })
            }
            Some(Token::Open) => {
                self.at += 1;
                let inner = self.or()?;
                if self.peek() != Some(&Token::Close) {
                    return Err(self.error("parenthèse fermante attendue"));
                }
                self.at += 1;
                Ok(inner)
            }
            Some(Token::Term(key, value)) => {
                let rule = term(&key, &value).map_err(|m| self.error(m))?;
                self.at += 1;
                Ok(rule)
            }
            Some(_) => Err(self.error("un critère est attendu ici")),
            None => Err(self.error("la règle s'arrête trop tôt")),
        }
    }
}

fn term(key: &str, value: &str) -> Result<Rule, String> {
    let v = value.trim().to_string();
    Ok(match key {
        "PROFIL" | "PROFILE" => {
            Rule::Profile { value: profile_of(&v).ok_or_else(|| format!("profil inconnu : « {v} »"))? }
        }
        "NIVEAU" | "LEVEL" => Rule::Level { value: v },
        "CLASSE" | "DIVISION" | "CLASS" => Rule::Class { value: v.to_uppercase() },
        "DISCIPLINE" | "MATIERE" => Rule::Discipline { value: v.to_uppercase() },
        "FONCTION" | "FUNCTION" => match v.split_once('/') {
            Some((c, d)) => Rule::Function { code: c.to_uppercase(), discipline: Some(d.to_uppercase()) },
            None => Rule::Function { code: v.to_uppercase(), discipline: None },
        },
        "ETABLISSEMENT" | "UAI" => Rule::Establishment { value: v.to_uppercase() },
        other => {
            return Err(format!(
                "critère inconnu : « {} » (profil, niveau, classe, discipline, fonction, etablissement)",
                other.to_lowercase()
            ))
        }
    })
}

impl Rule {
    pub fn parse(text: &str) -> Result<Rule, RuleError> {
        let tokens = lex(text)?;
        let end = text.chars().count() + 1;
        let mut p = Parser { tokens, at: 0, end };
        let rule = p.or()?;
        if p.at < p.tokens.len() {
            return Err(p.error("et, ou, ou la fin de la règle attendu ici"));
        }
        Ok(rule)
    }

    /// The rule written back in its text form (parsing it gives the same rule).
    pub fn text(&self) -> String {
        fn inner(r: &Rule, parent_and: bool) -> String {
            match r {
                Rule::All { rules } => rules.iter().map(|x| inner(x, true)).collect::<Vec<_>>().join(" et "),
                Rule::Any { rules } => {
                    let s = rules.iter().map(|x| inner(x, false)).collect::<Vec<_>>().join(" ou ");
                    if parent_and {
                        format!("({s})")
                    } else {
                        s
                    }
                }
                Rule::Not { rule } => match **rule {
                    Rule::All { .. } | Rule::Any { .. } => format!("non ({})", inner(rule, false)),
                    _ => format!("non {}", inner(rule, true)),
                },
                Rule::Profile { value } => format!("profil:{}", profile_word(*value)),
                Rule::Level { value } => format!("niveau:{value}"),
                Rule::Class { value } => format!("classe:{value}"),
                Rule::Discipline { value } => format!("discipline:{value}"),
                Rule::Function { code, discipline: Some(d) } => format!("fonction:{code}/{d}"),
                Rule::Function { code, discipline: None } => format!("fonction:{code}"),
                Rule::Establishment { value } => format!("etablissement:{value}"),
            }
        }
        inner(self, false)
    }
}

/// What a rule needs to know of the establishment, built once for many rules.
pub struct Context<'a> {
    data: &'a EstablishmentData,
    /// Division code → level code.
    level_of: BTreeMap<&'a str, &'a str>,
}

impl<'a> Context<'a> {
    pub fn new(data: &'a EstablishmentData) -> Context<'a> {
        let level_of = data.divisions.iter().map(|d| (d.code.as_str(), d.level.as_str())).collect();
        Context { data, level_of }
    }

    pub fn matches(&self, rule: &Rule, p: &Person) -> bool {
        match rule {
            Rule::All { rules } => rules.iter().all(|r| self.matches(r, p)),
            Rule::Any { rules } => rules.iter().any(|r| self.matches(r, p)),
            Rule::Not { rule } => !self.matches(rule, p),
            Rule::Profile { value } => p.profile == *value,
            Rule::Level { value } => {
                let want = fold(value);
                p.divisions.iter().any(|d| self.level_of.get(d.as_str()).is_some_and(|l| fold(l) == want))
            }
            Rule::Class { value } => p.divisions.iter().any(|d| d.eq_ignore_ascii_case(value)),
            Rule::Discipline { value } => {
                p.functions.iter().any(|f| f.discipline.as_deref().is_some_and(|d| d.eq_ignore_ascii_case(value)))
            }
            Rule::Function { code, discipline } => p.functions.iter().any(|f| {
                f.code.eq_ignore_ascii_case(code)
                    && discipline
                        .as_deref()
                        .is_none_or(|d| f.discipline.as_deref().is_some_and(|x| x.eq_ignore_ascii_case(d)))
            }),
            Rule::Establishment { value } => p.establishments.iter().any(|e| e.to_string().eq_ignore_ascii_case(value)),
        }
    }

    /// The people (still there) the rule selects, in the population's order.
    pub fn select(&self, rule: &Rule) -> Vec<&'a Person> {
        self.data.people.iter().filter(|p| !p.left && self.matches(rule, p)).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{EstablishmentKind, Uai};

    #[test]
    fn rules_read_as_administrators_write_them() {
        let r = Rule::parse("profil:élève et niveau:3e").unwrap();
        assert_eq!(
            r,
            Rule::All { rules: vec![Rule::Profile { value: Profile::Eleve }, Rule::Level { value: "3e".into() }] }
        );
        let r = Rule::parse("(classe:3a OU classe:3B) et non profil:parents").unwrap();
        assert_eq!(r.text(), "(classe:3A ou classe:3B) et non profil:parent");
        assert_eq!(Rule::parse(&r.text()).unwrap(), r, "the text form reads back");
        // Found by fuzzing: nested alike combinations read back the same.
        let nested = Rule::parse("(classe:A ou classe:B) ou classe:C").unwrap();
        assert_eq!(Rule::parse(&nested.text()).unwrap(), nested);
        assert_eq!(nested, Rule::parse("classe:A ou classe:B ou classe:C").unwrap());
        assert_eq!(
            Rule::parse("fonction:aed/s0093").unwrap(),
            Rule::Function { code: "AED".into(), discipline: Some("S0093".into()) }
        );
        let bad = Rule::parse("profil:eleve et").unwrap_err();
        assert_eq!(bad.position, 16);
        let bad = Rule::parse("profil:eleve et couleur:bleu").unwrap_err();
        assert_eq!(bad.position, 17);
        assert!(bad.message.contains("couleur"), "{bad}");
        assert!(Rule::parse("profil:directeur").unwrap_err().message.contains("profil inconnu"));
        assert!(Rule::parse("(profil:eleve").unwrap_err().message.contains("parenthèse"));
        assert!(Rule::parse("niveau").is_err());
        assert!(Rule::parse("").is_err());
    }

    #[test]
    fn a_rule_selects_its_people() {
        let data = crate::demo::generate(&Uai::parse("0999001W").unwrap(), EstablishmentKind::College, 1);
        let ctx = Context::new(&data);
        let third = ctx.select(&Rule::parse("profil:eleve et niveau:3e").unwrap());
        let expected = data
            .people
            .iter()
            .filter(|p| p.profile == Profile::Eleve && !p.left)
            .filter(|p| p.divisions.iter().any(|d| d.starts_with('3')))
            .count();
        assert!(third.len() > 50);
        assert_eq!(third.len(), expected);
        let aed = ctx.select(&Rule::parse("fonction:AED").unwrap());
        assert_eq!(aed.len(), 6);
        assert_eq!(ctx.select(&Rule::parse("fonction:AED/S0093").unwrap()).len(), 1);
        let not_third = ctx.select(&Rule::parse("profil:eleve et non niveau:3e").unwrap());
        let pupils = data.people.iter().filter(|p| p.profile == Profile::Eleve && !p.left).count();
        assert_eq!(not_third.len() + third.len(), pupils);
        assert!(ctx.select(&Rule::parse("discipline:L1300").unwrap()).iter().all(|p| p.profile == Profile::Enseignant));
    }
}
