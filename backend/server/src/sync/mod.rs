//! The sync log: every write to a person's conversations, generations and images adds its change
//! here in the same batch ([`log`]), and `GET /v1/sync` pages through it ([`pull`]), holding the
//! request while there is nothing new when asked to ([`live`]). Old tombstones are pruned by the
//! background work ([`prune`]).

mod live;
pub mod log;
pub mod prune;
pub mod pull;
pub mod removal;
