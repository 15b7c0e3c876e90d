//! What a sync pass changed in the library, told to whoever shows it (the Studio's cards, the
//! gallery) so it reads again only what moved, instead of asking the service on a timer.

use atelier_api::generations::GenerationStatus;
use atelier_api::sync::{SyncChange, SyncKind, SyncRecord};
use serde::Serialize;

/// The most finished generations one notification names; a first sync finishes thousands.
pub const MAX_FINISHED: usize = 100;

/// The kinds of records a pass changed (added, updated or deleted), and which generations it
/// found done or failed.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct LibraryChanges {
    pub conversations: bool,
    pub generations: bool,
    pub images: bool,
    pub uploads: bool,
    pub credits: bool,
    /// Generations now `done` or `failed`, at most 100 (`MAX_FINISHED`), in the order they came.
    pub finished_generations: Vec<String>,
    /// More generations finished than are named (or the library was rebuilt from zero): a
    /// reader refreshes every unfinished generation it shows.
    pub more_finished: bool,
}

impl LibraryChanges {
    /// Everything may have changed: the library was rebuilt from zero, or notifications were
    /// missed.
    pub fn everything() -> Self {
        Self {
            conversations: true,
            generations: true,
            images: true,
            uploads: true,
            credits: true,
            finished_generations: Vec::new(),
            more_finished: true,
        }
    }

    pub fn is_empty(&self) -> bool {
        *self == Self::default()
    }

    /// Takes note of one change that was applied.
    pub(super) fn note(&mut self, change: &SyncChange) {
        let kind = match change {
            SyncChange::Delete { kind, .. } => *kind,
            SyncChange::Upsert { record, .. } => {
                if let SyncRecord::Generation(g) = record
                    && matches!(g.status, GenerationStatus::Done | GenerationStatus::Failed)
                {
                    self.finished(&g.id);
                }
                record.kind()
            }
        };
        match kind {
            SyncKind::Conversation => self.conversations = true,
            SyncKind::Generation => self.generations = true,
            SyncKind::Image => self.images = true,
            SyncKind::Upload => self.uploads = true,
            SyncKind::Credit => self.credits = true,
        }
    }

    fn finished(&mut self, id: &str) {
        if self.finished_generations.iter().any(|known| known == id) {
            return;
        }
        if self.finished_generations.len() < MAX_FINISHED {
            self.finished_generations.push(id.to_owned());
        } else {
            self.more_finished = true;
        }
    }
}

#[cfg(test)]
mod tests {
    use atelier_api::sync::GenerationRecord;

    use super::*;

    fn generation(n: usize, status: GenerationStatus) -> SyncChange {
        SyncChange::Upsert {
            seq: n as u64,
            record: SyncRecord::Generation(GenerationRecord {
                id: format!("{n:032x}"),
                conversation_id: "2".repeat(32),
                prompt: "a lighthouse".into(),
                model: "nano-banana".into(),
                aspect_ratio: "1:1".into(),
                count: 1,
                input_images: Vec::new(),
                cost: 4,
                status,
                failure_code: None,
                created_at: 1,
                updated_at: 1,
            }),
        }
    }

    #[test]
    fn names_the_kinds_changed_and_the_generations_that_finished() {
        let mut changes = LibraryChanges::default();
        assert!(changes.is_empty());
        changes.note(&generation(1, GenerationStatus::Generating));
        changes.note(&generation(2, GenerationStatus::Done));
        changes.note(&generation(3, GenerationStatus::Failed));
        changes.note(&generation(2, GenerationStatus::Done));
        changes.note(&SyncChange::Delete {
            seq: 9,
            kind: SyncKind::Upload,
            id: "4".repeat(32),
        });
        assert_eq!(
            changes,
            LibraryChanges {
                generations: true,
                uploads: true,
                finished_generations: vec![format!("{:032x}", 2), format!("{:032x}", 3)],
                ..LibraryChanges::default()
            }
        );
    }

    #[test]
    fn a_first_sync_names_a_hundred_finished_and_says_there_were_more() {
        let mut changes = LibraryChanges::default();
        for n in 0..MAX_FINISHED + 5 {
            changes.note(&generation(n, GenerationStatus::Done));
        }
        assert_eq!(changes.finished_generations.len(), MAX_FINISHED);
        assert!(changes.more_finished);
    }
}
