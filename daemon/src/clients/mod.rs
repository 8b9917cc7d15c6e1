//! Clients of the cloud APIs the daemon calls: Daily.co (video rooms), Deepgram (live
//! transcription) and Twilio Verify (sign-in codes by SMS).

pub mod daily;
pub mod deepgram;
pub mod twilio;
