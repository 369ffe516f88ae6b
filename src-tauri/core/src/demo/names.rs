//! Frequency-ranked French names (INSEE data through the `prenoms` package, see
//! `data/names/README.md`) and the few spelling features the raw lists lack.

use super::rng::Rng;
use crate::model::Sex;

const SURNAMES: &str = include_str!("../../data/names/surnames.txt");
/// Birth decades of the given-name lists; file `D` covers births `D..=D+9`.
const DECADES: [i32; 6] = [1961, 1971, 1981, 1991, 2001, 2011];
const GIVEN_M: [&str; 6] = [
    include_str!("../../data/names/given.m.1961.txt"),
    include_str!("../../data/names/given.m.1971.txt"),
    include_str!("../../data/names/given.m.1981.txt"),
    include_str!("../../data/names/given.m.1991.txt"),
    include_str!("../../data/names/given.m.2001.txt"),
    include_str!("../../data/names/given.m.2011.txt"),
];
const GIVEN_F: [&str; 6] = [
    include_str!("../../data/names/given.f.1961.txt"),
    include_str!("../../data/names/given.f.1971.txt"),
    include_str!("../../data/names/given.f.1981.txt"),
    include_str!("../../data/names/given.f.1991.txt"),
    include_str!("../../data/names/given.f.2001.txt"),
    include_str!("../../data/names/given.f.2011.txt"),
];

/// Zipf shifts: rank `r` weighs `1 / (r + k)`. k = 60 puts MARTIN near 0.35 %.
const SURNAME_SHIFT: u64 = 60;
const GIVEN_SHIFT: u64 = 20;

/// The source lists have no accents: common surnames in their usual accented spelling.
const ACCENTED: &[(&str, &str)] = &[
    ("ANDRE", "ANDRÉ"),
    ("BARTHELEMY", "BARTHÉLEMY"),
    ("BEGUE", "BÈGUE"),
    ("BENARD", "BÉNARD"),
    ("BENOIT", "BENOÎT"),
    ("BERENGER", "BÉRENGER"),
    ("BRULE", "BRÛLÉ"),
    ("CELERIER", "CÉLÉRIER"),
    ("CHENE", "CHÊNE"),
    ("CHRETIEN", "CHRÉTIEN"),
    ("CLEMENT", "CLÉMENT"),
    ("COTE", "CÔTÉ"),
    ("CREPIN", "CRÉPIN"),
    ("DELEPINE", "DELÉPINE"),
    ("DESIRE", "DÉSIRÉ"),
    ("DORE", "DORÉ"),
    ("DUPRE", "DUPRÉ"),
    ("EMERY", "ÉMERY"),
    ("ETIENNE", "ÉTIENNE"),
    ("FERRE", "FERRÉ"),
    ("FEVRE", "FÈVRE"),
    ("FEVRIER", "FÉVRIER"),
    ("FRANCOIS", "FRANÇOIS"),
    ("FRERE", "FRÈRE"),
    ("GENIN", "GÉNIN"),
    ("GERARD", "GÉRARD"),
    ("GERAUD", "GÉRAUD"),
    ("GREGOIRE", "GRÉGOIRE"),
    ("GUERIN", "GUÉRIN"),
    ("HEBERT", "HÉBERT"),
    ("HERVE", "HERVÉ"),
    ("JEROME", "JÉRÔME"),
    ("LECLERE", "LECLÈRE"),
    ("LEFEVRE", "LEFÈVRE"),
    ("LEFRANCOIS", "LEFRANÇOIS"),
    ("LEGER", "LÉGER"),
    ("LEMAITRE", "LEMAÎTRE"),
    ("LEVEQUE", "LÉVÊQUE"),
    ("MAITRE", "MAÎTRE"),
    ("MATHE", "MATHÉ"),
    ("MENARD", "MÉNARD"),
    ("MERIAUX", "MÉRIAUX"),
    ("NEEL", "NÉEL"),
    ("NOEL", "NOËL"),
    ("PAGES", "PAGÈS"),
    ("PELISSIER", "PÉLISSIER"),
    ("PERES", "PÉRÈS"),
    ("PEROT", "PÉROT"),
    ("PREVOST", "PRÉVOST"),
    ("PREVOT", "PRÉVOT"),
    ("REGNIER", "RÉGNIER"),
    ("REMY", "RÉMY"),
    ("RENE", "RENÉ"),
    ("SEBASTIEN", "SÉBASTIEN"),
    ("THERON", "THÉRON"),
    ("THEVENIN", "THÉVENIN"),
    ("THIERY", "THIÉRY"),
    ("TRAORE", "TRAORÉ"),
    ("VALERY", "VALÉRY"),
    ("VALLEE", "VALLÉE"),
    ("VERON", "VÉRON"),
];

/// Particles, apostrophes and ligatures the ranked list under-represents.
const SPECIAL_SURNAMES: &[&str] = &[
    "BÉNÉZECH",
    "D'ALMEIDA",
    "D'ANGELO",
    "D'ORNANO",
    "DE LA CRUZ",
    "DE LA FONTAINE",
    "DE LA TOUR",
    "DI MARTINO",
    "DOS REIS",
    "DU PLESSIS",
    "LECŒUR",
    "M'BAYE",
    "N'GUESSAN",
    "O'NEILL",
    "VAN DEN BERGHE",
    "VAN DER BERG",
];

/// Second names of Portuguese double surnames ("DA SILVA FERREIRA").
const PORTUGUESE: &[&str] = &[
    "ALVES",
    "CARVALHO",
    "CORREIA",
    "COSTA",
    "FERNANDES",
    "FERREIRA",
    "GOMES",
    "GONCALVES",
    "LOPES",
    "MARTINS",
    "MENDES",
    "MOREIRA",
    "OLIVEIRA",
    "PEREIRA",
    "PINTO",
    "RIBEIRO",
    "RODRIGUES",
    "SOUSA",
    "TEIXEIRA",
];

/// Compound and typographically rich given names for recent birth years.
const EXTRA_GIVEN_M: &[&str] = &[
    "Anaël",
    "Charles-Henri",
    "Gaëtan",
    "Jean-Baptiste",
    "Jean-Eudes",
    "Loïc",
    "Louis-Marie",
    "Marc-Antoine",
    "Mohamed-Amine",
    "Noé",
    "Paul-Antoine",
    "Pierre-Louis",
];
const EXTRA_GIVEN_F: &[&str] = &[
    "Anaïs",
    "Anne-Sophie",
    "Cœlia",
    "Héloïse",
    "Lily-Rose",
    "Lou-Anne",
    "Louise-Marie",
    "Maëlys",
    "Marie-Alix",
    "Marie-Ange",
    "Marie-Lou",
    "Zoé",
];

/// A ranked list with cumulative integer Zipf weights.
struct Table {
    names: Vec<&'static str>,
    cumulative: Vec<u64>,
}

impl Table {
    fn new(text: &'static str, shift: u64) -> Table {
        let names: Vec<&'static str> = text.lines().map(str::trim).filter(|l| !l.is_empty()).collect();
        let mut total = 0u64;
        let cumulative = (0..names.len() as u64)
            .map(|r| {
                total += (1u64 << 32) / (r + shift);
                total
            })
            .collect();
        Table { names, cumulative }
    }

    fn draw(&self, rng: &mut Rng) -> &'static str {
        let total = self.cumulative.last().copied().unwrap_or(0);
        let x = rng.below(total);
        let i = self.cumulative.partition_point(|&c| c <= x);
        self.names.get(i).copied().unwrap_or("Camille")
    }

    /// A name among the `top` most frequent, uniformly (planted homonyms).
    fn common(&self, rng: &mut Rng, top: usize) -> &'static str {
        let n = self.names.len().min(top);
        self.names.get(rng.index(n)).copied().unwrap_or("Camille")
    }
}

pub struct Names {
    surnames: Table,
    male: Vec<Table>,
    female: Vec<Table>,
}

impl Names {
    pub fn load() -> Names {
        Names {
            surnames: Table::new(SURNAMES, SURNAME_SHIFT),
            male: GIVEN_M.iter().map(|t| Table::new(t, GIVEN_SHIFT)).collect(),
            female: GIVEN_F.iter().map(|t| Table::new(t, GIVEN_SHIFT)).collect(),
        }
    }

    fn given_table(&self, sex: Sex, birth_year: i32) -> Option<&Table> {
        let i = DECADES.iter().rposition(|&d| d <= birth_year).unwrap_or(0);
        match sex {
            Sex::M => self.male.get(i),
            Sex::F => self.female.get(i),
        }
    }

    /// A family name as SIECLE writes it: upper case, accents where usual.
    pub fn surname(&self, rng: &mut Rng) -> String {
        if rng.chance(10) {
            if let Some(s) = rng.pick(SPECIAL_SURNAMES) {
                return typographic_apostrophe(rng, s.to_string());
            }
        }
        let mut name = self.surnames.draw(rng).to_uppercase();
        if let Some((_, accented)) = ACCENTED.iter().find(|(plain, _)| *plain == name) {
            if rng.chance(600) {
                name = (*accented).to_string();
            }
        }
        let portuguese = ["DA ", "DOS ", "DE "].iter().any(|p| name.starts_with(p));
        if portuguese && rng.chance(350) {
            if let Some(second) = rng.pick(PORTUGUESE) {
                name = format!("{name} {second}");
            }
        } else if rng.chance(10) && !name.contains([' ', '-', '\'']) {
            // A traditional compound name transmitted whole ("MARTIN-DUBOIS").
            let other = self.surnames.draw(rng).to_uppercase();
            if !other.contains([' ', '-', '\'']) && other != name {
                name = format!("{name}-{other}");
            }
        }
        typographic_apostrophe(rng, name)
    }

    /// A frequent surname (rank < `top`), plain upper case.
    pub fn common_surname(&self, rng: &mut Rng, top: usize) -> String {
        self.surnames.common(rng, top).to_uppercase()
    }

    pub fn given(&self, rng: &mut Rng, sex: Sex, birth_year: i32) -> String {
        self.given_table(sex, birth_year).map(|t| t.draw(rng)).unwrap_or("Camille").to_string()
    }

    pub fn common_given(&self, rng: &mut Rng, sex: Sex, birth_year: i32, top: usize) -> String {
        self.given_table(sex, birth_year).map(|t| t.common(rng, top)).unwrap_or("Camille").to_string()
    }

    /// A pupil's first given name: mostly the decade list, sometimes a compound.
    pub fn pupil_given(&self, rng: &mut Rng, sex: Sex, birth_year: i32) -> String {
        let extra = match sex {
            Sex::M => EXTRA_GIVEN_M,
            Sex::F => EXTRA_GIVEN_F,
        };
        if rng.chance(30) {
            if let Some(g) = rng.pick(extra) {
                return g.to_string();
            }
        }
        self.given(rng, sex, birth_year)
    }

    /// 1–3 given names in civil-status order, all different. Middle names often
    /// come from the grandparents' generation.
    pub fn given_list(&self, rng: &mut Rng, sex: Sex, birth_year: i32, first: String, count: usize) -> Vec<String> {
        let mut list = vec![first];
        let mut tries = 0;
        while list.len() < count && tries < 20 {
            tries += 1;
            let year = if rng.chance(500) { birth_year - rng.range(25, 55) as i32 } else { birth_year };
            let g = self.given(rng, sex, year);
            if !list.contains(&g) {
                list.push(g);
            }
        }
        list
    }
}

fn typographic_apostrophe(rng: &mut Rng, name: String) -> String {
    if name.contains('\'') && rng.chance(250) {
        name.replace('\'', "’")
    } else {
        name
    }
}

/// The usual accented spelling of an upper-case surname, when we know one.
pub fn accented(name: &str) -> String {
    let plain = ascii_fold(name);
    ACCENTED.iter().find(|(p, _)| *p == plain).map(|(_, a)| (*a).to_string()).unwrap_or_else(|| name.to_string())
}

/// "LEFÈVRE" → "Lefèvre", "LE GALL" → "Le Gall", "N'DIAYE" → "N'Diaye".
pub fn title_case(name: &str) -> String {
    let mut out = String::with_capacity(name.len());
    let mut start = true;
    for c in name.chars() {
        if start {
            out.extend(c.to_uppercase());
        } else {
            out.extend(c.to_lowercase());
        }
        start = matches!(c, ' ' | '-' | '\'' | '’');
    }
    out
}

/// Drops diacritics and expands ligatures, keeping case and other characters.
pub fn ascii_fold(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        let r: &str = match c {
            'à' | 'â' | 'ä' | 'á' | 'ã' => "a",
            'À' | 'Â' | 'Ä' | 'Á' | 'Ã' => "A",
            'ç' => "c",
            'Ç' => "C",
            'é' | 'è' | 'ê' | 'ë' => "e",
            'É' | 'È' | 'Ê' | 'Ë' => "E",
            'î' | 'ï' | 'í' => "i",
            'Î' | 'Ï' | 'Í' => "I",
            'ô' | 'ö' | 'ó' | 'õ' => "o",
            'Ô' | 'Ö' | 'Ó' | 'Õ' => "O",
            'ù' | 'û' | 'ü' | 'ú' => "u",
            'Ù' | 'Û' | 'Ü' | 'Ú' => "U",
            'ÿ' => "y",
            'Ÿ' => "Y",
            'ñ' => "n",
            'Ñ' => "N",
            'œ' => "oe",
            'Œ' => "OE",
            'æ' => "ae",
            'Æ' => "AE",
            _ => {
                out.push(c);
                continue;
            }
        };
        out.push_str(r);
    }
    out
}

/// Lower-case ASCII for logins and e-mail local parts: "Jean-Baptiste" →
/// "jean-baptiste", "D’ALMEIDA" → "dalmeida", "DURAND--DUPONT" → "durand-dupont".
pub fn login_part(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in ascii_fold(s).chars() {
        if c.is_ascii_alphanumeric() {
            out.push(c.to_ascii_lowercase());
        } else if c == '-' && !out.is_empty() && !out.ends_with('-') {
            out.push('-');
        }
    }
    while out.ends_with('-') {
        out.pop();
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lists_are_loaded_with_their_expected_sizes() {
        let n = Names::load();
        assert_eq!(n.surnames.names.len(), 6000);
        assert_eq!(n.surnames.names.first(), Some(&"Martin"));
        assert!(n.male.iter().chain(&n.female).all(|t| t.names.len() == 400));
    }

    #[test]
    fn martin_is_drawn_about_a_third_of_a_percent() {
        let n = Names::load();
        let mut rng = Rng::new(3);
        let draws = 100_000;
        let martin = (0..draws).filter(|_| n.surnames.draw(&mut rng) == "Martin").count();
        assert!((250..=450).contains(&martin), "{martin}");
    }

    #[test]
    fn spelling_helpers() {
        assert_eq!(title_case("N'DIAYE"), "N'Diaye");
        assert_eq!(title_case("LEFÈVRE"), "Lefèvre");
        assert_eq!(accented("LEFEVRE"), "LEFÈVRE");
        assert_eq!(login_part("D’ALMEIDA"), "dalmeida");
        assert_eq!(login_part("DURAND--DUPONT"), "durand-dupont");
        assert_eq!(login_part("Cœlia"), "coelia");
        assert_eq!(login_part("DA SILVA"), "dasilva");
    }
}
