//! The audio engine (see docs/).
