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

#undef CHDF5_HID
#endif /* CHDF5_SHIM_H */
