//! `GET /v1/models`: what can be generated, at what price. The UI builds its menus from this.

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Model {
    /// Our stable id (never kie's model name, which may change under us).
    pub id: String,
    pub display_name: String,
    /// Aspect ratios offered, e.g. `"1:1"`, `"16:9"`; the first is the default.
    pub aspect_ratios: Vec<String>,
    /// Credits one image costs.
    pub cost_per_image: u32,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ModelList {
    pub models: Vec<Model>,
}
