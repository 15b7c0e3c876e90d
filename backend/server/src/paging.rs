//! Keyset cursors: `"<created_at>.<id>"` of the last row handed out. Never OFFSET: a page stays
//! right while rows are added in front of it.

use atelier_api::ErrorCode;

use crate::error::ApiError;

/// A position in a list ordered by `(time, id)`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cursor {
    pub time: i64,
    pub id: String,
}

impl Cursor {
    pub fn encode(&self) -> String {
        format!("{}.{}", self.time, self.id)
    }

    pub fn parse(raw: &str) -> Result<Self, ApiError> {
        let invalid = || {
            ApiError::new(
                ErrorCode::InvalidCursor,
                "this cursor was not handed out by the service",
            )
        };
        let (time, id) = raw.split_once('.').ok_or_else(invalid)?;
        let time = time.parse().map_err(|_| invalid())?;
        if id.is_empty() || id.len() > 64 || !id.bytes().all(|b| b.is_ascii_hexdigit()) {
            return Err(invalid());
        }
        Ok(Self {
            time,
            id: id.to_owned(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_and_refuses_strangers() {
        let c = Cursor {
            time: 1_700_000_000_000,
            id: "ab12".into(),
        };
        assert_eq!(Cursor::parse(&c.encode()).unwrap(), c);
        for bad in ["", "x", "1.", ".ab", "1.zz", "1.ab/../x", "nan.ab"] {
            assert!(Cursor::parse(bad).is_err(), "{bad:?}");
        }
    }
}
