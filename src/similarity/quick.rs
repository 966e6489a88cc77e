//! The quick check that turns away, without building anything, the pairs of names no rule of the
//! resolver can relate: most pairs, when a name is compared with many others.

use std::sync::OnceLock;

use crate::distance::bounded_osa;
use crate::normalize::drift::drift_key;
use crate::normalize::{legal, match_text, Token};
use crate::rules::{edit_budget, MIN_DRIFT_LEN, MIN_WORDS_SPELLING_LEN};

/// One word of a name as the check reads it.
struct Word {
    text: String,
    /// Not a legal form: may meet another word within the edit budget or by romanization.
    fuzzy: bool,
    /// Its romanization drift key, when it is fuzzy and long enough to have one; made when a
    /// comparison first needs it (most pairs are settled before).
    drift: OnceLock<Option<String>>,
}

impl Word {
    fn drift(&self) -> Option<&str> {
        self.drift
            .get_or_init(|| {
                (self.fuzzy && self.text.len() >= MIN_DRIFT_LEN).then(|| drift_key(&self.text))
            })
            .as_deref()
    }
}

/// The words two names are compared by, made once per name: its tokens as matched, and the same
/// with legal forms folded, with what the check derives from them.
pub(super) struct Words {
    /// The tokens, then the tokens with legal forms folded when folding changes them.
    all: Vec<Word>,
    /// How many tokens the name has.
    tokens: usize,
    /// Whether a token comes from a lossy script (Han, kana, Arabic, Hebrew).
    lossy: bool,
    /// The name without spaces, as written and with legal forms folded, and without a leading
    /// article ("The Washington Post" is also `washingtonpost`).
    compacts: Vec<String>,
    /// The first letter of every word, for initials and acronyms.
    initials: Vec<u8>,
}

impl Words {
    pub(super) fn of(tokens: &[Token]) -> Words {
        let tokens: Vec<String> = tokens.iter().map(match_text).collect();
        // Most names hold no legal form: their folded words are their words, checked once.
        let folded = Some(legal::fold(&tokens)).filter(|folded| *folded != tokens);
        let mut compacts = vec![tokens.concat()];
        compacts.extend(folded.as_ref().map(|folded| folded.concat()));
        if tokens.len() > 2 && tokens[0] == "the" {
            compacts.push(tokens[1..].concat());
        }
        let lossy = tokens.iter().any(|t| t.starts_with('^'));
        let count = tokens.len();
        let all: Vec<Word> = tokens
            .into_iter()
            .chain(folded.into_iter().flatten())
            .map(|text| Word {
                fuzzy: !legal::is_legal_form(&text),
                text,
                drift: OnceLock::new(),
            })
            .collect();
        let initials = all.iter().filter_map(|w| w.text.bytes().next()).collect();
        Words {
            all,
            tokens: count,
            lossy,
            compacts,
            initials,
        }
    }
}

/// Whether two words may meet: the same, within the edit budget of the longer, another
/// romanization of each other, or the longer being the shorter run together with another word.
fn related(x: &Word, y: &Word) -> bool {
    let (a, b) = (x.text.as_str(), y.text.as_str());
    if a == b {
        return true;
    }
    if x.fuzzy && y.fuzzy {
        let budget = edit_budget(a.len().max(b.len()));
        if a.len().abs_diff(b.len()) <= budget
            && bounded_osa(a.as_bytes(), b.as_bytes(), budget).is_some()
        {
            return true;
        }
        if x.text.len().min(y.text.len()) >= MIN_DRIFT_LEN
            && x.drift().is_some()
            && x.drift() == y.drift()
        {
            return true;
        }
    }
    // A long word may be two words of the other name run together, one of them intact.
    a.len() > b.len() && b.len() >= 3 && (a.starts_with(b) || a.ends_with(b))
        || b.len() > a.len() && a.len() >= 3 && (b.starts_with(a) || b.ends_with(a))
}

/// Whether a word of `short` may be the initials of `long`, or an acronym of it: no longer than
/// two letters a word and one more, made only of letters that begin words of `long`.
fn spells(short: &Words, long: &Words) -> bool {
    short.all.iter().any(|w| {
        w.text.len() <= 2 * long.tokens + 1 && w.text.bytes().all(|c| long.initials.contains(&c))
    })
}

/// Whether the two names read the same word for word once normalized ("PARIS" and "Paris",
/// "São Paulo" and "Sao Paulo", "Kassym-Jomart" and "Kassym Jomart"): each is then the other's
/// exact name, which scores 1 without building anything.
pub(super) fn read_alike(a: &Words, b: &Words) -> bool {
    a.tokens > 0
        && a.tokens == b.tokens
        && a.all[..a.tokens]
            .iter()
            .zip(&b.all[..b.tokens])
            .all(|(x, y)| x.text == y.text)
}

/// False only when nothing in the resolver's rules can relate the two names, so that their
/// similarity is 0 without building anything: no word of one is a word of the other, nor within
/// the edit budget of one, nor another romanization of one; no word of one may be two words of
/// the other run together; neither name spelled whole is within the edit budget of the other;
/// neither is an acronym of the other; and neither is written in a lossy script (Han and kana
/// meet Latin names by their romanization). When in doubt, true: the full comparison decides.
pub(super) fn may_meet(a: &Words, b: &Words) -> bool {
    if a.tokens == 0 || b.tokens == 0 {
        return false;
    }
    if a.lossy || b.lossy {
        return true;
    }
    if a.all.iter().any(|x| b.all.iter().any(|y| related(x, y))) {
        return true;
    }
    if spells(a, b) || spells(b, a) {
        return true;
    }
    a.compacts.iter().any(|x| {
        b.compacts.iter().any(|y| {
            let len = x.len().max(y.len());
            x == y
                || len >= MIN_WORDS_SPELLING_LEN
                    && x.len().abs_diff(y.len()) <= edit_budget(len)
                    && bounded_osa(x.as_bytes(), y.as_bytes(), edit_budget(len)).is_some()
        })
    })
}

#[cfg(test)]
mod tests {
    use super::{may_meet, read_alike, Words};
    use crate::normalize::Normalizer;
    use crate::similarity::Name;

    /// `similarity` without the quick check.
    fn similarity_in_full(a: &str, b: &str, normalizer: &Normalizer) -> f64 {
        let (a, b) = (Name::new(a, normalizer), Name::new(b, normalizer));
        a.directed_to(&b, normalizer)
            .max(b.directed_to(&a, normalizer))
    }

    /// Pairs the quick check turns away score 0 in full: generated from words that meet in every
    /// way the rules know (typos, romanizations, legal forms, initials, acronyms, compounds,
    /// titles, nicknames, abbreviations, other scripts).
    #[test]
    fn the_quick_check_never_turns_away_a_pair_that_scores() {
        const WORDS: &[&str] = &[
            "kassym",
            "jomart",
            "tokayev",
            "tokaev",
            "tokajew",
            "toqaev",
            "john",
            "jon",
            "jane",
            "smith",
            "smyth",
            "robert",
            "bob",
            "siemens",
            "ag",
            "aktiengesellschaft",
            "llc",
            "ltd",
            "the",
            "of",
            "united",
            "arab",
            "emirates",
            "uae",
            "u.a.e.",
            "president",
            "dr",
            "huntington",
            "woods",
            "huntingtonwoods",
            "rep.",
            "republic",
            "k.",
            "j.-c.",
            "jc",
            "claude",
            "jean",
            "washington",
            "post",
            "washingtonpost",
            "токаев",
            "казахмыс",
            "kazakhmys",
            "too",
            "oman",
            "omen",
            "sa",
            "ksa",
            "saudi",
            "arabia",
            "kingdom",
            "x",
        ];
        let normalizer = Normalizer::new();
        let mut state = 0x2545_f491_4f6c_dd1du64;
        let mut next = move || {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state
        };
        let name = |next: &mut dyn FnMut() -> u64| -> String {
            let n = 1 + (next() % 4) as usize;
            (0..n)
                .map(|_| WORDS[(next() % WORDS.len() as u64) as usize])
                .collect::<Vec<_>>()
                .join(" ")
        };
        let mut turned_away = 0;
        for _ in 0..20_000 {
            let (a, b) = (name(&mut next), name(&mut next));
            if !may_meet(
                &Words::of(&normalizer.tokens(&a)),
                &Words::of(&normalizer.tokens(&b)),
            ) {
                turned_away += 1;
                let full = similarity_in_full(&a, &b, &normalizer);
                assert_eq!(full, 0.0, "{a} / {b}");
            }
        }
        assert!(
            turned_away > 1000,
            "the check turns pairs away: {turned_away}"
        );
    }

    /// Names that read alike once normalized are each other's exact name in full, too.
    #[test]
    fn names_that_read_alike_score_1_in_full() {
        let normalizer = Normalizer::new();
        let pairs = [
            ("PARIS", "Paris"),
            ("São Paulo", "Sao Paulo"),
            ("Kassym-Jomart Tokayev", "kassym jomart TOKAYEV"),
            ("K. Tokayev", "K Tokayev"),
            ("Siemens AG", "SIEMENS A.G."),
            ("US", "us"),
            ("Токаев", "ТОКАЕВ"),
            ("東京", "東京 "),
        ];
        for (a, b) in pairs {
            let words = |s: &str| Words::of(&normalizer.tokens(s));
            assert!(read_alike(&words(a), &words(b)), "{a} / {b}");
            assert_eq!(similarity_in_full(a, b, &normalizer), 1.0, "{a} / {b}");
        }
        let words = |s: &str| Words::of(&normalizer.tokens(s));
        assert!(!read_alike(&words("Paris"), &words("Parks")));
        assert!(!read_alike(&words("Paris"), &words("Paris Texas")));
        assert!(!read_alike(&words(""), &words("")));
    }
}
