//! Images people bring in: `POST /v1/uploads` checks and stores them, `GET
//! /v1/uploads/{id}/original|thumbnail` serves them back to their owner, sync lists them.

pub mod create;
pub mod files;
pub mod inspect;
pub mod rows;
