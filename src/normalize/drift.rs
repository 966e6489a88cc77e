//! Romanization drift: one name written in Latin letters by different conventions ("Tokayev",
//! "Tokaev", "Tokajew", "Toqaev"; "Nazarbayev", "Nasarbajew") folds to one key, so the spellings
//! meet even when they are more edits apart than a typo.

use smallvec::SmallVec;

/// Endings that are one suffix spelled several ways: Russian -ев/-ов through English, German,
/// French and Polish conventions.
const ENDINGS: &[(&str, &str)] = &[
    ("yev", "ev"),
    ("jev", "ev"),
    ("jew", "ev"),
    ("yew", "ev"),
    ("iev", "ev"),
    ("ieff", "ev"),
    ("eff", "ev"),
    ("ew", "ev"),
    ("off", "ov"),
    ("ow", "ov"),
];

/// Letter groups that spell one sound, longest first.
const GROUPS: &[(&str, &str)] = &[
    ("tsch", "ch"),
    ("dzh", "i"),
    ("sch", "sh"),
    ("tch", "ch"),
    ("zh", "i"),
    ("kh", "h"),
    ("ph", "f"),
    ("ck", "k"),
    ("ou", "u"),
    ("dj", "i"),
];

/// The drift key of one normalized token (lowercase ASCII letters and digits): "tokajew" and
/// "toqaev" both give `tokaev`.
pub(crate) fn drift_key(token: &str) -> String {
    let mut word: SmallVec<[u8; 32]> = SmallVec::from_slice(token.as_bytes());
    for (from, to) in ENDINGS {
        if word.len() > from.len() + 2 && word.ends_with(from.as_bytes()) {
            word.truncate(word.len() - from.len());
            word.extend_from_slice(to.as_bytes());
            break;
        }
    }
    let bytes = &word[..];
    let mut folded = String::with_capacity(bytes.len() + 1);
    // Doubled consonants are one ("Kassym", "Kasym"); doubled vowels are kept, since they are
    // written on purpose ("Maael" is not "Mael").
    let mut emit = |c: char| {
        let vowel = matches!(c, 'a' | 'e' | 'i' | 'o' | 'u');
        if !folded.ends_with(c) || vowel || c.is_ascii_digit() {
            folded.push(c);
        }
    };
    let mut i = 0;
    'outer: while i < bytes.len() {
        // Every group starts with one of these letters.
        if matches!(
            bytes[i],
            b't' | b'd' | b's' | b'z' | b'k' | b'p' | b'c' | b'o'
        ) {
            for (from, to) in GROUPS {
                if bytes[i..].starts_with(from.as_bytes()) {
                    to.chars().for_each(&mut emit);
                    i += from.len();
                    continue 'outer;
                }
            }
        }
        let c = bytes[i] as char;
        let next = bytes.get(i + 1).copied();
        match c {
            'q' => emit('k'),
            'c' if next != Some(b'h') => emit('k'),
            'w' => emit('v'),
            'y' | 'j' => emit('i'),
            'z' => emit('s'),
            'x' => {
                emit('k');
                emit('s');
            }
            _ => emit(c),
        }
        i += 1;
    }
    folded
}

/// Spellings of a word's first sound, as initials are transliterated: "Zh." and "J." both stand
/// for "Jomart"/"Zhomart", "Q." for "Kassym".
const FIRST_SOUNDS: &[(&str, &str)] = &[
    ("dzh", "j"),
    ("tsch", "ch"),
    ("sch", "sh"),
    ("tch", "ch"),
    ("zh", "j"),
    ("dj", "j"),
    ("kh", "h"),
    ("ch", "ch"),
    ("sh", "sh"),
    ("j", "j"),
    ("q", "k"),
    ("k", "k"),
    ("c", "k"),
    ("w", "v"),
    ("v", "v"),
    ("h", "h"),
];

/// The canonical spelling of the first sound of `word`, when it has one of several spellings.
pub(crate) fn first_sound(word: &str) -> Option<&'static str> {
    FIRST_SOUNDS
        .iter()
        .find(|(prefix, _)| word.starts_with(prefix))
        .map(|&(_, sound)| sound)
}

#[cfg(test)]
mod tests {
    use super::{drift_key, first_sound, ENDINGS, GROUPS};

    #[test]
    fn first_sounds() {
        assert_eq!(first_sound("zh"), first_sound("jomart"));
        assert_eq!(first_sound("q"), first_sound("kassym"));
        assert_ne!(first_sound("j"), first_sound("ivanka"));
        assert_eq!(first_sound("ivanka"), None);
    }

    fn same(words: &[&str]) {
        let key = drift_key(words[0]);
        for w in words {
            assert_eq!(drift_key(w), key, "{w} vs {}", words[0]);
        }
    }

    #[test]
    fn romanizations_meet() {
        same(&["tokayev", "tokaev", "tokajew", "toqaev"]);
        same(&["nazarbayev", "nazarbaev", "nasarbajew"]);
        same(&["kassym", "kasym", "qasym"]);
        same(&["zhomart", "jomart", "dzhomart"]);
        same(&["khrushchev", "hrushchev"]);
    }

    /// `drift_key` as first written, letter group by letter group, then folded: what the
    /// faster one must equal.
    fn drift_key_plain(token: &str) -> String {
        let mut word = token.to_string();
        for (from, to) in ENDINGS {
            if word.len() > from.len() + 2 && word.ends_with(from) {
                word.truncate(word.len() - from.len());
                word.push_str(to);
                break;
            }
        }
        let bytes = word.as_bytes();
        let mut out = String::with_capacity(word.len());
        let mut i = 0;
        'outer: while i < bytes.len() {
            for (from, to) in GROUPS {
                if bytes[i..].starts_with(from.as_bytes()) {
                    out.push_str(to);
                    i += from.len();
                    continue 'outer;
                }
            }
            let c = bytes[i] as char;
            let next = bytes.get(i + 1).copied();
            match c {
                'q' => out.push('k'),
                'c' if next != Some(b'h') => out.push('k'),
                'w' => out.push('v'),
                'y' | 'j' => out.push('i'),
                'z' => out.push('s'),
                'x' => out.push_str("ks"),
                _ => out.push(c),
            }
            i += 1;
        }
        // Doubled consonants are one ("Kassym", "Kasym"); doubled vowels are kept, since they
        // are written on purpose ("Maael" is not "Mael").
        let mut folded = String::with_capacity(out.len());
        for c in out.chars() {
            let vowel = matches!(c, 'a' | 'e' | 'i' | 'o' | 'u');
            if !folded.ends_with(c) || vowel || c.is_ascii_digit() {
                folded.push(c);
            }
        }
        folded
    }

    #[test]
    fn keys_equal_the_plain_reading() {
        // Every string of up to four letters over those the rules read, and longer words.
        let letters = b"tdszkpcohqwyjxeaiufv1";
        let mut words: Vec<String> = vec![String::new()];
        for _ in 0..4 {
            let longer: Vec<String> = words
                .iter()
                .flat_map(|w| letters.iter().map(move |&c| format!("{w}{}", c as char)))
                .collect();
            words.extend(longer.into_iter().filter(|w| w.len() <= 4));
            words.sort();
            words.dedup();
        }
        words.extend(
            [
                "tokayev",
                "khrushchev",
                "tschaikowsky",
                "dzhomart",
                "nazarbajew",
                "orloff",
                "kassym",
                "zhouxx",
                "ieffieff",
                "caffe",
                "moscow",
                "ssschhh",
                "żółć",
            ]
            .map(String::from),
        );
        assert!(words.len() > 190_000);
        for w in &words {
            assert_eq!(drift_key(w), drift_key_plain(w), "{w}");
        }
    }

    #[test]
    fn different_names_stay_apart() {
        assert_ne!(drift_key("tokayev"), drift_key("tokarev"));
        assert_ne!(drift_key("oman"), drift_key("aman"));
    }
}
