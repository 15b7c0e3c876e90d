//! D1 rows into the exact JSON the native platform produces.
//!
//! D1 hands every number back as a JavaScript double, so an `INTEGER` column read natively as `2`
//! would read as `2.0` in the Worker. Integral values that a double holds exactly (|x| ≤ 2^53) become
//! JSON integers again; other numbers stay floats. Blobs become arrays of byte values, whether D1
//! gives an array of numbers or an `ArrayBuffer`. Pure serde, so it runs (and is tested) natively.

use std::fmt;

use serde::de::{self, Deserialize, Deserializer, MapAccess, SeqAccess, Visitor};
use serde_json::{Map, Number, Value};

/// The largest integer a double represents exactly, and so the largest D1 can hand back exactly.
const MAX_SAFE_INTEGER: f64 = 9_007_199_254_740_991.0;

/// One D1 result row, normalised. Deserialize it from D1's result objects.
#[derive(Debug, Clone, PartialEq)]
pub struct D1Row(pub Map<String, Value>);

/// One value inside a row, normalised.
#[derive(Debug, Clone, PartialEq)]
pub struct D1Value(pub Value);

/// A double that holds an integer becomes that integer; anything else stays a float (non-finite
/// values, which JSON cannot hold, become null).
pub fn normalise_number(v: f64) -> Value {
    if v.fract() == 0.0 && v.abs() <= MAX_SAFE_INTEGER {
        // Exact: integral and |v| ≤ 2^53. -0 becomes 0.
        Value::from(v as i64)
    } else {
        Number::from_f64(v).map_or(Value::Null, Value::Number)
    }
}

impl<'de> Deserialize<'de> for D1Value {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(ValueVisitor).map(D1Value)
    }
}

impl<'de> Deserialize<'de> for D1Row {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        match deserializer.deserialize_map(ValueVisitor)? {
            Value::Object(map) => Ok(D1Row(map)),
            other => Err(de::Error::custom(format!(
                "a D1 row is an object, got {other}"
            ))),
        }
    }
}

struct ValueVisitor;

impl<'de> Visitor<'de> for ValueVisitor {
    type Value = Value;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a D1 value")
    }

    fn visit_unit<E>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }
    fn visit_none<E>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }
    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Value, D::Error> {
        D1Value::deserialize(d).map(|v| v.0)
    }
    fn visit_bool<E>(self, v: bool) -> Result<Value, E> {
        Ok(Value::Bool(v))
    }
    fn visit_i64<E>(self, v: i64) -> Result<Value, E> {
        Ok(Value::from(v))
    }
    fn visit_u64<E>(self, v: u64) -> Result<Value, E> {
        Ok(Value::from(v))
    }
    fn visit_f64<E>(self, v: f64) -> Result<Value, E> {
        Ok(normalise_number(v))
    }
    fn visit_str<E>(self, v: &str) -> Result<Value, E> {
        Ok(Value::String(v.to_owned()))
    }
    fn visit_string<E>(self, v: String) -> Result<Value, E> {
        Ok(Value::String(v))
    }
    fn visit_bytes<E>(self, v: &[u8]) -> Result<Value, E> {
        Ok(Value::Array(v.iter().map(|&b| Value::from(b)).collect()))
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Value, A::Error> {
        let mut out = Vec::with_capacity(seq.size_hint().unwrap_or(0));
        while let Some(D1Value(v)) = seq.next_element()? {
            out.push(v);
        }
        Ok(Value::Array(out))
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Value, A::Error> {
        let mut out = Map::new();
        while let Some((k, D1Value(v))) = map.next_entry::<String, D1Value>()? {
            out.insert(k, v);
        }
        Ok(Value::Object(out))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(json: &str) -> String {
        let D1Row(map) = serde_json::from_str(json).expect("a D1 row");
        serde_json::to_string(&map).expect("JSON")
    }

    #[test]
    fn integral_doubles_become_integers() {
        assert_eq!(row(r#"{"n":2.0,"m":-0.0,"i":7}"#), r#"{"i":7,"m":0,"n":2}"#);
        assert_eq!(
            normalise_number(MAX_SAFE_INTEGER),
            Value::from(9_007_199_254_740_991_i64)
        );
        assert_eq!(
            normalise_number(-MAX_SAFE_INTEGER),
            Value::from(-9_007_199_254_740_991_i64)
        );
    }

    #[test]
    fn fractions_and_unsafe_magnitudes_stay_floats() {
        assert_eq!(
            row(r#"{"r":2.5,"huge":1e300}"#),
            r#"{"huge":1e+300,"r":2.5}"#
        );
        assert!(normalise_number(MAX_SAFE_INTEGER + 1.0).is_f64());
        assert_eq!(normalise_number(f64::NAN), Value::Null);
    }

    #[test]
    fn text_null_and_blobs_keep_their_shape() {
        assert_eq!(
            row(r#"{"s":"2.0","z":null,"b":[1.0,255.0]}"#),
            r#"{"b":[1,255],"s":"2.0","z":null}"#
        );
    }

    #[test]
    fn a_row_that_is_not_an_object_is_refused() {
        assert!(serde_json::from_str::<D1Row>("[1]").is_err());
    }
}
