//! Validation of what clients send: phone numbers, names and the length rules of API.md.
//!
//! Each function takes raw input and returns the normalised value or a sentence that says
//! what was wrong and how to fix it; the daemon answers those sentences with 422.

/// A rule of API.md that some input broke; the sentence is meant for a person.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct ValidationError(pub String);

impl ValidationError {
    /// Builds an error from any sentence.
    pub fn new(msg: impl Into<String>) -> Self {
        Self(msg.into())
    }
}

impl From<crate::geo::InvalidCoordinates> for ValidationError {
    fn from(e: crate::geo::InvalidCoordinates) -> Self {
        Self(e.to_string())
    }
}

impl From<crate::ids::InvalidId> for ValidationError {
    fn from(e: crate::ids::InvalidId) -> Self {
        Self(e.to_string())
    }
}

/// Normalises a phone number to E.164: `+` then 8 to 15 digits. Spaces, dashes, dots and
/// brackets are stripped first; a leading `00` international prefix becomes `+`.
pub fn phone(raw: &str) -> Result<String, ValidationError> {
    let mut s: String = raw
        .chars()
        .filter(|c| !matches!(c, ' ' | '-' | '(' | ')' | '.' | '\u{a0}' | '\t'))
        .collect();
    if let Some(rest) = s.strip_prefix("00") {
        s = format!("+{rest}");
    }
    let Some(digits) = s.strip_prefix('+') else {
        return Err(ValidationError::new(format!(
            "phone {raw:?} must be in international E.164 form: '+', the country code and the number, e.g. +573001234567"
        )));
    };
    if !digits.chars().all(|c| c.is_ascii_digit()) {
        return Err(ValidationError::new(format!(
            "phone {raw:?} may hold only digits after '+' (spaces, dashes and brackets are ignored), e.g. +573001234567"
        )));
    }
    if !(8..=15).contains(&digits.len()) {
        return Err(ValidationError::new(format!(
            "phone {raw:?} has {} digits; E.164 numbers have 8 to 15 digits after '+', e.g. +573001234567",
            digits.len()
        )));
    }
    if digits.starts_with('0') {
        return Err(ValidationError::new(format!(
            "phone {raw:?}: a country code never starts with 0; write it as +<country code><number>, e.g. +573001234567"
        )));
    }
    Ok(format!("+{digits}"))
}

/// Trims `raw` and checks it holds `min..=max` characters (Unicode scalar values).
pub fn text(field: &str, raw: &str, min: usize, max: usize) -> Result<String, ValidationError> {
    let trimmed = raw.trim();
    let n = trimmed.chars().count();
    if n < min {
        return Err(ValidationError::new(if min == 1 {
            format!("{field} must not be empty")
        } else {
            format!("{field} must be at least {min} characters")
        }));
    }
    if n > max {
        return Err(ValidationError::new(format!(
            "{field} is {n} characters long; at most {max} are allowed"
        )));
    }
    if trimmed
        .chars()
        .any(|c| c.is_control() && c != '\n' && c != '\t')
    {
        return Err(ValidationError::new(format!(
            "{field} must not contain control characters"
        )));
    }
    Ok(trimmed.to_string())
}

/// A user's display name: 1 to 80 characters after trimming.
pub fn user_name(raw: &str) -> Result<String, ValidationError> {
    text("name", raw, 1, 80)
}

/// An event title: 1 to 120 characters.
pub fn title(raw: &str) -> Result<String, ValidationError> {
    text("title", raw, 1, 120)
}

/// An event description: up to 2000 characters.
pub fn description(raw: &str) -> Result<String, ValidationError> {
    text("description", raw, 0, 2000)
}

/// An event category: 1 to 40 characters, lower-cased.
pub fn category(raw: &str) -> Result<String, ValidationError> {
    // Lower-case first, then count: some letters grow when lower-cased ('İ' becomes two
    // characters), and the 40-character rule is about what is stored.
    text("category", &raw.to_lowercase(), 1, 40)
}

/// An address: up to 300 characters.
pub fn address(raw: &str) -> Result<String, ValidationError> {
    text("address", raw, 0, 300)
}

/// A chat message: 1 to 500 characters.
pub fn chat_message(raw: &str) -> Result<String, ValidationError> {
    text("message", raw, 1, 500)
}

/// A collectible name: 1 to 80 characters.
pub fn collectible_name(raw: &str) -> Result<String, ValidationError> {
    text("name", raw, 1, 80)
}

/// An integer within bounds, named for the error sentence.
pub fn in_range(field: &str, value: i64, min: i64, max: i64) -> Result<i64, ValidationError> {
    if (min..=max).contains(&value) {
        Ok(value)
    } else {
        Err(ValidationError::new(format!(
            "{field} must be between {min} and {max}, got {value}"
        )))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn phones_normalise_to_e164() {
        assert_eq!(phone("+57 300 123 4567").unwrap(), "+573001234567");
        assert_eq!(phone("+57 (300) 123-4567").unwrap(), "+573001234567");
        assert_eq!(phone("0057 300 123 4567").unwrap(), "+573001234567");
        assert_eq!(phone("+12345678").unwrap(), "+12345678");
        assert_eq!(phone("+123456789012345").unwrap(), "+123456789012345");
    }

    #[test]
    fn bad_phones_say_why() {
        for bad in [
            "3001234567",
            "+1234567",
            "+1234567890123456",
            "+57abc1234567",
            "",
            "+",
            "+0573001234567",
        ] {
            let err = phone(bad).unwrap_err().to_string();
            assert!(err.contains("+573001234567"), "{bad}: {err}");
        }
    }

    #[test]
    fn lengths_count_characters_after_trimming() {
        assert_eq!(user_name("  Juan Pérez ").unwrap(), "Juan Pérez");
        assert!(user_name("   ").is_err());
        assert!(user_name(&"é".repeat(80)).is_ok());
        assert!(user_name(&"é".repeat(81)).is_err());
        assert!(title(&"t".repeat(121)).is_err());
        assert!(description("").is_ok());
        assert_eq!(category("  Cultura ").unwrap(), "cultura");
        assert!(category(&"c".repeat(41)).is_err());
        assert!(category(&"İ".repeat(40)).is_err());
        assert!(chat_message(&"m".repeat(501)).is_err());
        assert!(user_name("bad\u{0}name").is_err());
    }
}
