// LLVMFuzzerRunDriver is defined by libFuzzer, which `-sanitize=fuzzer` links in.
#include "LibFuzzerDriver.h"
