#ifndef HEADFLOW_CGSL_SHIM_H
#define HEADFLOW_CGSL_SHIM_H
// The parts of GSL headflow uses: errors, RNG and distributions, ODE stepping,
// CBLAS, linear algebra (eigen, Cholesky), least-squares fits, statistics and
// one-dimensional minimisation (Brent).
// multimin (BFGS for the linear probe).
#include <gsl/gsl_errno.h>
#include <gsl/gsl_math.h>
#include <gsl/gsl_rng.h>
#include <gsl/gsl_randist.h>
#include <gsl/gsl_odeiv2.h>
#include <gsl/gsl_cblas.h>
#include <gsl/gsl_matrix.h>
#include <gsl/gsl_vector.h>
#include <gsl/gsl_eigen.h>
#include <gsl/gsl_linalg.h>
#include <gsl/gsl_fit.h>
#include <gsl/gsl_statistics_double.h>
#include <gsl/gsl_sort_double.h>
#include <gsl/gsl_cdf.h>
#include <gsl/gsl_min.h>
#include <gsl/gsl_multimin.h>
#endif
