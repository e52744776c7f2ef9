//! What this CPU can run: the engine's AVX builds (lane banks, mixing,
//! true-peak scan) are chosen once at run time and give the same samples
//! as the portable ones.

/// The CPU has AVX (256-bit floating-point vectors).
pub(crate) fn has_avx() -> bool {
    #[cfg(target_arch = "x86_64")]
    {
        std::arch::is_x86_feature_detected!("avx")
    }
    #[cfg(not(target_arch = "x86_64"))]
    false
}

/// The CPU has AVX2 (AVX and 256-bit integer vectors).
pub(crate) fn has_avx2() -> bool {
    #[cfg(target_arch = "x86_64")]
    {
        std::arch::is_x86_feature_detected!("avx2")
    }
    #[cfg(not(target_arch = "x86_64"))]
    false
}
