// Instantiates the kernels once per instruction-set level and picks one at run time.
#include "CKernels.h"

#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#if defined(__x86_64__)
#include <cpuid.h>
#endif

typedef float gan_f32x16 __attribute__((vector_size(64)));
typedef double gan_f64x8 __attribute__((vector_size(64)));
typedef int32_t gan_i32x16 __attribute__((vector_size(64)));
typedef int64_t gan_i64x8 __attribute__((vector_size(64)));

#define FUSED(x, y, acc) __builtin_elementwise_fma((x), (y), (acc))
#define UNFUSED(x, y, acc) ((x) * (y) + (acc))

// --- the levels ---------------------------------------------------------------------------------

#if defined(__x86_64__)
#define LEVEL avx512
#define TARGET __attribute__((target("avx512f,avx512dq,avx512vl,avx2,fma")))
#define MULTIPLY_ADD FUSED
#include "GEMMKernels.h"
#undef LEVEL
#undef TARGET

#define LEVEL avx2
#define TARGET __attribute__((target("avx2,fma")))
#include "GEMMKernels.h"
#undef LEVEL
#undef TARGET
#undef MULTIPLY_ADD
#endif

// The baseline: fused wherever the architecture always has FMA (arm64), separate otherwise.
#define LEVEL baseline
#define TARGET
#if defined(__x86_64__) && !defined(__FMA__)
#define MULTIPLY_ADD UNFUSED
#else
#define MULTIPLY_ADD FUSED
#endif
#include "GEMMKernels.h"
#undef LEVEL
#undef TARGET
#undef MULTIPLY_ADD

// --- choosing a level ---------------------------------------------------------------------------

GANKernelLevel gan_kernel_supported_level(void) {
#if defined(__x86_64__)
    unsigned eax, ebx, ecx, edx;
    if (!__get_cpuid(1, &eax, &ebx, &ecx, &edx)) return GANKernelLevelBaseline;
    const int fma = (ecx >> 12) & 1, osxsave = (ecx >> 27) & 1, avx = (ecx >> 28) & 1;
    if (!(fma && osxsave && avx)) return GANKernelLevelBaseline;
    // The operating system must save the vector registers: XMM and YMM state for AVX2, and the
    // opmask and upper ZMM state too for AVX-512.
    unsigned xcr0_low, xcr0_high;
    __asm__("xgetbv" : "=a"(xcr0_low), "=d"(xcr0_high) : "c"(0));
    const uint64_t xcr0 = ((uint64_t)xcr0_high << 32) | xcr0_low;
    if ((xcr0 & 0x6) != 0x6 || !__get_cpuid_count(7, 0, &eax, &ebx, &ecx, &edx)) return GANKernelLevelBaseline;
    const int avx2 = (ebx >> 5) & 1, avx512f = (ebx >> 16) & 1, avx512dq = (ebx >> 17) & 1, avx512vl = (ebx >> 31) & 1;
    if (!avx2) return GANKernelLevelBaseline;
    if (avx512f && avx512dq && avx512vl && (xcr0 & 0xE6) == 0xE6) return GANKernelLevelAVX512;
    return GANKernelLevelAVX2;
#else
    return GANKernelLevelBaseline;
#endif
}

static _Atomic int chosen_level = -1;

GANKernelLevel gan_kernel_level(void) {
    int level = atomic_load_explicit(&chosen_level, memory_order_relaxed);
    if (level >= 0) return (GANKernelLevel)level;
    level = gan_kernel_supported_level();
    const char *requested = getenv("GANNUMERICS_KERNELS");
    if (requested != NULL) {
        int cap = level;
        if (strcmp(requested, "baseline") == 0) cap = GANKernelLevelBaseline;
        else if (strcmp(requested, "avx2") == 0) cap = GANKernelLevelAVX2;
        else if (strcmp(requested, "avx512") == 0) cap = GANKernelLevelAVX512;
        if (cap < level) level = cap;
    }
    atomic_store_explicit(&chosen_level, level, memory_order_relaxed);
    return (GANKernelLevel)level;
}

// --- the entry points ---------------------------------------------------------------------------

#if defined(__x86_64__)
#define DISPATCH(kernel, type, ...)                                                                \
    switch (gan_kernel_level()) {                                                                  \
    case GANKernelLevelAVX512: kernel##_##type##_avx512(__VA_ARGS__); return;                      \
    case GANKernelLevelAVX2: kernel##_##type##_avx2(__VA_ARGS__); return;                          \
    default: kernel##_##type##_baseline(__VA_ARGS__); return;                                      \
    }
#else
#define DISPATCH(kernel, type, ...) kernel##_##type##_baseline(__VA_ARGS__)
#endif

void gan_gemm_micro_f32(ptrdiff_t kc, const float *a, const float *b, float *c, ptrdiff_t ldc, int accumulate) {
    DISPATCH(micro, f32, kc, a, b, c, ldc, accumulate);
}

void gan_gemm_micro_f64(ptrdiff_t kc, const double *a, const double *b, double *c, ptrdiff_t ldc, int accumulate) {
    DISPATCH(micro, f64, kc, a, b, c, ldc, accumulate);
}

void gan_gemm_narrow_f32(ptrdiff_t m, ptrdiff_t n, ptrdiff_t k, const float *a, ptrdiff_t row_stride,
                         ptrdiff_t column_stride, const float *b, ptrdiff_t b_stride, float *c, ptrdiff_t ldc,
                         const GANEpilogue *epilogue) {
    DISPATCH(narrow, f32, m, n, k, a, row_stride, column_stride, b, b_stride, c, ldc, epilogue);
}

void gan_gemm_narrow_f64(ptrdiff_t m, ptrdiff_t n, ptrdiff_t k, const double *a, ptrdiff_t row_stride,
                         ptrdiff_t column_stride, const double *b, ptrdiff_t b_stride, double *c, ptrdiff_t ldc,
                         const GANEpilogue *epilogue) {
    DISPATCH(narrow, f64, m, n, k, a, row_stride, column_stride, b, b_stride, c, ldc, epilogue);
}
