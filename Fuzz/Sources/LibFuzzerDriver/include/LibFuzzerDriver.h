#include <stddef.h>
#include <stdint.h>

/// libFuzzer's entry for programs that have their own `main`: runs the fuzzer with the
/// command-line flags in argc/argv, calling `callback` with each input.
int LLVMFuzzerRunDriver(int *argc, char ***argv, int (*callback)(const uint8_t *data, size_t size));
