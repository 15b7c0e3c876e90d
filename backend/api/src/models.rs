//! `GET /v1/models`: what can be generated, at what price. The UI builds its menus from this.

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct Model {
    /// Our stable id (never kie's model name, which may change under us).
    pub id: String,
    pub display_name: String,
    /// Aspect ratios offered, e.g. `"1:1"`, `"16:9"`; the first is the default.
    pub aspect_ratios: Vec<String>,
    /// Credits one image costs.
    pub cost_per_image: u32,
    pub kind: ModelKind,
    /// How many input images a request must name (`input_images_required` below) and may name
    /// (`too_many_input_images` above).
    pub min_input_images: u32,
    pub max_input_images: u32,
    pub prompt: PromptUse,
    /// The model that makes "more like this" of one of this model's images (the image as its
    /// reference, the same prompt); `None` when there is none.
    pub variation_model: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub enum ModelKind {
    /// Words to a picture (some also take reference images).
    TextToImage,
    /// Changes the input images as the prompt says.
    Edit,
    /// One click on one image (upscale, remove background): no prompt.
    Tool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub enum PromptUse {
    /// A prompt is required (and screened by moderation).
    Required,
    /// The model takes no prompt: send an empty one.
    None,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ModelList {
    pub models: Vec<Model>,
}
