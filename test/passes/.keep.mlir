// RUN: true
// Placeholder until the first pass's lit test lands.
