//! Helpers for the end-to-end tests: start real daemons on free ports, wait for health.
