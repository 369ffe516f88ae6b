//! Writing a UDT archive: one `UDCal_NN.xml` per kind of row (the file a
//! row belongs to follows the ENT importer's reading of them), declared
//! ISO-8859-1 as a Windows program of its age would, dates `jj/mm/aaaa`.

use std::collections::BTreeMap;
use std::io::Write;

use super::{file_rank, UdtRecord};
use crate::formats::date_iso_to_fr;
use crate::formats::xml::{encode_for, escape};

/// The file a record is written to.
fn file_of(r: &UdtRecord) -> String {
    match r {
        UdtRecord::Setting { .. } | UdtRecord::Closure { .. } => "UDCal_24".into(),
        UdtRecord::Init { .. } => "UDCal_00".into(),
        UdtRecord::Weeks { .. } => "semaines".into(),
        UdtRecord::Room { .. } => "UDCal_03".into(),
        UdtRecord::Teacher(_) => "UDCal_04".into(),
        UdtRecord::Subject { .. } => "UDCal_05".into(),
        UdtRecord::Slot(_) => "UDCal_07".into(),
        UdtRecord::Division(_) => "UDCal_08".into(),
        UdtRecord::Pupil(_) => "UDCal_10".into(),
        UdtRecord::Fiche(_) => "UDCal_11".into(),
        UdtRecord::FicheLine(l) => match &l.week {
            Some(w) => format!("UDCal_12_{w}"),
            None => "UDCal_12".into(),
        },
        UdtRecord::Regroupement(_) => "UDCal_13".into(),
        UdtRecord::Group(_) => "UDCal_19".into(),
        UdtRecord::Membership(_) => "UDCal_21".into(),
        UdtRecord::CoTeaching { .. } => "UDCal_23".into(),
    }
}

/// `<name a="…" …/>` with the present attributes, in order.
fn row(name: &str, pairs: &[(&str, Option<&str>)]) -> String {
    let mut s = format!("<{name}");
    for (k, v) in pairs {
        if let Some(v) = v {
            s.push_str(&format!(" {k}=\"{}\"", escape(v)));
        }
    }
    s.push_str("/>");
    s
}

fn fr(date: &Option<String>) -> Option<String> {
    date.as_deref().map(date_iso_to_fr)
}

fn line(r: &UdtRecord) -> String {
    match r {
        UdtRecord::Setting { name, value } => {
            let v = if name == "annee" { value.clone() } else { date_iso_to_fr(value) };
            format!("<{name}>{}</{name}>", escape(&v))
        }
        UdtRecord::Init { first_iso_week, sequence_minutes } => row(
            "init",
            &[("premiere_semaine_ISO", first_iso_week.as_deref()), ("duree_seq", sequence_minutes.as_deref())],
        ),
        UdtRecord::Weeks { numbers } => {
            numbers.iter().map(|n| row("semaine", &[("num", Some(n))])).collect::<Vec<_>>().join("\n\t")
        }
        UdtRecord::Closure { start, end } => {
            row("fermeture", &[("debut", fr(start).as_deref()), ("fin", fr(end).as_deref())])
        }
        UdtRecord::Slot(s) => row(
            "demi_seq",
            &[
                ("code_jour", s.day.as_deref()),
                ("code", s.code.as_deref()),
                ("code_site", s.site.as_deref()),
                ("hre_deb", s.start.as_deref()),
                ("hre_fin", s.end.as_deref()),
            ],
        ),
        UdtRecord::Room { code, name } => row("salle", &[("code", Some(code)), ("nom", Some(name))]),
        UdtRecord::Teacher(t) => row(
            "prof",
            &[
                ("code", Some(&t.code)),
                ("id", t.id.as_deref()),
                ("nom", Some(&t.last_name)),
                ("prenom", Some(&t.first_name)),
                ("civilite", t.civility.as_deref()),
                ("date_naissance", fr(&t.birth_date).as_deref()),
                ("epj", t.epj.as_deref()),
                ("mail", t.email.as_deref()),
                ("code_matppl", t.main_subject.as_deref()),
            ],
        ),
        UdtRecord::Subject { code, label, code_sts } => {
            row("mat", &[("code", Some(code)), ("libelle", Some(label)), ("code_sts", code_sts.as_deref())])
        }
        UdtRecord::Division(d) => row(
            "div",
            &[
                ("code", Some(&d.code)),
                ("nom", d.name.as_deref()),
                ("code_gep", d.code_gep.as_deref()),
                ("code_sts", d.code_sts.as_deref()),
            ],
        ),
        UdtRecord::Pupil(p) => row(
            "eleve",
            &[
                ("code", Some(&p.code)),
                ("nom", Some(&p.last_name)),
                ("prenom", Some(&p.first_name)),
                ("naissance", fr(&p.birth_date).as_deref()),
                ("code_div", p.division.as_deref()),
            ],
        ),
        UdtRecord::Group(g) => row(
            "gpe",
            &[
                ("id", g.id.as_deref()),
                ("code_div", Some(&g.division)),
                ("code", Some(&g.code)),
                ("nom", g.name.as_deref()),
                ("code_sts", g.code_sts.as_deref()),
            ],
        ),
        UdtRecord::Regroupement(g) => row(
            "rgpmt",
            &[
                ("id", g.id.as_deref()),
                ("code", g.code.as_deref()),
                ("nom", g.name.as_deref()),
                ("code_div", g.division.as_deref()),
                ("code_gpe", g.group.as_deref()),
            ],
        ),
        UdtRecord::Membership(m) => row(
            "ele_gpe",
            &[
                ("ele", Some(&m.pupil)),
                ("code_div", m.division.as_deref()),
                ("gpe", m.group.as_deref()),
                ("theorique", m.theoretical.as_deref()),
            ],
        ),
        UdtRecord::Fiche(f) => row(
            "fiche",
            &[
                ("code", f.code.as_deref()),
                ("jour", f.day.as_deref()),
                ("demi_seq", f.slot.as_deref()),
                ("site", f.site.as_deref()),
            ],
        ),
        UdtRecord::FicheLine(l) => row(
            "ligfiche",
            &[
                ("code", l.code.as_deref()),
                ("fic", l.fiche.as_deref()),
                ("div", l.division.as_deref()),
                ("mat", l.subject.as_deref()),
                ("prof", l.teacher.as_deref()),
                ("salle", l.room.as_deref()),
                ("gpe", l.group.as_deref()),
                ("rgpmt", l.regroupement.as_deref()),
                ("idgpe", l.group_id.as_deref()),
            ],
        ),
        UdtRecord::CoTeaching { fiche_line, teacher, epj } => {
            row("coens", &[("lignefic", fiche_line.as_deref()), ("prof", teacher.as_deref()), ("epj", epj.as_deref())])
        }
    }
}

/// The archive's files (name, bytes) in reading order.
pub(crate) fn files(records: &[UdtRecord]) -> Vec<(String, Vec<u8>)> {
    let mut by_file: BTreeMap<(usize, String), (String, Vec<String>)> = BTreeMap::new();
    for r in records {
        let stem = file_of(r);
        by_file.entry(file_rank(&stem)).or_insert_with(|| (stem, Vec::new())).1.push(line(r));
    }
    by_file
        .into_values()
        .map(|(stem, lines)| {
            let mut text = String::from("<?xml version=\"1.0\" encoding=\"ISO-8859-1\"?>\n");
            // `semaines.xml` is one `semaines` element (the ENT reads it as one row).
            let root = if stem == "semaines" { "semaines" } else { stem.as_str() };
            text.push_str(&format!("<{root}>\n"));
            let body = if stem == "semaines" { lines.into_iter().take(1).collect() } else { lines };
            for l in body {
                text.push_str(&format!("\t{l}\n"));
            }
            text.push_str(&format!("</{root}>\n"));
            (format!("{stem}.xml"), encode_for(&text, encoding_rs::WINDOWS_1252))
        })
        .collect()
}

/// The ZIP archive of `records` (file dates fixed, so the bytes are stable).
pub fn write(records: &[UdtRecord]) -> Vec<u8> {
    let build = || -> zip::result::ZipResult<Vec<u8>> {
        let mut buf = std::io::Cursor::new(Vec::new());
        let mut zip = zip::ZipWriter::new(&mut buf);
        let time = zip::DateTime::from_date_and_time(2026, 9, 3, 10, 19, 8).unwrap_or_default();
        let options = zip::write::SimpleFileOptions::default().last_modified_time(time);
        for (name, bytes) in files(records) {
            zip.start_file(name, options)?;
            zip.write_all(&bytes)?;
        }
        zip.finish()?;
        Ok(buf.into_inner())
    };
    build().unwrap_or_default()
}
