//! Teaching groups (SIECLE structures of type G): LV2, latin, demi-classes in a
//! collège; LV2 and spécialités in a lycée. Members are pupils only.

use super::Ctx;
use crate::model::{Division, EstablishmentKind, Group, GroupKind, Level, Person};

/// Lycée spécialités with their popularity (relative weights).
const SPECIALITES: &[(&str, u32)] = &[
    ("MATHS", 700),
    ("PC", 400),
    ("SVT", 350),
    ("SES", 400),
    ("HGGSP", 350),
    ("HLP", 200),
    ("LLCER", 250),
    ("NSI", 150),
];

pub fn generate(ctx: &mut Ctx, levels: &[Level], divisions: &[Division], pupils: &[Person]) -> Vec<Group> {
    let mut groups = Vec::new();
    for level in levels {
        let divs: Vec<&Division> = divisions.iter().filter(|d| d.level == level.code).collect();
        // Pupils per division, in a stable alphabetical order.
        let classes: Vec<(&str, Vec<&Person>)> = divs
            .iter()
            .map(|d| {
                let mut members: Vec<&Person> =
                    pupils.iter().filter(|p| !p.left && p.divisions.first() == Some(&d.code)).collect();
                members.sort_by(|a, b| {
                    (&a.usage_name, a.usual_name(), &a.id).cmp(&(&b.usage_name, b.usual_name(), &b.id))
                });
                (d.code.as_str(), members)
            })
            .collect();
        match (ctx.kind, level.code.as_str()) {
            (EstablishmentKind::College, "6e") => demi_classes(&mut groups, &classes),
            (EstablishmentKind::College, code) => {
                if code == "5e" {
                    demi_classes(&mut groups, &classes);
                }
                let digit = code.get(..1).unwrap_or_default();
                languages(ctx, &mut groups, &classes, &[("ESP", 650), ("ALL", 350)], 28, |divs, lang, _| {
                    let letters: String = divs.iter().filter_map(|d| d.chars().last()).collect();
                    format!("{digit}{letters} {lang}")
                });
                option(ctx, &mut groups, &classes, 150, &format!("LAT{digit}"));
            }
            (EstablishmentKind::Lycee, code) => {
                let prefix = code.to_uppercase();
                languages(ctx, &mut groups, &classes, &[("ESP", 600), ("ALL", 250), ("ITA", 150)], 30, |_, lang, n| {
                    format!("{prefix} {lang}{n}")
                });
                let picks = match code {
                    "1re" => 3,
                    "Tle" => 2,
                    _ => 0,
                };
                if picks > 0 {
                    specialites(ctx, &mut groups, &classes, &prefix, picks);
                }
            }
        }
    }
    groups
}

fn group(code: String, members: &[&Person], classes: &[(&str, Vec<&Person>)]) -> Group {
    let divisions = classes
        .iter()
        .filter(|(_, ps)| ps.iter().any(|p| members.iter().any(|m| m.id == p.id)))
        .map(|(c, _)| c.to_string())
        .collect();
    Group {
        id: code.clone(),
        name: code,
        kind: GroupKind::Enseignement,
        divisions,
        members: members.iter().map(|p| p.id.clone()).collect(),
    }
}

/// "6A GR1" / "6A GR2": each class split in two alphabetical halves.
fn demi_classes(groups: &mut Vec<Group>, classes: &[(&str, Vec<&Person>)]) {
    for (code, members) in classes {
        let half = members.len().div_ceil(2);
        let (a, b) = members.split_at(half);
        for (n, part) in [a, b].into_iter().enumerate() {
            if !part.is_empty() {
                groups.push(group(format!("{code} GR{}", n + 1), part, classes));
            }
        }
    }
}

/// Each pupil takes one LV2; each language's pupils, in class order, are
/// split into groups of at most `max`.
fn languages(
    ctx: &mut Ctx,
    groups: &mut Vec<Group>,
    classes: &[(&str, Vec<&Person>)],
    langs: &[(&str, u32)],
    max: usize,
    name: impl Fn(&[&str], &str, usize) -> String,
) {
    let weights: Vec<u32> = langs.iter().map(|l| l.1).collect();
    let mut chosen: Vec<Vec<&Person>> = vec![Vec::new(); langs.len()];
    for p in classes.iter().flat_map(|(_, ps)| ps.iter().copied()) {
        if let Some(list) = chosen.get_mut(ctx.rng.weighted(&weights)) {
            list.push(p);
        }
    }
    for ((lang, _), members) in langs.iter().zip(&chosen) {
        for (n, part) in split(members, max).into_iter().enumerate() {
            let codes: Vec<&str> = classes
                .iter()
                .filter(|(_, ps)| ps.iter().any(|p| part.iter().any(|m| m.id == p.id)))
                .map(|(c, _)| *c)
                .collect();
            let mut code = name(&codes, lang, n + 1);
            if groups.iter().any(|g| g.id == code) {
                code = format!("{code}{}", n + 1);
            }
            groups.push(group(code, part, classes));
        }
    }
}

/// Consecutive slices of even sizes, none larger than `max`.
fn split<'a, 'p>(members: &'a [&'p Person], max: usize) -> Vec<&'a [&'p Person]> {
    let k = members.len().div_ceil(max.max(1));
    (0..k).map(|j| &members[j * members.len() / k..(j + 1) * members.len() / k]).collect()
}

/// An optional course taken by `per_mille` of the level, one group.
fn option(ctx: &mut Ctx, groups: &mut Vec<Group>, classes: &[(&str, Vec<&Person>)], per_mille: u32, code: &str) {
    let members: Vec<&Person> =
        classes.iter().flat_map(|(_, ps)| ps.iter().copied()).filter(|_| ctx.rng.chance(per_mille)).collect();
    if !members.is_empty() {
        groups.push(group(code.to_string(), &members, classes));
    }
}

/// Each pupil picks `picks` spécialités; groups of at most 30 across classes.
fn specialites(ctx: &mut Ctx, groups: &mut Vec<Group>, classes: &[(&str, Vec<&Person>)], prefix: &str, picks: usize) {
    let all: Vec<&Person> = classes.iter().flat_map(|(_, ps)| ps.iter().copied()).collect();
    let mut chosen: Vec<Vec<&Person>> = vec![Vec::new(); SPECIALITES.len()];
    for p in all {
        let mut weights: Vec<u32> = SPECIALITES.iter().map(|s| s.1).collect();
        for _ in 0..picks {
            let s = ctx.rng.weighted(&weights);
            if let (Some(w), Some(list)) = (weights.get_mut(s), chosen.get_mut(s)) {
                *w = 0;
                list.push(p);
            }
        }
    }
    for ((spe, _), members) in SPECIALITES.iter().zip(&chosen) {
        for (j, part) in split(members, 30).into_iter().enumerate() {
            groups.push(group(format!("{prefix} SPE {spe}{}", j + 1), part, classes));
        }
    }
}
