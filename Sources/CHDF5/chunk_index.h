#ifndef CHDF5_CHUNK_INDEX_H
#define CHDF5_CHUNK_INDEX_H

/* Where every chunk of a dataset lies in its file, found by walking the dataset's chunk index directly, and the
   file's bytes mapped so that the chunks are decoded where they lie.

   libhdf5 1.10 has no call that lists a dataset's chunks: each chunk's size (`H5Dget_chunk_storage_size`) and
   bytes (`H5Dread_chunk`) are two searches of the index from its root, and the bytes are copied into fresh memory
   whose pages the kernel must zero first. On a pruned float32 VGG-16 that was a fifth of the reading thread's time.
   Here the object header's layout message gives the index's root, the version-1 B-tree (what h5py and nir write)
   is read node by node with `pread`, and the chunks' addresses and sizes come out in the grid's row-major order.
   The file is mapped once (`chdf5_map_file`) and every chunk decoded where it lies.

   The walk only answers when the index is exactly what a sound file holds: every chunk of the grid once, each on
   the grid and inside the file, stored with its filter applied. Anything else (another index type or header
   version, sizes of offsets other than 8, a chunk missing, out of place or twice over, a node that does not parse)
   makes it answer "not here" (0), and the caller reads the dataset through libhdf5 as before, which reports the
   damage. So the walk can cost time on an odd file but cannot change what a file reads as. */

#include "shim.h"

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#define CHDF5_CI_MAX_HEADER_BLOCKS 64
#define CHDF5_CI_MAX_BLOCK_BYTES (1u << 20)
#define CHDF5_CI_MAX_NODE_ENTRIES 65536u
#define CHDF5_CI_MAX_LEVEL 32

static inline uint64_t chdf5_ci_le(const unsigned char *p, unsigned bytes) {
    uint64_t value = 0;
    for (unsigned i = 0; i < bytes; i++) value |= (uint64_t)p[i] << (8 * i);
    return value;
}

/* Where `address` (relative to the file's `base`, as HDF5 addresses are) lies in the file, in `offset`; 0 when it
   lies past the file's `file_size` bytes (a damaged address can be any 64-bit value: nothing here wraps). */
static inline int chdf5_ci_offset(uint64_t base, uint64_t address, uint64_t file_size, uint64_t *offset) {
    if (base > file_size || address > file_size - base) return 0;
    *offset = base + address;
    return 1;
}

/* Exactly `count` bytes at `address` (relative to `base`), inside the file's `file_size` bytes. */
static inline int chdf5_ci_read(int descriptor, uint64_t file_size, uint64_t base, uint64_t address, size_t count,
                                unsigned char *into) {
    uint64_t offset;
    if (!chdf5_ci_offset(base, address, file_size, &offset) || count > file_size - offset) return -1;
    size_t done = 0;
    while (done < count) {
        ssize_t got = pread(descriptor, into + done, count - done, (off_t)(offset + done));
        if (got < 0 && errno == EINTR) continue;
        if (got <= 0) return -1;
        done += (size_t)got;
    }
    return 0;
}

/* An object header's blocks still to read (addresses relative to the base): the first, then each continuation
   message's (type 16), at most `CHDF5_CI_MAX_HEADER_BLOCKS`. */
typedef struct {
    uint64_t addresses[CHDF5_CI_MAX_HEADER_BLOCKS];
    uint64_t lengths[CHDF5_CI_MAX_HEADER_BLOCKS];
    int count;
    int taken;
} chdf5_ci_blocks;

static inline int chdf5_ci_queue(chdf5_ci_blocks *blocks, uint64_t address, uint64_t length) {
    if (blocks->count == CHDF5_CI_MAX_HEADER_BLOCKS) return -1;
    blocks->addresses[blocks->count] = address;
    blocks->lengths[blocks->count] = length;
    blocks->count++;
    return 0;
}

/* The layout message's body (copied into `layout`, at most `capacity` bytes): 1 found, 0 not found, -1 malformed. */
static inline int chdf5_ci_layout_message(int descriptor, uint64_t file_size, uint64_t base, uint64_t header,
                                          unsigned char *layout, size_t capacity, size_t *layout_size) {
    unsigned char prefix[16];
    if (chdf5_ci_read(descriptor, file_size, base, header, 16, prefix) != 0) return -1;
    chdf5_ci_blocks blocks = {{0}, {0}, 0, 0};
    int version;
    unsigned creation_order = 0;
    if (prefix[0] == 1) {
        /* Version 1: 16-byte prefix (version, reserved, message count, reference count, size), messages 8-aligned. */
        version = 1;
        if (header > UINT64_MAX - 16 || chdf5_ci_queue(&blocks, header + 16, chdf5_ci_le(prefix + 8, 4)) != 0) return -1;
    } else if (memcmp(prefix, "OHDR", 4) == 0 && prefix[4] == 2) {
        version = 2;
        unsigned flags = prefix[5];
        size_t at = 6;
        if (flags & 0x20) at += 16; /* times */
        if (flags & 0x10) at += 4;  /* attribute storage phase change */
        unsigned size_bytes = 1u << (flags & 3);
        unsigned char sized[40];
        if (chdf5_ci_read(descriptor, file_size, base, header, at + size_bytes, sized) != 0) return -1;
        creation_order = (flags & 0x04) ? 2 : 0;
        if (header > UINT64_MAX - 64
            || chdf5_ci_queue(&blocks, header + at + size_bytes, chdf5_ci_le(sized + at, size_bytes)) != 0) return -1;
    } else {
        return -1;
    }
    unsigned char *block = NULL;
    int result = 0;
    while (result == 0 && blocks.taken < blocks.count) {
        uint64_t address = blocks.addresses[blocks.taken];
        uint64_t length = blocks.lengths[blocks.taken];
        int first = blocks.taken == 0;
        blocks.taken++;
        if (length == 0 || length > CHDF5_CI_MAX_BLOCK_BYTES) { result = -1; break; }
        unsigned char *grown = (unsigned char *)realloc(block, (size_t)length);
        if (grown == NULL) { result = -1; break; }
        block = grown;
        if (chdf5_ci_read(descriptor, file_size, base, address, (size_t)length, block) != 0) { result = -1; break; }
        size_t at = 0, end = (size_t)length;
        if (version == 2) {
            /* A continuation block starts with its signature; every block ends with a checksum (not checked here:
               a wrong layout fails the checks below, and libhdf5 itself read this header to open the dataset). */
            if (!first) {
                if (end < 8 || memcmp(block, "OCHK", 4) != 0) { result = -1; break; }
                at = 4;
            }
            if (end < 4) { result = -1; break; }
            end -= 4;
        }
        size_t message_prefix = version == 1 ? 8 : 4 + creation_order;
        while (at + message_prefix <= end) {
            unsigned type = version == 1 ? (unsigned)chdf5_ci_le(block + at, 2) : block[at];
            size_t size = (size_t)chdf5_ci_le(block + at + (version == 1 ? 2 : 1), 2);
            size_t body = at + message_prefix;
            if (size > end - body) { result = -1; break; }
            if (type == 8) {
                if (size > capacity) { result = -1; break; }
                memcpy(layout, block + body, size);
                *layout_size = size;
                result = 1;
                break;
            }
            if (type == 16) {
                if (size < 16 || chdf5_ci_queue(&blocks, chdf5_ci_le(block + body, 8), chdf5_ci_le(block + body + 8, 8)) != 0) {
                    result = -1;
                    break;
                }
            }
            at = body + size;
            if (version == 1) at = (at + 7) & ~(size_t)7;
        }
    }
    free(block);
    return result;
}

/* The object header address of `dataset`, relative to the file's base address; HADDR_UNDEF when unknown. */
static inline haddr_t chdf5_ci_header_address(hid_t dataset) {
#if H5_VERSION_GE(1, 12, 0)
    H5O_info2_t info;
    haddr_t address = HADDR_UNDEF;
    if (H5Oget_info3(dataset, &info, H5O_INFO_BASIC) < 0) return HADDR_UNDEF;
    hid_t file = H5Iget_file_id(dataset);
    if (file < 0) return HADDR_UNDEF;
    if (H5VLnative_token_to_addr(file, info.token, &address) < 0) address = HADDR_UNDEF;
    H5Fclose(file);
    return address;
#else
    H5O_info_t info;
    if (H5Oget_info2(dataset, &info, H5O_INFO_BASIC) < 0) return HADDR_UNDEF;
    return info.addr;
#endif
}

/* What the walk needs to know of a file, found once per file: libhdf5's descriptor of it (valid while the file is
   open), its size, and the base address its addresses count from (after a user block). */
typedef struct {
    int descriptor;
    uint64_t size;
    uint64_t base;
} chdf5_file_facts;

/* The facts of the file holding `object`: 1 when its chunks can be walked (the default POSIX driver, 8-byte
   offsets and lengths), else 0. */
static inline int chdf5_chunk_file_facts(hid_t object, chdf5_file_facts *facts) {
    hid_t file = H5Iget_file_id(object);
    if (file < 0) return 0;
    int descriptor = -1;
    size_t offset_size = 0, length_size = 0;
    hsize_t userblock = 0;
    hid_t access = H5Fget_access_plist(file);
    if (access >= 0) {
        void *handle = NULL;
        if (H5Pget_driver(access) == H5FD_SEC2 && H5Fget_vfd_handle(file, access, &handle) >= 0 && handle != NULL)
            descriptor = *(int *)handle;
        H5Pclose(access);
    }
    hid_t creation = H5Fget_create_plist(file);
    if (creation >= 0) {
        if (H5Pget_sizes(creation, &offset_size, &length_size) < 0) offset_size = 0;
        if (H5Pget_userblock(creation, &userblock) < 0) offset_size = 0;
        H5Pclose(creation);
    }
    H5Fclose(file);
    if (descriptor < 0 || offset_size != 8 || length_size != 8) return 0;
    struct stat status;
    if (fstat(descriptor, &status) != 0 || status.st_size <= 0) return 0;
    facts->descriptor = descriptor;
    facts->size = (uint64_t)status.st_size;
    facts->base = (uint64_t)userblock;
    return 1;
}

/* Every chunk of `dataset` (rank `rank`, `shape`, `chunk_shape`, elements of `element_size` bytes, a grid of
   `grid_count` chunks) in a file described by `facts`, in row-major grid order: `addresses` (bytes from the start
   of the file) and `sizes` (stored bytes). Returns 1 when every chunk was found as described above, else 0. */
static inline int chdf5_walk_chunk_index(hid_t dataset, const chdf5_file_facts *facts, int rank, const hsize_t *shape,
                                         const hsize_t *chunk_shape, size_t element_size, size_t grid_count,
                                         uint64_t *addresses, uint64_t *sizes) {
    if (rank < 1 || rank > 31 || grid_count == 0) return 0;
    haddr_t header = chdf5_ci_header_address(dataset);
    if (header == HADDR_UNDEF) return 0;
    const int descriptor = facts->descriptor;
    const uint64_t file_size = facts->size, base = facts->base;

    /* The layout message, version 3, chunked: dimensionality (rank + 1), the index's address, each dimension of a
       chunk (4 bytes; the last is the element size). */
    unsigned char layout[16 + 4 * 33];
    size_t layout_size = 0;
    if (chdf5_ci_layout_message(descriptor, file_size, base, header, layout, sizeof(layout), &layout_size) != 1) return 0;
    unsigned dimensions = (unsigned)rank + 1;
    if (layout_size < 3 + 8 + 4 * dimensions || layout[0] != 3 || layout[1] != 2 || layout[2] != dimensions) return 0;
    uint64_t root = chdf5_ci_le(layout + 3, 8);
    if (root == UINT64_MAX) return 0;
    for (unsigned d = 0; d < dimensions; d++) {
        uint64_t extent = chdf5_ci_le(layout + 11 + 4 * d, 4);
        if (extent != (d < (unsigned)rank ? (uint64_t)chunk_shape[d] : (uint64_t)element_size)) return 0;
    }

    /* The version-1 B-tree of raw-data chunks: a node is "TREE", type 1, level, entries, two siblings, then
       key, child, key, ..., key; a key is the chunk's stored size (4), filter mask (4) and its offset in each
       dimension (8 each, the last 0). Leaves' children are chunks. Levels fall by one per step down, so the walk
       ends; it visits at most one node per chunk of the grid plus the levels above. */
    size_t grid[32];
    for (int d = 0; d < rank; d++) grid[d] = (size_t)((shape[d] + chunk_shape[d] - 1) / chunk_shape[d]);
    size_t key_size = 8 + 8 * (size_t)dimensions;
    for (size_t i = 0; i < grid_count; i++) sizes[i] = 0;
    uint64_t stack_addresses[CHDF5_CI_MAX_LEVEL * 64 + 1];
    int stack_levels[CHDF5_CI_MAX_LEVEL * 64 + 1];
    size_t stack_count = 0;
    stack_addresses[stack_count] = root;
    stack_levels[stack_count] = -1; /* the root's level is whatever it says */
    stack_count++;
    size_t found = 0, nodes = 0;
    unsigned char *node = NULL;
    size_t node_capacity = 0;
    int result = 1;
    while (stack_count > 0 && result == 1) {
        stack_count--;
        uint64_t address = stack_addresses[stack_count];
        int expected_level = stack_levels[stack_count];
        if (++nodes > 2 * grid_count + 2 * CHDF5_CI_MAX_LEVEL) { result = 0; break; }
        unsigned char header[24];
        if (chdf5_ci_read(descriptor, file_size, base, address, 24, header) != 0 || memcmp(header, "TREE", 4) != 0
            || header[4] != 1) { result = 0; break; }
        int level = header[5];
        size_t entries = (size_t)chdf5_ci_le(header + 6, 2);
        if ((expected_level >= 0 && level != expected_level) || level > CHDF5_CI_MAX_LEVEL || entries == 0
            || entries > CHDF5_CI_MAX_NODE_ENTRIES) { result = 0; break; }
        size_t body = (entries + 1) * key_size + entries * 8;
        if (body > node_capacity) {
            unsigned char *grown = (unsigned char *)realloc(node, body);
            if (grown == NULL) { result = 0; break; }
            node = grown;
            node_capacity = body;
        }
        if (address > UINT64_MAX - 24 || chdf5_ci_read(descriptor, file_size, base, address + 24, body, node) != 0) {
            result = 0;
            break;
        }
        /* A level's children are pushed in reverse, so that they are visited first to last (not needed for
           correctness: each chunk lands in its grid cell). */
        if (level > 0 && stack_count + entries > sizeof(stack_addresses) / sizeof(stack_addresses[0])) { result = 0; break; }
        for (size_t e = entries; e-- > 0;) {
            const unsigned char *key = node + e * (key_size + 8);
            uint64_t child = chdf5_ci_le(key + key_size, 8);
            if (level > 0) {
                stack_addresses[stack_count] = child;
                stack_levels[stack_count] = level - 1;
                stack_count++;
                continue;
            }
            uint64_t stored = chdf5_ci_le(key, 4);
            uint32_t filter_mask = (uint32_t)chdf5_ci_le(key + 4, 4);
            if (stored == 0 || filter_mask != 0 || chdf5_ci_le(key + 8 + 8 * (size_t)rank, 8) != 0) { result = 0; break; }
            size_t cell = 0;
            for (int d = 0; d < rank && result == 1; d++) {
                uint64_t offset = chdf5_ci_le(key + 8 + 8 * (size_t)d, 8);
                if (offset % chunk_shape[d] != 0 || offset >= shape[d]) result = 0;
                else cell = cell * grid[d] + (size_t)(offset / chunk_shape[d]);
            }
            if (result != 1) break;
            uint64_t offset;
            if (cell >= grid_count || sizes[cell] != 0 || !chdf5_ci_offset(base, child, file_size, &offset)
                || stored > file_size - offset) { result = 0; break; }
            addresses[cell] = offset;
            sizes[cell] = stored;
            found++;
        }
    }
    free(node);
    return result == 1 && found == grid_count;
}

/* The first `length` bytes of the file, mapped read-only; NULL when they cannot be. */
static inline const unsigned char *chdf5_map_file(int descriptor, size_t length) {
    void *bytes = mmap(NULL, length, PROT_READ, MAP_PRIVATE, descriptor, 0);
    return bytes == MAP_FAILED ? NULL : (const unsigned char *)bytes;
}

static inline void chdf5_unmap_file(const unsigned char *bytes, size_t length) {
    munmap((void *)bytes, length);
}

#endif
