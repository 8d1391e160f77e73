#ifndef CHDF5_SHIM_H
#define CHDF5_SHIM_H

/* Where pkg-config is asked (no Debian static archives), hdf5.pc puts the headers on the include path.
   On Debian the package links libhdf5's static archives and does not ask it (Package.swift), so the
   header is found by its path. */
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


/* Creates files without libhdf5's flock(): NeuroCost creates files only under a temporary name that no other
   process opens, and renames them into place when complete. A lock there protects nothing, and it can outlive the
   file's close: a child started by another thread holds a copy of every descriptor until its exec has closed them,
   and Linux resumes the parent of a posix_spawn before that. Returns 0, or -1 when the library (before 1.10.7)
   cannot turn locking off. */
static inline int chdf5_disable_file_locking(hid_t access) {
#if H5_VERSION_GE(1, 10, 7) && !(H5_VERS_MAJOR == 1 && H5_VERS_MINOR == 12 && H5_VERS_RELEASE < 1)
    return H5Pset_file_locking(access, 0, 1) < 0 ? -1 : 0;
#else
    (void)access;
    return -1;
#endif
}

/* Marks the descriptor libhdf5's default (sec2) driver holds for `file` close-on-exec. libhdf5 opens it without
   O_CLOEXEC and locks it with flock(); a child process started meanwhile by another thread would inherit the
   descriptor and keep the lock after this process closes the file, so reopening it fails with EAGAIN. Returns 0,
   or -1 when the driver gives no descriptor (other drivers: nothing to do). */
static inline int chdf5_set_close_on_exec(hid_t file) {
    hid_t access = H5Fget_access_plist(file);
    if (access < 0) return -1;
    void *handle = NULL;
    hid_t driver = H5Pget_driver(access);
    int result = -1;
    if (driver == H5FD_SEC2 && H5Fget_vfd_handle(file, access, &handle) >= 0 && handle != NULL) {
        int descriptor = *(int *)handle;
        int flags = fcntl(descriptor, F_GETFD);
        if (flags >= 0 && fcntl(descriptor, F_SETFD, flags | FD_CLOEXEC) == 0) result = 0;
    }
    H5Pclose(access);
    return result;
}

/* Whether the file holding `object` was opened read-only: the direct checks below read the file's bytes, which
   for a file open for writing may still sit in libhdf5's cache; files NeuroCost writes are its own anyway. */
static inline int chdf5_is_read_only(hid_t object) {
    hid_t file = H5Iget_file_id(object);
    if (file < 0) return 0;
    unsigned intent = 0;
    herr_t status = H5Fget_intent(file, &intent);
    H5Fclose(file);
    return status >= 0 && (intent & H5F_ACC_RDWR) == 0;
}

/* Checks, by reading the file directly, that every variable-length element of a contiguous dataset names an
   object that exists in a well-formed global heap collection inside the file. libhdf5 1.10 trusts these
   references (an assert only), so a damaged file makes H5Dread read out of bounds and crash.
   Returns 0 when verified (or the file is open for writing), 1 when the storage is not contiguous (cannot be
   checked this way), -1 when damaged,
   -2 when the check itself could not run. */
static inline int chdf5_verify_vlen_heap_references(hid_t dataset, size_t element_count) {
    if (element_count == 0 || !chdf5_is_read_only(dataset)) return 0;
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
        /* Walk every object as libhdf5 will when it loads the collection: index (2), references (2), reserved (4),
           size (length_size), data padded to 8. Object 0 is free space whose size counts its own header; a size
           that does not move past the header would make libhdf5 loop forever, and one past the end read beyond it. */
        unsigned long long position = 8 + length_size;
        unsigned long long header = 8 + length_size;
        int found = 0;
        while (result == 0 && position + header <= collection_size) {
            unsigned long long object_index = collection[position] | (collection[position + 1] << 8);
            unsigned long long object_size = 0;
            for (int i = (int)length_size - 1; i >= 0; i--) object_size = (object_size << 8) | collection[position + 8 + i];
            unsigned long long need;
            if (object_index == 0) {
                need = object_size;
                if (need < header) { result = -1; break; }
            } else {
                if (object_size > collection_size) { result = -1; break; }
                need = header + ((object_size + 7) & ~7ULL);
                if (object_index == index) found = object_size >= length ? 1 : -1;
            }
            if (need > collection_size - position) { result = -1; break; }
            position += need;
        }
        if (result == 0 && found != 1) result = -1;
    }
    free(collection);
    close(descriptor);
    return result;
}


/* Whether a stored numeric type is self-consistent: its precision and offset fit its size and, for floats, the
   sign, exponent and mantissa fields fit the precision. libhdf5 1.10 converts damaged types without checking,
   reading and writing past its buffers. Returns 0 when consistent (or not numeric), -1 when damaged. */
static inline int chdf5_check_numeric_type(hid_t type) {
    H5T_class_t type_class = H5Tget_class(type);
    if (type_class != H5T_INTEGER && type_class != H5T_FLOAT && type_class != H5T_ENUM) return 0;
    hid_t base = type_class == H5T_ENUM ? H5Tget_super(type) : type;
    if (base < 0) return -1;
    int result = 0;
    size_t size = H5Tget_size(base);
    size_t precision = H5Tget_precision(base);
    int offset = H5Tget_offset(base);
    if (size == 0 || size > 16 || precision == 0 || offset < 0 || (size_t)offset + precision > 8 * size) result = -1;
    if (result == 0 && type_class == H5T_FLOAT) {
        size_t sign, exponent_position, exponent_size, mantissa_position, mantissa_size;
        if (H5Tget_fields(base, &sign, &exponent_position, &exponent_size, &mantissa_position, &mantissa_size) < 0) result = -1;
        else if (sign >= precision || exponent_size == 0 || exponent_size > 32 || mantissa_size == 0 || mantissa_size > 112
                 || exponent_position + exponent_size > precision || mantissa_position + mantissa_size > precision) result = -1;
    }
    if (type_class == H5T_ENUM) H5Tclose(base);
    return result;
}

/* For compact storage (data kept in the object header), whether the stored bytes match the shape and type:
   libhdf5 1.10 copies the shape's worth of bytes whatever the header holds. 0 = consistent or not compact,
   -1 = damaged. */
static inline int chdf5_check_compact_storage(hid_t dataset, size_t element_count) {
    /* Contiguous storage with its bytes placed has an address (and asks for no copy of the creation properties,
       which libhdf5 makes whole on every H5Dget_create_plist: a network's small integer fields are contiguous). */
    if (H5Dget_offset(dataset) != HADDR_UNDEF) return 0;
    hid_t creation = H5Dget_create_plist(dataset);
    if (creation < 0) return -1;
    H5D_layout_t layout = H5Pget_layout(creation);
    H5Pclose(creation);
    if (layout != H5D_COMPACT) return 0;
    hid_t type = H5Dget_type(dataset);
    if (type < 0) return -1;
    size_t element_size = H5Tget_size(type);
    H5Tclose(type);
    hsize_t stored = H5Dget_storage_size(dataset);
    if (element_size == 0 || element_count > ((hsize_t)-1) / element_size) return -1;
    return stored == (hsize_t)element_count * element_size ? 0 : -1;
}


/* For chunked storage with at most `max_chunks` chunks, whether every chunk's coordinates lie on the chunk grid
   inside the dataset and its bytes inside the file; libhdf5 1.10 reads damaged chunk indexes past its buffers.
   0 = consistent, not chunked, too many chunks to check, or a file open for writing; -1 = damaged. */
static inline int chdf5_check_chunks(hid_t dataset, hsize_t max_chunks) {
    if (!chdf5_is_read_only(dataset)) return 0;
    if (H5Dget_offset(dataset) != HADDR_UNDEF) return 0; /* contiguous, placed: no chunks (see above) */
    hid_t creation = H5Dget_create_plist(dataset);
    if (creation < 0) return -1;
    int result = 0;
    if (H5Pget_layout(creation) == H5D_CHUNKED) {
        hsize_t chunk[32], extent[32], maximum[32], offset[32];
        int rank = H5Pget_chunk(creation, 32, chunk);
        hid_t space = H5Dget_space(dataset);
        int space_rank = space >= 0 ? H5Sget_simple_extent_dims(space, extent, maximum) : -1;
        hsize_t chunk_count = 0;
        hid_t file = H5Iget_file_id(dataset);
        hsize_t file_size = 0;
        if (file < 0 || H5Fget_filesize(file, &file_size) < 0) result = -1;
        if (file >= 0) H5Fclose(file);
        if (result == 0 && (rank <= 0 || rank != space_rank || H5Dget_num_chunks(dataset, space, &chunk_count) < 0)) result = -1;
        /* HDF5 requires chunks no larger than a fixed maximum extent, and at most 4 GiB of bytes. */
        unsigned long long chunk_elements = 1;
        for (int axis = 0; result == 0 && axis < rank; axis++) {
            if (chunk[axis] == 0 || (maximum[axis] != H5S_UNLIMITED && chunk[axis] > maximum[axis])) result = -1;
            else if (chunk[axis] > (1ULL << 32) / chunk_elements) result = -1;
            else chunk_elements *= chunk[axis];
        }
        if (result == 0 && chunk_count <= max_chunks) {
            for (hsize_t index = 0; index < chunk_count && result == 0; index++) {
                unsigned filter_mask = 0;
                haddr_t address = 0;
                hsize_t size = 0;
                if (H5Dget_chunk_info(dataset, space, index, offset, &filter_mask, &address, &size) < 0) { result = -1; break; }
                if (address == HADDR_UNDEF || address > file_size || size > file_size - address) { result = -1; break; }
                for (int axis = 0; axis < rank; axis++) {
                    if (offset[axis] % chunk[axis] != 0 || offset[axis] >= extent[axis]) { result = -1; break; }
                }
            }
        }
        if (space >= 0) H5Sclose(space);
    }
    H5Pclose(creation);
    return result;
}

#undef CHDF5_HID
#endif /* CHDF5_SHIM_H */
