//! canonica resolves the many ways people write a name to one canonical ID.
//!
//! "Tokayev", "President Tokayev", "Kassym-Jomart Tokayev", "Tokaev" and "Токаев" are one person;
//! "UAE", "U.A.E." and "United Arab Emirates" are one country. canonica normalizes names, indexes
//! a knowledge base of entities and their aliases, and scores candidates with evidence, preferring
//! no answer to a wrong one.
//!
//! The data flows through one module per stage (`ARCHITECTURE.md` says what each may import):
//!
//! | stage | module | what it does |
//! |---|---|---|
//! | records | [`kb`] | [`Entity`] and the validated [`KnowledgeBase`], from JSONL, JSON, CSV |
//! | normalize | [`normalize`](mod@normalize) | text to comparable tokens, with spans into the original |
//! | rules | [`rules`] | the shared matching rules: edit budget, token weights, score constants |
//! | index | `index` | keys to candidate aliases: exact, compact, token, acronym, fuzzy |
//! | query | `query` | a name as typed to keys and word readings (titles, initials, legal forms) |
//! | candidates | `candidates` | the few aliases worth scoring for a query |
//! | score | `score` | a candidate to a score in [0, 1]; its evidence, built apart |
//! | resolve | [`resolve`] | the best match above a threshold, candidates, batches |
//! | link | [`link`] | mentions of entities in running text, with offsets |
//! | store | [`store`] | save and load a resolver as versioned bytes |
//!
//! [`similarity`] compares two names directly with the same rules; [`countries`] is a built-in
//! knowledge base of every ISO 3166-1 country. [`cluster`](mod@cluster) groups a column of names
//! without a knowledge base ([`Clusterer`]), and gives OpenRefine's keys ([`fingerprint`],
//! [`ngram_fingerprint`]).
//!
//! ```
//! use canonica::{Entity, KnowledgeBase, Resolver};
//!
//! let mut kb = KnowledgeBase::new();
//! kb.add(Entity::new("Q_tokayev", "Kassym-Jomart Tokayev").with_kind("person"))?;
//! kb.add(
//!     Entity::new("AE", "United Arab Emirates")
//!         .with_aliases(["Emirates"])
//!         .with_kind("country"),
//! )?;
//! let resolver = Resolver::new(kb)?;
//!
//! for name in ["Tokayev", "President Tokayev", "Kassym Jomart Tokayev", "Tokaev", "Токаев"] {
//!     assert_eq!(resolver.resolve(name).unwrap().id, "Q_tokayev", "{name}");
//! }
//! for name in ["UAE", "U.A.E.", "united arab emirates"] {
//!     assert_eq!(resolver.resolve(name).unwrap().id, "AE", "{name}");
//! }
//! assert!(resolver.resolve("President").is_none());
//! # Ok::<(), canonica::Error>(())
//! ```
#![deny(missing_docs)]

mod candidates;
pub mod cluster;
mod codec;
mod countries;
mod distance;
pub mod error;
mod files;
#[doc(hidden)]
pub mod fork;
mod index;
pub mod interrupt;
pub mod kb;
pub mod link;
pub mod normalize;
mod query;
pub mod resolve;
pub mod rules;
mod score;
mod similarity;
pub mod store;
pub mod threads;
mod update;

pub use cluster::{
    fingerprint, ngram_fingerprint, Cluster, Clusterer, Clustering, Join, Progress,
    DEFAULT_CLUSTER_THRESHOLD,
};
pub use countries::countries;
pub use error::{Error, ErrorKind, Location, Result};
pub use files::{MAX_FILE_BYTES, MAX_LINE_BYTES};
pub use kb::{CsvOptions, Entity, KnowledgeBase};
pub use link::{LinkOptions, LinkedSpan, Mention};
pub use normalize::{normalize, Normalizer, Token};
pub use resolve::{
    Match, ResolveOptions, Resolver, ResolverBuilder, DEFAULT_MARGIN, DEFAULT_THRESHOLD,
    REBUILD_SHARE,
};
pub use rules::Method;
pub use similarity::{similarity, similarity_matrix, similarity_pairs};
pub use threads::{num_threads, set_num_threads};

#[cfg(test)]
mod send_sync {
    fn assert_send_sync<T: Send + Sync>() {}

    #[test]
    fn public_types_are_send_and_sync() {
        assert_send_sync::<crate::Error>();
        assert_send_sync::<crate::Entity>();
        assert_send_sync::<crate::KnowledgeBase>();
        assert_send_sync::<crate::Normalizer>();
        assert_send_sync::<crate::Resolver>();
        assert_send_sync::<crate::ResolverBuilder>();
        assert_send_sync::<crate::Match>();
        assert_send_sync::<crate::Token>();
        assert_send_sync::<crate::Mention>();
        assert_send_sync::<crate::LinkOptions>();
        assert_send_sync::<crate::ResolveOptions>();
        assert_send_sync::<crate::LinkedSpan>();
        assert_send_sync::<crate::Clusterer>();
        assert_send_sync::<crate::Clustering>();
        assert_send_sync::<crate::Cluster>();
        assert_send_sync::<crate::Join>();
        assert_send_sync::<crate::Progress>();
    }
}

/// The README's Rust examples, compiled and run as doctests.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
struct ReadmeDoctests;
