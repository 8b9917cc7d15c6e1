//! Sign-in by SMS code (issue 16): Twilio Verify texts a code, the person types it back,
//! and the daemon opens a session for the device (a new token), creating the account
//! when the phone has none.
//!
//! Abuse: codes are SMS someone pays for, so sends are limited per phone and per client
//! address here, before Twilio's own limits (SMS pumping). Asking for a code answers the
//! same whether the phone has an account or not (no enumeration); a code is checked before
//! the phone's account is looked at, so only a person holding the phone learns whether it
//! had one. The code itself is never logged: it goes to Twilio and nowhere else.

use std::net::IpAddr;
use std::time::Duration;

use citypulse::auth::{VerifyRequest, MAX_LABEL_CHARS};
use citypulse::ids::{SessionId, UserId};
use citypulse::model::User;
use citypulse::time;
use citypulse::validate::{self, ValidationError};

use super::state::State;
use crate::clients::twilio::{Checked, VerifyError, PENDING_FOR};
use crate::store::{NewSession, NewUser, StoreError};

/// Why a sign-in step failed.
#[derive(Debug, Clone, PartialEq)]
pub enum SignInError {
    /// No Twilio settings: sign-in by SMS is off.
    Disabled,
    /// A field is malformed (the phone, the code, the name, the label).
    Invalid(ValidationError),
    /// The phone has no account and no name was given (the code was right, and used).
    NeedsName,
    /// The code is wrong; the verification stays pending.
    WrongCode,
    /// Too many codes asked for (this daemon's limits, or Twilio's).
    TooMany {
        /// When to ask again.
        retry_after: Duration,
        /// What there was too much of.
        what: String,
    },
    /// Twilio refused or failed.
    Provider(VerifyError),
    /// The store failed.
    Store(StoreError),
}

impl From<StoreError> for SignInError {
    fn from(e: StoreError) -> Self {
        SignInError::Store(e)
    }
}

impl From<ValidationError> for SignInError {
    fn from(e: ValidationError) -> Self {
        SignInError::Invalid(e)
    }
}

/// The sentence when sign-in by SMS is off.
pub const DISABLED: &str = "sign-in by SMS code is disabled on this server: the operator must set TWILIO_ACCOUNT_SID, TWILIO_AUTH_TOKEN and TWILIO_VERIFY_SERVICE_SID and restart cpld; until then, register with POST /api/users/register";

/// What a right code gave.
#[derive(Debug, Clone)]
pub struct SignedIn {
    /// The user (phone included).
    pub user: User,
    /// The new token of this device, shown this once.
    pub token: String,
    /// True when the account was made now.
    pub created: bool,
}

/// Asks Twilio to text a sign-in code to `phone`; the phone in E.164. The answer does not
/// depend on whether the phone has an account.
pub async fn send_code(
    state: &State,
    phone: &str,
    client: Option<IpAddr>,
) -> Result<String, SignInError> {
    let verify = state.verify.as_ref().ok_or(SignInError::Disabled)?;
    let phone = validate::phone(phone)?;
    state.sms_per_address.check(client).map_err(|retry_after| SignInError::TooMany {
        retry_after,
        what: format!(
            "too many sign-in codes asked for from this client (more than {} an hour; CPL_SMS_CODES_PER_ADDRESS)",
            state.config.sms_codes_per_address
        ),
    })?;
    state
        .sms_per_phone
        .check(Some(phone.clone()))
        .map_err(|retry_after| SignInError::TooMany {
            retry_after,
            what: format!(
                "too many sign-in codes sent to this phone (more than {} an hour; CPL_SMS_CODES_PER_PHONE)",
                state.config.sms_codes_per_phone
            ),
        })?;
    match verify
        .start(&phone, locale(&state.config.deepgram.language))
        .await
    {
        Ok(()) => Ok(phone),
        Err(VerifyError::TooManySends) => Err(SignInError::TooMany {
            retry_after: PENDING_FOR,
            what: VerifyError::TooManySends.to_string(),
        }),
        Err(e) => Err(SignInError::Provider(e)),
    }
}

/// Checks the code and opens a session: for the phone's account, or for a new one made
/// now (with `name`). `user_agent` labels the session when the request gives no label.
pub async fn verify_code(
    state: &State,
    req: &VerifyRequest,
    user_agent: Option<&str>,
) -> Result<SignedIn, SignInError> {
    let verify = state.verify.as_ref().ok_or(SignInError::Disabled)?;
    let phone = validate::phone(&req.phone)?;
    let code = sms_code(&req.code)?;
    // Checked before the code is spent, so a bad name does not cost a code.
    let name = req.name.as_deref().map(validate::user_name).transpose()?;
    let label = match &req.label {
        Some(l) => Some(label(l)?),
        None => user_agent.map(agent_label).filter(|l| !l.is_empty()),
    };
    match verify.check(&phone, code).await {
        Ok(Checked::Approved) => {}
        Ok(Checked::Wrong) => return Err(SignInError::WrongCode),
        Err(VerifyError::TooManyChecks) => {
            return Err(SignInError::TooMany {
                // The verification is over; a new code can be asked for at once.
                retry_after: Duration::from_secs(1),
                what: VerifyError::TooManyChecks.to_string(),
            });
        }
        Err(e) => return Err(SignInError::Provider(e)),
    }
    let token = super::tokens::new_token();
    let token_hash = super::tokens::hash_token(&token);
    let now = time::now();
    let (user, created) = match state.store.user_by_phone(&phone).await? {
        Some(user) => (user, false),
        None => {
            let name = name.ok_or(SignInError::NeedsName)?;
            let made = state
                .store
                .create_user(NewUser {
                    id: UserId::generate(),
                    phone: phone.clone(),
                    name,
                    token_hash: token_hash.clone(),
                    created_at: now,
                })
                .await;
            match made {
                Ok(user) => (user, true),
                // Made by a concurrent sign-in of the same phone: sign in to it.
                Err(StoreError::Conflict(_)) => match state.store.user_by_phone(&phone).await? {
                    Some(user) => (user, false),
                    None => {
                        return Err(SignInError::Store(StoreError::Conflict(
                            "this phone was being registered at the same moment; try again".into(),
                        )))
                    }
                },
                Err(e) => return Err(e.into()),
            }
        }
    };
    state
        .store
        .create_session(NewSession {
            id: SessionId::generate(),
            user: user.id.clone(),
            token_hash,
            label,
            created_at: now,
        })
        .await?;
    Ok(SignedIn {
        user,
        token,
        created,
    })
}

/// Twilio's `Locale` from the configured default language (`es-419` -> `es`); none for
/// `multi` or anything that is not a plain language tag (the service's default applies).
fn locale(language: &str) -> Option<&str> {
    let primary = language.split(['-', '_']).next()?;
    (primary.len() == 2 && primary.chars().all(|c| c.is_ascii_lowercase())).then_some(primary)
}

/// A code as people type it: 4 to 10 digits (spaces and dashes dropped).
fn sms_code(raw: &str) -> Result<&str, ValidationError> {
    let trimmed = raw.trim();
    if (4..=10).contains(&trimmed.len()) && trimmed.chars().all(|c| c.is_ascii_digit()) {
        Ok(trimmed)
    } else {
        // The code itself is not repeated: it may be a near miss of the real one.
        Err(ValidationError::new(
            "code must be the 4 to 10 digits of the SMS, e.g. 123456".to_string(),
        ))
    }
}

/// A label given by the client: trimmed, 1 to 80 characters, no control characters.
fn label(raw: &str) -> Result<String, ValidationError> {
    let l = raw.trim();
    if l.is_empty() || l.chars().count() > MAX_LABEL_CHARS || l.chars().any(char::is_control) {
        return Err(ValidationError::new(format!(
            "label must be 1 to {MAX_LABEL_CHARS} characters without control characters, e.g. \"Pixel 8\""
        )));
    }
    Ok(l.to_string())
}

/// A `User-Agent` as a label: control characters dropped, cut at 80 characters.
fn agent_label(agent: &str) -> String {
    agent
        .chars()
        .filter(|c| !c.is_control())
        .take(MAX_LABEL_CHARS)
        .collect::<String>()
        .trim()
        .to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn locales_come_from_the_language() {
        assert_eq!(locale("es"), Some("es"));
        assert_eq!(locale("es-419"), Some("es"));
        assert_eq!(locale("en-US"), Some("en"));
        assert_eq!(locale("multi"), None);
    }

    #[test]
    fn codes_are_digits() {
        assert_eq!(sms_code(" 123456 ").ok(), Some("123456"));
        assert!(sms_code("12a456").is_err());
        assert!(sms_code("123").is_err());
        let e = sms_code("99999999999")
            .err()
            .map(|e| e.0)
            .unwrap_or_default();
        assert!(!e.contains("99999999999"), "{e}");
    }

    #[test]
    fn labels_are_short_and_plain() {
        assert_eq!(agent_label("curl/8.5\u{7}"), "curl/8.5");
        assert_eq!(agent_label(&"x".repeat(200)).len(), MAX_LABEL_CHARS);
        assert!(label("   ").is_err());
        assert_eq!(label(" Pixel 8 ").ok().as_deref(), Some("Pixel 8"));
    }
}
