//! Clustering a column of names without a knowledge base: which spellings name the same
//! entity, each group's canonical spelling, and the groups as a [`KnowledgeBase`] that a
//! [`Resolver`] can use from then on.
//!
//! The stages, one file each:
//! 1. `units`: the distinct spellings, grouped by the words they are matched by ("Siemens AG",
//!    "SIEMENS A.G."), so that each is compared once however often it occurs;
//! 2. with a knowledge base, the units that resolve to one of its entities take that entity;
//! 3. `pairs`: the other units indexed as a knowledge base of their own and each looked up in
//!    it with the resolver's readings and scorer (never all pairs);
//! 4. `distinct`: pairs that differ by words the column itself uses as two names ("Olivia",
//!    "Oliver": each in many names, in other company) are dropped;
//! 5. `join`: pairs taken from the best score down, two clusters joined only when the pair
//!    scores at least the threshold and the clusters, taken whole, are alike on average, so
//!    that a chain of near spellings does not join its ends;
//! 6. `surnames`: a cluster of surnames alone, one written with a title ("President Tokayev"),
//!    joins the one cluster of full names with that surname, when the column has only one;
//! 7. each cluster's canonical name: its most frequent spelling, ties to the most complete.
//!
//! [`fingerprint`] and [`ngram_fingerprint`] are OpenRefine's key-collision keys, byte for
//! byte, for blocking in engines such as Spark or Dask.
//!
//! ```
//! let names = ["Siemens AG", "SIEMENS Aktiengesellschaft", "Siemens", "Bosch GmbH",
//!              "Robert Bosch GmbH", "Bosch", "Tokayev, Kassym-Jomart", "Kassym-Jomart Tokayev"];
//! let clustering = canonica::Clusterer::new().cluster(&names)?;
//! let labels = clustering.labels();
//! assert_eq!(labels[0], labels[1]);
//! assert_eq!(labels[0], labels[2]);
//! assert_eq!(labels[3], labels[5]);
//! assert_eq!(labels[6], labels[7]);
//! assert_ne!(labels[0], labels[3]);
//! let siemens = &clustering.clusters()[labels[0].unwrap()];
//! assert_eq!(siemens.members, [0, 1, 2]);
//! let kb = clustering.to_knowledge_base()?;
//! let resolver = canonica::Resolver::new(kb)?;
//! assert_eq!(resolver.resolve("Siemens Aktiengesellschaft").unwrap().id, siemens.entity_id);
//! # Ok::<(), canonica::Error>(())
//! ```

mod distinct;
mod join;
mod keys;
mod pairs;
mod surnames;
mod units;

use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

use rustc_hash::FxHashMap;

use crate::error::{Error, Result};
use crate::kb::{Entity, KnowledgeBase};
use crate::resolve::{Match, Resolver};
pub use keys::{fingerprint, ngram_fingerprint};
use units::{canonical_order, Spelling, Unit};

/// The default threshold: the least score of a pair of spellings that may join their clusters.
pub const DEFAULT_CLUSTER_THRESHOLD: f64 = 0.85;
/// Share of the threshold the average score between two clusters must reach for them to join:
/// a little over half, so that three spellings one typo apart in a row ("Qazaqstan",
/// "Kazakstan", "Kazakhstan") join, and four do not.
const COHESION: f32 = 0.55;
/// Share of the threshold below which pairs are not looked for: they count as 0 on average.
const FLOOR: f32 = 0.45;

/// How far a clustering has come: read from another thread while [`Clusterer::cluster_with`]
/// runs (the command line's progress bar), which may also cancel it.
#[derive(Debug, Default)]
pub struct Progress {
    done: AtomicUsize,
    total: AtomicUsize,
    cancelled: AtomicBool,
}

impl Progress {
    /// A progress of nothing done out of nothing.
    pub fn new() -> Progress {
        Progress::default()
    }

    /// The spellings compared so far, and how many there are to compare (0 until known).
    pub fn get(&self) -> (usize, usize) {
        (
            self.done.load(Ordering::Relaxed),
            self.total.load(Ordering::Relaxed),
        )
    }

    /// Asks the clustering to stop: it returns an error soon after.
    pub fn cancel(&self) {
        self.cancelled.store(true, Ordering::Relaxed);
    }

    /// True once [`Progress::cancel`] was called.
    pub fn is_cancelled(&self) -> bool {
        self.cancelled.load(Ordering::Relaxed)
    }
}

/// Configures and runs a clustering.
#[derive(Clone, Debug)]
pub struct Clusterer {
    threshold: f64,
    resolver: Option<Resolver>,
}

impl Default for Clusterer {
    fn default() -> Clusterer {
        Clusterer {
            threshold: DEFAULT_CLUSTER_THRESHOLD,
            resolver: None,
        }
    }
}

/// One group of names that mean the same entity.
#[derive(Clone, Debug, PartialEq)]
pub struct Cluster {
    /// The cluster's number: its position in [`Clustering::clusters`], in the order of the
    /// clusters' first members.
    pub id: usize,
    /// The id its entity has in [`Clustering::to_knowledge_base`]: the knowledge base's id for
    /// names that resolved to one of its entities, otherwise the number as text (as
    /// `cluster-<number>` should the number be an id of the knowledge base).
    pub entity_id: String,
    /// The canonical name: the most frequent spelling, ties to the most complete (more words,
    /// then more characters), then to the first seen; the entity's name for names that
    /// resolved.
    pub name: String,
    /// The positions of the members in the input, in order.
    pub members: Vec<usize>,
    /// The distinct spellings, most frequent first.
    pub spellings: Vec<String>,
}

/// One step of the evidence that joined two names: spelling `a` met spelling `b` with this
/// score, for the reason given.
#[derive(Clone, Debug, PartialEq)]
pub struct Join {
    /// One spelling.
    pub a: String,
    /// The spelling (or, for names that resolved, the entity name) it met.
    pub b: String,
    /// How well they matched, in [0, 1].
    pub score: f64,
    /// Which words met which, as the resolver explains a match.
    pub evidence: String,
}

/// The result of clustering a column: a label per input and the clusters.
#[derive(Clone, Debug)]
pub struct Clustering {
    labels: Vec<Option<usize>>,
    clusters: Vec<Cluster>,
    unit_of_input: Vec<Option<u32>>,
    spelling_of_input: Vec<u32>,
    units: Vec<Unit>,
    /// For each unit, the joins it took part in (unit, score).
    joins: Vec<Vec<(u32, f32)>>,
    /// The joins of a titled surname to the one full name with it (see `surnames`).
    surname_joins: Vec<(u32, u32)>,
    /// The resolver over the units that were clustered, and each unit's position in it.
    units_resolver: Option<Resolver>,
    position: Vec<Option<u32>>,
    /// The knowledge base names were resolved against, and each unit's match.
    kb: Option<Resolver>,
    resolved: Vec<Option<Match>>,
}

impl Clusterer {
    /// A clusterer with the default threshold and no knowledge base.
    pub fn new() -> Clusterer {
        Clusterer::default()
    }

    /// The least score of a pair of spellings that may join their clusters, in [0, 1]:
    /// higher joins fewer names, more surely.
    pub fn threshold(mut self, threshold: f64) -> Clusterer {
        self.threshold = threshold;
        self
    }

    /// Names that this resolver resolves take its entity; the others are clustered among
    /// themselves.
    pub fn knowledge_base(mut self, resolver: Resolver) -> Clusterer {
        self.resolver = Some(resolver);
        self
    }

    /// Clusters names; every name has a label.
    pub fn cluster<S: AsRef<str> + Sync>(&self, names: &[S]) -> Result<Clustering> {
        let names: Vec<Option<&str>> = names.iter().map(|n| Some(n.as_ref())).collect();
        self.cluster_with(&names, &Progress::new())
    }

    /// Clusters names, `None` and empty ones (and names without letters or digits) left
    /// without a label, reporting how far it has come in `progress`.
    pub fn cluster_with<S: AsRef<str> + Sync>(
        &self,
        names: &[Option<S>],
        progress: &Progress,
    ) -> Result<Clustering> {
        if !(0.0..=1.0).contains(&self.threshold) {
            return Err(Error::invalid_argument(format!(
                "the threshold must be between 0 and 1, not {}",
                self.threshold
            )));
        }
        let units::Units {
            units,
            of_input,
            spelling_of_input,
        } = units::units(names);
        progress.total.store(units.len(), Ordering::Relaxed);
        let resolved: Vec<Option<Match>> = match &self.resolver {
            Some(r) => {
                let texts: Vec<&str> = units.iter().map(Unit::text).collect();
                r.resolve_many(&texts)
            }
            None => vec![None; units.len()],
        };
        // The units left to cluster, and each unit's position among them.
        let rest: Vec<u32> = (0..units.len() as u32)
            .filter(|&u| resolved[u as usize].is_none())
            .collect();
        let mut position = vec![None; units.len()];
        for (p, &u) in rest.iter().enumerate() {
            position[u as usize] = Some(p as u32);
        }
        progress
            .done
            .store(units.len() - rest.len(), Ordering::Relaxed);
        let rest_units: Vec<Unit> = rest.iter().map(|&u| units[u as usize].clone()).collect();
        let threshold = self.threshold as f32;
        let (units_resolver, root, joins, by_surname) = if rest_units.is_empty() {
            (None, Vec::new(), Vec::new(), Vec::new())
        } else {
            let resolver = pairs::index_units(&rest_units)?;
            let found = pairs::neighbours(
                &resolver,
                &rest_units,
                threshold * FLOOR,
                threshold,
                progress,
            );
            if progress.is_cancelled() {
                return Err(Error::invalid_argument("the clustering was cancelled"));
            }
            let mut scored = pairs::symmetric(&found);
            // Before joining: pairs that differ by words the column uses as other names.
            distinct::drop_other_names(&mut scored, &distinct::Vocabulary::new(&rest_units));
            let join::Joined {
                mut root,
                mut joins,
            } = join::join(&scored, threshold, COHESION);
            let by_surname = surnames::join_titled_surnames(&rest_units, &scored, &mut root);
            joins.extend(by_surname.iter().copied());
            (Some(resolver), root, joins, by_surname)
        };
        drop(rest_units);
        let surname_joins = by_surname
            .iter()
            .map(|&(a, b, _)| (rest[a as usize], rest[b as usize]))
            .collect();
        let mut unit_joins: Vec<Vec<(u32, f32)>> = vec![Vec::new(); units.len()];
        for (a, b, s) in joins {
            let (a, b) = (rest[a as usize], rest[b as usize]);
            unit_joins[a as usize].push((b, s));
            unit_joins[b as usize].push((a, s));
        }
        // A group key per unit: the entity it resolved to, or its cluster among the rest.
        let groups: Vec<GroupKey> = (0..units.len())
            .map(|u| match (&resolved[u], position[u]) {
                (Some(m), _) => GroupKey::Entity(m.id.clone()),
                (_, p) => GroupKey::Rest(p.map_or(u32::MAX, |p| root[p as usize])),
            })
            .collect();
        let mut clustering = Clustering {
            labels: Vec::new(),
            clusters: Vec::new(),
            unit_of_input: of_input,
            spelling_of_input,
            units,
            joins: unit_joins,
            surname_joins,
            units_resolver,
            position,
            kb: self.resolver.clone(),
            resolved,
        };
        clustering.assemble(|u| groups[u].clone());
        Ok(clustering)
    }
}

/// What makes units one cluster.
#[derive(Clone, PartialEq, Eq, Hash)]
enum GroupKey {
    Entity(String),
    Rest(u32),
}

impl Clustering {
    /// Numbers the clusters in the order of their first members and fills in their names,
    /// members and spellings.
    fn assemble(&mut self, group_of: impl Fn(usize) -> GroupKey) {
        let mut cluster_of_group: FxHashMap<GroupKey, usize> = FxHashMap::default();
        let mut cluster_of_unit: Vec<usize> = vec![usize::MAX; self.units.len()];
        let mut labels = Vec::with_capacity(self.unit_of_input.len());
        let mut clusters: Vec<Cluster> = Vec::new();
        let mut spellings: Vec<Vec<Spelling>> = Vec::new();
        for (i, unit) in self.unit_of_input.iter().enumerate() {
            let Some(u) = *unit else {
                labels.push(None);
                continue;
            };
            let u = u as usize;
            if cluster_of_unit[u] == usize::MAX {
                let next = clusters.len();
                let c = *cluster_of_group.entry(group_of(u)).or_insert(next);
                if c == next {
                    clusters.push(Cluster {
                        id: c,
                        entity_id: String::new(),
                        name: String::new(),
                        members: Vec::new(),
                        spellings: Vec::new(),
                    });
                    spellings.push(Vec::new());
                }
                cluster_of_unit[u] = c;
                spellings[c].extend(self.units[u].spellings.iter().cloned());
            }
            let c = cluster_of_unit[u];
            clusters[c].members.push(i);
            labels.push(Some(c));
        }
        for (c, mut list) in clusters.iter_mut().zip(spellings) {
            list.sort_by(canonical_order);
            c.spellings = list.into_iter().map(|s| s.text).collect();
            let u = self.unit_of_input[c.members[0]].unwrap_or(0) as usize;
            match &self.resolved[u] {
                Some(m) => {
                    c.entity_id = m.id.clone();
                    c.name = m.name.clone();
                }
                None => {
                    let number = c.id.to_string();
                    c.entity_id = if self.kb.as_ref().is_some_and(|kb| kb.contains(&number)) {
                        format!("cluster-{number}")
                    } else {
                        number
                    };
                    c.name = c.spellings[0].clone();
                }
            }
        }
        self.labels = labels;
        self.clusters = clusters;
    }

    /// The cluster of each input, `None` for a missing or empty name or one without letters
    /// or digits.
    pub fn labels(&self) -> &[Option<usize>] {
        &self.labels
    }

    /// The clusters, in the order of their first members.
    pub fn clusters(&self) -> &[Cluster] {
        &self.clusters
    }

    /// One entity per cluster: id [`Cluster::entity_id`], name the canonical name, the other
    /// spellings as aliases. A cluster of names that resolved keeps its entity's record, with
    /// the spellings it did not list added as aliases.
    pub fn to_knowledge_base(&self) -> Result<KnowledgeBase> {
        let mut kb = KnowledgeBase::new();
        for c in &self.clusters {
            let known = self.kb.as_ref().and_then(|k| k.entity(&c.entity_id));
            let mut entity = match known {
                Some(e) if self.resolved_cluster(c) => e,
                _ => Entity::new(c.entity_id.clone(), c.name.clone()),
            };
            let new: Vec<String> = c
                .spellings
                .iter()
                .filter(|s| !entity.names().any(|n| n == s.as_str()))
                .cloned()
                .collect();
            entity.aliases.extend(new);
            kb.add(entity)?;
        }
        Ok(kb)
    }

    fn resolved_cluster(&self, c: &Cluster) -> bool {
        let u = self.unit_of_input[c.members[0]].unwrap_or(0) as usize;
        self.resolved[u].is_some()
    }

    /// Why inputs `i` and `j` are in one cluster: the chain of pairs that joined them, each
    /// with its score and evidence; `None` when they are not in one cluster. An error when
    /// either is not a position of the input.
    pub fn explain(&self, i: usize, j: usize) -> Result<Option<Vec<Join>>> {
        let n = self.labels.len();
        for p in [i, j] {
            if p >= n {
                return Err(Error::invalid_argument(format!(
                    "position {p} is out of range: the input has {n} names"
                )));
            }
        }
        let (Some(ui), Some(uj)) = (self.unit_of_input[i], self.unit_of_input[j]) else {
            return Ok(None);
        };
        if self.labels[i] != self.labels[j] {
            return Ok(None);
        }
        let (ui, uj) = (ui as usize, uj as usize);
        if ui == uj {
            let (a, b) = (self.spelling_at(i), self.spelling_at(j));
            return Ok(Some(vec![Join {
                evidence: format!("the same words once normalized: {}", crate::normalize(&a)),
                a,
                b,
                score: 1.0,
            }]));
        }
        if let (Some(mi), Some(mj)) = (&self.resolved[ui], &self.resolved[uj]) {
            let step = |u: usize, m: &Match| Join {
                a: self.units[u].text().to_string(),
                b: m.name.clone(),
                score: m.score,
                evidence: format!("resolves to {}: {}", m.id, m.evidence),
            };
            return Ok(Some(vec![step(ui, mi), step(uj, mj)]));
        }
        let path = self.path(ui, uj);
        Ok(Some(
            path.windows(2)
                .map(|w| self.join_step(w[0] as usize, w[1] as usize))
                .collect(),
        ))
    }

    /// The spelling of input `i` as written.
    fn spelling_at(&self, i: usize) -> String {
        let u = self.unit_of_input[i].unwrap_or(0) as usize;
        let unit = &self.units[u];
        unit.spellings
            .get(self.spelling_of_input[i] as usize)
            .map_or_else(|| unit.text().to_string(), |s| s.text.clone())
    }

    /// The units joined one to the next from `from` to `to` (breadth first over the joins).
    fn path(&self, from: usize, to: usize) -> Vec<u32> {
        let mut came_from: FxHashMap<u32, u32> = FxHashMap::default();
        let mut queue = std::collections::VecDeque::from([from as u32]);
        came_from.insert(from as u32, from as u32);
        while let Some(x) = queue.pop_front() {
            if x as usize == to {
                break;
            }
            for &(y, _) in &self.joins[x as usize] {
                if let std::collections::hash_map::Entry::Vacant(e) = came_from.entry(y) {
                    e.insert(x);
                    queue.push_back(y);
                }
            }
        }
        let mut path = vec![to as u32];
        while let Some(&prev) = came_from.get(path.last().unwrap_or(&0)) {
            if prev == *path.last().unwrap_or(&0) {
                break;
            }
            path.push(prev);
        }
        path.reverse();
        path
    }

    /// The evidence of one join between units `x` and `y`.
    fn join_step(&self, x: usize, y: usize) -> Join {
        let score = self.joins[x]
            .iter()
            .find(|&&(v, _)| v as usize == y)
            .map_or(0.0, |&(_, s)| s);
        let (a, b) = (self.units[x].text(), self.units[y].text());
        let matched = |q: &str, target: usize| -> Option<Match> {
            let r = self.units_resolver.as_ref()?;
            r.read().match_entity(q, self.position[target]?)
        };
        // The direction that scored the pair.
        let best = [matched(a, y), matched(b, x)]
            .into_iter()
            .flatten()
            .max_by(|m, n| m.score.total_cmp(&n.score));
        let mut evidence = best.map_or_else(String::new, |m| m.evidence);
        let (x, y) = (x as u32, y as u32);
        if self.surname_joins.contains(&(x, y)) || self.surname_joins.contains(&(y, x)) {
            evidence.push_str("; a surname with a title, and the only full name with it");
        }
        Join {
            a: a.to_string(),
            b: b.to_string(),
            score: (score as f64 * 10_000.0).round() / 10_000.0,
            evidence,
        }
    }
}
