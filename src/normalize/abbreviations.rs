//! Abbreviated words of names ("Rep." for Republic, "Is." for Islands, "Utd" for United), as
//! statistical tables and government spreadsheets write them ("Egypt, Arab Rep.", "Micronesia,
//! Fed. Sts."), so that an abbreviation meets the word it stands for.
//!
//! Unlike nicknames, the relation is not transitive: "Fed." may stand for Federal or Federated,
//! which do not stand for each other.

use std::sync::OnceLock;

use rustc_hash::FxHashMap;

/// Each word in normalized form with its abbreviations.
const WORDS: &[(&str, &[&str])] = &[
    ("republic", &["rep", "repub"]),
    ("democratic", &["dem"]),
    ("federal", &["fed"]),
    ("federated", &["fed"]),
    ("federation", &["fed"]),
    ("states", &["sts"]),
    ("islands", &["is", "isl", "isls"]),
    ("island", &["is", "isl"]),
    ("isle", &["is"]),
    ("saint", &["st"]),
    ("sainte", &["ste"]),
    ("mount", &["mt"]),
    ("fort", &["ft"]),
    ("united", &["utd"]),
    ("north", &["n"]),
    ("south", &["s"]),
    ("east", &["e"]),
    ("west", &["w"]),
    ("international", &["intl"]),
    ("national", &["natl"]),
    ("government", &["govt"]),
    ("department", &["dept"]),
    ("university", &["univ"]),
    ("institute", &["inst"]),
    ("association", &["assn", "assoc"]),
    ("brothers", &["bros"]),
];

/// The words `word` may abbreviate, and the abbreviations of `word`, in the order of the table.
pub(crate) fn related(word: &str) -> impl Iterator<Item = &'static str> + '_ {
    static RELATED: OnceLock<FxHashMap<&'static str, Vec<&'static str>>> = OnceLock::new();
    let table = RELATED.get_or_init(|| {
        let mut table: FxHashMap<&'static str, Vec<&'static str>> = FxHashMap::default();
        for &(full, short) in WORDS {
            for &s in short {
                table.entry(s).or_default().push(full);
            }
            table.entry(full).or_default().extend(short.iter().copied());
        }
        table
    });
    table.get(word).into_iter().flatten().copied()
}

#[cfg(test)]
mod tests {
    use super::related;

    #[test]
    fn abbreviations_meet_their_words_both_ways() {
        assert_eq!(related("rep").collect::<Vec<_>>(), ["republic"]);
        assert_eq!(
            related("fed").collect::<Vec<_>>(),
            ["federal", "federated", "federation"]
        );
        assert_eq!(related("republic").collect::<Vec<_>>(), ["rep", "repub"]);
        assert!(related("islands").any(|w| w == "is"));
        // Two words one abbreviation may stand for are not related to each other.
        assert!(!related("federal").any(|w| w == "federated"));
        assert_eq!(related("kazakhstan").count(), 0);
    }
}
