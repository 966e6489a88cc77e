//! Live updates: entities added, updated and removed on a built resolver, which then answers
//! exactly as a resolver built from scratch on the resulting entities would (same ids, scores and
//! evidence: token weights and the acronyms the knowledge base allows follow every change).
//!
//! A call changes the index in place (see `index::update`), under the resolver's write lock:
//! readers see the call whole or not at all, and wait for it only as long as it takes (a few
//! milliseconds for one entity). Calls come one at a time. When the changes made since the index
//! was built reach [`REBUILD_SHARE`] of its aliases (added and removed ones counted), the call
//! that crossed the line rebuilds the index from the live entities, without holding the write
//! lock: readers go on with the old index until the new one takes its place.

use std::collections::HashSet;

use crate::error::{Error, Result};
use crate::index::Index;
use crate::interrupt;
use crate::kb::{Entity, EntitySlots};
use crate::resolve::{Resolver, State};

/// One change of a call.
enum Change {
    Add(Entity),
    Update(Entity),
    Remove(String),
}

impl Resolver {
    /// Adds entities with new ids. Every entity is validated as
    /// [`KnowledgeBase::add`](crate::KnowledgeBase::add) does; an id that exists already, or that
    /// comes twice, is an error naming its record (1-based). The call is atomic: after an error
    /// nothing changed.
    ///
    /// ```
    /// use canonica::{Entity, KnowledgeBase, Resolver};
    /// let mut kb = KnowledgeBase::new();
    /// kb.add(Entity::new("KZ", "Kazakhstan"))?;
    /// let r = Resolver::new(kb)?;
    /// r.add([Entity::new("UZ", "Uzbekistan").with_aliases(["Ozbekiston"])])?;
    /// assert_eq!(r.resolve("Ozbekiston").unwrap().id, "UZ");
    /// assert!(r.add([Entity::new("KZ", "Qazaqstan")]).is_err(), "KZ exists: use update");
    /// # Ok::<(), canonica::Error>(())
    /// ```
    pub fn add(&self, entities: impl IntoIterator<Item = Entity>) -> Result<()> {
        self.apply(entities.into_iter().map(Change::Add).collect())
    }

    /// Replaces the entities with these ids, or adds them when they are new. Validated and
    /// atomic as [`Resolver::add`] is. An updated entity keeps its place in the knowledge base.
    pub fn update(&self, entities: impl IntoIterator<Item = Entity>) -> Result<()> {
        self.apply(entities.into_iter().map(Change::Update).collect())
    }

    /// Removes the entities with these ids; an id no entity has, or that comes twice, is an
    /// error naming its position (1-based), and the call changes nothing.
    pub fn remove<I, S>(&self, ids: I) -> Result<()>
    where
        I: IntoIterator<Item = S>,
        S: AsRef<str>,
    {
        let changes = ids
            .into_iter()
            .map(|id| Change::Remove(id.as_ref().to_string()))
            .collect();
        self.apply(changes)
    }

    /// Checks every change, applies them all under the write lock, and rebuilds the index when
    /// the changes have grown past the rebuild share of it.
    fn apply(&self, changes: Vec<Change>) -> Result<()> {
        let writer = self
            .shared()
            .writer
            .lock()
            .unwrap_or_else(|e| e.into_inner());
        check(&self.read(), &changes)?;
        let rebuild = {
            let mut state = self.write();
            let State {
                kb,
                index,
                normalizer,
                rebuild_share,
                ..
            } = &mut *state;
            index.prepare_changes(kb.as_slice(), normalizer);
            for change in changes {
                apply_one(kb, index, normalizer, change);
            }
            index.finish_changes(kb.len());
            index.changed_share() > *rebuild_share
        };
        if rebuild {
            // The live entities are copied under the read lock; the index is built with no lock
            // held, and the writer lock keeps other updates out until it takes the old one's
            // place.
            let (kb, normalizer) = {
                let state = self.read();
                (state.kb.to_knowledge_base(), state.normalizer.clone())
            };
            // An interrupted rebuild leaves the changed index, which answers the same; the next
            // call that changes anything rebuilds it.
            if let Ok(index) = Index::build(&kb, &normalizer) {
                let mut state = self.write();
                state.kb = EntitySlots::from(kb);
                state.index = index;
            }
        }
        drop(writer);
        Ok(())
    }
}

/// Checks a call's changes against the resolver's entities before anything changes.
fn check(state: &State, changes: &[Change]) -> Result<()> {
    let mut seen: HashSet<&str> = HashSet::new();
    for (i, change) in changes.iter().enumerate() {
        interrupt::check()?;
        let record = i as u64 + 1;
        let at = |e: Error| e.at_record(record);
        let id = match change {
            Change::Add(e) | Change::Update(e) => {
                e.validate().map_err(at)?;
                &e.id
            }
            Change::Remove(id) => id,
        };
        if !seen.insert(id) {
            return Err(at(Error::invalid_record(format!(
                "the id {id:?} comes twice in one call"
            ))
            .in_field("id")));
        }
        let exists = state.kb.slot_of(id).is_some();
        match change {
            Change::Add(_) if exists => {
                return Err(at(Error::invalid_record(format!(
                    "an entity with the id {id:?} exists already; update replaces it"
                ))
                .in_field("id")));
            }
            Change::Remove(_) if !exists => {
                return Err(at(Error::invalid_record(format!(
                    "no entity has the id {id:?}"
                ))
                .in_field("id")));
            }
            _ => {}
        }
    }
    Ok(())
}

/// Applies one checked change to the entities and the index.
fn apply_one(
    kb: &mut EntitySlots,
    index: &mut Index,
    normalizer: &crate::normalize::Normalizer,
    change: Change,
) {
    match change {
        Change::Add(entity) => {
            let slot = kb.push(entity);
            if let Some(entity) = kb.at(slot) {
                index.add_entity(slot, entity, normalizer);
            }
        }
        Change::Update(entity) => match kb.slot_of(&entity.id) {
            Some(slot) => {
                index.remove_entity(slot, &entity.id, normalizer);
                kb.replace(slot, entity);
                if let Some(entity) = kb.at(slot) {
                    index.add_entity(slot, entity, normalizer);
                }
            }
            None => apply_one(kb, index, normalizer, Change::Add(entity)),
        },
        Change::Remove(id) => {
            if let Some(slot) = kb.slot_of(&id) {
                index.remove_entity(slot, &id, normalizer);
                kb.remove(slot);
            }
        }
    }
}
