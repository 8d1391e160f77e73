#ifndef CHDF5_SHIM_H
#define CHDF5_SHIM_H

/* hdf5.pc puts /usr/include/hdf5/serial on the include path on Debian; the fallback
   keeps the header resolvable when pkg-config could not be asked. */
#if __has_include(<hdf5.h>)
#include <hdf5.h>
#elif __has_include(<hdf5/serial/hdf5.h>)
#include <hdf5/serial/hdf5.h>
#else
#error "hdf5.h not found: apt-get install libhdf5-dev pkg-config"
#endif
#include <stdlib.h>

/* HDF5's type, property-list and flag "constants" are macros that call H5open() and read
   globals; Swift cannot import them (and Swift 6 rejects the globals), so expose them as
   static inline functions. */
#define CHDF5_HID(fn, macro) static inline hid_t fn(void) { return (macro); }

CHDF5_HID(chdf5_t_native_int8,    H5T_NATIVE_INT8)
CHDF5_HID(chdf5_t_native_uint8,   H5T_NATIVE_UINT8)
CHDF5_HID(chdf5_t_native_int16,   H5T_NATIVE_INT16)
CHDF5_HID(chdf5_t_native_uint16,  H5T_NATIVE_UINT16)
CHDF5_HID(chdf5_t_native_int32,   H5T_NATIVE_INT32)
CHDF5_HID(chdf5_t_native_uint32,  H5T_NATIVE_UINT32)
CHDF5_HID(chdf5_t_native_int64,   H5T_NATIVE_INT64)
CHDF5_HID(chdf5_t_native_uint64,  H5T_NATIVE_UINT64)
CHDF5_HID(chdf5_t_native_float,   H5T_NATIVE_FLOAT)
CHDF5_HID(chdf5_t_native_double,  H5T_NATIVE_DOUBLE)

CHDF5_HID(chdf5_t_std_i8le,       H5T_STD_I8LE)
CHDF5_HID(chdf5_t_std_u8le,       H5T_STD_U8LE)
CHDF5_HID(chdf5_t_std_i16le,      H5T_STD_I16LE)
CHDF5_HID(chdf5_t_std_u16le,      H5T_STD_U16LE)
CHDF5_HID(chdf5_t_std_i32le,      H5T_STD_I32LE)
CHDF5_HID(chdf5_t_std_u32le,      H5T_STD_U32LE)
CHDF5_HID(chdf5_t_std_i64le,      H5T_STD_I64LE)
CHDF5_HID(chdf5_t_std_u64le,      H5T_STD_U64LE)
CHDF5_HID(chdf5_t_ieee_f32le,     H5T_IEEE_F32LE)
CHDF5_HID(chdf5_t_ieee_f64le,     H5T_IEEE_F64LE)
CHDF5_HID(chdf5_t_c_s1,           H5T_C_S1)

CHDF5_HID(chdf5_p_file_create,    H5P_FILE_CREATE)
CHDF5_HID(chdf5_p_file_access,    H5P_FILE_ACCESS)
CHDF5_HID(chdf5_p_dataset_create, H5P_DATASET_CREATE)
CHDF5_HID(chdf5_p_dataset_access, H5P_DATASET_ACCESS)
CHDF5_HID(chdf5_p_dataset_xfer,   H5P_DATASET_XFER)
CHDF5_HID(chdf5_p_link_create,    H5P_LINK_CREATE)
CHDF5_HID(chdf5_p_group_create,   H5P_GROUP_CREATE)
CHDF5_HID(chdf5_p_default,        H5P_DEFAULT)

static inline unsigned chdf5_f_acc_rdonly(void) { return H5F_ACC_RDONLY; }
static inline unsigned chdf5_f_acc_rdwr(void)   { return H5F_ACC_RDWR; }
static inline unsigned chdf5_f_acc_trunc(void)  { return H5F_ACC_TRUNC; }
static inline unsigned chdf5_f_acc_excl(void)   { return H5F_ACC_EXCL; }

static inline hsize_t chdf5_s_unlimited(void) { return H5S_UNLIMITED; }
static inline size_t  chdf5_t_variable(void)  { return H5T_VARIABLE; }


/* Link kind without following the link: H5L_TYPE_HARD, _SOFT, _EXTERNAL, a user-defined kind, or -1 on failure.
   H5Lget_info names a different struct in 1.10 and 1.12, but both have `type`. */
static inline int chdf5_link_kind(hid_t location, const char *name) {
    H5L_info_t info;
    if (H5Lget_info(location, name, &info, H5P_DEFAULT) < 0) return -1;
    return (int)info.type;
}

/* The identity of an open object within its file (its header address, or token from 1.12 on), copied into
   `identity` (16 bytes), so that a reader can recognise an object reached twice through hard links. */
static inline int chdf5_object_identity(hid_t object, unsigned long *file_number, unsigned char identity[16]) {
    for (int i = 0; i < 16; i++) identity[i] = 0;
#if H5_VERSION_GE(1, 12, 0)
    H5O_info2_t info;
    if (H5Oget_info3(object, &info, H5O_INFO_BASIC) < 0) return -1;
    *file_number = info.fileno;
    const unsigned char *bytes = (const unsigned char *)&info.token;
    for (size_t i = 0; i < sizeof(info.token) && i < 16; i++) identity[i] = bytes[i];
#else
    H5O_info_t info;
    if (H5Oget_info2(object, &info, H5O_INFO_BASIC) < 0) return -1;
    *file_number = info.fileno;
    const unsigned char *bytes = (const unsigned char *)&info.addr;
    for (size_t i = 0; i < sizeof(info.addr) && i < 16; i++) identity[i] = bytes[i];
#endif
    return 0;
}

/* Whether the linked libhdf5 was built thread-safe (1), not (0), or the question failed (-1). */
static inline int chdf5_is_threadsafe(void) {
    hbool_t answer = 0;
    if (H5is_library_threadsafe(&answer) < 0) return -1;
    return answer ? 1 : 0;
}


#include <fcntl.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>

/* Checks, by reading the file directly, that every variable-length element of a contiguous dataset names an
   object that exists in a well-formed global heap collection inside the file. libhdf5 1.10 trusts these
   references (an assert only), so a damaged file makes H5Dread read out of bounds and crash.
   Returns 0 when verified, 1 when the storage is not contiguous (cannot be checked this way), -1 when damaged,
   -2 when the check itself could not run. */
static inline int chdf5_verify_vlen_heap_references(hid_t dataset, size_t element_count) {
    if (element_count == 0) return 0;
    haddr_t data_address = H5Dget_offset(dataset);
    if (data_address == HADDR_UNDEF) return 1;
    hid_t file = H5Iget_file_id(dataset);
    if (file < 0) return -2;
    hid_t creation = H5Fget_create_plist(file);
    size_t offset_size = 8, length_size = 8;
    if (creation >= 0) { H5Pget_sizes(creation, &offset_size, &length_size); H5Pclose(creation); }
    char name[4096];
    ssize_t name_length = H5Fget_name(file, name, sizeof(name));
    H5Fclose(file);
    if (name_length <= 0 || (size_t)name_length >= sizeof(name) || offset_size > 8 || length_size > 8) return -2;
    int descriptor = open(name, O_RDONLY);
    if (descriptor < 0) return -2;
    struct stat info;
    if (fstat(descriptor, &info) != 0) { close(descriptor); return -2; }
    unsigned long long file_size = (unsigned long long)info.st_size;
    size_t reference_size = 4 + offset_size + 4;
    int result = 0;
    unsigned long long cached_collection = 0;
    unsigned char *collection = NULL;
    unsigned long long collection_size = 0;
    for (size_t element = 0; element < element_count && result == 0; element++) {
        unsigned char reference[20];
        unsigned long long at = (unsigned long long)data_address + element * reference_size;
        if (at + reference_size > file_size || pread(descriptor, reference, reference_size, (off_t)at) != (ssize_t)reference_size) { result = -1; break; }
        unsigned long long length = 0, address = 0, index = 0;
        for (int i = 3; i >= 0; i--) length = (length << 8) | reference[i];
        for (int i = (int)offset_size - 1; i >= 0; i--) address = (address << 8) | reference[4 + i];
        for (int i = 3; i >= 0; i--) index = (index << 8) | reference[4 + offset_size + i];
        if (length == 0 && address == 0) continue;  /* an empty or NULL string: no heap object */
        if (address != cached_collection || collection == NULL) {
            free(collection);
            collection = NULL;
            unsigned char header[16];
            if (address + 8 + length_size > file_size || pread(descriptor, header, 8 + length_size, (off_t)address) != (ssize_t)(8 + length_size)) { result = -1; break; }
            if (memcmp(header, "GCOL", 4) != 0 || header[4] != 1) { result = -1; break; }
            collection_size = 0;
            for (int i = (int)length_size - 1; i >= 0; i--) collection_size = (collection_size << 8) | header[8 + i];
            if (collection_size < 8 + length_size || collection_size > (64ULL << 20) || address + collection_size > file_size) { result = -1; break; }
            collection = (unsigned char *)malloc(collection_size);
            if (collection == NULL) { result = -2; break; }
            if (pread(descriptor, collection, collection_size, (off_t)address) != (ssize_t)collection_size) { result = -1; break; }
            cached_collection = address;
        }
        /* Walk the objects: index (2), references (2), reserved (4), size (length_size), data padded to 8. */
        unsigned long long position = 8 + length_size;
        int found = 0;
        while (position + 8 + length_size <= collection_size) {
            unsigned long long object_index = collection[position] | (collection[position + 1] << 8);
            unsigned long long object_size = 0;
            for (int i = (int)length_size - 1; i >= 0; i--) object_size = (object_size << 8) | collection[position + 8 + i];
            if (object_index == 0) break;  /* free space: the rest of the collection */
            unsigned long long padded = (object_size + 7) & ~7ULL;
            if (object_size > collection_size || position + 8 + length_size + padded > collection_size) { result = -1; break; }
            if (object_index == index) { found = object_size >= length ? 1 : -1; break; }
            position += 8 + length_size + padded;
        }
        if (result == 0 && found != 1) result = -1;
    }
    free(collection);
    close(descriptor);
    return result;
}

#undef CHDF5_HID
#endif /* CHDF5_SHIM_H */
