//! Images people bring in: `POST /v1/uploads` checks and stores them, `GET
//! /v1/uploads/{id}/original|thumbnail` serves them back to their owner, `DELETE
//! /v1/uploads/{id}` removes one, sync lists them.

pub mod create;
pub mod delete;
pub mod files;
pub mod inspect;
pub mod rows;
