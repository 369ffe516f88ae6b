//! The demo establishment as the school would receive it: every national
//! export in its real shape, plus `truth.json` telling who is who across the
//! files (for tests and the reconciliation benchmark).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::Serialize;

use crate::formats::{aaf, edt, ent_directory, pronote_ids, siecle, sts, udt, DemoFiles};
use crate::model::EstablishmentData;

/// One person across the files.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct TruthPerson {
    pub person_id: String,
    pub profile: String,
    pub usage_name: String,
    pub given_name: String,
    pub birth_date: Option<String>,
    /// Identifier kind (`siecle_eleve_id`, `ent_id`, `pronote_id`…) → value.
    pub ids: BTreeMap<String, String>,
}

#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct Truth {
    pub uai: String,
    pub name: String,
    pub school_year: i32,
    pub files: Vec<String>,
    pub people: Vec<TruthPerson>,
}

/// Every demo file, in memory, with the truth.
pub fn demo_files(data: &EstablishmentData) -> (Vec<(String, Vec<u8>)>, Truth) {
    let parts: Vec<DemoFiles> = vec![
        siecle::demo_files(data),
        sts::demo_files(data),
        edt::demo_files(data),
        udt::demo_files(data),
        aaf::demo_files(data),
        ent_directory::demo_files(data),
        pronote_ids::demo_files(data),
    ];
    let mut ids: BTreeMap<String, BTreeMap<String, String>> = BTreeMap::new();
    let mut files = Vec::new();
    for part in parts {
        for (person, kind, value) in part.ids {
            ids.entry(person).or_default().insert(kind, value);
        }
        files.extend(part.files);
    }
    let people = data
        .people
        .iter()
        .map(|p| TruthPerson {
            person_id: p.id.clone(),
            profile: p.profile.as_str().to_string(),
            usage_name: p.usage_name.clone(),
            given_name: p.usual_name().to_string(),
            birth_date: p.birth_date.clone(),
            ids: ids.get(p.id.as_str()).cloned().unwrap_or_default(),
        })
        .collect();
    let truth = Truth {
        uai: data.establishment.uai.to_string(),
        name: data.establishment.name.clone(),
        school_year: data.establishment.school_year,
        files: files.iter().map(|(n, _)| n.clone()).collect(),
        people,
    };
    (files, truth)
}

/// Writes every demo file and `truth.json` into `dir` (created if needed);
/// returns the paths written.
pub fn write_demo_files(data: &EstablishmentData, dir: &Path) -> std::io::Result<Vec<PathBuf>> {
    std::fs::create_dir_all(dir)?;
    let (files, truth) = demo_files(data);
    let mut written = Vec::new();
    for (name, bytes) in files {
        // Names come from our own writers; keep them to a plain file name anyway.
        let name = Path::new(&name).file_name().map(|n| n.to_owned()).unwrap_or_default();
        let path = dir.join(name);
        std::fs::write(&path, bytes)?;
        written.push(path);
    }
    let truth_path = dir.join("truth.json");
    let json = serde_json::to_vec_pretty(&truth).map_err(std::io::Error::other)?;
    std::fs::write(&truth_path, json)?;
    written.push(truth_path);
    Ok(written)
}
