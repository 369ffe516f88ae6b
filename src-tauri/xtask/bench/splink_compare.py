"""Splink on the synthetic academy that Préau's reconcile bench wrote, for comparison.

Usage: splink_compare.py DIR  — DIR holds seed-<N>/ (the ENT directory export,
one Pronote identifiers file per evaluated establishment, truth_academie.json)
and preau.tsv (Préau's figures over the same seeds).

Per seed and evaluated establishment, Splink (DuckDB backend) links the Pronote
records to the directory accounts of that establishment. Training: u by random
sampling, then m by expectation maximisation on two blocking rules (no fixed
m/u values). Auto-link: the best candidate when its match probability is
≥ 0.99. Precision, coverage and top 3 are counted as the Rust bench counts
them; time is the wall time of Splink's training and prediction.
"""
import csv
import json
import logging
import sys
import time
import unicodedata
from pathlib import Path

import duckdb
import pandas as pd
import splink
import splink.comparison_library as cl
from splink import DuckDBAPI, Linker, SettingsCreator, block_on

AUTO = 0.99

# Pronote category → ENT profile label, so records are compared within a population.
PROFILES = {
    "Élève": "Élève",
    "Responsable": "Parent",
    "Enseignant": "Enseignant",
    "Personnel": "Personnel",
    "Inspecteur pédagogique": "Inspecteur",
    "Maître de stage": "Invité",
}


def fold(text: str) -> str | None:
    """Upper case, no accents, single spaces; None when empty."""
    text = unicodedata.normalize("NFKD", text or "")
    text = "".join(c for c in text if not unicodedata.combining(c)).upper()
    text = " ".join(text.replace("-", " ").split())
    return text or None


def first_given(text: str) -> str | None:
    folded = fold(text)
    return folded.split(" ")[0] if folded else None


def iso_date(text: str) -> str | None:
    """dd/mm/yyyy → yyyy-mm-dd."""
    parts = (text or "").strip().split("/")
    return f"{parts[2]}-{parts[1]}-{parts[0]}" if len(parts) == 3 else None


def read_csv(path: Path) -> list[dict[str, str]]:
    with open(path, encoding="utf-8-sig", newline="") as f:
        return list(csv.DictReader(f, delimiter=";"))


def frame(rows: list[dict[str, str]], id_col: str, profile) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "unique_id": [r[id_col] for r in rows],
            "surname": [fold(r["Nom"]) for r in rows],
            "first_name": [first_given(r["Prénom"]) for r in rows],
            "dob": [iso_date(r["Date de naissance"]) for r in rows],
            "ine": [fold(r["INE"]) for r in rows],
            "profile": [profile(r) for r in rows],
        }
    )


def settings(n_accounts: int) -> SettingsCreator:
    return SettingsCreator(
        link_type="link_only",
        unique_id_column_name="unique_id",
        # About one true pair per source record among n_accounts candidates.
        probability_two_random_records_match=1.0 / max(n_accounts, 1),
        blocking_rules_to_generate_predictions=[
            block_on("surname"),
            block_on("first_name", "dob"),
            block_on("ine"),
        ],
        comparisons=[
            cl.NameComparison("surname"),
            cl.NameComparison("first_name"),
            cl.DateOfBirthComparison("dob", input_is_string=True),
            cl.ExactMatch("ine"),
            cl.ExactMatch("profile"),
        ],
    )


def link(source: pd.DataFrame, accounts: pd.DataFrame) -> tuple[pd.DataFrame, float]:
    """Scored candidate pairs (source id, account id, probability) and the seconds taken."""
    t = time.perf_counter()
    linker = Linker(
        [source, accounts],
        settings(len(accounts)),
        db_api=DuckDBAPI(),
        set_up_basic_logging=False,
        input_table_aliases=["pronote", "ent"],
    )
    # More than an establishment's cross pairs (about 10⁶), so u is counted, not sampled.
    linker.training.estimate_u_using_random_sampling(max_pairs=5e6, seed=1)
    linker.training.estimate_parameters_using_expectation_maximisation(block_on("surname"))
    linker.training.estimate_parameters_using_expectation_maximisation(block_on("dob"))
    pairs = linker.inference.predict().as_pandas_dataframe()
    elapsed = time.perf_counter() - t
    left_is_source = pairs["source_dataset_l"] == "pronote"
    src = pairs["unique_id_l"].where(left_is_source, pairs["unique_id_r"])
    acc = pairs["unique_id_r"].where(left_is_source, pairs["unique_id_l"])
    return pd.DataFrame({"src": src, "acc": acc, "p": pairs["match_probability"]}), elapsed


def main() -> int:
    # Splink's training notes (levels not observed, default m kept for them) would drown the table.
    logging.getLogger("splink").setLevel(logging.ERROR)
    root = Path(sys.argv[1])
    tally = dict(records=0, with_account=0, auto_right=0, auto_wrong=0, top3=0)
    seconds = 0.0
    seeds = sorted(root.glob("seed-*"), key=lambda p: int(p.name.split("-")[1]))
    for seed_dir in seeds:
        directory = read_csv(seed_dir / "export_annuaire_ENT_academie.csv")
        truth = json.loads((seed_dir / "truth_academie.json").read_text(encoding="utf-8"))
        for est in truth["establishments"]:
            uai = est["uai"]
            here = [r for r in directory if uai in [u.strip() for u in r["Établissement"].split(",")]]
            accounts = frame(here, "Identifiant ENT", lambda r: r["Profil"])
            pronote = read_csv(seed_dir / f"identifiants_pronote_{uai}.csv")
            source = frame(pronote, "Identifiant", lambda r: PROFILES.get(r["Catégorie"], r["Catégorie"]))
            pairs, elapsed = link(source, accounts)
            seconds += elapsed
            ranked = {
                sid: list(g.sort_values("p", ascending=False, kind="stable").itertuples(index=False))
                for sid, g in pairs.groupby("src")
            }
            for rec in est["records"]:
                true_id = rec["ent_id"]
                cands = ranked.get(rec["source_id"], [])
                auto = cands[0].acc if cands and cands[0].p >= AUTO else None
                tally["records"] += 1
                if true_id is not None:
                    tally["with_account"] += 1
                    tally["top3"] += any(c.acc == true_id for c in cands[:3])
                if auto is not None:
                    tally["auto_right" if auto == true_id else "auto_wrong"] += 1
        print(f"splink: seed {seed_dir.name.split('-')[1]} done", file=sys.stderr, flush=True)

    autos = tally["auto_right"] + tally["auto_wrong"]
    ratio = lambda a, b: a / b if b else 0.0  # noqa: E731
    with open(root / "preau.tsv", encoding="utf-8") as f:
        preau = next(csv.DictReader(f, delimiter="\t"))
    rows = [
        (
            "Préau",
            int(preau["auto"]),
            int(preau["wrong"]),
            float(preau["precision"]),
            float(preau["coverage"]),
            float(preau["top3"]),
            float(preau["match_ms"]),
        ),
        (
            "Splink",
            autos,
            tally["auto_wrong"],
            ratio(tally["auto_right"], autos),
            ratio(tally["auto_right"], tally["with_account"]),
            ratio(tally["top3"], tally["with_account"]),
            seconds * 1000,
        ),
    ]
    print(
        f"reconcile vs Splink {splink.__version__} (DuckDB {duckdb.__version__}): "
        f"{len(seeds)} seeds, {tally['records']} source records, auto-link at p ≥ {AUTO}"
    )
    print(f"{'':<8} {'auto':>7} {'wrong':>6} {'precision':>10} {'coverage':>9} {'top 3':>8} {'time':>10}")
    for name, auto, wrong, precision, coverage, top3, ms in rows:
        print(
            f"{name:<8} {auto:>7} {wrong:>6} {100 * precision:>8.2f} % {100 * coverage:>7.2f} % "
            f"{100 * top3:>6.2f} % {ms:>7.0f} ms"
        )
    print(
        f"time: Préau's matching ({float(preau['index_ms']):.0f} ms more to index the whole academy's "
        "directory); Splink's training and prediction"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
