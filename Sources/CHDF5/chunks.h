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
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>
#include <zlib.h>

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

/* Processors online, for the number of decoding threads. */
static inline int chdf5_online_processors(void) {
    long count = sysconf(_SC_NPROCESSORS_ONLN);
    return count < 1 ? 1 : (count > 16 ? 16 : (int)count);
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
        int axis = first + 1;
        while (axis < axes) {
            from += chunk_stride[axis];
            to += array_stride[axis];
            if (++index[axis] < extent[axis]) break;
            from -= extent[axis] * chunk_stride[axis];
            to -= extent[axis] * array_stride[axis];
            index[axis] = 0;
            axis++;
        }
        if (axis >= axes) return;
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
    for (;;) {
        pthread_mutex_lock(&job->lock);
        size_t chunk = job->next++;
        if (failed && chunk < job->failed) job->failed = chunk;
        int stop = chunk >= job->chunk_count || job->failed < job->chunk_count;
        pthread_mutex_unlock(&job->lock);
        if (stop || failed) break;
        const hsize_t *origin = job->origins + chunk * (size_t)job->rank;
        const unsigned char *source = job->compressed + job->starts[chunk];
        if (whole_rows && origin[0] + job->chunk_dims[0] <= job->dims[0]) {
            /* The chunk is one contiguous block of the array: inflate straight into it. */
            unsigned char *target = job->array + (size_t)origin[0] * row_bytes;
            if (chdf5_inflate_exact(job->libdeflate, decompressor, source, job->sizes[chunk], target, chunk_bytes) != 0) failed = 1;
        } else if (!scratch && !(scratch = (unsigned char *)malloc(chunk_bytes))) {
            failed = 1;
        } else if (chdf5_inflate_exact(job->libdeflate, decompressor, source, job->sizes[chunk], scratch, chunk_bytes) != 0) {
            failed = 1;
        } else {
            chdf5_place_chunk(scratch, job->array, job->rank, job->dims, job->chunk_dims, origin, job->element_size);
        }
        if (failed) {
            pthread_mutex_lock(&job->lock);
            if (chunk < job->failed) job->failed = chunk;
            pthread_mutex_unlock(&job->lock);
        }
    }
    free(scratch);
    if (decompressor) job->libdeflate->release(decompressor);
    return NULL;
}

/* Inflates and places every chunk on up to `threads` threads (the calling one included). Returns the index of the
   first chunk that failed (damaged stream, wrong size, no memory), or `chunk_count` when every chunk was placed. */
static inline size_t chdf5_decode_chunks(const unsigned char *compressed, const size_t *starts, const size_t *sizes,
                                         const hsize_t *origins, size_t chunk_count, int rank, const hsize_t *dims,
                                         const hsize_t *chunk_dims, size_t element_size, void *array, int threads,
                                         int use_libdeflate) {
    if (rank < 1 || rank > CHDF5_MAX_RANK) return 0;
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
    if (threads > 16) threads = 16;
    if ((size_t)threads > chunk_count) threads = (int)chunk_count;
    pthread_t helpers[16];
    int started = 0;
    for (int helper = 1; helper < threads; helper++) {
        if (pthread_create(&helpers[started], NULL, chdf5_chunk_worker, &job) == 0) started++;
    }
    chdf5_chunk_worker(&job);
    for (int helper = 0; helper < started; helper++) pthread_join(helpers[helper], NULL);
    pthread_mutex_destroy(&job.lock);
    return job.failed;
}

#endif /* CHDF5_CHUNKS_H */
