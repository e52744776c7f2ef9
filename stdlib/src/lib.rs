//! The standard library (see docs/).
