//! Hostile bodies and heads, and hostile flags.
