//! The models on offer and how each maps onto kie.ai's jobs API: the one place that knows kie's
//! model names and input fields (`reference/upstream-apis.md` §1.2).

use atelier_api::models::{Model, ModelKind, ModelList, PromptUse};
use serde_json::{Value, json};

/// One entry of the catalogue.
struct Offer {
    id: &'static str,
    display_name: &'static str,
    aspect_ratios: &'static [&'static str],
    cost_per_image: u32,
    kind: ModelKind,
    inputs: (u32, u32),
    prompt: PromptUse,
    variation_model: Option<&'static str>,
    kie_model: &'static str,
    /// kie's `input` for the prompt, the ratio and the URLs of the input images, in the model's
    /// own field names (`reference/editing-and-payments.md` §1.2–1.3).
    input: fn(prompt: &str, aspect_ratio: &str, images: &[String]) -> Value,
}

const RATIOS: &[&str] = &["1:1", "16:9", "9:16", "4:3", "3:4"];
/// Edit models: `auto` keeps the first input's shape.
const EDIT_RATIOS: &[&str] = &["auto", "1:1", "16:9", "9:16", "4:3", "3:4"];
/// Tools keep the input's shape.
const AS_INPUT: &[&str] = &["auto"];

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

/// Seedream's edit takes the input's shape when no size is named.
fn seedream_edit_input(prompt: &str, ratio: &str, images: &[String]) -> Value {
    let mut input = json!({ "prompt": prompt, "image_urls": images, "image_resolution": "1K", "max_images": 1 });
    if ratio != "auto" {
        input["image_size"] = json!(seedream_size(ratio));
    }
    input
}

fn first(images: &[String]) -> &str {
    images.first().map_or("", String::as_str)
}

const CATALOGUE: &[Offer] = &[
    Offer {
        id: "nano-banana",
        display_name: "Nano Banana",
        aspect_ratios: RATIOS,
        cost_per_image: 4,
        kind: ModelKind::TextToImage,
        inputs: (0, 0),
        prompt: PromptUse::Required,
        variation_model: Some("nano-banana-edit"),
        kie_model: "google/nano-banana",
        input: |prompt, ratio, _| json!({ "prompt": prompt, "output_format": "png", "image_size": ratio }),
    },
    Offer {
        id: "nano-banana-pro",
        display_name: "Nano Banana Pro",
        aspect_ratios: RATIOS,
        cost_per_image: 8,
        kind: ModelKind::TextToImage,
        // Up to 8 references; none is plain text-to-image.
        inputs: (0, 8),
        prompt: PromptUse::Required,
        variation_model: Some("nano-banana-pro"),
        kie_model: "nano-banana-pro",
        input: |prompt, ratio, images| json!({ "prompt": prompt, "image_input": images, "aspect_ratio": ratio, "resolution": "1K", "output_format": "png" }),
    },
    Offer {
        id: "seedream-4",
        display_name: "Seedream 4",
        aspect_ratios: RATIOS,
        cost_per_image: 5,
        kind: ModelKind::TextToImage,
        inputs: (0, 0),
        prompt: PromptUse::Required,
        variation_model: Some("seedream-4-edit"),
        kie_model: "bytedance/seedream-v4-text-to-image",
        input: |prompt, ratio, _| json!({ "prompt": prompt, "image_size": seedream_size(ratio), "image_resolution": "1K", "max_images": 1 }),
    },
    Offer {
        id: "nano-banana-edit",
        display_name: "Nano Banana Edit",
        aspect_ratios: EDIT_RATIOS,
        cost_per_image: 4,
        kind: ModelKind::Edit,
        inputs: (1, 8),
        prompt: PromptUse::Required,
        variation_model: Some("nano-banana-edit"),
        kie_model: "google/nano-banana-edit",
        input: |prompt, ratio, images| json!({ "prompt": prompt, "image_urls": images, "output_format": "png", "image_size": ratio }),
    },
    Offer {
        id: "seedream-4-edit",
        display_name: "Seedream 4 Edit",
        aspect_ratios: EDIT_RATIOS,
        cost_per_image: 5,
        kind: ModelKind::Edit,
        inputs: (1, 8),
        prompt: PromptUse::Required,
        variation_model: Some("seedream-4-edit"),
        kie_model: "bytedance/seedream-v4-edit",
        input: seedream_edit_input,
    },
    Offer {
        id: "upscale-2x",
        display_name: "Upscale 2×",
        aspect_ratios: AS_INPUT,
        cost_per_image: 3,
        kind: ModelKind::Tool,
        inputs: (1, 1),
        prompt: PromptUse::None,
        variation_model: None,
        kie_model: "topaz/image-upscale",
        input: |_, _, images| json!({ "image_url": first(images), "upscale_factor": "2" }),
    },
    Offer {
        id: "upscale-4x",
        display_name: "Upscale 4×",
        aspect_ratios: AS_INPUT,
        cost_per_image: 6,
        kind: ModelKind::Tool,
        inputs: (1, 1),
        prompt: PromptUse::None,
        variation_model: None,
        kie_model: "topaz/image-upscale",
        input: |_, _, images| json!({ "image_url": first(images), "upscale_factor": "4" }),
    },
    Offer {
        id: "remove-background",
        display_name: "Remove background",
        aspect_ratios: AS_INPUT,
        cost_per_image: 1,
        kind: ModelKind::Tool,
        inputs: (1, 1),
        prompt: PromptUse::None,
        variation_model: None,
        kie_model: "recraft/remove-background",
        input: |_, _, images| json!({ "image": first(images) }),
    },
];

/// `GET /v1/models`.
pub fn list() -> ModelList {
    ModelList {
        models: CATALOGUE.iter().map(model).collect(),
    }
}

fn model(o: &Offer) -> Model {
    Model {
        id: o.id.to_owned(),
        display_name: o.display_name.to_owned(),
        aspect_ratios: o.aspect_ratios.iter().map(|r| (*r).to_owned()).collect(),
        cost_per_image: o.cost_per_image,
        kind: o.kind,
        min_input_images: o.inputs.0,
        max_input_images: o.inputs.1,
        prompt: o.prompt,
        variation_model: o.variation_model.map(str::to_owned),
    }
}

/// The catalogue's entry for `id`.
pub fn find(id: &str) -> Option<Model> {
    CATALOGUE.iter().find(|o| o.id == id).map(model)
}

/// What a generation of one image sends to kie: the model name and its `input`.
#[derive(Debug, Clone, PartialEq)]
pub struct KieRequest {
    pub model: &'static str,
    pub input: Value,
}

/// The price and the kie request for `model` at `aspect_ratio` with the input images at
/// `image_urls`, if the model and the ratio are on offer.
pub fn resolve(
    model: &str,
    aspect_ratio: &str,
    prompt: &str,
    image_urls: &[String],
) -> Option<(u32, KieRequest)> {
    let offer = CATALOGUE.iter().find(|o| o.id == model)?;
    offer.aspect_ratios.contains(&aspect_ratio).then(|| {
        (
            offer.cost_per_image,
            KieRequest {
                model: offer.kie_model,
                input: (offer.input)(prompt, aspect_ratio, image_urls),
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
                let (cost, request) = resolve(&model.id, ratio, "a cat", &[]).unwrap();
                assert_eq!(cost, model.cost_per_image);
                if model.prompt == PromptUse::Required {
                    assert_eq!(request.input["prompt"], "a cat");
                } else {
                    assert!(request.input.get("prompt").is_none(), "{}", model.id);
                }
            }
            assert!(resolve(&model.id, "2:1", "a cat", &[]).is_none());
        }
        assert!(resolve("gpt-9", "1:1", "a cat", &[]).is_none());
    }

    #[test]
    fn seedream_gets_sizes_and_nano_banana_ratios() {
        assert_eq!(
            resolve("seedream-4", "16:9", "x", &[]).unwrap().1.input["image_size"],
            "landscape_16_9"
        );
        assert_eq!(
            resolve("nano-banana", "16:9", "x", &[]).unwrap().1.input["image_size"],
            "16:9"
        );
    }

    /// Each model gets its input images in its own field: the one place that knows kie's names.
    #[test]
    fn input_images_go_into_each_models_own_field() {
        let urls = vec![
            "https://a.example/1".to_owned(),
            "https://a.example/2".to_owned(),
        ];
        let input = |model: &str, ratio: &str| resolve(model, ratio, "p", &urls).unwrap().1.input;
        assert_eq!(input("nano-banana-edit", "auto")["image_urls"], json!(urls));
        assert_eq!(input("seedream-4-edit", "auto")["image_urls"], json!(urls));
        assert!(input("seedream-4-edit", "auto").get("image_size").is_none());
        assert_eq!(
            input("seedream-4-edit", "16:9")["image_size"],
            "landscape_16_9"
        );
        assert_eq!(input("nano-banana-pro", "1:1")["image_input"], json!(urls));
        assert_eq!(input("upscale-2x", "auto")["image_url"], urls[0]);
        assert_eq!(input("upscale-2x", "auto")["upscale_factor"], "2");
        assert_eq!(input("upscale-4x", "auto")["upscale_factor"], "4");
        assert_eq!(input("remove-background", "auto")["image"], urls[0]);
    }

    #[test]
    fn every_variation_model_exists_and_takes_a_reference() {
        for model in list().models {
            if let Some(variation) = &model.variation_model {
                let target = find(variation).unwrap();
                assert!(target.max_input_images >= 1, "{variation}");
                assert_eq!(target.prompt, PromptUse::Required, "{variation}");
            }
            assert!(model.min_input_images <= model.max_input_images);
            assert_eq!(
                model.kind == ModelKind::Tool,
                model.prompt == PromptUse::None
            );
        }
    }
}
