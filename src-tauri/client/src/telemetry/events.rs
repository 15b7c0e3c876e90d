//! The only things analytics can say: a closed set of events whose fields are counts and model
//! ids. There is no free-text field, so an email address or a prompt has nowhere to go.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value, json};

/// One product event. The UI sends these through `track_event`; Rust sends the rest.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "name", rename_all = "snake_case", deny_unknown_fields)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub enum AnalyticsEvent {
    AppOpened,
    SignedIn,
    SignedOut,
    /// A generation was accepted by the service.
    GenerationStarted {
        model: String,
        images: u32,
    },
    /// A generation finished with `images` images.
    GenerationFinished {
        model: String,
        images: u32,
    },
    GenerationFailed {
        model: String,
    },
    GalleryOpened,
    ImageSaved,
    ImageCopied,
    ExportCompleted,
    SettingsOpened,
}

/// Longest model id sent; the service's ids are far shorter.
const MAX_MODEL_LEN: usize = 64;

/// A model id as sent: the service's ids are lowercase ASCII with `-._/`; anything else (a
/// caller that put other text in the field) is sent as `other`.
fn model_id(model: &str) -> String {
    let ok = !model.is_empty()
        && model.len() <= MAX_MODEL_LEN
        && model
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b"-._/".contains(&b));
    if ok {
        model.to_owned()
    } else {
        "other".to_owned()
    }
}

impl AnalyticsEvent {
    /// PostHog's event name.
    pub fn name(&self) -> &'static str {
        match self {
            Self::AppOpened => "app_opened",
            Self::SignedIn => "signed_in",
            Self::SignedOut => "signed_out",
            Self::GenerationStarted { .. } => "generation_started",
            Self::GenerationFinished { .. } => "generation_finished",
            Self::GenerationFailed { .. } => "generation_failed",
            Self::GalleryOpened => "gallery_opened",
            Self::ImageSaved => "image_saved",
            Self::ImageCopied => "image_copied",
            Self::ExportCompleted => "export_completed",
            Self::SettingsOpened => "settings_opened",
        }
    }

    /// The event's properties, with what keeps it anonymous: no person profile, no IP
    /// geolocation, and no `$ip` at all.
    pub fn properties(&self) -> Map<String, Value> {
        let mut properties = match self {
            Self::GenerationStarted { model, images }
            | Self::GenerationFinished { model, images } => {
                json!({ "model": model_id(model), "images": images })
            }
            Self::GenerationFailed { model } => json!({ "model": model_id(model) }),
            _ => json!({}),
        };
        if let Value::Object(p) = &mut properties {
            p.insert("$process_person_profile".into(), Value::Bool(false));
            p.insert("$geoip_disable".into(), Value::Bool(true));
            p.insert("$lib".into(), json!("atelier-desktop"));
            p.insert("$lib_version".into(), json!(env!("CARGO_PKG_VERSION")));
            p.insert("$os".into(), json!(std::env::consts::OS));
        }
        match properties {
            Value::Object(p) => p,
            _ => Map::new(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_wire_shape_is_tagged_by_name_and_refuses_extra_fields() {
        let event: AnalyticsEvent = serde_json::from_value(
            json!({"name": "generation_finished", "model": "nano-banana", "images": 2}),
        )
        .unwrap();
        assert_eq!(
            event,
            AnalyticsEvent::GenerationFinished {
                model: "nano-banana".into(),
                images: 2
            }
        );
        assert_eq!(event.name(), "generation_finished");
        // An extra field is refused on a variant with fields, and has nowhere to go on one
        // without (serde reads the tag alone): either way it is never sent.
        assert!(
            serde_json::from_value::<AnalyticsEvent>(
                json!({"name": "generation_failed", "model": "x", "email": "ana@example.com"})
            )
            .is_err()
        );
        let opened: AnalyticsEvent =
            serde_json::from_value(json!({"name": "app_opened", "email": "ana@example.com"}))
                .unwrap();
        assert_eq!(opened, AnalyticsEvent::AppOpened);
        assert!(
            !serde_json::to_string(&opened.properties())
                .unwrap()
                .contains("ana@")
        );
        assert!(serde_json::from_value::<AnalyticsEvent>(json!({"name": "anything"})).is_err());
    }

    #[test]
    fn properties_are_anonymous_and_a_model_cannot_carry_text() {
        let p = AnalyticsEvent::GenerationStarted {
            model: "a cat, by ana@example.com".into(),
            images: 1,
        }
        .properties();
        assert_eq!(p["model"], "other");
        assert_eq!(p["$process_person_profile"], false);
        assert_eq!(p["$geoip_disable"], true);
        assert!(!p.contains_key("$ip"));
        assert!(!p.contains_key("distinct_id"));
        let p = AnalyticsEvent::GenerationFailed {
            model: "flux-2/pro".into(),
        }
        .properties();
        assert_eq!(p["model"], "flux-2/pro");
        assert_eq!(AnalyticsEvent::AppOpened.properties().len(), 5);
    }
}
