//! Pairwise name similarity: how alike two names are, in [0, 1], under the same normalization and
//! rules as resolution (titles, initials, legal forms, transliteration, romanization drift,
//! nicknames, typos).
//!
//! ```
//! use canonica::similarity;
//! assert!(similarity("Siemens AG", "Siemens Aktiengesellschaft") > 0.95);
//! assert!(similarity("Bibi Netanyahu", "Benjamin Netanyahu") > 0.9);
//! assert!(similarity("Tokayev, Kassym-Jomart", "Kassym-Jomart Tokayev") > 0.9);
//! assert!(similarity("Токаев", "Tokayev") > 0.9);
//! assert!(similarity("John Smith", "Jane Smith") < 0.5);
//! assert_eq!(similarity("Washington Post", "Kazakhstan"), 0.0);
//! ```

use crate::distance::bounded_osa;
use crate::index::Index;
use crate::kb::{Entity, EntitySlots, KnowledgeBase};
use crate::normalize::drift::drift_key;
use crate::normalize::{legal, match_text, Normalizer, Token};
use crate::query::Query;
use crate::resolve::{State, DEFAULT_MARGIN, DEFAULT_THRESHOLD, REBUILD_SHARE};
use crate::rules::{edit_budget, MIN_DRIFT_LEN, MIN_SPELLING_LEN};

/// The best score of `query` against `name`, read either as a person's name (a surname alone may
/// match) or as another kind of name (legal forms fold): a resolver of those two entities, made
/// without the locks and checks a shared one needs. Both names come with their tokens, made once
/// for the two directions.
fn directed(query: (&str, &[Token]), name: (&str, &[Token]), normalizer: &Normalizer) -> f64 {
    let (name, name_tokens) = name;
    // A name with no letters or digits gets no alias, and is like nothing.
    let person = Entity::new("person", name).with_kind("person");
    let other = Entity::new("other", name);
    let Ok(kb) = KnowledgeBase::from_saved(vec![person, other]) else {
        return 0.0;
    };
    let Some(query) = Query::from_tokens(query.0, query.1.to_vec()) else {
        return 0.0;
    };
    let tokenize = |text: &str| {
        if text == name {
            name_tokens.to_vec()
        } else {
            normalizer.tokens(text)
        }
    };
    let state = State {
        index: Index::build_with(&kb, normalizer, &tokenize),
        kb: EntitySlots::from(kb),
        normalizer: normalizer.clone(),
        threshold: DEFAULT_THRESHOLD,
        margin: DEFAULT_MARGIN,
        rebuild_share: REBUILD_SHARE,
    };
    state.best_score(query).unwrap_or(0.0)
}

/// How alike two names are, in [0, 1]: 1 for two spellings of one name, 0 for unrelated names.
/// Symmetric: `similarity(a, b) == similarity(b, a)`. A name contained in the other (a surname, a
/// name without its legal form) scores as high as resolution would score it.
pub fn similarity(a: &str, b: &str) -> f64 {
    let normalizer = Normalizer::new();
    let (ta, tb) = (normalizer.tokens(a), normalizer.tokens(b));
    if !may_meet(&ta, &tb) {
        return 0.0;
    }
    let (a, b) = ((a, ta.as_slice()), (b, tb.as_slice()));
    directed(a, b, &normalizer).max(directed(b, a, &normalizer))
}

/// The words two names are compared by: their tokens as matched, and the same with legal forms
/// folded.
struct Words {
    tokens: Vec<String>,
    folded: Vec<String>,
    /// Whether a token comes from a lossy script (Han, kana, Arabic, Hebrew).
    lossy: bool,
}

impl Words {
    fn of(tokens: &[Token]) -> Words {
        let tokens: Vec<String> = tokens.iter().map(match_text).collect();
        Words {
            folded: legal::fold(&tokens),
            lossy: tokens.iter().any(|t| t.starts_with('^')),
            tokens,
        }
    }

    fn all(&self) -> impl Iterator<Item = &str> {
        self.tokens.iter().chain(&self.folded).map(String::as_str)
    }

    /// The name without spaces, as written and with legal forms folded, and without a leading
    /// article ("The Washington Post" is also `washingtonpost`).
    fn compacts(&self) -> Vec<String> {
        let mut out = vec![self.tokens.concat(), self.folded.concat()];
        if self.tokens.len() > 2 && self.tokens[0] == "the" {
            out.push(self.tokens[1..].concat());
        }
        out
    }
}

/// False only when nothing in the resolver's rules can relate the two names, so that their
/// similarity is 0 without building anything: no word of one is a word of the other, nor within
/// the edit budget of one, nor another romanization of one; no word of one may be two words of
/// the other run together; neither name spelled whole is within the edit budget of the other;
/// neither is an acronym of the other; and neither is written in a lossy script (Han and kana
/// meet Latin names by their romanization). When in doubt, true: the full comparison decides.
fn may_meet(a: &[Token], b: &[Token]) -> bool {
    let (a, b) = (Words::of(a), Words::of(b));
    if a.tokens.is_empty() || b.tokens.is_empty() {
        return false;
    }
    if a.lossy || b.lossy {
        return true;
    }
    let related = |x: &str, y: &str| {
        if x == y {
            return true;
        }
        let budget = edit_budget(x.len().max(y.len()));
        let fuzzy = |w: &str| !legal::is_legal_form(w);
        if fuzzy(x) && fuzzy(y) {
            if bounded_osa(x.as_bytes(), y.as_bytes(), budget).is_some() {
                return true;
            }
            if x.len() >= MIN_DRIFT_LEN && y.len() >= MIN_DRIFT_LEN && drift_key(x) == drift_key(y)
            {
                return true;
            }
        }
        // A long word may be two words of the other name run together, one of them intact.
        x.len() > y.len() && y.len() >= 3 && (x.starts_with(y) || x.ends_with(y))
            || y.len() > x.len() && x.len() >= 3 && (y.starts_with(x) || y.ends_with(x))
    };
    if a.all().any(|x| b.all().any(|y| related(x, y))) {
        return true;
    }
    // Initials taken letter by letter, and acronyms: letters of one that begin words of the
    // other.
    let initials = |w: &Words| -> Vec<u8> { w.all().filter_map(|t| t.bytes().next()).collect() };
    let spells = |short: &Words, long: &Words| {
        let letters = initials(long);
        short.all().any(|t| {
            t.len() <= 2 * long.tokens.len() + 1 && t.bytes().all(|c| letters.contains(&c))
        })
    };
    if spells(&a, &b) || spells(&b, &a) {
        return true;
    }
    a.compacts().iter().any(|x| {
        b.compacts().iter().any(|y| {
            let len = x.len().max(y.len());
            x == y
                || len >= MIN_SPELLING_LEN
                    && bounded_osa(x.as_bytes(), y.as_bytes(), edit_budget(len)).is_some()
        })
    })
}

#[cfg(test)]
mod tests {
    use super::{directed, may_meet, similarity};
    use crate::normalize::Normalizer;

    /// `similarity` without the quick check.
    fn similarity_in_full(a: &str, b: &str, normalizer: &Normalizer) -> f64 {
        let (ta, tb) = (normalizer.tokens(a), normalizer.tokens(b));
        let (a, b) = ((a, ta.as_slice()), (b, tb.as_slice()));
        directed(a, b, normalizer).max(directed(b, a, normalizer))
    }

    #[test]
    fn symmetric_and_bounded() {
        let pairs = [
            ("Tokayev", "Kassym-Jomart Tokayev"),
            ("J.-C. Juncker", "Jean-Claude Juncker"),
            ("Kazakhmys LLP", "ТОО Казахмыс"),
            ("", "Tokayev"),
            ("President", "Tokayev"),
        ];
        for (a, b) in pairs {
            let s = similarity(a, b);
            assert_eq!(s, similarity(b, a), "{a} / {b}");
            assert!((0.0..=1.0).contains(&s), "{a} / {b}: {s}");
        }
    }

    #[test]
    fn orders_variants_above_strangers() {
        let same = similarity("President Tokayev", "Kassym-Jomart Tokayev");
        let typo = similarity("Tokaev", "Tokayev");
        let other = similarity("Tokarev", "Tokayev");
        let stranger = similarity("Nazarbayev", "Tokayev");
        assert!(same > 0.85 && typo > 0.85, "{same} {typo}");
        assert!(other < typo, "{other} {typo}");
        assert!(stranger < 0.3, "{stranger}");
        assert_eq!(similarity("", ""), 0.0);
        assert_eq!(similarity("UAE", "U.A.E."), 1.0);
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
            if !may_meet(&normalizer.tokens(&a), &normalizer.tokens(&b)) {
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
}
