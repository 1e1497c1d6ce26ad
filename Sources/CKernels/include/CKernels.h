#ifndef GAN_NUMERICS_CKERNELS_H
#define GAN_NUMERICS_CKERNELS_H

#include <stddef.h>

/// The innermost loops of the matrix products, compiled for several instruction-set levels
/// in one binary and chosen at run time for the CPU (x86-64: AVX-512, AVX2 with FMA, or the
/// baseline; one level elsewhere). Swift cannot give one function its own target features,
/// and a Swift build for the baseline x86-64 turns every fused multiply-add into a library
/// call, so these few loops live here.
///
/// Every level computes the same numbers: the levels with FMA fuse each multiply-add, in the
/// same order, so AVX-512 and AVX2 agree bit for bit; only a CPU without FMA rounds the
/// product and the sum separately.

/// An instruction-set level of the kernels.
typedef enum {
    GANKernelLevelBaseline = 0,
    GANKernelLevelAVX2 = 1,
    GANKernelLevelAVX512 = 2,
} GANKernelLevel;

/// The level in use: the best this CPU (and its operating system) supports, capped by the
/// environment variable GANNUMERICS_KERNELS=avx512|avx2|baseline when set.
GANKernelLevel gan_kernel_level(void);

/// The best level this CPU supports, whatever the environment says.
GANKernelLevel gan_kernel_supported_level(void);

/// C[0..<8, 0..<32] (+)= Σ_p a[8p + r]·b[32p + j]: the packed GEMM micro-kernel over panels of
/// A (8 rows) and B (two 16-float vectors), `kc` deep. With `accumulate` the sum is added to C
/// (one rounding per element after the fused chain), otherwise it replaces C.
void gan_gemm_micro_f32(ptrdiff_t kc, const float *a, const float *b, float *c, ptrdiff_t ldc, int accumulate);
/// The same for doubles: C[0..<8, 0..<16] over two 8-double vectors.
void gan_gemm_micro_f64(ptrdiff_t kc, const double *a, const double *b, double *c, ptrdiff_t ldc, int accumulate);

/// The rectifier of a GANEpilogue.
typedef enum {
    GANActivationNone = 0,
    /// A negative value becomes +0; −0 and NaN pass, as in `x < 0 ? 0 : x`.
    GANActivationReLU = 1,
    /// A negative x becomes slope·x.
    GANActivationLeakyReLU = 2,
} GANActivation;

/// What a narrow product does to each element of C before storing it, in this order: adds
/// `bias[j]` (n values; none when NULL), applies the activation, then gates by the reference
/// matrix `gate` (element (i, j) at gate[i·gate_stride + j]; none when NULL): keeps the value
/// where the reference is > 0 and multiplies it by `gate_slope` elsewhere. Pointers are to the
/// product's scalar type. Each step is the operation a separate pass over C would do, so the
/// results are the same bits.
typedef struct {
    const void *bias;
    GANActivation activation;
    double slope;
    const void *gate;
    ptrdiff_t gate_stride;
    double gate_slope;
} GANEpilogue;

/// C[0..<m, 0..<n] = A·B, finished by `epilogue`, for n at most two vectors (32 floats): A
/// strided (element (i, p) at a[i·row_stride + p·column_stride]), B given as k rows of one whole
/// vector each (n <= 16) or two (n > 16), `b_stride` apart and zero-padded past n. Sixteen rows
/// of C at a time in sixteen accumulators for one vector, eight rows for two, reading A once.
void gan_gemm_narrow_f32(ptrdiff_t m, ptrdiff_t n, ptrdiff_t k, const float *a, ptrdiff_t row_stride,
                         ptrdiff_t column_stride, const float *b, ptrdiff_t b_stride, float *c, ptrdiff_t ldc,
                         const GANEpilogue *epilogue);
/// The same for doubles (n at most 16; one vector is 8).
void gan_gemm_narrow_f64(ptrdiff_t m, ptrdiff_t n, ptrdiff_t k, const double *a, ptrdiff_t row_stride,
                         ptrdiff_t column_stride, const double *b, ptrdiff_t b_stride, double *c, ptrdiff_t ldc,
                         const GANEpilogue *epilogue);

/// A hint to the processor that this thread spins waiting for another (x86's `pause`; a yield
/// elsewhere), so the waiting core saves power and leaves its sibling the pipeline.
static inline void gan_spin_pause(void) {
#if defined(__x86_64__) || defined(__i386__)
    __builtin_ia32_pause();
#elif defined(__aarch64__)
    __asm__ __volatile__("yield");
#endif
}

#endif
