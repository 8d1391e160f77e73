#ifndef CHDF5_CHUNKS_H
#define CHDF5_CHUNKS_H

/* Decoding of deflate-compressed HDF5 chunks outside libhdf5's filter pipeline.

   libhdf5 1.10 inflates each chunk with zlib on one thread and then copies it element run by element run into
   the caller's array (for a weight chunked as (64, 128, 1, 1) every run is one value). Start-up of a large network
   is mostly that. Here the raw chunks (read with H5Dread_chunk) are inflated on several threads, with libdeflate
   when the system has it (about 2-4x faster than zlib; loaded at run time, so it is no build dependency) and zlib
   otherwise, and each chunk is placed with one copy per contiguous run. Every stream must inflate to exactly the
   chunk's size, and the zlib checksum is verified either way. */

#include <dlfcn.h>
#include <pthread.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>
#include <zlib.h>

#include "decoder_pool.h"
#include "sparse_inflate.h"

#define CHDF5_MAX_RANK 32

/* libdeflate's public C interface (libdeflate.h, stable since 1.0), resolved with dlsym. */
typedef void *(*chdf5_libdeflate_alloc_fn)(void);
typedef void (*chdf5_libdeflate_free_fn)(void *);
typedef int (*chdf5_libdeflate_zlib_fn)(void *, const void *, size_t, void *, size_t, size_t *);

typedef struct {
    chdf5_libdeflate_alloc_fn alloc;
    chdf5_libdeflate_free_fn release;
    chdf5_libdeflate_zlib_fn zlib_decompress;
} chdf5_libdeflate_api;

/* libdeflate's functions, looked up once per process (all NULL when the system has no libdeflate). The state lives
   in function-local statics: Swift's importer emits the functions of this header, not its global variables. */
static inline const chdf5_libdeflate_api *chdf5_libdeflate(void) {
    static chdf5_libdeflate_api api;
    static int looked_up = 0;
    static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
    pthread_mutex_lock(&lock);
    if (!looked_up) {
        looked_up = 1;
        const char *names[] = {"libdeflate.so.0", "libdeflate.so", "libdeflate.0.dylib", "libdeflate.dylib"};
        for (unsigned index = 0; index < sizeof names / sizeof names[0]; index++) {
            void *library = dlopen(names[index], RTLD_NOW | RTLD_LOCAL);
            if (!library) continue;
            chdf5_libdeflate_api found;
            found.alloc = (chdf5_libdeflate_alloc_fn)dlsym(library, "libdeflate_alloc_decompressor");
            found.release = (chdf5_libdeflate_free_fn)dlsym(library, "libdeflate_free_decompressor");
            found.zlib_decompress = (chdf5_libdeflate_zlib_fn)dlsym(library, "libdeflate_zlib_decompress");
            if (found.alloc && found.release && found.zlib_decompress) { api = found; break; }
            dlclose(library);
        }
    }
    pthread_mutex_unlock(&lock);
    return &api;
}

/* Processors online, for the number of decoding threads: asked once per process (glibc reads a sysfs file for
   each sysconf call, and a network's read asked once per tensor, about 90 times). */
static inline int chdf5_online_processors(void) {
    static int known = 0;
    int count = __atomic_load_n(&known, __ATOMIC_RELAXED);
    if (count == 0) {
        long online = sysconf(_SC_NPROCESSORS_ONLN);
        count = online < 1 ? 1 : (online > 16 ? 16 : (int)online);
        __atomic_store_n(&known, count, __ATOMIC_RELAXED);
    }
    return count;
}

/* Whether libdeflate could be loaded (1) or chunks are inflated with zlib (0). */
static inline int chdf5_libdeflate_available(void) {
    return chdf5_libdeflate()->zlib_decompress != NULL;
}

/* Inflates one zlib stream that must hold exactly `expected` bytes. 0 = done, -1 = damaged or a different size. */
static inline int chdf5_inflate_exact(const chdf5_libdeflate_api *libdeflate, void *libdeflate_decompressor,
                                      const void *source, size_t source_size, void *destination, size_t expected) {
    if (libdeflate_decompressor) {
        size_t produced = 0;
        int status = libdeflate->zlib_decompress(libdeflate_decompressor, source, source_size,
                                                             destination, expected, &produced);
        return status == 0 && produced == expected ? 0 : -1;
    }
    z_stream stream;
    memset(&stream, 0, sizeof stream);
    if (inflateInit(&stream) != Z_OK) return -1;
    int result = 0;
    const unsigned char *input = (const unsigned char *)source;
    unsigned char *output = (unsigned char *)destination;
    size_t input_left = source_size, output_left = expected;
    int status = Z_OK;
    /* zlib counts in 32-bit units: feed and drain in pieces of at most 1 GiB. */
    while (status == Z_OK) {
        size_t in_piece = input_left < (1u << 30) ? input_left : (1u << 30);
        size_t out_piece = output_left < (1u << 30) ? output_left : (1u << 30);
        stream.next_in = (Bytef *)input;
        stream.avail_in = (uInt)in_piece;
        stream.next_out = output;
        stream.avail_out = (uInt)out_piece;
        status = inflate(&stream, Z_NO_FLUSH);
        size_t consumed = in_piece - stream.avail_in, written = out_piece - stream.avail_out;
        input += consumed; input_left -= consumed;
        output += written; output_left -= written;
        if (status == Z_OK && consumed == 0 && written == 0) { status = Z_BUF_ERROR; }
    }
    if (status != Z_STREAM_END || output_left != 0) result = -1;
    inflateEnd(&stream);
    return result;
}

/* Counts a loop's outer axes [from_axis, axes) on by one position, like an odometer, moving the chunk and array
   offsets along their strides. Returns 0 once every position has been counted (the offsets are then back where
   they started). */
static inline int chdf5_odometer_next(int from_axis, int axes, size_t *index, const size_t *extent,
                                      const size_t *chunk_stride, const size_t *array_stride, size_t *in_chunk,
                                      size_t *in_array) {
    for (int axis = from_axis; axis < axes; axis++) {
        *in_chunk += chunk_stride[axis];
        *in_array += array_stride[axis];
        if (++index[axis] < extent[axis]) return 1;
        *in_chunk -= extent[axis] * chunk_stride[axis];
        *in_array -= extent[axis] * array_stride[axis];
        index[axis] = 0;
    }
    return 0;
}

/* Copies one decoded chunk (chunk_dims, row-major) at `origin` into the dataset array (dims, row-major), clipping
   the parts of an edge chunk that lie past the dataset's extent. Axes of extent 1 are dropped and trailing axes
   contiguous in both arrays merge into one run, so the loop is over the runs with offsets kept incrementally. */
static inline void chdf5_place_chunk(const unsigned char *chunk, unsigned char *array, int rank, const hsize_t *dims,
                                     const hsize_t *chunk_dims, const hsize_t *origin, size_t element_size) {
    size_t extent[CHDF5_MAX_RANK], index[CHDF5_MAX_RANK];
    size_t array_stride[CHDF5_MAX_RANK], chunk_stride[CHDF5_MAX_RANK];
    size_t array_step = element_size, chunk_step = element_size, to = 0;
    int axes = 0;
    /* Innermost axis first: axis `a` of the loop below is stored at [axes - 1 - a] once reversed. */
    for (int axis = rank - 1; axis >= 0; axis--) {
        hsize_t room = dims[axis] - origin[axis];
        size_t length = (size_t)(room < chunk_dims[axis] ? room : chunk_dims[axis]);
        to += (size_t)origin[axis] * array_step;
        if (length > 1) {
            extent[axes] = length;
            array_stride[axes] = array_step;
            chunk_stride[axes] = chunk_step;
            axes++;
        }
        array_step *= (size_t)dims[axis];
        chunk_step *= (size_t)chunk_dims[axis];
    }
    size_t run = element_size;
    int first = 0;
    while (first < axes && array_stride[first] == run && chunk_stride[first] == run) {
        run *= extent[first];
        first++;
    }
    if (first == axes) { memcpy(array + to, chunk, run); return; }
    for (int axis = first; axis < axes; axis++) index[axis] = 0;
    size_t from = 0;
    const size_t count = extent[first], array_skip = array_stride[first], chunk_skip = chunk_stride[first];
    for (;;) {
        const unsigned char *source = chunk + from;
        unsigned char *target = array + to;
        if (run == 4) {
            for (size_t item = 0; item < count; item++) memcpy(target + item * array_skip, source + item * chunk_skip, 4);
        } else if (run == 8) {
            for (size_t item = 0; item < count; item++) memcpy(target + item * array_skip, source + item * chunk_skip, 8);
        } else {
            for (size_t item = 0; item < count; item++) memcpy(target + item * array_skip, source + item * chunk_skip, run);
        }
        if (!chdf5_odometer_next(first + 1, axes, index, extent, chunk_stride, array_stride, &from, &to)) return;
    }
}

/* The census a floating-point array's reader takes (NetworkModel's ParameterTensor), of `count` values of
   `element_size` bytes (4 or 8): how many have bits other than the sign set (a NaN counts), and whether any has
   its exponent bits all ones (an infinity or a NaN). Written with the compiler's generic vectors (16 bytes: SSE2,
   NEON), as header code here is not auto-vectorised; per-lane hit counts are folded every 2^20 values, before
   they can wrap. */
typedef uint32_t chdf5_u32x4 __attribute__((vector_size(16)));
typedef uint64_t chdf5_u64x2 __attribute__((vector_size(16)));

static inline void chdf5_census_values(const unsigned char *values, size_t count, size_t element_size,
                                       size_t *nonzeros, int *nonfinite) {
    size_t found = 0, item = 0;
    if (element_size == 4) {
        const chdf5_u32x4 magnitude = {0x7fffffffu, 0x7fffffffu, 0x7fffffffu, 0x7fffffffu};
        const chdf5_u32x4 exponent = {0x7f800000u, 0x7f800000u, 0x7f800000u, 0x7f800000u};
        chdf5_u32x4 exponents = {0, 0, 0, 0};
        while (count - item >= 4) {
            size_t run = (count - item) & ~(size_t)3;
            if (run > ((size_t)1 << 20)) run = (size_t)1 << 20;
            const size_t end = item + run;
            chdf5_u32x4 hits = {0, 0, 0, 0};
            for (; item < end; item += 4) {
                chdf5_u32x4 bits;
                memcpy(&bits, values + item * 4, 16);
                hits -= (chdf5_u32x4)((bits & magnitude) != 0); /* a true lane is all ones: minus it adds one */
                exponents |= (chdf5_u32x4)((bits & exponent) == exponent);
            }
            found += (size_t)hits[0] + hits[1] + hits[2] + hits[3];
        }
        uint32_t any = exponents[0] | exponents[1] | exponents[2] | exponents[3];
        for (; item < count; item++) {
            uint32_t bits;
            memcpy(&bits, values + item * 4, 4);
            found += (bits & 0x7fffffffu) != 0;
            any |= (bits & 0x7f800000u) == 0x7f800000u;
        }
        if (any) *nonfinite = 1;
    } else {
        const chdf5_u64x2 magnitude = {0x7fffffffffffffffull, 0x7fffffffffffffffull};
        const chdf5_u64x2 exponent = {0x7ff0000000000000ull, 0x7ff0000000000000ull};
        chdf5_u64x2 exponents = {0, 0}, hits = {0, 0};
        for (; count - item >= 2; item += 2) {
            chdf5_u64x2 bits;
            memcpy(&bits, values + item * 8, 16);
            hits -= (chdf5_u64x2)((bits & magnitude) != 0);
            exponents |= (chdf5_u64x2)((bits & exponent) == exponent);
        }
        found += (size_t)(hits[0] + hits[1]);
        uint64_t any = exponents[0] | exponents[1];
        for (; item < count; item++) {
            uint64_t bits;
            memcpy(&bits, values + item * 8, 8);
            found += (bits & 0x7fffffffffffffffull) != 0;
            any |= (bits & 0x7ff0000000000000ull) == 0x7ff0000000000000ull;
        }
        if (any) *nonfinite = 1;
    }
    *nonzeros += found;
}

/* The census of one decoded chunk (chunk_dims, row-major) at `origin`: only its elements inside the array count
   (an edge chunk's padding past the extent holds whatever the writer left). */
static inline void chdf5_census_chunk(const unsigned char *chunk, int rank, const hsize_t *dims,
                                      const hsize_t *chunk_dims, const hsize_t *origin, size_t element_size,
                                      size_t *nonzeros, int *nonfinite) {
    size_t extent[CHDF5_MAX_RANK], stride[CHDF5_MAX_RANK], index[CHDF5_MAX_RANK];
    size_t step = 1;
    int inside = 1;
    for (int axis = rank - 1; axis >= 0; axis--) {
        hsize_t room = dims[axis] > origin[axis] ? dims[axis] - origin[axis] : 0;
        extent[axis] = (size_t)(room < chunk_dims[axis] ? room : chunk_dims[axis]);
        if (extent[axis] == 0) return;
        if (extent[axis] < (size_t)chunk_dims[axis]) inside = 0;
        stride[axis] = step;
        step *= (size_t)chunk_dims[axis];
        index[axis] = 0;
    }
    if (inside) { chdf5_census_values(chunk, step, element_size, nonzeros, nonfinite); return; }
    /* An edge chunk: the runs along the last axis, clipped, one per index of the other axes. */
    for (;;) {
        size_t offset = 0;
        for (int axis = 0; axis < rank - 1; axis++) offset += index[axis] * stride[axis];
        chdf5_census_values(chunk + offset * element_size, extent[rank - 1], element_size, nonzeros, nonfinite);
        int axis = rank - 2;
        while (axis >= 0) {
            if (++index[axis] < extent[axis]) break;
            index[axis] = 0;
            axis--;
        }
        if (axis < 0) return;
    }
}

/* One dataset's chunks to decode: chunk `i` holds compressed bytes [starts[i], starts[i] + sizes[i]) of
   `compressed` and lies at origins[i * rank ...] in the array. */
typedef struct {
    const unsigned char *compressed;
    const size_t *starts;
    const size_t *sizes;
    const hsize_t *origins;
    size_t chunk_count;
    int rank;
    const hsize_t *dims;
    const hsize_t *chunk_dims;
    size_t element_size;
    unsigned char *array;
    const chdf5_libdeflate_api *libdeflate; /* NULL: zlib */
    /* Work sharing and the outcome: the next chunk to take, and the lowest failing chunk (chunk_count if none). */
    size_t next;
    size_t failed;
    pthread_mutex_t lock;
    /* Chunks a thread takes at once (chdf5_chunk_batch); the sparse decode takes one at a time. */
    size_t batch;
    /* When set, each chunk's census (chdf5_census_chunk) is taken while it is in cache, summed under `lock`. */
    int census;
    size_t census_nonzeros;
    int census_nonfinite;
} chdf5_chunk_job;

static inline void *chdf5_chunk_worker(void *argument) {
    chdf5_chunk_job *job = (chdf5_chunk_job *)argument;
    size_t chunk_bytes = job->element_size;
    int whole_rows = 1;
    for (int axis = 0; axis < job->rank; axis++) {
        chunk_bytes *= (size_t)job->chunk_dims[axis];
        if (axis > 0 && job->chunk_dims[axis] != job->dims[axis]) whole_rows = 0;
    }
    size_t row_bytes = chunk_bytes / (size_t)job->chunk_dims[0];
    unsigned char *scratch = NULL;
    void *decompressor = job->libdeflate ? job->libdeflate->alloc() : NULL;
    int failed = job->libdeflate && !decompressor;
    size_t nonzeros = 0;
    int nonfinite = 0;
    size_t chunk = 0, batch_end = 0;
    for (;; chunk++) {
        pthread_mutex_lock(&job->lock);
        if (chunk >= batch_end) {
            chunk = job->next;
            batch_end = job->chunk_count - chunk > job->batch ? chunk + job->batch : job->chunk_count;
            if (chunk < job->chunk_count) job->next = batch_end;
            if (job->failed < job->chunk_count) batch_end = chunk; /* after a failure nothing new is taken */
        }
        if (failed && chunk < job->failed) job->failed = chunk;
        /* After a failure only the chunks before the failing one go on: the lowest failure is the one reported. */
        int stop = chunk >= batch_end || job->failed < chunk;
        pthread_mutex_unlock(&job->lock);
        if (stop || failed) break;
        const hsize_t *origin = job->origins + chunk * (size_t)job->rank;
        const unsigned char *source = job->compressed + job->starts[chunk];
        if (whole_rows && origin[0] + job->chunk_dims[0] <= job->dims[0]) {
            /* The chunk is one contiguous block of the array: inflate straight into it. */
            unsigned char *target = job->array + (size_t)origin[0] * row_bytes;
            if (chdf5_inflate_exact(job->libdeflate, decompressor, source, job->sizes[chunk], target, chunk_bytes) != 0) failed = 1;
            else if (job->census) chdf5_census_values(target, chunk_bytes / job->element_size, job->element_size, &nonzeros, &nonfinite);
        } else if (!scratch && !(scratch = (unsigned char *)malloc(chunk_bytes))) {
            failed = 1;
        } else if (chdf5_inflate_exact(job->libdeflate, decompressor, source, job->sizes[chunk], scratch, chunk_bytes) != 0) {
            failed = 1;
        } else {
            if (job->census) {
                chdf5_census_chunk(scratch, job->rank, job->dims, job->chunk_dims, origin, job->element_size, &nonzeros, &nonfinite);
            }
            chdf5_place_chunk(scratch, job->array, job->rank, job->dims, job->chunk_dims, origin, job->element_size);
        }
        if (failed) {
            pthread_mutex_lock(&job->lock);
            if (chunk < job->failed) job->failed = chunk;
            pthread_mutex_unlock(&job->lock);
        }
    }
    if (job->census) {
        pthread_mutex_lock(&job->lock);
        job->census_nonzeros += nonzeros;
        job->census_nonfinite |= nonfinite;
        pthread_mutex_unlock(&job->lock);
    }
    free(scratch);
    if (decompressor) job->libdeflate->release(decompressor);
    return NULL;
}

/* How many consecutive chunks (row-major over the chunk grid, the order the chunks are listed in) one thread takes
   at once: those that write into the same cache lines of the array. A weight (512, 512, 3, 3) stored in chunks
   (64, 128, 1, 1) has its nine kernel positions in nine consecutive chunks, each writing every ninth value of the
   same 288 KiB; handed out one by one, two threads write the same lines at once and pass them back and forth.
   Along an axis where one chunk covers less than a cache line of the array, neighbouring chunks share lines and go
   together; a batch still leaves every thread a few batches to share. */
static inline size_t chdf5_chunk_batch(int rank, const hsize_t *dims, const hsize_t *chunk_dims,
                                       size_t element_size, size_t chunk_count, int threads) {
    size_t batch = 1, span = element_size; /* span: bytes of the array from one index of `axis` to the next */
    for (int axis = rank - 1; axis > 0; axis--) {
        if ((size_t)chunk_dims[axis] * span >= 64) break;
        batch *= (size_t)((dims[axis] + chunk_dims[axis] - 1) / chunk_dims[axis]);
        span *= (size_t)dims[axis];
    }
    size_t most = chunk_count / (4 * (size_t)(threads > 1 ? threads : 1));
    if (batch > most) batch = most;
    return batch > 0 ? batch : 1;
}

/* Inflates and places every chunk on up to `threads` threads (the calling one included; with a `pool`, on the
   calling thread and every idle thread of the pool instead). Returns the index of the
   first chunk that failed (damaged stream, wrong size, no memory), or `chunk_count` when every chunk was placed.
   With `nonzeros` (and `nonfinite`) given, element_size 4 or 8 and the elements floating-point, the array's census
   (chdf5_census_values) is taken chunk by chunk on the decoding threads and stored there when every chunk was placed
   (a whole-array pass afterwards would read the array back from memory, on one thread). */
static inline size_t chdf5_decode_chunks_counted(const unsigned char *compressed, const size_t *starts,
                                                 const size_t *sizes, const hsize_t *origins, size_t chunk_count,
                                                 int rank, const hsize_t *dims, const hsize_t *chunk_dims,
                                                 size_t element_size, void *array, int threads, int use_libdeflate,
                                                 size_t *nonzeros, int *nonfinite, chdf5_pool *pool) {
    if (rank < 1 || rank > CHDF5_MAX_RANK) return 0;
    if (nonzeros && element_size != 4 && element_size != 8) return 0;
    chdf5_chunk_job job;
    job.compressed = compressed;
    job.starts = starts;
    job.sizes = sizes;
    job.origins = origins;
    job.chunk_count = chunk_count;
    job.rank = rank;
    job.dims = dims;
    job.chunk_dims = chunk_dims;
    job.element_size = element_size;
    job.array = (unsigned char *)array;
    job.libdeflate = use_libdeflate && chdf5_libdeflate_available() ? chdf5_libdeflate() : NULL;
    job.next = 0;
    job.failed = chunk_count;
    if (pool) threads = chdf5_pool_width(pool);
    job.batch = chdf5_chunk_batch(rank, dims, chunk_dims, element_size, chunk_count, threads);
    job.census = nonzeros != NULL;
    job.census_nonzeros = 0;
    job.census_nonfinite = 0;
    pthread_mutex_init(&job.lock, NULL);
    /* A large array is written once, page by page: huge pages (where the kernel offers them on request) cost one
       fault per 2 MiB instead of per 4 KiB. Advice only; nothing depends on it being taken. */
#ifdef MADV_HUGEPAGE
    size_t array_bytes = element_size;
    for (int axis = 0; axis < rank; axis++) array_bytes *= (size_t)dims[axis];
    if (array_bytes >= ((size_t)4 << 20)) {
        uintptr_t first = ((uintptr_t)array + ((uintptr_t)2 << 20) - 1) & ~(((uintptr_t)2 << 20) - 1);
        uintptr_t last = ((uintptr_t)array + array_bytes) & ~(((uintptr_t)2 << 20) - 1);
        if (last > first) (void)madvise((void *)first, last - first, MADV_HUGEPAGE);
    }
#endif
    if (pool && chunk_count > 1) {
        chdf5_pool_run_shared(pool, chdf5_chunk_worker, &job);
    } else {
        if (threads > 16) threads = 16;
        if ((size_t)threads > chunk_count) threads = (int)chunk_count;
        pthread_t helpers[16];
        int started = 0;
        for (int helper = 1; helper < threads; helper++) {
            if (pthread_create(&helpers[started], NULL, chdf5_chunk_worker, &job) == 0) started++;
        }
        chdf5_chunk_worker(&job);
        for (int helper = 0; helper < started; helper++) pthread_join(helpers[helper], NULL);
    }
    pthread_mutex_destroy(&job.lock);
    if (nonzeros && job.failed == chunk_count) {
        *nonzeros = job.census_nonzeros;
        *nonfinite = job.census_nonfinite;
    }
    return job.failed;
}

/* chdf5_decode_chunks_counted without the census. */
static inline size_t chdf5_decode_chunks(const unsigned char *compressed, const size_t *starts, const size_t *sizes,
                                         const hsize_t *origins, size_t chunk_count, int rank, const hsize_t *dims,
                                         const hsize_t *chunk_dims, size_t element_size, void *array, int threads,
                                         int use_libdeflate) {
    return chdf5_decode_chunks_counted(compressed, starts, sizes, origins, chunk_count, rank, dims, chunk_dims,
                                       element_size, array, threads, use_libdeflate, NULL, NULL, NULL);
}

/* ---- Reading a mostly-zero dataset straight into its stored values and their indices ----

   A pruned network's weights are mostly zeros: materialising them dense (61 MB for a VGG-16) costs page faults, a
   zero fill, placing every chunk and a second pass to find the non-zeros. Here each chunk is inflated into a small
   buffer, by the sparse inflater where the chunk deflated well (sparse_inflate.h: the stream's zeros are never
   written, and the words it did write are marked) and by libdeflate or zlib otherwise, and only its non-zero
   elements (bits other than the sign not all zero, so NaN is kept) are listed, with their flat row-major indices;
   negative zeros (pruning multiplies negative weights by a zero mask) are marked in a bitmap, so that the caller can
   restore the array bit for bit. Within a chunk the list comes out ascending (a chunk is a box of the array); across
   chunks it is put in order by a radix sort. */

/* The entries one decoding thread found, chunk after chunk. */
typedef struct {
    uint32_t *indices;
    uint64_t *bits;
    size_t count;
    size_t capacity;
} chdf5_sparse_list;

typedef struct {
    chdf5_chunk_job base; /* array is unused */
    size_t max_entries;   /* more non-zero entries than this: the dataset is too dense, stop */
    uint64_t *negative_zeros; /* one bit per element: each thread's own bitmap ORed in as it finishes */
    size_t negative_zero_words;
    int any_negative_zero;    /* set under `lock` by a thread that found one, as it ORs its bitmap in */
    size_t entries;       /* found so far, over all threads (atomic) */
    int too_dense;        /* atomic */
    chdf5_sparse_list lists[16];
    size_t next_list;
    size_t *chunk_list;  /* per chunk: the list that holds its entries, */
    size_t *chunk_start; /* where they start in it, */
    size_t *chunk_count; /* and how many there are */
} chdf5_sparse_job;

/* Out of line, so that an append is no call until the list is full: a call would make the scans below keep their
   vectors on the stack across it. */
static __attribute__((noinline)) int chdf5_sparse_grow(chdf5_sparse_list *list) {
    size_t capacity = list->capacity ? list->capacity * 2 : 4096;
    uint32_t *indices = (uint32_t *)realloc(list->indices, capacity * sizeof *indices);
    if (!indices) return -1;
    list->indices = indices;
    uint64_t *bits_array = (uint64_t *)realloc(list->bits, capacity * sizeof *bits_array);
    if (!bits_array) return -1;
    list->bits = bits_array;
    list->capacity = capacity;
    return 0;
}

static inline int chdf5_sparse_append(chdf5_sparse_list *list, uint32_t index, uint64_t bits) {
    if (list->count == list->capacity && chdf5_sparse_grow(list) != 0) return -1;
    list->indices[list->count] = index;
    list->bits[list->count] = bits;
    list->count++;
    return 0;
}

/* Lists one element of a decoded chunk (its local index `local`, bits not all zero) when it lies inside the array:
   non-zeros into `list`, negative zeros into the thread's bitmap. Only the sparse inflater's marked words get here
   (few in a chunk it takes), so the coordinates are found by division. */
static inline int chdf5_sparse_hit(size_t local, uint64_t bits, uint64_t magnitude, int rank, const hsize_t *dims,
                                   const hsize_t *origin, const size_t *chunk_stride, const size_t *array_stride,
                                   chdf5_sparse_list *list, uint64_t *negative_zeros, int *any_negative_zero) {
    size_t flat = 0;
    for (int axis = 0; axis < rank; axis++) {
        size_t coordinate = local / chunk_stride[axis];
        local -= coordinate * chunk_stride[axis];
        size_t position = (size_t)origin[axis] + coordinate;
        if (position >= (size_t)dims[axis]) return 0; /* the padding of an edge chunk */
        flat += position * array_stride[axis];
    }
    if (bits & magnitude) return chdf5_sparse_append(list, (uint32_t)flat, bits);
    negative_zeros[flat / 64] |= (uint64_t)1 << (flat % 64); /* the thread's own bitmap */
    *any_negative_zero = 1;
    return 0;
}

/* Bit j set for each lane j of `lanes` (each all ones or all zeros, as a vector compare leaves them). On x86-64 one
   instruction of the baseline (SSE, movmskps, taking each lane's top bit); elsewhere the lanes are folded. */
static inline unsigned chdf5_lane_bits(chdf5_u32x4 lanes) {
#if defined(__x86_64__)
    typedef float chdf5_f32x4 __attribute__((vector_size(16)));
    return (unsigned)__builtin_ia32_movmskps((chdf5_f32x4)lanes);
#else
    const chdf5_u32x4 weights = {1, 2, 4, 8};
    const chdf5_u32x4 picked = lanes & weights;
    return picked[0] | picked[1] | picked[2] | picked[3];
#endif
}

/* What the float32 scans compare four lanes with: the sign bit alone (a negative zero), every bit but the sign (a
   value), and zero. */
typedef struct {
    chdf5_u32x4 sign, magnitude, zero;
} chdf5_float32_lanes;

static inline chdf5_float32_lanes chdf5_float32_lanes_make(void) {
    chdf5_float32_lanes lanes = {{0x80000000u, 0x80000000u, 0x80000000u, 0x80000000u},
                                 {0x7fffffffu, 0x7fffffffu, 0x7fffffffu, 0x7fffffffu},
                                 {0, 0, 0, 0}};
    return lanes;
}

/* The whole blocks of 64 of a run of float32 elements adjacent in the chunk and 1 or 9 apart in the array: the
   block's 64 flags of each kind are gathered as bits first (sixteen 4-lane compares per question), then the
   negative zeros are set in `negative_zeros` a word or a group of eight at a time and the few values listed,
   lowest first. Returns how many elements were done (-1: out of memory); the caller takes the rest of the run. */
static inline ptrdiff_t chdf5_sparse_run_by_64(const unsigned char *values, size_t run, size_t flat, size_t array_step,
                                               chdf5_sparse_list *list, uint64_t *negative_zeros, int *found) {
    const chdf5_float32_lanes masks = chdf5_float32_lanes_make();
    const chdf5_u32x4 sign = masks.sign, magnitude = masks.magnitude, zero = masks.zero;
    uint64_t any_flags = 0;
    size_t k = 0;
    for (; k + 64 <= run; k += 64) {
        uint64_t valued = 0, flags = 0;
        _Pragma("clang loop unroll(full)")
        for (unsigned quad = 0; quad < 16; quad++) {
            chdf5_u32x4 lanes;
            memcpy(&lanes, values + (k + 4 * quad) * 4, 16);
            valued |= (uint64_t)chdf5_lane_bits((chdf5_u32x4)((lanes & magnitude) != zero)) << (4 * quad);
            flags |= (uint64_t)chdf5_lane_bits((chdf5_u32x4)(lanes == sign)) << (4 * quad);
        }
        any_flags |= flags;
        if (array_step == 1) {
            const size_t at = flat + k, shift = at % 64;
            negative_zeros[at / 64] |= flags << shift;
            /* Bits past the word are elements of the array: the bitmap has their word. */
            const uint64_t over = shift ? flags >> (64 - shift) : 0;
            if (over) negative_zeros[at / 64 + 1] |= over;
        } else {
            _Pragma("clang loop unroll(full)")
            for (unsigned group = 0; group < 8; group++) {
                const uint64_t spread = ((flags >> (8 * group) & 0xff) * 0x0101010101010101ull) & 0x8040201008040201ull;
                const size_t at = flat + (k + 8 * group) * array_step, shift = at % 64;
                negative_zeros[at / 64] |= spread << shift;
                const uint64_t over = shift ? spread >> (64 - shift) : 0;
                if (over) negative_zeros[at / 64 + 1] |= over;
            }
        }
        while (valued) { /* under one in a hundred at 99% sparsity */
            const unsigned j = (unsigned)__builtin_ctzll(valued);
            uint32_t bits;
            memcpy(&bits, values + (k + j) * 4, 4);
            if (chdf5_sparse_append(list, (uint32_t)(flat + (k + j) * array_step), bits) != 0) return -1;
            valued &= valued - 1;
        }
    }
    if (any_flags) *found = 1;
    return (ptrdiff_t)k;
}

/* The whole groups of eight of a run of float32 elements adjacent in the chunk and 1 or 9 apart in the array (a 3x3
   convolution's weight chunked per kernel position). Two 4-lane compares per question give each group's eight
   flags as bits: which elements hold a value (listed in `list`, lowest first, as the element-wise walk lists
   them) and which are negative zeros, set in `negative_zeros` with two word updates instead of a test and a bit
   per element (nine apart, the flags are spread by a multiplication: bit j of byte j of the flags repeated in
   every byte is bit 9j). Returns how many elements were done (-1: out of memory); the caller takes the rest of
   the run. */
static inline ptrdiff_t chdf5_sparse_run_by_eight(const unsigned char *values, size_t run, size_t flat, size_t array_step,
                                                  chdf5_sparse_list *list, uint64_t *negative_zeros, int *found) {
    const chdf5_float32_lanes masks = chdf5_float32_lanes_make();
    const chdf5_u32x4 sign = masks.sign, magnitude = masks.magnitude, zero = masks.zero;
    unsigned any_flags = 0;
    size_t k = 0;
    for (; k + 8 <= run; k += 8) {
        chdf5_u32x4 first, second;
        memcpy(&first, values + k * 4, 16);
        memcpy(&second, values + k * 4 + 16, 16);
        unsigned valued = chdf5_lane_bits((chdf5_u32x4)((first & magnitude) != zero))
                        | chdf5_lane_bits((chdf5_u32x4)((second & magnitude) != zero)) << 4;
        const unsigned flags = chdf5_lane_bits((chdf5_u32x4)(first == sign))
                             | chdf5_lane_bits((chdf5_u32x4)(second == sign)) << 4;
        while (valued) {  /* a group in thirteen at 1% density */
            const unsigned j = (unsigned)__builtin_ctz(valued);
            uint32_t bits;
            memcpy(&bits, values + (k + j) * 4, 4);
            if (chdf5_sparse_append(list, (uint32_t)(flat + (k + j) * array_step), bits) != 0) return -1;
            valued &= valued - 1;
        }
        if (!flags) continue;
        any_flags = 1;
        uint64_t spread = array_step == 1 ? flags : ((uint64_t)flags * 0x0101010101010101ull) & 0x8040201008040201ull;
        size_t at = flat + k * array_step, shift = at % 64;
        negative_zeros[at / 64] |= spread << shift;
        /* Bits past the word are elements of the array: the bitmap has their word. */
        uint64_t over = shift ? spread >> (64 - shift) : 0;
        if (over) negative_zeros[at / 64 + 1] |= over;
    }
    if (any_flags) *found = 1;
    return (ptrdiff_t)k;
}

/* Lists a decoded chunk's elements whose bits are not all zero and that lie inside the array: non-zeros into
   `list`, negative zeros into the thread's own bitmap. Negative zeros are common: pruning multiplies each pruned
   weight by a zero mask, which leaves -0 wherever the weight was negative, so about half of a pruned tensor's
   elements are -0. The chunk is walked in runs along its innermost axis longer than one element (a (64, 128, 1, 1)
   chunk of a 3x3 convolution's weight: runs of 128, nine elements apart in the array), each element's array index
   one step on from the last, and the bitmap is written a word at a time. */
static inline int chdf5_sparse_scan_runs(const unsigned char *chunk, size_t element_size, int rank, const hsize_t *dims,
                                         const hsize_t *chunk_dims, const hsize_t *origin, chdf5_sparse_list *list,
                                         uint64_t *negative_zeros, int *any_negative_zero) {
    const uint64_t magnitude = element_size == 4 ? 0x7fffffffull : 0x7fffffffffffffffull;
    const uint64_t sign = element_size == 4 ? 0x80000000ull : 0x8000000000000000ull;
    size_t extent[CHDF5_MAX_RANK], chunk_stride[CHDF5_MAX_RANK], array_stride[CHDF5_MAX_RANK], index[CHDF5_MAX_RANK];
    size_t chunk_step = 1, array_step = 1;
    int axes = 0; /* axes of more than one element, innermost first */
    size_t start = 0; /* the chunk's first element in the array */
    for (int axis = rank - 1; axis >= 0; axis--) {
        hsize_t room = dims[axis] > origin[axis] ? dims[axis] - origin[axis] : 0;
        size_t length = (size_t)(room < chunk_dims[axis] ? room : chunk_dims[axis]);
        if (length == 0) return 0; /* wholly past the array's extent */
        start += (size_t)origin[axis] * array_step;
        if (length > 1) {
            extent[axes] = length;
            chunk_stride[axes] = chunk_step;
            array_stride[axes] = array_step;
            index[axes] = 0;
            axes++;
        }
        chunk_step *= (size_t)chunk_dims[axis];
        array_step *= (size_t)dims[axis];
    }
    const size_t run = axes ? extent[0] : 1, run_chunk = axes ? chunk_stride[0] : 1, run_array = axes ? array_stride[0] : 1;
    size_t local = 0, flat = start;
    int found_negative = 0;
    for (;;) {
        /* One run: element k at chunk element local + k * run_chunk, array element flat + k * run_array. */
        uint64_t pending = 0;
        size_t word = flat / 64;
        size_t k = 0;
        if (element_size == 4 && run_chunk == 1 && (run_array == 1 || run_array == 9)) {
            ptrdiff_t blocks = chdf5_sparse_run_by_64(chunk + local * 4, run, flat, run_array, list, negative_zeros,
                                                      &found_negative);
            if (blocks < 0) return -1;
            ptrdiff_t done = chdf5_sparse_run_by_eight(chunk + (local + (size_t)blocks) * 4, run - (size_t)blocks,
                                                       flat + (size_t)blocks * run_array, run_array, list, negative_zeros,
                                                       &found_negative);
            if (done < 0) return -1;
            k = (size_t)blocks + (size_t)done;
            word = (flat + k * run_array) / 64;
        }
        for (; k < run; k++) {
            uint64_t bits;
            if (element_size == 4) { uint32_t value; memcpy(&value, chunk + (local + k * run_chunk) * 4, 4); bits = value; }
            else memcpy(&bits, chunk + (local + k * run_chunk) * 8, 8);
            const size_t at = flat + k * run_array;
            if (bits & magnitude) {
                if (chdf5_sparse_append(list, (uint32_t)at, bits) != 0) return -1;
                continue;
            }
            if (at / 64 != word) {
                if (pending) { negative_zeros[word] |= pending; found_negative = 1; }
                pending = 0;
                word = at / 64;
            }
            pending |= (uint64_t)(bits == sign) << (at % 64);
        }
        if (pending) { negative_zeros[word] |= pending; found_negative = 1; }
        /* The next run: the outer axes counted on. */
        if (!chdf5_odometer_next(1, axes, index, extent, chunk_stride, array_stride, &local, &flat)) break;
    }
    if (found_negative) *any_negative_zero = 1;
    return 0;
}

/* chdf5_sparse_scan_runs for a chunk chdf5_si_inflate decoded: only the words it marked are looked into, and each
   is zeroed as it is passed (with its mark), so the buffer is ready for the next chunk. */
static inline int chdf5_sparse_list_marked(chdf5_si_output *output, size_t element_size, int rank, const hsize_t *dims,
                                           const hsize_t *chunk_dims, const hsize_t *origin, chdf5_sparse_list *list,
                                           uint64_t *negative_zeros, int *any_negative_zero) {
    const uint64_t magnitude = element_size == 4 ? 0x7fffffffull : 0x7fffffffffffffffull;
    size_t chunk_stride[CHDF5_MAX_RANK], array_stride[CHDF5_MAX_RANK];
    size_t chunk_step = 1, array_step = 1;
    for (int axis = rank - 1; axis >= 0; axis--) {
        chunk_stride[axis] = chunk_step;
        array_stride[axis] = array_step;
        chunk_step *= (size_t)chunk_dims[axis];
        array_step *= (size_t)dims[axis];
    }
    uint64_t *words = (uint64_t *)(void *)output->bytes;
    int status = 0;
    chdf5_si_marks marks = chdf5_si_marks_of(output);
    size_t word;
    while (chdf5_si_next_mark(&marks, &word)) {
        const uint64_t value = words[word];
        words[word] = 0;
        for (size_t at = 0; at < 8 && status == 0; at += element_size) {
            uint64_t bits = element_size == 4 ? (value >> (8 * at)) & 0xffffffffull : value;
            if (bits && chdf5_sparse_hit((word * 8 + at) / element_size, bits, magnitude, rank, dims, origin,
                                         chunk_stride, array_stride, list, negative_zeros, any_negative_zero) != 0) {
                status = -1;
            }
        }
    }
    memset(output->dirty, 0, marks.groups * sizeof(uint64_t));
    return status;
}

static inline void *chdf5_sparse_worker(void *argument) {
    chdf5_sparse_job *sparse = (chdf5_sparse_job *)argument;
    chdf5_chunk_job *job = &sparse->base;
    size_t chunk_elements = 1;
    for (int axis = 0; axis < job->rank; axis++) chunk_elements *= (size_t)job->chunk_dims[axis];
    size_t chunk_bytes = chunk_elements * job->element_size;
    pthread_mutex_lock(&job->lock);
    /* One list per thread taking part; a thread beyond the lists leaves the chunks to the others. */
    chdf5_sparse_list *list = sparse->next_list < 16 ? &sparse->lists[sparse->next_list++] : NULL;
    pthread_mutex_unlock(&job->lock);
    if (!list) return NULL;
    size_t list_index = (size_t)(list - sparse->lists);
    /* The chunk's buffer, whole words, 8-byte aligned; it holds zeros whenever the sparse inflater takes a chunk
       (cleared after a chunk the general inflater wrote). */
    const size_t chunk_words = (chunk_bytes + 7) / 8;
    chdf5_si_output output;
    output.bytes = (unsigned char *)calloc(chunk_words ? chunk_words : 1, 8);
    output.dirty = (uint64_t *)calloc((chunk_words + 63) / 64 + 1, sizeof(uint64_t));
    output.size = chunk_bytes;
    output.position = 0;
    unsigned char *scratch = output.bytes;
    int scratch_zeroed = 1, found_negative_zero = 0;
    /* The thread's own negative-zero bitmap (chunks of different threads share words), ORed into the job's at the
       end; calloc maps zero pages, so only words a negative zero lands in are touched. */
    uint64_t *negative_zeros = (uint64_t *)calloc(sparse->negative_zero_words, sizeof(uint64_t));
    void *decompressor = job->libdeflate ? job->libdeflate->alloc() : NULL;
    int failed = !scratch || !output.dirty || !negative_zeros || (job->libdeflate && !decompressor);
    for (;;) {
        pthread_mutex_lock(&job->lock);
        size_t chunk = job->next++;
        if (failed && chunk < job->failed) job->failed = chunk;
        int stop = chunk >= job->chunk_count || job->failed < job->chunk_count
            || __atomic_load_n(&sparse->too_dense, __ATOMIC_RELAXED);
        pthread_mutex_unlock(&job->lock);
        if (stop || failed) break;
        const hsize_t *origin = job->origins + chunk * (size_t)job->rank;
        size_t before = list->count;
        const unsigned char *source = job->compressed + job->starts[chunk];
        int listed = -1;
        /* The sparse inflater pays off where the stream writes little: a chunk deflated at least 32 to one. Less
           (negative zeros between the values, or denser values) is left to the general inflater, which writes
           whole chunks faster than the sparse one writes their words one by one. */
        int sparse_stream = job->sizes[chunk] <= chunk_bytes / 32;
        if (sparse_stream) {
            if (!scratch_zeroed) { memset(scratch, 0, chunk_words * 8); scratch_zeroed = 1; }
            if (chdf5_si_inflate(source, job->sizes[chunk], &output) == 0) {
                listed = chdf5_sparse_list_marked(&output, job->element_size, job->rank, job->dims, job->chunk_dims,
                                                  origin, list, negative_zeros, &found_negative_zero);
            } else {
                chdf5_si_clear(&output);
                sparse_stream = 0; /* a stream it does not take is inflated whole: that decides if it is damaged */
            }
        }
        if (!sparse_stream) {
            scratch_zeroed = 0;
            listed = chdf5_inflate_exact(job->libdeflate, decompressor, source, job->sizes[chunk], scratch, chunk_bytes) != 0
                || chdf5_sparse_scan_runs(scratch, job->element_size, job->rank, job->dims, job->chunk_dims, origin,
                                          list, negative_zeros, &found_negative_zero) != 0 ? -1 : 0;
        }
        if (listed != 0) {
            failed = 1;
            pthread_mutex_lock(&job->lock);
            if (chunk < job->failed) job->failed = chunk;
            pthread_mutex_unlock(&job->lock);
            break;
        }
        size_t found = list->count - before;
        sparse->chunk_list[chunk] = list_index;
        sparse->chunk_start[chunk] = before;
        sparse->chunk_count[chunk] = found;
        if (__atomic_add_fetch(&sparse->entries, found, __ATOMIC_RELAXED) > sparse->max_entries) {
            __atomic_store_n(&sparse->too_dense, 1, __ATOMIC_RELAXED);
            break;
        }
    }
    if (negative_zeros && found_negative_zero) {
        pthread_mutex_lock(&job->lock);
        for (size_t word = 0; word < sparse->negative_zero_words; word++) sparse->negative_zeros[word] |= negative_zeros[word];
        sparse->any_negative_zero = 1;
        pthread_mutex_unlock(&job->lock);
    }
    free(negative_zeros);
    free(output.bytes);
    free(output.dirty);
    if (decompressor) job->libdeflate->release(decompressor);
    return NULL;
}

/* The outcome of a sparse decode; release it with chdf5_sparse_result_free. */
typedef struct {
    uint32_t *indices;      /* ascending flat row-major indices of the non-zero elements */
    unsigned char *values;  /* their values, element_size bytes each, as stored */
    size_t count;
    uint64_t *negative_zeros; /* bit i of word i / 64: element i is a negative zero; NULL when there is none */
    size_t failed;          /* the first chunk that failed (damaged, wrong size, no memory), or chunk_count */
    int too_dense;          /* more than max_entries stored elements: nothing else is set */
    int out_of_memory;      /* every chunk decoded, but gathering them failed */
} chdf5_sparse_result;

static inline void chdf5_sparse_result_free(chdf5_sparse_result *result) {
    free(result->indices);
    free(result->values);
    free(result->negative_zeros);
    result->indices = NULL;
    result->values = NULL;
    result->negative_zeros = NULL;
}

/* Sorts (index, bits) pairs by index, 11 bits a pass from the least significant (indices are distinct). Small
   digits keep the counts in the L1 cache: a layer lists tens of thousands of entries, not millions. */
static inline int chdf5_sparse_sort(uint32_t *indices, uint64_t *bits, size_t count) {
    int sorted = 1;
    uint32_t largest = 0;
    for (size_t item = 0; item < count; item++) {
        if (item && indices[item] <= indices[item - 1]) sorted = 0;
        if (indices[item] > largest) largest = indices[item];
    }
    if (sorted) return 0;
    enum { digit_bits = 11, digits = 1 << digit_bits };
    uint32_t *index_swap = (uint32_t *)malloc(count * sizeof *index_swap);
    uint64_t *bits_swap = (uint64_t *)malloc(count * sizeof *bits_swap);
    if (!index_swap || !bits_swap) { free(index_swap); free(bits_swap); return -1; }
    size_t counts[digits];
    for (int shift = 0; shift < 32 && (largest >> shift) != 0; shift += digit_bits) {
        memset(counts, 0, sizeof counts);
        for (size_t item = 0; item < count; item++) counts[(indices[item] >> shift) & (digits - 1)]++;
        size_t total = 0;
        for (size_t digit = 0; digit < digits; digit++) { size_t here = counts[digit]; counts[digit] = total; total += here; }
        for (size_t item = 0; item < count; item++) {
            size_t to = counts[(indices[item] >> shift) & (digits - 1)]++;
            index_swap[to] = indices[item];
            bits_swap[to] = bits[item];
        }
        memcpy(indices, index_swap, count * sizeof *indices);
        memcpy(bits, bits_swap, count * sizeof *bits);
    }
    free(index_swap);
    free(bits_swap);
    return 0;
}

/* Inflates every chunk on up to `threads` threads (with a `pool`, on the calling thread and the pool's idle ones)
   and keeps the stored elements whose bits are not all zero, at
   most `max_entries` of them. The array must hold fewer than 2^32 elements; element_size is 4 or 8. */
static inline chdf5_sparse_result chdf5_decode_chunks_sparse(const unsigned char *compressed, const size_t *starts,
                                                             const size_t *sizes, const hsize_t *origins,
                                                             size_t chunk_count, int rank, const hsize_t *dims,
                                                             const hsize_t *chunk_dims, size_t element_size,
                                                             size_t max_entries, int threads, int use_libdeflate,
                                                             chdf5_pool *pool) {
    chdf5_sparse_result result;
    memset(&result, 0, sizeof result);
    if (rank < 1 || rank > CHDF5_MAX_RANK || (element_size != 4 && element_size != 8)) return result;
    chdf5_sparse_job job;
    memset(&job, 0, sizeof job);
    job.base.compressed = compressed;
    job.base.starts = starts;
    job.base.sizes = sizes;
    job.base.origins = origins;
    job.base.chunk_count = chunk_count;
    job.base.rank = rank;
    job.base.dims = dims;
    job.base.chunk_dims = chunk_dims;
    job.base.element_size = element_size;
    job.base.libdeflate = use_libdeflate && chdf5_libdeflate_available() ? chdf5_libdeflate() : NULL;
    job.base.failed = chunk_count;
    job.max_entries = max_entries;
    job.chunk_list = (size_t *)calloc(chunk_count ? chunk_count : 1, sizeof(size_t));
    job.chunk_start = (size_t *)calloc(chunk_count ? chunk_count : 1, sizeof(size_t));
    job.chunk_count = (size_t *)calloc(chunk_count ? chunk_count : 1, sizeof(size_t));
    size_t elements = 1;
    for (int axis = 0; axis < rank; axis++) elements *= (size_t)dims[axis];
    /* calloc of a large block maps zero pages: only the words a negative zero lands in are ever touched. */
    job.negative_zero_words = elements / 64 + 1;
    job.negative_zeros = (uint64_t *)calloc(job.negative_zero_words, sizeof(uint64_t));
    if (!job.chunk_list || !job.chunk_start || !job.chunk_count || !job.negative_zeros) {
        free(job.chunk_list); free(job.chunk_start); free(job.chunk_count); free(job.negative_zeros);
        result.failed = chunk_count;
        result.out_of_memory = 1;
        return result;
    }
    pthread_mutex_init(&job.base.lock, NULL);
    if (pool && chunk_count > 1) {
        /* At most CHDF5_POOL_MAX_HELPERS + 1 threads take part: one list each. */
        chdf5_pool_run_shared(pool, chdf5_sparse_worker, &job);
    } else {
        if (threads > 16) threads = 16;
        if ((size_t)threads > chunk_count) threads = (int)chunk_count;
        if (threads < 1) threads = 1;
        pthread_t helpers[16];
        int started = 0;
        for (int helper = 1; helper < threads; helper++) {
            if (pthread_create(&helpers[started], NULL, chdf5_sparse_worker, &job) == 0) started++;
        }
        chdf5_sparse_worker(&job);
        for (int helper = 0; helper < started; helper++) pthread_join(helpers[helper], NULL);
    }
    pthread_mutex_destroy(&job.base.lock);
    result.failed = job.base.failed;
    result.too_dense = job.too_dense && job.base.failed == chunk_count;
    if (result.failed == chunk_count && !result.too_dense) {
        /* Gathered chunk by chunk in grid order, then sorted into row-major order. */
        size_t total = job.entries;
        uint32_t *indices = (uint32_t *)malloc((total ? total : 1) * sizeof *indices);
        uint64_t *bits = (uint64_t *)malloc((total ? total : 1) * sizeof *bits);
        unsigned char *values = (unsigned char *)malloc((total ? total : 1) * element_size);
        if (!indices || !bits || !values) {
            free(indices); free(bits); free(values);
            result.out_of_memory = 1;
        } else {
            size_t at = 0;
            for (size_t chunk = 0; chunk < chunk_count; chunk++) {
                const chdf5_sparse_list *list = &job.lists[job.chunk_list[chunk]];
                size_t start = job.chunk_start[chunk], found = job.chunk_count[chunk];
                if (!found) continue;
                memcpy(indices + at, list->indices + start, found * sizeof *indices);
                memcpy(bits + at, list->bits + start, found * sizeof *bits);
                at += found;
            }
            if (chdf5_sparse_sort(indices, bits, total) != 0) {
                free(indices); free(values);
                result.out_of_memory = 1;
            } else {
                for (size_t item = 0; item < total; item++) {
                    if (element_size == 4) { uint32_t word = (uint32_t)bits[item]; memcpy(values + item * 4, &word, 4); }
                    else memcpy(values + item * 8, &bits[item], 8);
                }
                result.indices = indices;
                result.values = values;
                result.count = total;
                if (job.any_negative_zero) { result.negative_zeros = job.negative_zeros; job.negative_zeros = NULL; }
            }
            free(bits);
        }
    }
    for (int list = 0; list < 16; list++) { free(job.lists[list].indices); free(job.lists[list].bits); }
    free(job.chunk_list); free(job.chunk_start); free(job.chunk_count); free(job.negative_zeros);
    return result;
}

#endif /* CHDF5_CHUNKS_H */
