// The GEMM kernels for both scalar types at the instruction-set level LEVEL (a name suffix),
// with TARGET and MULTIPLY_ADD set by Dispatch.c.

/// Columns of C up to which the narrow product vectorises along C's rows instead (`thin`).
#define GAN_THIN_COLUMNS 4

#define GAN_CONCAT_(a, b, c) a##b##c
#define GAN_CONCAT(a, b, c) GAN_CONCAT_(a, b, c)

#define SCALAR float
#define VECTOR gan_f32x16
#define MASK gan_i32x16
#define WIDTH 16
#define NAME(kernel) GAN_CONCAT(kernel, _f32_, LEVEL)
#include "GEMMKernelsForType.h"
#undef SCALAR
#undef VECTOR
#undef MASK
#undef WIDTH
#undef NAME

#define SCALAR double
#define VECTOR gan_f64x8
#define MASK gan_i64x8
#define WIDTH 8
#define NAME(kernel) GAN_CONCAT(kernel, _f64_, LEVEL)
#include "GEMMKernelsForType.h"
#undef SCALAR
#undef VECTOR
#undef MASK
#undef WIDTH
#undef NAME

#undef GAN_CONCAT
#undef GAN_CONCAT_
