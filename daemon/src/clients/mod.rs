//! Clients of the cloud APIs the daemon calls: Daily.co (video rooms) and Deepgram (live
//! transcription).

pub mod daily;
pub mod deepgram;
