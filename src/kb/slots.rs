//! The entities of a resolver that changes: each in a slot that keeps its number for as long as
//! the entity lives, so that the index can refer to it while others come and go.

use std::collections::HashMap;

use super::{Entity, KnowledgeBase};

/// Entities in numbered slots: new entities take new slots at the end, an updated entity keeps
/// its slot, a removed one leaves its slot empty. Live entities in slot order are the knowledge
/// base in the order a rebuild would see it.
#[derive(Clone, Debug, Default)]
pub(crate) struct EntitySlots {
    slots: Vec<Option<Entity>>,
    by_id: HashMap<String, u32>,
    live: usize,
}

impl From<KnowledgeBase> for EntitySlots {
    fn from(kb: KnowledgeBase) -> EntitySlots {
        let by_id = kb
            .entities()
            .iter()
            .enumerate()
            .map(|(i, e)| (e.id.clone(), i as u32))
            .collect();
        let slots: Vec<Option<Entity>> = kb.into_entities().into_iter().map(Some).collect();
        EntitySlots {
            live: slots.len(),
            slots,
            by_id,
        }
    }
}

impl EntitySlots {
    /// The entity in `slot`, unless it was removed.
    pub fn at(&self, slot: u32) -> Option<&Entity> {
        self.slots.get(slot as usize).and_then(Option::as_ref)
    }

    /// The slot of the entity with this id.
    pub fn slot_of(&self, id: &str) -> Option<u32> {
        self.by_id.get(id).copied()
    }

    /// The entity with this id.
    pub fn get(&self, id: &str) -> Option<&Entity> {
        self.slot_of(id).and_then(|s| self.at(s))
    }

    /// The number of live entities.
    pub fn len(&self) -> usize {
        self.live
    }

    /// The number of slots, empty ones included.
    pub fn slots(&self) -> usize {
        self.slots.len()
    }

    /// Every slot, empty ones included.
    pub fn as_slice(&self) -> &[Option<Entity>] {
        &self.slots
    }

    /// The live entities with their slots, in slot order.
    pub fn iter(&self) -> impl Iterator<Item = (u32, &Entity)> {
        self.slots
            .iter()
            .enumerate()
            .filter_map(|(i, e)| e.as_ref().map(|e| (i as u32, e)))
    }

    /// A knowledge base of the live entities, in slot order.
    pub fn to_knowledge_base(&self) -> KnowledgeBase {
        let entities: Vec<Entity> = self.iter().map(|(_, e)| e.clone()).collect();
        let by_id = entities
            .iter()
            .enumerate()
            .map(|(i, e)| (e.id.clone(), i))
            .collect();
        KnowledgeBase { entities, by_id }
    }

    /// Puts a new entity in a new slot.
    pub fn push(&mut self, entity: Entity) -> u32 {
        let slot = self.slots.len() as u32;
        self.by_id.insert(entity.id.clone(), slot);
        self.slots.push(Some(entity));
        self.live += 1;
        slot
    }

    /// Puts `entity` in place of the live entity of `slot`, which has the same id.
    pub fn replace(&mut self, slot: u32, entity: Entity) {
        self.slots[slot as usize] = Some(entity);
    }

    /// Empties `slot`.
    pub fn remove(&mut self, slot: u32) -> Option<Entity> {
        let entity = self.slots.get_mut(slot as usize)?.take()?;
        self.by_id.remove(&entity.id);
        self.live -= 1;
        Some(entity)
    }
}
