#ifndef HEADFLOW_CLIBCRYPTO_SHIM_H
#define HEADFLOW_CLIBCRYPTO_SHIM_H
// OpenSSL's libcrypto, for the SHA-256 of the data files a run records (EVP digests).
#include <openssl/evp.h>
#endif
