//! French text helpers shared by the engines.

/// Upper-case ASCII letters and digits only: accents and ligatures folded
/// (É→E, œ→OE, ß→SS), everything else dropped. "Lefèvre" and "LEFEVRE" fold
/// alike; so do "D'ALMEIDA", "D ALMEIDA" and "DALMEIDA".
pub fn fold(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        let mapped: &str = match c {
            'à' | 'á' | 'â' | 'ã' | 'ä' | 'å' | 'À' | 'Á' | 'Â' | 'Ã' | 'Ä' | 'Å' => "A",
            'ç' | 'Ç' => "C",
            'è' | 'é' | 'ê' | 'ë' | 'È' | 'É' | 'Ê' | 'Ë' => "E",
            'ì' | 'í' | 'î' | 'ï' | 'Ì' | 'Í' | 'Î' | 'Ï' => "I",
            'ñ' | 'Ñ' => "N",
            'ò' | 'ó' | 'ô' | 'õ' | 'ö' | 'ø' | 'Ò' | 'Ó' | 'Ô' | 'Õ' | 'Ö' | 'Ø' => "O",
            'ù' | 'ú' | 'û' | 'ü' | 'Ù' | 'Ú' | 'Û' | 'Ü' => "U",
            'ý' | 'ÿ' | 'Ý' | 'Ÿ' => "Y",
            'œ' | 'Œ' => "OE",
            'æ' | 'Æ' => "AE",
            'ß' => "SS",
            c if c.is_ascii_alphanumeric() => {
                out.push(c.to_ascii_uppercase());
                continue;
            }
            _ => continue,
        };
        out.push_str(mapped);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::fold;

    #[test]
    fn folds_french_names() {
        assert_eq!(fold("Lefèvre"), "LEFEVRE");
        assert_eq!(fold("LEFEVRE"), "LEFEVRE");
        assert_eq!(fold("Cœlia"), "COELIA");
        assert_eq!(fold("D’ALMEIDA"), "DALMEIDA");
        assert_eq!(fold("DURAND--DUPONT"), "DURANDDUPONT");
        assert_eq!(fold("Jean-Noël"), "JEANNOEL");
    }
}
