/* fuzz_npy: gb_npy_read on arbitrary bytes. */
#include "fuzz_common.h"

#include "glassbox/export.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    const char *path = fz_write("in.npy", data, size);
    gb_error err = {0};
    float *x = NULL;
    int ndim = 0;
    int64_t shape[GB_TENSOR_MAX_DIMS];
    if (gb_npy_read(path, &x, &ndim, shape, &err) != GB_OK) {
        fz_check_error(&err);
        return 0;
    }
    size_t n = 1;
    for (int i = 0; i < ndim; i++) n *= (size_t)shape[i];
    volatile float sum = 0; /* touch every element: the claimed shape must match the data */
    for (size_t i = 0; i < n; i++) sum += x[i];
    (void)sum;
    free(x);
    return 0;
}
