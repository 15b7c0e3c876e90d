//! The models on offer and how each maps onto kie.ai's jobs API: the one place that knows kie's
//! model names and input fields (`reference/upstream-apis.md` §1.2).

use atelier_api::models::{Model, ModelList};
use serde_json::{Value, json};

/// One entry of the catalogue.
struct Offer {
    id: &'static str,
    display_name: &'static str,
    aspect_ratios: &'static [&'static str],
    cost_per_image: u32,
    kie_model: &'static str,
    input: fn(prompt: &str, aspect_ratio: &str) -> Value,
}

const RATIOS: &[&str] = &["1:1", "16:9", "9:16", "4:3", "3:4"];

/// Seedream names sizes, not ratios.
fn seedream_size(ratio: &str) -> &'static str {
    match ratio {
        "16:9" => "landscape_16_9",
        "9:16" => "portrait_16_9",
        "4:3" => "landscape_4_3",
        "3:4" => "portrait_4_3",
        _ => "square_hd",
    }
}

const CATALOGUE: &[Offer] = &[
    Offer {
        id: "nano-banana",
        display_name: "Nano Banana",
        aspect_ratios: RATIOS,
        cost_per_image: 4,
        kie_model: "google/nano-banana",
        input: |prompt, ratio| json!({ "prompt": prompt, "output_format": "png", "image_size": ratio }),
    },
    Offer {
        id: "nano-banana-pro",
        display_name: "Nano Banana Pro",
        aspect_ratios: RATIOS,
        cost_per_image: 8,
        kie_model: "nano-banana-pro",
        input: |prompt, ratio| json!({ "prompt": prompt, "aspect_ratio": ratio, "resolution": "1K", "output_format": "png" }),
    },
    Offer {
        id: "seedream-4",
        display_name: "Seedream 4",
        aspect_ratios: RATIOS,
        cost_per_image: 5,
        kie_model: "bytedance/seedream-v4-text-to-image",
        input: |prompt, ratio| json!({ "prompt": prompt, "image_size": seedream_size(ratio), "image_resolution": "1K", "max_images": 1 }),
    },
];

/// `GET /v1/models`.
pub fn list() -> ModelList {
    ModelList {
        models: CATALOGUE
            .iter()
            .map(|o| Model {
                id: o.id.to_owned(),
                display_name: o.display_name.to_owned(),
                aspect_ratios: o.aspect_ratios.iter().map(|r| (*r).to_owned()).collect(),
                cost_per_image: o.cost_per_image,
            })
            .collect(),
    }
}

/// What a generation of one image sends to kie: the model name and its `input`.
#[derive(Debug, Clone, PartialEq)]
pub struct KieRequest {
    pub model: &'static str,
    pub input: Value,
}

/// The price and the kie request for `model` at `aspect_ratio`, if both are on offer.
pub fn resolve(model: &str, aspect_ratio: &str, prompt: &str) -> Option<(u32, KieRequest)> {
    let offer = CATALOGUE.iter().find(|o| o.id == model)?;
    offer.aspect_ratios.contains(&aspect_ratio).then(|| {
        (
            offer.cost_per_image,
            KieRequest {
                model: offer.kie_model,
                input: (offer.input)(prompt, aspect_ratio),
            },
        )
    })
}

pub async fn route() -> axum::Json<ModelList> {
    axum::Json(list())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_offer_resolves_for_each_of_its_ratios_and_nothing_else() {
        for model in list().models {
            for ratio in &model.aspect_ratios {
                let (cost, request) = resolve(&model.id, ratio, "a cat").unwrap();
                assert_eq!(cost, model.cost_per_image);
                assert_eq!(request.input["prompt"], "a cat");
            }
            assert!(resolve(&model.id, "2:1", "a cat").is_none());
        }
        assert!(resolve("gpt-9", "1:1", "a cat").is_none());
    }

    #[test]
    fn seedream_gets_sizes_and_nano_banana_ratios() {
        assert_eq!(
            resolve("seedream-4", "16:9", "x").unwrap().1.input["image_size"],
            "landscape_16_9"
        );
        assert_eq!(
            resolve("nano-banana", "16:9", "x").unwrap().1.input["image_size"],
            "16:9"
        );
    }
}
