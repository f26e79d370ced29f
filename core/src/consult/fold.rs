//! Folding text the way people type symptoms, so that `ＡＤＬ低下`, `adl 低下` and
//! `ADL低下` compare equal: a small NFKC-like compatibility folding (full-width ASCII
//! and the ideographic space to ASCII, half-width katakana to full width with their
//! voiced marks composed), ASCII lower case, and no white space. Katakana and hiragana
//! stay distinct.

/// Full-width katakana for U+FF61..=U+FF9D, in code point order.
const HALF_WIDTH_KATAKANA: &str = "。「」、・ヲァィゥェォャュョッーアイウエオカキクケコサシスセソタチツテトナニヌネノハヒフヘホマミムメモヤユヨラリルレロワン";

/// The folded form of `text`.
pub(crate) fn fold(text: &str) -> String {
    let mut folded = String::with_capacity(text.len());
    for c in text.chars() {
        let c = match c {
            '\u{FF01}'..='\u{FF5E}' => char::from_u32(u32::from(c) - 0xFEE0).unwrap_or(c),
            '\u{FF61}'..='\u{FF9D}' => {
                let offset = (u32::from(c) - 0xFF61) as usize;
                HALF_WIDTH_KATAKANA.chars().nth(offset).unwrap_or(c)
            }
            '\u{FF9E}' | '\u{FF9F}' => {
                if let Some(voiced) = folded.chars().last().and_then(|last| voice(last, c == '\u{FF9F}')) {
                    folded.pop();
                    folded.push(voiced);
                    continue;
                }
                if c == '\u{FF9E}' { '゛' } else { '゜' }
            }
            other => other,
        };
        if c.is_whitespace() {
            continue;
        }
        folded.push(c.to_ascii_lowercase());
    }
    folded
}

/// The katakana `base` with the voiced (゛) or semi-voiced (゜) mark, if it takes it.
fn voice(base: char, semi: bool) -> Option<char> {
    let code = u32::from(base);
    let takes_voiced = matches!(
        base,
        'カ' | 'キ' | 'ク' | 'ケ' | 'コ' | 'サ' | 'シ' | 'ス' | 'セ' | 'ソ' | 'タ' | 'チ' | 'ツ' | 'テ' | 'ト'
    );
    let takes_both = matches!(base, 'ハ' | 'ヒ' | 'フ' | 'ヘ' | 'ホ');
    match (semi, base) {
        (false, 'ウ') => Some('ヴ'),
        (false, _) if takes_voiced || takes_both => char::from_u32(code + 1),
        (true, _) if takes_both => char::from_u32(code + 2),
        _ => None,
    }
}

/// Edit distance between two texts, counted in characters.
pub(crate) fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut previous: Vec<usize> = (0..=b.len()).collect();
    let mut current = vec![0; b.len() + 1];
    for (i, ca) in a.chars().enumerate() {
        current[0] = i + 1;
        for (j, &cb) in b.iter().enumerate() {
            let substitution = previous[j] + usize::from(ca != cb);
            current[j + 1] = substitution.min(previous[j + 1] + 1).min(current[j] + 1);
        }
        std::mem::swap(&mut previous, &mut current);
    }
    previous[b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn full_width_half_width_case_and_spaces_fold_away() {
        assert_eq!(HALF_WIDTH_KATAKANA.chars().count(), 0xFF9D - 0xFF61 + 1);
        assert_eq!(fold("ＡＤＬ低下"), "adl低下");
        assert_eq!(fold(" adl　低下 "), "adl低下");
        assert_eq!(fold("BPSD"), "bpsd");
        assert_eq!(fold("褥瘡（仙骨部）"), "褥瘡(仙骨部)");
        assert_eq!(fold("ｾﾝﾓｳ"), "センモウ");
        assert_eq!(fold("ｶﾞﾝｾｷ ﾎﾟﾘｰﾌﾟ ｳﾞ"), "ガンセキポリープヴ");
        assert_eq!(fold("ｱﾞ"), "ア゛", "a mark that does not compose stays");
        assert_eq!(fold("せんもう"), "せんもう", "hiragana is not katakana");
    }

    #[test]
    fn edit_distance_counts_characters() {
        assert_eq!(edit_distance("骨折", "骨折"), 0);
        assert_eq!(edit_distance("骨せつ", "骨折"), 2);
        assert_eq!(edit_distance("", "褥瘡"), 2);
        assert_eq!(edit_distance("kitten", "sitting"), 3);
    }
}
