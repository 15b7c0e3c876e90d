//! Generations: a prompt becomes images, paid with credits that are never lost, never charged
//! twice, and refunded when the service fails (`reference/upstream-apis.md` §1–2, DESIGN.md 3, 5).

pub mod background;
pub mod callback;
pub mod charge;
pub mod create;
pub mod image_edit;
pub mod images;
pub mod inputs;
pub mod record;
pub mod rows;
pub mod screen;
pub mod submit;
pub mod tasks;
pub mod thumbnail;
