//! The eight-lane vector the steps of a program compute with, in two
//! builds: `f32x8` (any CPU; on baseline x86-64 each of its operations is
//! two 128-bit SSE instructions) and [`Ymm`] (one 256-bit AVX
//! instruction). Every method is the same IEEE operation, lane by lane,
//! in both builds, so a program gives the same bits on either.

use crate::audio::CHUNK;
use fundsp::wide::{f32x4, f32x8, u32x8};
use std::ops::{Add, Div, Mul, Sub};

/// Eight `f32` lanes.
pub(super) trait Vec8:
    Copy + Add<Output = Self> + Sub<Output = Self> + Mul<Output = Self> + Div<Output = Self>
{
    /// The state of eight noise generators.
    type Noise: Copy;
    fn splat(x: f32) -> Self;
    fn load(v: &f32x8) -> Self;
    fn store(self, to: &mut f32x8);
    /// All ones in the lanes where `self < other` (false for NaN), else 0.
    fn lt(self, other: Self) -> Self;
    /// All ones in the lanes where `self > other` (false for NaN), else 0.
    fn gt(self, other: Self) -> Self;
    /// All ones in the lanes where `self >= other` (false for NaN), else 0.
    fn ge(self, other: Self) -> Self;
    fn and(self, other: Self) -> Self;
    fn or(self, other: Self) -> Self;
    fn xor(self, other: Self) -> Self;
    /// `one` in the bits set in `self` (a mask), `zero` elsewhere.
    fn select(self, one: Self, zero: Self) -> Self;
    fn abs(self) -> Self;
    /// SSE's `min`: `other` unless `self < other` (so `other` for NaN).
    fn min(self, other: Self) -> Self;
    /// `x as i32 as f32`: rounded towards zero, saturating, NaN to 0.
    fn trunc(self) -> Self;
    /// [`Vec8::trunc`] of lanes known to be finite and within (-2^31,
    /// 2^31), where the conversion needs no care for the others.
    fn trunc_in_range(self) -> Self;
    /// Whether any lane's sign bit is set (a mask's lane is).
    fn any(self) -> bool;
    fn noise_load(state: u32x8) -> Self::Noise;
    fn noise_store(state: Self::Noise) -> u32x8;
    /// Steps each generator (adds one) and gives the top 24 bits of
    /// fundsp's 32-bit hash of its new state, as floats.
    fn noise(state: &mut Self::Noise) -> Self;
    /// Eight sample players' positions (`f64`).
    type Pos: Copy;
    fn pos_load(pos: &[f64; 8]) -> Self::Pos;
    fn pos_store(pos: Self::Pos, to: &mut [f64; 8]);
    /// Each position's whole part `i` (`pos as i64`, here as `i32`: the
    /// positions must lie in [0, 2^31)) and fraction (`(pos - i as f64)
    /// as f32`), as `SamplePlayer` takes them; then adds `rate` to each
    /// position.
    fn advance(pos: &mut Self::Pos, rate: Self::Pos) -> (Self, [i32; 8]);
    /// Four values of each lane, lane `j`'s from `rows[j]`, as four
    /// vectors: the first value of every lane, the second, the third,
    /// the fourth.
    fn columns(rows: [&[f32; 4]; 8]) -> [Self; 4];
    /// Lane `j` of the eight frames `src` to `dst[j][k..k + 8]`.
    fn transpose8(src: &[f32x8; 8], dst: &mut [[f32; CHUNK]; 8], k: usize);
}

/// The portable build: `wide`'s operations.
impl Vec8 for f32x8 {
    type Noise = u32x8;

    #[inline(always)]
    fn splat(x: f32) -> f32x8 {
        f32x8::splat(x)
    }

    #[inline(always)]
    fn load(v: &f32x8) -> f32x8 {
        *v
    }

    #[inline(always)]
    fn store(self, to: &mut f32x8) {
        *to = self;
    }

    #[inline(always)]
    fn lt(self, other: f32x8) -> f32x8 {
        self.simd_lt(other)
    }

    #[inline(always)]
    fn gt(self, other: f32x8) -> f32x8 {
        self.simd_gt(other)
    }

    #[inline(always)]
    fn ge(self, other: f32x8) -> f32x8 {
        self.simd_ge(other)
    }

    #[inline(always)]
    fn and(self, other: f32x8) -> f32x8 {
        self & other
    }

    #[inline(always)]
    fn or(self, other: f32x8) -> f32x8 {
        self | other
    }

    #[inline(always)]
    fn xor(self, other: f32x8) -> f32x8 {
        self ^ other
    }

    #[inline(always)]
    fn select(self, one: f32x8, zero: f32x8) -> f32x8 {
        self.bitselect(one, zero)
    }

    #[inline(always)]
    fn abs(self) -> f32x8 {
        f32x8::abs(self)
    }

    #[inline(always)]
    fn min(self, other: f32x8) -> f32x8 {
        self.fast_min(other)
    }

    // Back to floats with one conversion per four lanes (`round_float`;
    // `from_i32x8` converts lane by lane without AVX2), rounding as
    // `as f32` does.
    #[inline(always)]
    fn trunc(self) -> f32x8 {
        self.trunc_int().round_float()
    }

    #[inline(always)]
    fn trunc_in_range(self) -> f32x8 {
        self.fast_trunc_int().round_float()
    }

    #[inline(always)]
    fn any(self) -> bool {
        f32x8::any(self)
    }

    #[inline(always)]
    fn noise_load(state: u32x8) -> u32x8 {
        state
    }

    #[inline(always)]
    fn noise_store(state: u32x8) -> u32x8 {
        state
    }

    #[inline(always)]
    fn noise(state: &mut u32x8) -> f32x8 {
        *state += u32x8::splat(1);
        let h = hash32(*state) >> 8u32;
        let v: [u32; 8] = h.to_array();
        f32x8::from(v.map(|x| x as f32))
    }

    type Pos = [f64; 8];

    #[inline(always)]
    fn pos_load(pos: &[f64; 8]) -> [f64; 8] {
        *pos
    }

    #[inline(always)]
    fn pos_store(pos: [f64; 8], to: &mut [f64; 8]) {
        *to = pos;
    }

    #[inline(always)]
    fn advance(pos: &mut [f64; 8], rate: [f64; 8]) -> (f32x8, [i32; 8]) {
        let mut t = [0.0f32; 8];
        let mut whole = [0i32; 8];
        for j in 0..8 {
            let i = pos[j] as i64;
            t[j] = (pos[j] - i as f64) as f32;
            whole[j] = i as i32;
            pos[j] += rate[j];
        }
        (f32x8::from(t), whole)
    }

    #[inline(always)]
    fn columns(rows: [&[f32; 4]; 8]) -> [f32x8; 4] {
        std::array::from_fn(|c| f32x8::from(rows.map(|r| r[c])))
    }

    // Four frames of four lanes at a time, as 4×4 transposes of 128-bit
    // vectors (a handful of shuffles instead of sixteen single stores).
    #[inline(always)]
    fn transpose8(src: &[f32x8; 8], dst: &mut [[f32; CHUNK]; 8], k: usize) {
        for f in [0, 4] {
            for half in [0, 4] {
                let row = |v: &f32x8| {
                    let a = v.as_array();
                    f32x4::new([a[half], a[half + 1], a[half + 2], a[half + 3]])
                };
                let rows = [
                    row(&src[f]),
                    row(&src[f + 1]),
                    row(&src[f + 2]),
                    row(&src[f + 3]),
                ];
                let [a, b, c, d] = f32x4::transpose(rows);
                dst[half][k + f..k + f + 4].copy_from_slice(a.as_array());
                dst[half + 1][k + f..k + f + 4].copy_from_slice(b.as_array());
                dst[half + 2][k + f..k + f + 4].copy_from_slice(c.as_array());
                dst[half + 3][k + f..k + f + 4].copy_from_slice(d.as_array());
            }
        }
    }
}

/// fundsp's 32-bit noise hash, eight at a time.
#[inline(always)]
fn hash32(x: u32x8) -> u32x8 {
    let m = u32x8::splat(0x45d9f3b);
    let x = (x ^ (x >> 16u32)) * m;
    let x = (x ^ (x >> 16u32)) * m;
    (x ^ (x >> 16u32)) * m
}

#[cfg(target_arch = "x86_64")]
pub(super) use avx::Ymm;

#[cfg(target_arch = "x86_64")]
mod avx {
    //! The AVX build. `Ymm` values are made only inside
    //! `LaneBank::process_avx`, which runs only when the CPU has AVX2:
    //! that is what makes each intrinsic call below sound. Every method
    //! is inlined into that function (`inline(always)`), so each becomes
    //! the one instruction it names.

    use super::Vec8;
    use crate::audio::CHUNK;
    use fundsp::wide::{f32x8, u32x8};
    use std::arch::x86_64::*;
    use std::ops::{Add, Div, Mul, Sub};

    #[derive(Clone, Copy)]
    pub(in crate::dsp::lanes) struct Ymm(__m256);

    macro_rules! binary {
        ($trait:ident, $method:ident, $intrinsic:ident) => {
            impl $trait for Ymm {
                type Output = Ymm;
                #[inline(always)]
                fn $method(self, other: Ymm) -> Ymm {
                    // SAFETY: the CPU has AVX (see the module's doc).
                    Ymm(unsafe { $intrinsic(self.0, other.0) })
                }
            }
        };
    }

    binary!(Add, add, _mm256_add_ps);
    binary!(Sub, sub, _mm256_sub_ps);
    binary!(Mul, mul, _mm256_mul_ps);
    binary!(Div, div, _mm256_div_ps);

    impl Vec8 for Ymm {
        type Noise = __m256i;

        #[inline(always)]
        fn splat(x: f32) -> Ymm {
            // SAFETY: as for every method (see the module's doc).
            Ymm(unsafe { _mm256_set1_ps(x) })
        }

        #[inline(always)]
        fn load(v: &f32x8) -> Ymm {
            // SAFETY: eight floats are read from a reference to eight.
            Ymm(unsafe { _mm256_loadu_ps(v.as_array().as_ptr()) })
        }

        #[inline(always)]
        fn store(self, to: &mut f32x8) {
            // SAFETY: eight floats are written through a reference to eight.
            unsafe { _mm256_storeu_ps(to.as_mut_array().as_mut_ptr(), self.0) }
        }

        #[inline(always)]
        fn lt(self, other: Ymm) -> Ymm {
            // SAFETY: the CPU has AVX. `cmpltps`'s predicate.
            Ymm(unsafe { _mm256_cmp_ps::<_CMP_LT_OS>(self.0, other.0) })
        }

        #[inline(always)]
        fn gt(self, other: Ymm) -> Ymm {
            // SAFETY: the CPU has AVX. `cmpltps` with the operands swapped.
            Ymm(unsafe { _mm256_cmp_ps::<_CMP_GT_OS>(self.0, other.0) })
        }

        #[inline(always)]
        fn ge(self, other: Ymm) -> Ymm {
            // SAFETY: the CPU has AVX. `cmpleps` with the operands swapped.
            Ymm(unsafe { _mm256_cmp_ps::<_CMP_GE_OS>(self.0, other.0) })
        }

        #[inline(always)]
        fn and(self, other: Ymm) -> Ymm {
            // SAFETY: the CPU has AVX.
            Ymm(unsafe { _mm256_and_ps(self.0, other.0) })
        }

        #[inline(always)]
        fn or(self, other: Ymm) -> Ymm {
            // SAFETY: the CPU has AVX.
            Ymm(unsafe { _mm256_or_ps(self.0, other.0) })
        }

        #[inline(always)]
        fn xor(self, other: Ymm) -> Ymm {
            // SAFETY: the CPU has AVX.
            Ymm(unsafe { _mm256_xor_ps(self.0, other.0) })
        }

        #[inline(always)]
        fn select(self, one: Ymm, zero: Ymm) -> Ymm {
            // SAFETY: the CPU has AVX. As `wide`: (one & m) | (!m & zero).
            Ymm(unsafe {
                _mm256_or_ps(
                    _mm256_and_ps(one.0, self.0),
                    _mm256_andnot_ps(self.0, zero.0),
                )
            })
        }

        #[inline(always)]
        fn abs(self) -> Ymm {
            self.and(Ymm::splat(f32::from_bits(i32::MAX as u32)))
        }

        #[inline(always)]
        fn min(self, other: Ymm) -> Ymm {
            // SAFETY: the CPU has AVX. `minps`, operands in the same order.
            Ymm(unsafe { _mm256_min_ps(self.0, other.0) })
        }

        #[inline(always)]
        fn trunc(self) -> Ymm {
            // As `wide`'s `trunc_int`: NaN lanes cleared to 0 first, and
            // lanes ≥ 2^31 (which `cvttps2dq` gives as i32::MIN) flipped
            // to i32::MAX.
            // SAFETY: the CPU has AVX.
            unsafe {
                let x = self.0;
                let non_nan = _mm256_and_ps(x, _mm256_cmp_ps::<_CMP_EQ_OQ>(x, x));
                let big = _mm256_cmp_ps::<_CMP_GE_OS>(x, _mm256_set1_ps(2147483648.0));
                let i = _mm256_castsi256_ps(_mm256_cvttps_epi32(non_nan));
                let i = _mm256_castps_si256(_mm256_xor_ps(i, big));
                Ymm(_mm256_cvtepi32_ps(i))
            }
        }

        #[inline(always)]
        fn trunc_in_range(self) -> Ymm {
            // SAFETY: the CPU has AVX.
            unsafe { Ymm(_mm256_cvtepi32_ps(_mm256_cvttps_epi32(self.0))) }
        }

        #[inline(always)]
        fn any(self) -> bool {
            // SAFETY: the CPU has AVX.
            unsafe { _mm256_movemask_ps(self.0) != 0 }
        }

        #[inline(always)]
        fn noise_load(state: u32x8) -> __m256i {
            // SAFETY: eight u32 are read from a reference to eight.
            unsafe { _mm256_loadu_si256(state.as_array().as_ptr().cast()) }
        }

        #[inline(always)]
        fn noise_store(state: __m256i) -> u32x8 {
            let mut out = u32x8::splat(0);
            // SAFETY: eight u32 are written through a reference to eight.
            unsafe { _mm256_storeu_si256(out.as_mut_array().as_mut_ptr().cast(), state) };
            out
        }

        #[inline(always)]
        fn noise(state: &mut __m256i) -> Ymm {
            // SAFETY: the CPU has AVX2 (integer operations on 256 bits).
            unsafe {
                let s = _mm256_add_epi32(*state, _mm256_set1_epi32(1));
                *state = s;
                let m = _mm256_set1_epi32(0x45d9f3b);
                let x = _mm256_mullo_epi32(_mm256_xor_si256(s, _mm256_srli_epi32::<16>(s)), m);
                let x = _mm256_mullo_epi32(_mm256_xor_si256(x, _mm256_srli_epi32::<16>(x)), m);
                let x = _mm256_mullo_epi32(_mm256_xor_si256(x, _mm256_srli_epi32::<16>(x)), m);
                // Below 2^24 after the shift: converted exactly, as signed.
                Ymm(_mm256_cvtepi32_ps(_mm256_srli_epi32::<8>(x)))
            }
        }

        type Pos = [__m256d; 2];

        #[inline(always)]
        fn pos_load(pos: &[f64; 8]) -> [__m256d; 2] {
            // SAFETY: four f64 are read from each half of eight.
            unsafe {
                [
                    _mm256_loadu_pd(pos.as_ptr()),
                    _mm256_loadu_pd(pos[4..].as_ptr()),
                ]
            }
        }

        #[inline(always)]
        fn pos_store(pos: [__m256d; 2], to: &mut [f64; 8]) {
            // SAFETY: four f64 are written to each half of eight.
            unsafe {
                _mm256_storeu_pd(to.as_mut_ptr(), pos[0]);
                _mm256_storeu_pd(to[4..].as_mut_ptr(), pos[1]);
            }
        }

        #[inline(always)]
        fn advance(pos: &mut [__m256d; 2], rate: [__m256d; 2]) -> (Ymm, [i32; 8]) {
            let mut whole = [0i32; 8];
            // SAFETY: the CPU has AVX; four i32 are written to each half
            // of eight. `cvttpd2dq` truncates as `as i64` does in i32's
            // range, the conversion back is exact, and `cvtpd2ps` rounds
            // as `as f32` (`cvtsd2ss`) does.
            unsafe {
                let (i0, i1) = (_mm256_cvttpd_epi32(pos[0]), _mm256_cvttpd_epi32(pos[1]));
                _mm_storeu_si128(whole.as_mut_ptr().cast(), i0);
                _mm_storeu_si128(whole[4..].as_mut_ptr().cast(), i1);
                let t0 = _mm256_cvtpd_ps(_mm256_sub_pd(pos[0], _mm256_cvtepi32_pd(i0)));
                let t1 = _mm256_cvtpd_ps(_mm256_sub_pd(pos[1], _mm256_cvtepi32_pd(i1)));
                pos[0] = _mm256_add_pd(pos[0], rate[0]);
                pos[1] = _mm256_add_pd(pos[1], rate[1]);
                (Ymm(_mm256_set_m128(t1, t0)), whole)
            }
        }

        #[inline(always)]
        fn columns(rows: [&[f32; 4]; 8]) -> [Ymm; 4] {
            // SAFETY: the CPU has AVX; four floats are read from each
            // reference to four. Lanes j and j + 4 share a row of two
            // halves, and the rows are transposed four by four in each.
            unsafe {
                let r0 = _mm256_loadu2_m128(rows[4].as_ptr(), rows[0].as_ptr());
                let r1 = _mm256_loadu2_m128(rows[5].as_ptr(), rows[1].as_ptr());
                let r2 = _mm256_loadu2_m128(rows[6].as_ptr(), rows[2].as_ptr());
                let r3 = _mm256_loadu2_m128(rows[7].as_ptr(), rows[3].as_ptr());
                let t0 = _mm256_unpacklo_ps(r0, r1);
                let t1 = _mm256_unpackhi_ps(r0, r1);
                let t2 = _mm256_unpacklo_ps(r2, r3);
                let t3 = _mm256_unpackhi_ps(r2, r3);
                [
                    Ymm(_mm256_shuffle_ps::<0x44>(t0, t2)),
                    Ymm(_mm256_shuffle_ps::<0xEE>(t0, t2)),
                    Ymm(_mm256_shuffle_ps::<0x44>(t1, t3)),
                    Ymm(_mm256_shuffle_ps::<0xEE>(t1, t3)),
                ]
            }
        }

        #[inline(always)]
        fn transpose8(src: &[f32x8; 8], dst: &mut [[f32; CHUNK]; 8], k: usize) {
            // SAFETY: the CPU has AVX; eight floats are read from each
            // `f32x8` and written to each `dst[j][k..k + 8]`, a slice of
            // eight. 4×4 transposes in each half, then halves swapped.
            unsafe {
                let [r0, r1, r2, r3, r4, r5, r6, r7] = [
                    _mm256_loadu_ps(src[0].as_array().as_ptr()),
                    _mm256_loadu_ps(src[1].as_array().as_ptr()),
                    _mm256_loadu_ps(src[2].as_array().as_ptr()),
                    _mm256_loadu_ps(src[3].as_array().as_ptr()),
                    _mm256_loadu_ps(src[4].as_array().as_ptr()),
                    _mm256_loadu_ps(src[5].as_array().as_ptr()),
                    _mm256_loadu_ps(src[6].as_array().as_ptr()),
                    _mm256_loadu_ps(src[7].as_array().as_ptr()),
                ];
                let (t0, t1) = (_mm256_unpacklo_ps(r0, r1), _mm256_unpackhi_ps(r0, r1));
                let (t2, t3) = (_mm256_unpacklo_ps(r2, r3), _mm256_unpackhi_ps(r2, r3));
                let (t4, t5) = (_mm256_unpacklo_ps(r4, r5), _mm256_unpackhi_ps(r4, r5));
                let (t6, t7) = (_mm256_unpacklo_ps(r6, r7), _mm256_unpackhi_ps(r6, r7));
                let s0 = _mm256_shuffle_ps::<0x44>(t0, t2);
                let s1 = _mm256_shuffle_ps::<0xEE>(t0, t2);
                let s2 = _mm256_shuffle_ps::<0x44>(t1, t3);
                let s3 = _mm256_shuffle_ps::<0xEE>(t1, t3);
                let s4 = _mm256_shuffle_ps::<0x44>(t4, t6);
                let s5 = _mm256_shuffle_ps::<0xEE>(t4, t6);
                let s6 = _mm256_shuffle_ps::<0x44>(t5, t7);
                let s7 = _mm256_shuffle_ps::<0xEE>(t5, t7);
                let lanes = [
                    _mm256_permute2f128_ps::<0x20>(s0, s4),
                    _mm256_permute2f128_ps::<0x20>(s1, s5),
                    _mm256_permute2f128_ps::<0x20>(s2, s6),
                    _mm256_permute2f128_ps::<0x20>(s3, s7),
                    _mm256_permute2f128_ps::<0x31>(s0, s4),
                    _mm256_permute2f128_ps::<0x31>(s1, s5),
                    _mm256_permute2f128_ps::<0x31>(s2, s6),
                    _mm256_permute2f128_ps::<0x31>(s3, s7),
                ];
                for (d, v) in dst.iter_mut().zip(lanes) {
                    _mm256_storeu_ps(d[k..k + 8].as_mut_ptr(), v);
                }
            }
        }
    }
}
