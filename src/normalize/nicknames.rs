//! Nicknames and short forms of given names ("Bob" for Robert, "Bibi" for Benjamin), so that a
//! nickname meets the full name. Each group holds names that may stand for one another; a name
//! may belong to several groups ("Alex" is short for Alexander and Alexandra).

use std::sync::OnceLock;

use rustc_hash::FxHashMap;

/// Groups of interchangeable given names, in normalized form, the formal name first.
const GROUPS: &[&[&str]] = &[
    &["abraham", "abe"],
    &[
        "alexander",
        "alex",
        "sasha",
        "sandy",
        "alec",
        "aleksandr",
        "alexandr",
    ],
    &["alexandra", "alex", "sasha", "sandra", "alexa"],
    &["andrew", "andy", "drew"],
    &["anthony", "tony"],
    &["benjamin", "ben", "benny", "bibi", "binyamin"],
    &["charles", "charlie", "chuck", "chas"],
    &["christopher", "chris", "kit"],
    &["daniel", "dan", "danny"],
    &["david", "dave", "davy"],
    &["dmitry", "dmitri", "dima"],
    &["donald", "don", "donnie"],
    &["edward", "ed", "eddie", "ted", "ned"],
    &[
        "elizabeth",
        "liz",
        "beth",
        "betty",
        "eliza",
        "lisa",
        "libby",
    ],
    &["francis", "frank", "fran"],
    &["frederick", "fred", "freddie"],
    &["gregory", "greg"],
    &["henry", "harry", "hank"],
    &["ivan", "vanya"],
    &["james", "jim", "jimmy", "jamie"],
    &["jennifer", "jen", "jenny"],
    &["john", "jon", "jack", "johnny"],
    &["jonathan", "jon", "jonny"],
    &["joseph", "joe", "joey"],
    &[
        "katherine",
        "kate",
        "kathy",
        "katie",
        "catherine",
        "kathryn",
    ],
    &["kassym", "kasym", "qasym"],
    &["lawrence", "larry"],
    &["margaret", "maggie", "meg", "peggy"],
    &["michael", "mike", "mick", "mikhail", "misha"],
    &["mohammed", "muhammad", "mohamed", "mohammad", "muhammed"],
    &["nicholas", "nick", "nicky", "nikolai", "kolya"],
    &["patrick", "pat", "paddy"],
    &["peter", "pete", "pyotr"],
    &["richard", "rick", "dick", "rich", "ricky"],
    &["robert", "bob", "bobby", "rob", "robbie", "bert"],
    &["ronald", "ron", "ronnie"],
    &["samuel", "sam", "sammy"],
    &["stephen", "steve", "steven"],
    &["susan", "sue", "susie"],
    &["theodore", "ted", "teddy", "theo"],
    &["thomas", "tom", "tommy"],
    &["timothy", "tim"],
    &["vladimir", "volodymyr", "vova", "volodya"],
    &["william", "bill", "billy", "will", "willy", "liam"],
    &["yevgeny", "evgeny", "zhenya", "eugene"],
];

/// The names that may stand for `name` or that `name` may stand for, other than itself, in the
/// order of the table.
pub(crate) fn related(name: &str) -> impl Iterator<Item = &'static str> + '_ {
    static RELATED: OnceLock<FxHashMap<&'static str, Vec<&'static str>>> = OnceLock::new();
    let table = RELATED.get_or_init(|| {
        let mut table: FxHashMap<&'static str, Vec<&'static str>> = FxHashMap::default();
        for group in GROUPS {
            for &name in *group {
                let others = group.iter().copied().filter(move |n| *n != name);
                table.entry(name).or_default().extend(others);
            }
        }
        table
    });
    table.get(name).into_iter().flatten().copied()
}

#[cfg(test)]
mod tests {
    use super::related;

    #[test]
    fn nicknames_meet_their_names() {
        assert!(related("bibi").any(|n| n == "benjamin"));
        assert!(related("robert").any(|n| n == "bob"));
        assert!(related("jon").any(|n| n == "john"));
        assert!(related("alex").any(|n| n == "alexandra"));
        assert_eq!(related("tokayev").count(), 0);
        assert!(!related("bob").any(|n| n == "bob"));
    }
}
