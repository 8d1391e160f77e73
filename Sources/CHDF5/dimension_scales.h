#ifndef CHDF5_DIMENSION_SCALES_H
#define CHDF5_DIMENSION_SCALES_H

/* libhdf5's high-level dimension-scale API (H5DS, in libhdf5_hl): the attributes (CLASS, NAME, DIMENSION_LIST,
   REFERENCE_LIST) that netCDF-4, h5netcdf and xarray read as named dimensions with coordinates. */
#include "shim.h"
#if __has_include(<H5DSpublic.h>)
#include <H5DSpublic.h>
#elif __has_include(<hdf5/serial/H5DSpublic.h>)
#include <hdf5/serial/H5DSpublic.h>
#else
#error "H5DSpublic.h not found: apt-get install libhdf5-dev (it ships the high-level library)"
#endif

#endif /* CHDF5_DIMENSION_SCALES_H */
