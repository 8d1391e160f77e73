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

#include <stddef.h>
#include <stdlib.h>

/* The attributes H5DSattach_scale leaves, written in one operation each. H5DSattach_scale rereads, deletes and
   rewrites a scale's whole REFERENCE_LIST at every attach (and the dataset's DIMENSION_LIST at every axis after
   the first); a results file attaches about 70 scales on its writer's critical path. These write the same
   attributes, with the same types, once: the caller checks that neither exists yet. */

/* One REFERENCE_LIST entry, laid out as libhdf5_hl's own (a 16-byte compound: the dataset's object reference at
   offset 0 named "dataset", the axis as a native int at offset 8 named "dimension"). */
typedef struct {
    hobj_ref_t dataset;
    int dimension;
} chdf5_scale_reference;

/* DIMENSION_LIST on `dataset`: for each of its `rank` axes a variable-length list of object references holding
   the one scale `scales[axis]` (none when it is negative). Returns a negative value on failure. */
static inline herr_t chdf5_write_dimension_list(hid_t dataset, int rank, const hid_t *scales) {
    if (rank <= 0 || rank > 32) return -1;
    hobj_ref_t references[32];
    hvl_t lists[32];
    for (int axis = 0; axis < rank; axis++) {
        lists[axis].len = 0;
        lists[axis].p = NULL;
        if (scales[axis] < 0) continue;
        if (H5Rcreate(&references[axis], scales[axis], ".", H5R_OBJECT, -1) < 0) return -1;
        lists[axis].len = 1;
        lists[axis].p = &references[axis];
    }
    hsize_t extent = (hsize_t)rank;
    herr_t status = -1;
    hid_t space = H5Screate_simple(1, &extent, NULL);
    hid_t type = H5Tvlen_create(H5T_STD_REF_OBJ);
    if (space >= 0 && type >= 0) {
        hid_t attribute = H5Acreate2(dataset, "DIMENSION_LIST", type, space, H5P_DEFAULT, H5P_DEFAULT);
        if (attribute >= 0) {
            status = H5Awrite(attribute, type, lists);
            if (H5Aclose(attribute) < 0) status = -1;
        }
    }
    if (type >= 0) H5Tclose(type);
    if (space >= 0) H5Sclose(space);
    return status;
}

/* REFERENCE_LIST on `scale`: `count` entries naming axis `axes[i]` of dataset `datasets[i]`, in that order.
   Returns a negative value on failure. */
static inline herr_t chdf5_write_reference_list(hid_t scale, size_t count, const hid_t *datasets, const int *axes) {
    if (count == 0) return -1;
    chdf5_scale_reference *entries = (chdf5_scale_reference *)calloc(count, sizeof(chdf5_scale_reference));
    if (entries == NULL) return -1;
    herr_t status = 0;
    for (size_t index = 0; index < count && status >= 0; index++) {
        status = H5Rcreate(&entries[index].dataset, datasets[index], ".", H5R_OBJECT, -1);
        entries[index].dimension = axes[index];
    }
    hid_t type = -1, space = -1;
    if (status >= 0) {
        status = -1;
        type = H5Tcreate(H5T_COMPOUND, sizeof(chdf5_scale_reference));
        hsize_t extent = (hsize_t)count;
        space = H5Screate_simple(1, &extent, NULL);
        if (type >= 0 && space >= 0
            && H5Tinsert(type, "dataset", offsetof(chdf5_scale_reference, dataset), H5T_STD_REF_OBJ) >= 0
            && H5Tinsert(type, "dimension", offsetof(chdf5_scale_reference, dimension), H5T_NATIVE_INT) >= 0) {
            hid_t attribute = H5Acreate2(scale, "REFERENCE_LIST", type, space, H5P_DEFAULT, H5P_DEFAULT);
            if (attribute >= 0) {
                status = H5Awrite(attribute, type, entries);
                if (H5Aclose(attribute) < 0) status = -1;
            }
        }
    }
    if (type >= 0) H5Tclose(type);
    if (space >= 0) H5Sclose(space);
    free(entries);
    return status;
}

#endif /* CHDF5_DIMENSION_SCALES_H */
