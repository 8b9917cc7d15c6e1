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

/// Trims `raw` and checks it holds `min..=max` characters (Unicode scalar values), no
/// control characters but tab and newline, no bidirectional controls ([`is_bidi_control`]),
/// and, unless empty, at least one character that shows ([`is_invisible`]).
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
    if let Some(c) = trimmed.chars().find(|&c| is_bidi_control(c)) {
        return Err(ValidationError::new(format!(
            "{field} must not contain bidirectional embedding, override or isolate controls \
             (here U+{:04X}; U+202A to U+202E and U+2066 to U+2069 are refused): they make \
             text show in another order than it was written",
            c as u32
        )));
    }
    if n > 0 && trimmed.chars().all(is_invisible) {
        return Err(ValidationError::new(format!(
            "{field} holds only invisible characters (such as zero-width spaces); write some \
             visible text{}",
            if min == 0 { " or leave it out" } else { "" }
        )));
    }
    Ok(trimmed.to_string())
}

/// The explicit bidirectional formatting characters of Unicode (UAX #9): embeddings and
/// overrides U+202A to U+202E, isolates U+2066 to U+2069. Text that holds them shows in
/// another order than it is stored (the "Trojan Source" trick), so a name or a chat line
/// could impersonate another. The implicit marks (U+200E, U+200F, U+061C) reorder nothing
/// but themselves and are part of ordinary right-to-left writing; they are allowed.
pub fn is_bidi_control(c: char) -> bool {
    matches!(c, '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}')
}

/// Characters that show nothing by themselves: white space, and the format and filler
/// characters that render as nothing (zero-width space and joiners, word joiner and the
/// invisible operators, the byte order mark, soft hyphen, Mongolian vowel separator,
/// Hangul fillers, Braille blank, variation selectors, tag characters, ...). They are
/// fine inside text (a joiner builds an emoji, ZWNJ spells Persian), but text made only of
/// them looks empty: a name nobody can see or tell apart.
pub fn is_invisible(c: char) -> bool {
    c.is_whitespace()
        || matches!(
            c,
            '\u{00AD}'
                | '\u{034F}'
                | '\u{061C}'
                | '\u{115F}'
                | '\u{1160}'
                | '\u{17B4}'
                | '\u{17B5}'
                | '\u{180B}'..='\u{180F}'
                | '\u{200B}'..='\u{200F}'
                | '\u{202A}'..='\u{202E}'
                | '\u{2060}'..='\u{206F}'
                | '\u{2800}'
                | '\u{3164}'
                | '\u{FE00}'..='\u{FE0F}'
                | '\u{FEFF}'
                | '\u{FFA0}'
                | '\u{FFF0}'..='\u{FFF8}'
                | '\u{1BCA0}'..='\u{1BCA3}'
                | '\u{1D173}'..='\u{1D17A}'
                | '\u{E0000}'..='\u{E0FFF}'
        )
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

    #[test]
    fn invisible_only_text_is_refused_naming_the_field() {
        for raw in [
            "\u{200B}",
            " \u{200B}\u{200C}\u{200D} ",
            "\u{FEFF}\u{2060}",
            "\u{3164}",
            "\u{E0041}\u{FE0F}",
            "\u{00AD}",
        ] {
            let e = user_name(raw).unwrap_err().to_string();
            assert!(
                e.starts_with("name holds only invisible characters"),
                "{raw:?}: {e}"
            );
            assert!(title(raw).unwrap_err().0.starts_with("title "));
            assert!(chat_message(raw).unwrap_err().0.starts_with("message "));
            let e = description(raw).unwrap_err().0;
            assert!(
                e.starts_with("description ") && e.contains("leave it out"),
                "{e}"
            );
        }
        // Invisible characters inside visible text are kept: emoji sequences, Persian.
        let family = "\u{1F468}\u{200D}\u{1F469}\u{200D}\u{1F467}";
        assert_eq!(user_name(family).unwrap(), family);
        assert_eq!(
            user_name("\u{645}\u{200C}\u{6CC}").unwrap(),
            "\u{645}\u{200C}\u{6CC}"
        );
        // White space alone is still "empty", and empty optional text is still fine.
        assert!(user_name("   ")
            .unwrap_err()
            .0
            .contains("must not be empty"));
        assert_eq!(description("  ").unwrap(), "");
    }

    #[test]
    fn bidi_controls_are_refused_naming_the_field() {
        for c in [
            '\u{202A}', '\u{202B}', '\u{202C}', '\u{202D}', '\u{202E}', '\u{2066}', '\u{2067}',
            '\u{2068}', '\u{2069}',
        ] {
            let raw = format!("Juan{c}Perez");
            let e = user_name(&raw).unwrap_err().0;
            assert!(e.starts_with("name must not contain bidirectional"), "{e}");
            assert!(e.contains(&format!("U+{:04X}", c as u32)), "{e}");
            assert!(title(&raw).unwrap_err().0.starts_with("title "));
            assert!(description(&raw).unwrap_err().0.starts_with("description "));
            assert!(chat_message(&raw).unwrap_err().0.starts_with("message "));
            assert!(address(&raw).unwrap_err().0.starts_with("address "));
            assert!(collectible_name(&raw).unwrap_err().0.starts_with("name "));
        }
        // The implicit marks are ordinary right-to-left writing.
        assert!(chat_message("\u{5E9}\u{5DC}\u{5D5}\u{5DD} \u{200F}!").is_ok());
    }
}
