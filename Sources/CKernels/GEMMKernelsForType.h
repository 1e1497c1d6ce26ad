// The GEMM kernels for one scalar type at one instruction-set level, included by GEMMKernels.h
// once per type with:
//   SCALAR, VECTOR, WIDTH     the scalar, its 64-byte vector type and the lanes in one vector
//   MASK                      the integer vector of VECTOR's lane width (comparison results)
//   NAME(kernel)              the kernel's name with the type and level suffixes
// and by Dispatch.c's level settings:
//   TARGET                    the attribute enabling the level's instructions (or nothing)
//   MULTIPLY_ADD(x, y, acc)   x·y + acc, fused where the level has FMA
// The loops do what the Swift kernels they replaced did, operation for operation, so results
// are unchanged bit for bit; the blocking and packing around them stay in GEMM.swift.
#define LOAD(pointer) ({ VECTOR loaded_; __builtin_memcpy(&loaded_, (pointer), sizeof loaded_); loaded_; })
#define STORE(pointer, vector) do { VECTOR stored_ = (vector); __builtin_memcpy((pointer), &stored_, sizeof stored_); } while (0)
/// The first `count` lanes of `vector` to `target`, through a lane buffer, one scalar at a time.
#define STORE_PREFIX(target, vector, count) do {                                                  \
        SCALAR lanes_[WIDTH];                                                                      \
        STORE(lanes_, (vector));                                                                   \
        SCALAR *prefix_ = (target);                                                                \
        _Pragma("clang loop vectorize(disable) unroll(disable)")                                   \
        for (ptrdiff_t lane_ = 0; lane_ < (count); lane_++) prefix_[lane_] = lanes_[lane_];        \
    } while (0)
#define SPLAT(scalar) ({ VECTOR splat_; SCALAR value_ = (scalar); for (int lane_ = 0; lane_ < WIDTH; lane_++) splat_[lane_] = value_; splat_; })

TARGET static void NAME(micro)(ptrdiff_t kc, const SCALAR *a, const SCALAR *b, SCALAR *c, ptrdiff_t ldc, int accumulate) {
    VECTOR acc[8][2];
    for (int r = 0; r < 8; r++) acc[r][0] = acc[r][1] = SPLAT(0);
    // C's tile is read (or written) only after the loop over kc: fetching its cache lines now
    // overlaps their latency with the products (its rows are ldc apart, each in its own page,
    // which the hardware prefetcher does not foresee).
    for (int r = 0; r < 8; r++) {
        __builtin_prefetch(c + r * ldc, 1, 3);
        __builtin_prefetch(c + r * ldc + 2 * WIDTH - 1, 1, 3);
    }
    for (ptrdiff_t p = 0; p < kc; p++) {
        VECTOR b0 = LOAD(b), b1 = LOAD(b + WIDTH);
#pragma clang loop unroll(full)
        for (int r = 0; r < 8; r++) {
            VECTOR x = SPLAT(a[r]);
            acc[r][0] = MULTIPLY_ADD(x, b0, acc[r][0]);
            acc[r][1] = MULTIPLY_ADD(x, b1, acc[r][1]);
        }
        a += 8;
        b += 2 * WIDTH;
    }
    for (int r = 0; r < 8; r++) {
        SCALAR *target = c + r * ldc;
        if (accumulate) {
            STORE(target, LOAD(target) + acc[r][0]);
            STORE(target + WIDTH, LOAD(target + WIDTH) + acc[r][1]);
        } else {
            STORE(target, acc[r][0]);
            STORE(target + WIDTH, acc[r][1]);
        }
    }
}

/// `count` values from `source` as a vector, zero past them. (Macros rather than functions: a
/// function taking or returning a 64-byte vector warns of its ABI at the levels without AVX-512.)
#define LOAD_PREFIX(source, count) ({                                                              \
        SCALAR prefix_lanes_[WIDTH] = {0};                                                         \
        const SCALAR *prefix_source_ = (source);                                                   \
        for (ptrdiff_t lane_ = 0; lane_ < (count) && lane_ < WIDTH; lane_++) prefix_lanes_[lane_] = prefix_source_[lane_]; \
        LOAD(prefix_lanes_);                                                                       \
    })

/// A vector of C after the epilogue (GANEpilogue): `bias_vector` added when there is a bias, the
/// activation, then the gate by the reference vector at `reference` (`count` lanes, all when
/// `whole`), lane by lane as the separate passes compute them. Expects the epilogue's fields as
/// locals: bias, activation, slope, gate, gate_slope.
#define EPILOGUE(vector, bias_vector, reference, count, whole)                                    \
    EPILOGUE_GATED_BY((vector), (bias_vector),                                                     \
                      gate ? ((whole) ? LOAD(reference) : LOAD_PREFIX((reference), (count))) : SPLAT(0))
/// EPILOGUE with the gate's reference lanes given as a vector.
#define EPILOGUE_GATED_BY(vector, bias_vector, reference_vector) ({                                \
        VECTOR finished_ = (vector);                                                               \
        if (bias) finished_ = finished_ + (bias_vector);                                           \
        if (activation != GANActivationNone) {                                                     \
            const MASK negative_ = (MASK)(finished_ < SPLAT(0));                                   \
            const VECTOR replacement_ = activation == GANActivationReLU ? SPLAT(0) : finished_ * SPLAT(slope); \
            finished_ = (VECTOR)(((MASK)replacement_ & negative_) | ((MASK)finished_ & ~negative_)); \
        }                                                                                          \
        if (gate) {                                                                                \
            const MASK positive_ = (MASK)((reference_vector) > SPLAT(0));                          \
            const VECTOR scaled_ = finished_ * SPLAT(gate_slope);                                  \
            finished_ = (VECTOR)(((MASK)finished_ & positive_) | ((MASK)scaled_ & ~positive_));    \
        }                                                                                          \
        finished_;                                                                                 \
    })

/// The epilogue's fields as locals of the product's scalar type, for EPILOGUE.
#define EPILOGUE_LOCALS(epilogue)                                                                  \
    const SCALAR *bias = (const SCALAR *)(epilogue)->bias;                                         \
    const GANActivation activation = (epilogue)->activation;                                       \
    const SCALAR slope = (SCALAR)(epilogue)->slope;                                                \
    const SCALAR *gate = (const SCALAR *)(epilogue)->gate;                                         \
    const ptrdiff_t gate_stride = (epilogue)->gate_stride;                                         \
    const SCALAR gate_slope = (SCALAR)(epilogue)->gate_slope

/// The one-vector narrow product, storing whole vectors when `whole` (n == WIDTH) and n lanes otherwise.
/// Inlined twice with a constant `whole`, so each copy is compiled on its own: the whole-vector
/// one stores straight from the registers (with one body for both, every accumulator would be
/// spilled for the partial stores' sake, a fifth slower).
TARGET static inline __attribute__((always_inline)) void NAME(narrow_body)(
    ptrdiff_t m, ptrdiff_t n, ptrdiff_t k, const SCALAR *a, ptrdiff_t row_stride, ptrdiff_t column_stride,
    const SCALAR *b, ptrdiff_t b_stride, SCALAR *c, ptrdiff_t ldc, const GANEpilogue *epilogue, const int whole) {
    EPILOGUE_LOCALS(epilogue);
    const VECTOR bias_vector = bias ? LOAD_PREFIX(bias, n) : SPLAT(0);
#define FINISH(vector, row) EPILOGUE((vector), bias_vector, gate + (row) * gate_stride, n, whole)
    ptrdiff_t row = 0;
    // Each row's offset from the first, computed once and hidden from the optimiser, which
    // would otherwise turn the sixteen broadcasts' addresses into one chain of additions per
    // step of p (a quarter slower on the MoG layers).
    ptrdiff_t offsets[8];
    for (int r = 0; r < 8; r++) {
        offsets[r] = r * row_stride;
        __asm__("" : "+r"(offsets[r]));
    }
    // Sixteen rows at a time: sixteen independent accumulators hide the multiply-add latency.
    for (; row + 16 <= m; row += 16) {
        VECTOR upper[8], lower[8];
        for (int r = 0; r < 8; r++) upper[r] = lower[r] = SPLAT(0);
        const SCALAR *upper_column = a + row * row_stride;
        const SCALAR *lower_column = upper_column + offsets[7] + row_stride;
        __asm__("" : "+r"(lower_column));
        const SCALAR *row_of_b = b;
        for (ptrdiff_t p = 0; p < k; p++) {
            // Opaque each step too: otherwise the sixteen addresses become sixteen hoisted
            // bases, more than there are registers.
            __asm__("" : "+r"(upper_column), "+r"(lower_column));
            VECTOR x = LOAD(row_of_b);
#pragma clang loop unroll(full)
            for (int r = 0; r < 8; r++) upper[r] = MULTIPLY_ADD(SPLAT(upper_column[offsets[r]]), x, upper[r]);
#pragma clang loop unroll(full)
            for (int r = 0; r < 8; r++) lower[r] = MULTIPLY_ADD(SPLAT(lower_column[offsets[r]]), x, lower[r]);
            upper_column += column_stride;
            lower_column += column_stride;
            row_of_b += b_stride;
        }
        for (int r = 0; r < 8; r++) {
            if (whole) {
                STORE(c + (row + r) * ldc, FINISH(upper[r], row + r));
                STORE(c + (row + 8 + r) * ldc, FINISH(lower[r], row + 8 + r));
            } else {
                STORE_PREFIX(c + (row + r) * ldc, FINISH(upper[r], row + r), n);
                STORE_PREFIX(c + (row + 8 + r) * ldc, FINISH(lower[r], row + 8 + r), n);
            }
        }
    }
    for (; row < m; row++) {
        VECTOR sum = SPLAT(0);
        for (ptrdiff_t p = 0; p < k; p++) sum = MULTIPLY_ADD(SPLAT(a[row * row_stride + p * column_stride]), LOAD(b + p * b_stride), sum);
        if (whole) STORE(c + row * ldc, FINISH(sum, row));
        else STORE_PREFIX(c + row * ldc, FINISH(sum, row), n);
    }
#undef FINISH
}

/// The two-vector narrow product (WIDTH < n <= 2·WIDTH): eight rows of C at a time in sixteen
/// accumulators, A read once (two one-vector passes would read it twice). Each element of C is
/// the same chain of fused multiply-adds over p as in the one-vector kernel.
TARGET static inline __attribute__((always_inline)) void NAME(narrow2_body)(
    ptrdiff_t m, ptrdiff_t n, ptrdiff_t k, const SCALAR *a, ptrdiff_t row_stride, ptrdiff_t column_stride,
    const SCALAR *b, ptrdiff_t b_stride, SCALAR *c, ptrdiff_t ldc, const GANEpilogue *epilogue, const int whole) {
    EPILOGUE_LOCALS(epilogue);
    const VECTOR first_bias = bias ? LOAD(bias) : SPLAT(0);
    const VECTOR second_bias = bias ? LOAD_PREFIX(bias + WIDTH, n - WIDTH) : SPLAT(0);
    // The halves of a row: the first always a whole vector, the second whole when n = 2·WIDTH.
#define FINISH_FIRST(vector, row) EPILOGUE((vector), first_bias, gate + (row) * gate_stride, WIDTH, 1)
#define FINISH_SECOND(vector, row) EPILOGUE((vector), second_bias, gate + (row) * gate_stride + WIDTH, n - WIDTH, whole)
    ptrdiff_t offsets[8];
    for (int r = 0; r < 8; r++) {
        offsets[r] = r * row_stride;
        __asm__("" : "+r"(offsets[r]));
    }
    ptrdiff_t row = 0;
    for (; row + 8 <= m; row += 8) {
        VECTOR acc[8][2];
        for (int r = 0; r < 8; r++) acc[r][0] = acc[r][1] = SPLAT(0);
        const SCALAR *column = a + row * row_stride;
        const SCALAR *row_of_b = b;
        for (ptrdiff_t p = 0; p < k; p++) {
            __asm__("" : "+r"(column));
            VECTOR b0 = LOAD(row_of_b), b1 = LOAD(row_of_b + WIDTH);
#pragma clang loop unroll(full)
            for (int r = 0; r < 8; r++) {
                VECTOR x = SPLAT(column[offsets[r]]);
                acc[r][0] = MULTIPLY_ADD(x, b0, acc[r][0]);
                acc[r][1] = MULTIPLY_ADD(x, b1, acc[r][1]);
            }
            column += column_stride;
            row_of_b += b_stride;
        }
        for (int r = 0; r < 8; r++) {
            SCALAR *target = c + (row + r) * ldc;
            STORE(target, FINISH_FIRST(acc[r][0], row + r));
            if (whole) STORE(target + WIDTH, FINISH_SECOND(acc[r][1], row + r));
            else STORE_PREFIX(target + WIDTH, FINISH_SECOND(acc[r][1], row + r), n - WIDTH);
        }
    }
    for (; row < m; row++) {
        VECTOR first = SPLAT(0), second = SPLAT(0);
        for (ptrdiff_t p = 0; p < k; p++) {
            VECTOR x = SPLAT(a[row * row_stride + p * column_stride]);
            first = MULTIPLY_ADD(x, LOAD(b + p * b_stride), first);
            second = MULTIPLY_ADD(x, LOAD(b + p * b_stride + WIDTH), second);
        }
        STORE(c + row * ldc, FINISH_FIRST(first, row));
        if (whole) STORE(c + row * ldc + WIDTH, FINISH_SECOND(second, row));
        else STORE_PREFIX(c + row * ldc + WIDTH, FINISH_SECOND(second, row), n - WIDTH);
    }
#undef FINISH_FIRST
#undef FINISH_SECOND
}

/// Rows `lo` and `hi` of a WIDTH × WIDTH block (rows d apart) after the transpose's stage for
/// distance d: the lanes whose bit d differs from the row's are exchanged between the two.
#if WIDTH == 16
#define TRANSPOSE_STAGE(lo, hi, d) do {                                                            \
        const VECTOR lo_ = (lo), hi_ = (hi);                                                       \
        if ((d) == 1) {                                                                            \
            lo = __builtin_shufflevector(lo_, hi_, 0, 16, 2, 18, 4, 20, 6, 22, 8, 24, 10, 26, 12, 28, 14, 30); \
            hi = __builtin_shufflevector(lo_, hi_, 1, 17, 3, 19, 5, 21, 7, 23, 9, 25, 11, 27, 13, 29, 15, 31); \
        } else if ((d) == 2) {                                                                     \
            lo = __builtin_shufflevector(lo_, hi_, 0, 1, 16, 17, 4, 5, 20, 21, 8, 9, 24, 25, 12, 13, 28, 29); \
            hi = __builtin_shufflevector(lo_, hi_, 2, 3, 18, 19, 6, 7, 22, 23, 10, 11, 26, 27, 14, 15, 30, 31); \
        } else if ((d) == 4) {                                                                     \
            lo = __builtin_shufflevector(lo_, hi_, 0, 1, 2, 3, 16, 17, 18, 19, 8, 9, 10, 11, 24, 25, 26, 27); \
            hi = __builtin_shufflevector(lo_, hi_, 4, 5, 6, 7, 20, 21, 22, 23, 12, 13, 14, 15, 28, 29, 30, 31); \
        } else {                                                                                   \
            lo = __builtin_shufflevector(lo_, hi_, 0, 1, 2, 3, 4, 5, 6, 7, 16, 17, 18, 19, 20, 21, 22, 23); \
            hi = __builtin_shufflevector(lo_, hi_, 8, 9, 10, 11, 12, 13, 14, 15, 24, 25, 26, 27, 28, 29, 30, 31); \
        }                                                                                          \
    } while (0)
#else
#define TRANSPOSE_STAGE(lo, hi, d) do {                                                            \
        const VECTOR lo_ = (lo), hi_ = (hi);                                                       \
        if ((d) == 1) {                                                                            \
            lo = __builtin_shufflevector(lo_, hi_, 0, 8, 2, 10, 4, 12, 6, 14);                     \
            hi = __builtin_shufflevector(lo_, hi_, 1, 9, 3, 11, 5, 13, 7, 15);                     \
        } else if ((d) == 2) {                                                                     \
            lo = __builtin_shufflevector(lo_, hi_, 0, 1, 8, 9, 4, 5, 12, 13);                      \
            hi = __builtin_shufflevector(lo_, hi_, 2, 3, 10, 11, 6, 7, 14, 15);                    \
        } else {                                                                                   \
            lo = __builtin_shufflevector(lo_, hi_, 0, 1, 2, 3, 8, 9, 10, 11);                      \
            hi = __builtin_shufflevector(lo_, hi_, 4, 5, 6, 7, 12, 13, 14, 15);                    \
        }                                                                                          \
    } while (0)
#endif

/// C = A·B finished by the epilogue for C of at most GAN_THIN_COLUMNS columns (a layer's one or
/// two outputs): a vector holds WIDTH rows of one column of C, so no lane computes a column C
/// does not have (the one-vector kernel spends WIDTH lanes on each row: eight or sixteen times
/// the work for one column). A's columns come as vectors straight from memory when A is stored
/// by columns, else by transposing WIDTH × WIDTH blocks of its rows in registers (a gather per
/// column is several times slower on AMD cores). Each element is the same chain of multiply-adds
/// over p, and gets the same epilogue, as in the other kernels. Inlined once per `n`, so the
/// accumulators and the transposed block stay in registers.
TARGET static inline __attribute__((always_inline)) void NAME(thin_body)(
    ptrdiff_t m, const ptrdiff_t n, ptrdiff_t k, const SCALAR *a, ptrdiff_t row_stride, ptrdiff_t column_stride,
    const SCALAR *b, ptrdiff_t b_stride, SCALAR *c, ptrdiff_t ldc, const GANEpilogue *epilogue) {
    EPILOGUE_LOCALS(epilogue);
    ptrdiff_t row = 0;
    for (; row + WIDTH <= m; row += WIDTH) {
        VECTOR acc[GAN_THIN_COLUMNS];
#pragma clang loop unroll(full)
        for (int j = 0; j < GAN_THIN_COLUMNS; j++) acc[j] = SPLAT(0);
        if (row_stride == 1) {
            for (ptrdiff_t p = 0; p < k; p++) {
                const VECTOR x = LOAD(a + row + p * column_stride);
#pragma clang loop unroll(full)
                for (ptrdiff_t j = 0; j < n; j++) acc[j] = MULTIPLY_ADD(x, SPLAT(b[p * b_stride + j]), acc[j]);
            }
        } else {
            for (ptrdiff_t first = 0; first < k; first += WIDTH) {
                const ptrdiff_t depth = k - first < WIDTH ? k - first : WIDTH;
                VECTOR block[WIDTH];
#pragma clang loop unroll(full)
                for (int r = 0; r < WIDTH; r++) {
                    const SCALAR *source = a + (row + r) * row_stride + first * column_stride;
                    if (column_stride == 1 && depth == WIDTH) {
                        block[r] = LOAD(source);
                    } else {
                        SCALAR lanes[WIDTH] = {0};
                        for (ptrdiff_t q = 0; q < depth; q++) lanes[q] = source[q * column_stride];
                        block[r] = LOAD(lanes);
                    }
                }
#pragma clang loop unroll(full)
                for (int d = WIDTH / 2; d >= 1; d /= 2) {
#pragma clang loop unroll(full)
                    for (int r = 0; r < WIDTH; r++) {
                        if (!(r & d)) TRANSPOSE_STAGE(block[r], block[r + d], d);
                    }
                }
                const SCALAR *rows_of_b = b + first * b_stride;
                if (depth == WIDTH) {
#pragma clang loop unroll(full)
                    for (int q = 0; q < WIDTH; q++) {
#pragma clang loop unroll(full)
                        for (ptrdiff_t j = 0; j < n; j++) acc[j] = MULTIPLY_ADD(block[q], SPLAT(rows_of_b[q * b_stride + j]), acc[j]);
                    }
                } else {
                    for (int q = 0; q < depth; q++) {
#pragma clang loop unroll(full)
                        for (ptrdiff_t j = 0; j < n; j++) acc[j] = MULTIPLY_ADD(block[q], SPLAT(rows_of_b[q * b_stride + j]), acc[j]);
                    }
                }
            }
        }
#pragma clang loop unroll(full)
        for (ptrdiff_t j = 0; j < n; j++) {
            // One column (n = 1) is contiguous in C and in the gate's reference.
            VECTOR reference = SPLAT(0);
            if (gate && gate_stride == 1 && n == 1) {
                reference = LOAD(gate + row);
            } else if (gate) {
                for (int lane = 0; lane < WIDTH; lane++) reference[lane] = gate[(row + lane) * gate_stride + j];
            }
            const VECTOR finished = EPILOGUE_GATED_BY(acc[j], SPLAT(bias ? bias[j] : 0), reference);
            if (ldc == 1) {
                STORE(c + row, finished);
            } else {
                for (int lane = 0; lane < WIDTH; lane++) c[(row + lane) * ldc + j] = finished[lane];
            }
        }
    }
    for (; row < m; row++) {
        for (ptrdiff_t j = 0; j < n; j++) {
            VECTOR sum = SPLAT(0);
            for (ptrdiff_t p = 0; p < k; p++) {
                sum = MULTIPLY_ADD(SPLAT(a[row * row_stride + p * column_stride]), SPLAT(b[p * b_stride + j]), sum);
            }
            const VECTOR finished = EPILOGUE_GATED_BY(sum, SPLAT(bias ? bias[j] : 0), SPLAT(gate ? gate[row * gate_stride + j] : 0));
            c[row * ldc + j] = finished[0];
        }
    }
}

TARGET static void NAME(thin)(ptrdiff_t m, ptrdiff_t n, ptrdiff_t k, const SCALAR *a, ptrdiff_t row_stride,
                              ptrdiff_t column_stride, const SCALAR *b, ptrdiff_t b_stride, SCALAR *c, ptrdiff_t ldc,
                              const GANEpilogue *epilogue) {
    switch (n) {
    case 1: NAME(thin_body)(m, 1, k, a, row_stride, column_stride, b, b_stride, c, ldc, epilogue); break;
    case 2: NAME(thin_body)(m, 2, k, a, row_stride, column_stride, b, b_stride, c, ldc, epilogue); break;
    case 3: NAME(thin_body)(m, 3, k, a, row_stride, column_stride, b, b_stride, c, ldc, epilogue); break;
    default: NAME(thin_body)(m, 4, k, a, row_stride, column_stride, b, b_stride, c, ldc, epilogue); break;
    }
}

/// C = A·B finished by the epilogue (GANEpilogue) for C at most two vectors wide: the one- or
/// two-vector body, each compiled apart for whole vectors and for a partial last vector.
TARGET static void NAME(narrow)(ptrdiff_t m, ptrdiff_t n, ptrdiff_t k, const SCALAR *a, ptrdiff_t row_stride,
                                ptrdiff_t column_stride, const SCALAR *b, ptrdiff_t b_stride, SCALAR *c, ptrdiff_t ldc,
                                const GANEpilogue *epilogue) {
    if (n <= GAN_THIN_COLUMNS) {
        NAME(thin)(m, n, k, a, row_stride, column_stride, b, b_stride, c, ldc, epilogue);
    } else if (n == WIDTH) {
        NAME(narrow_body)(m, n, k, a, row_stride, column_stride, b, b_stride, c, ldc, epilogue, 1);
    } else if (n < WIDTH) {
        NAME(narrow_body)(m, n, k, a, row_stride, column_stride, b, b_stride, c, ldc, epilogue, 0);
    } else if (n == 2 * WIDTH) {
        NAME(narrow2_body)(m, n, k, a, row_stride, column_stride, b, b_stride, c, ldc, epilogue, 1);
    } else {
        NAME(narrow2_body)(m, n, k, a, row_stride, column_stride, b, b_stride, c, ldc, epilogue, 0);
    }
}

#undef LOAD
#undef LOAD_PREFIX
#undef EPILOGUE
#undef EPILOGUE_GATED_BY
#undef TRANSPOSE_STAGE
#undef EPILOGUE_LOCALS
#undef STORE
#undef SPLAT
#undef STORE_PREFIX
