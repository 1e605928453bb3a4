#ifndef HEADFLOW_CZLIB_SHIM_H
#define HEADFLOW_CZLIB_SHIM_H
// zlib's inflate, for gzip-compressed image files (IDX, as Fashion-MNIST ships them).
#include <zlib.h>
#endif
