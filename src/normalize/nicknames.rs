//! Nicknames and short forms of given names ("Bob" for Robert, "Bibi" for Benjamin), so that a
//! nickname meets the full name. Each group holds names that may stand for one another; a name
//! may belong to several groups ("Alex" is short for Alexander and Alexandra).

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

/// The names that may stand for `name` or that `name` may stand for, other than itself.
pub(crate) fn related(name: &str) -> impl Iterator<Item = &'static str> + '_ {
    GROUPS
        .iter()
        .filter(move |g| g.contains(&name))
        .flat_map(|g| g.iter().copied())
        .filter(move |n| *n != name)
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
