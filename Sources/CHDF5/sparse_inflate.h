#ifndef CHDF5_SPARSE_INFLATE_H
#define CHDF5_SPARSE_INFLATE_H

/* Inflating a mostly-zero zlib stream without writing its zeros.

   A pruned weight's chunk (32 KiB holding 80 non-zero floats) deflates to runs of zeros copied by back-references
   and a few literal bytes between them. A general inflater writes all 32 KiB and a scan then reads them back to
   find the 80 values; over a 99%-sparse VGG-16 that was most of the time spent decoding it. Here the output buffer
   holds zeros on entry, a bitmap marks each 8-byte word that holds a non-zero byte (exactly those), a literal zero
   is never written, and a back-reference whose source is all zeros is skipped (its destination, not yet written,
   already holds zeros). What the stream wrote is then found from the bitmap alone, and its zlib checksum (Adler-32)
   is computed from the non-zero bytes and their positions, as zeros add nothing to its first sum and a known amount
   to its second.

   This is a complete DEFLATE decoder (RFC 1950/1951: stored, fixed and dynamic blocks) that checks every length,
   distance and code as zlib does. A stream it rejects, or whose checksum does not match, is left to the general
   inflater (chunks.h), which then decides whether the chunk is damaged; so a fault here can cost time but cannot
   turn a good chunk into an error, and a wrong decode would have to match the stream's own checksum to pass. */

#include <stdint.h>
#include <string.h>

/* A decoding table: codes of up to `CHDF5_SI_FAST_BITS` bits are looked up at once (entry = symbol << 4 | length;
   0 = longer code or no code), longer ones decoded canonically from `count` and `symbol`. */
#define CHDF5_SI_FAST_BITS 9
#define CHDF5_SI_MAX_BITS 15

typedef struct {
    uint16_t fast[1 << CHDF5_SI_FAST_BITS];
    unsigned fast_bits;                    /* the fast table's index width: the longest code, at most FAST_BITS */
    uint16_t count[CHDF5_SI_MAX_BITS + 1]; /* codes of each length */
    uint16_t symbol[288];                  /* symbols in canonical order */
} chdf5_si_huffman;

/* The output: `bytes` (8-byte aligned, capacity rounded up to whole 8-byte words, all zero outside what the stream
   wrote) and one bit per word in `dirty` that is set exactly when the word holds a non-zero byte. */
typedef struct {
    unsigned char *bytes;
    uint64_t *dirty;
    size_t size; /* bytes the stream must produce */
    size_t position;
} chdf5_si_output;

/* The input as an LSB-first bit stream. Past the end it reads zeros and counts them in `overrun`; a stream that
   needed them is truncated. */
typedef struct {
    const unsigned char *next;
    const unsigned char *end;
    uint64_t bits;
    unsigned count;
    size_t overrun; /* zero bytes supplied past the end */
} chdf5_si_input;

static inline void chdf5_si_refill(chdf5_si_input *in) {
    if (in->end - in->next >= 8) {
        uint64_t word;
        memcpy(&word, in->next, 8); /* little-endian hosts only (x86-64, arm64); see chdf5_si_little_endian */
        in->bits |= word << in->count;
        in->next += (63 - in->count) >> 3;
        in->count |= 56;
        return;
    }
    while (in->count <= 56) {
        uint64_t byte = 0;
        if (in->next < in->end) byte = *in->next++;
        else in->overrun++;
        in->bits |= byte << in->count;
        in->count += 8;
    }
}

/* `n` (at most 32) bits; the caller has refilled. */
static inline uint32_t chdf5_si_take(chdf5_si_input *in, unsigned n) {
    uint32_t value = (uint32_t)(in->bits & ((((uint64_t)1) << n) - 1));
    in->bits >>= n;
    in->count -= n;
    return value;
}

static inline int chdf5_si_little_endian(void) {
    const uint16_t probe = 1;
    unsigned char first;
    memcpy(&first, &probe, 1);
    return first == 1;
}

/* Builds `table` from code lengths (`lengths[i]` for symbol i, 0 = unused). Fails, as zlib does, on an
   over-subscribed set and on an incomplete one unless it is a single code of one bit; a set with no code at all
   is accepted (any use of it then fails). */
static inline int chdf5_si_build(chdf5_si_huffman *table, const unsigned char *lengths, unsigned symbols) {
    uint16_t offsets[CHDF5_SI_MAX_BITS + 2];
    /* Counted in four interleaved tallies: one tally's consecutive increments of the same length would each wait
       for the last. */
    uint16_t tallies[4][CHDF5_SI_MAX_BITS + 1];
    memset(tallies, 0, sizeof tallies);
    unsigned symbol = 0;
    for (; symbol + 4 <= symbols; symbol += 4) {
        tallies[0][lengths[symbol]]++;
        tallies[1][lengths[symbol + 1]]++;
        tallies[2][lengths[symbol + 2]]++;
        tallies[3][lengths[symbol + 3]]++;
    }
    for (; symbol < symbols; symbol++) tallies[0][lengths[symbol]]++;
    table->count[0] = 0;
    for (unsigned length = 1; length <= CHDF5_SI_MAX_BITS; length++) {
        table->count[length] = (uint16_t)(tallies[0][length] + tallies[1][length] + tallies[2][length] + tallies[3][length]);
    }
    unsigned longest = 0;
    for (unsigned length = 1; length <= CHDF5_SI_MAX_BITS; length++) if (table->count[length]) longest = length;
    table->fast_bits = longest == 0 ? 1 : (longest < CHDF5_SI_FAST_BITS ? longest : CHDF5_SI_FAST_BITS);
    const uint32_t size = 1u << table->fast_bits;
    memset(table->fast, 0, size * sizeof table->fast[0]);
    if (longest == 0) return 0;
    int left = 1;
    for (unsigned length = 1; length <= CHDF5_SI_MAX_BITS; length++) {
        left <<= 1;
        left -= table->count[length];
        if (left < 0) return -1;
    }
    if (left > 0 && longest != 1) return -1;
    /* Symbols in canonical order: by length, then by symbol (RFC 1951 3.2.2). */
    offsets[1] = 0;
    for (unsigned length = 1; length <= CHDF5_SI_MAX_BITS; length++) offsets[length + 1] = offsets[length] + table->count[length];
    const unsigned used = offsets[CHDF5_SI_MAX_BITS + 1];
    for (symbol = 0; symbol < symbols; symbol++) {
        if (symbol % 8 == 0 && symbol + 8 <= symbols) {
            uint64_t eight;
            memcpy(&eight, lengths + symbol, 8);
            if (!eight) { symbol += 7; continue; }
        }
        if (lengths[symbol]) table->symbol[offsets[lengths[symbol]]++] = (uint16_t)symbol;
    }
    /* The stream sends a code most significant bit first, so the fast table is indexed by the code reversed; the
       codes of canonical order are counted up in reversed bit order (as zlib's inftrees does). */
    uint32_t reversed = 0;
    for (unsigned index = 0; index < used; index++) {
        const unsigned coded = table->symbol[index], length = lengths[coded];
        if (length > table->fast_bits) break;
        const uint16_t entry = (uint16_t)(coded << 4 | length);
        for (uint32_t slot = reversed; slot < size; slot += 1u << length) table->fast[slot] = entry;
        uint32_t step = 1u << (length - 1);
        while (reversed & step) step >>= 1;
        reversed = step ? (reversed & (step - 1)) + step : 0;
    }
    return 0;
}

/* The next symbol, or -1 for a bit pattern that is no code. At least 15 bits must be buffered. */
static inline int chdf5_si_decode(chdf5_si_input *in, const chdf5_si_huffman *table) {
    uint16_t entry = table->fast[in->bits & ((1u << table->fast_bits) - 1)];
    if (entry) {
        in->bits >>= entry & 15;
        in->count -= entry & 15;
        return entry >> 4;
    }
    /* A longer code: canonical decoding, one bit at a time (puff's method). */
    int code = 0, first = 0, index = 0;
    for (unsigned length = 1; length <= CHDF5_SI_MAX_BITS; length++) {
        code |= (int)chdf5_si_take(in, 1);
        int count = table->count[length];
        if (code - count < first) return table->symbol[index + (code - first)];
        index += count;
        first += count;
        first <<= 1;
        code <<= 1;
    }
    return -1;
}

static inline void chdf5_si_mark(chdf5_si_output *out, size_t word) {
    out->dirty[word >> 6] |= (uint64_t)1 << (word & 63);
}

static inline uint64_t chdf5_si_word(const chdf5_si_output *out, size_t word) {
    uint64_t value;
    memcpy(&value, out->bytes + word * 8, 8);
    return value;
}

/* Whether bytes [from, to) of the output (already written, from < to) are all zero. */
static inline int chdf5_si_zero(const chdf5_si_output *out, size_t from, size_t to) {
    size_t first = from >> 3, last = (to - 1) >> 3;
    uint64_t head = ~(uint64_t)0 << (8 * (from & 7));
    uint64_t tail = ~(uint64_t)0 >> (8 * (7 - ((to - 1) & 7)));
    if (first == last) return (chdf5_si_word(out, first) & head & tail) == 0;
    if (chdf5_si_word(out, first) & head) return 0;
    if (chdf5_si_word(out, last) & tail) return 0;
    /* The whole words between, by their bits. */
    size_t word = first + 1;
    while (word < last) {
        size_t bit = word & 63, span = last - word;
        if (span > 64 - bit) span = 64 - bit;
        uint64_t mask = span == 64 ? ~(uint64_t)0 : (((uint64_t)1 << span) - 1) << bit;
        if (out->dirty[word >> 6] & mask) return 0;
        word += span;
    }
    return 1;
}

/* Puts the non-zero byte `value` at `at`. Every write to the output is an OR into its aligned 8-byte word: the
   decoder reads whole words back soon after (copies, zero tests), and a word read just after byte-wide stores to
   it cannot be forwarded from them and stalls. */
static inline void chdf5_si_put(chdf5_si_output *out, size_t at, uint64_t value) {
    uint64_t *word = (uint64_t *)(void *)out->bytes + (at >> 3);
    *word |= value << (8 * (at & 7));
    chdf5_si_mark(out, at >> 3);
}

/* Copies `length` bytes from `distance` back (checked by the caller) and marks the words it makes non-zero. From 8
   bytes back or more only the source's marked words are copied: a word's bytes land at least a word further on,
   so every source word is complete (and marked) before the copy reaches it, and the rest of the destination, never
   written, holds zeros already. */
static inline void chdf5_si_copy(chdf5_si_output *out, size_t distance, size_t length) {
    const size_t position = out->position;
    out->position += length;
    if (distance < 8) {
        for (size_t done = 0; done < length; done++) {
            unsigned char value = out->bytes[position - distance + done];
            if (value) chdf5_si_put(out, position + done, value);
        }
        return;
    }
    uint64_t *words = (uint64_t *)(void *)out->bytes;
    size_t at = position - distance;
    const size_t end = at + length;
    while (at < end) {
        /* The next marked word at or after `at`'s, if it starts before `end`. */
        size_t word = at >> 3, group = word >> 6;
        uint64_t pending = out->dirty[group] & (~(uint64_t)0 << (word & 63));
        while (!pending) {
            group++;
            if (group * 64 * 8 >= end) return;
            pending = out->dirty[group];
        }
        size_t found = group * 64 + (size_t)__builtin_ctzll(pending);
        if (found * 8 >= end) return;
        if (found > word) at = found * 8;
        /* Bytes [at, stop) of word `found`, shifted down to its first byte, ORed into the one or two destination
           words they land in. */
        size_t stop = found * 8 + 8 < end ? found * 8 + 8 : end;
        size_t count = stop - at;
        uint64_t value = words[found] >> (8 * (at & 7));
        if (count < 8) value &= ((uint64_t)1 << (8 * count)) - 1;
        size_t target = at + distance, shift = target & 7;
        uint64_t low = value << (8 * shift);
        if (low) { words[target >> 3] |= low; chdf5_si_mark(out, target >> 3); }
        if (shift && shift + count > 8) {
            uint64_t high = value >> (8 * (8 - shift));
            if (high) { words[(target >> 3) + 1] |= high; chdf5_si_mark(out, (target >> 3) + 1); }
        }
        at = stop;
    }
}

static const uint16_t chdf5_si_length_base[29] = {3, 4, 5, 6, 7, 8, 9, 10, 11, 13, 15, 17, 19, 23, 27, 31, 35, 43,
                                                  51, 59, 67, 83, 99, 115, 131, 163, 195, 227, 258};
static const unsigned char chdf5_si_length_extra[29] = {0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 3,
                                                        4, 4, 4, 4, 5, 5, 5, 5, 0};
static const uint16_t chdf5_si_distance_base[30] = {1, 2, 3, 4, 5, 7, 9, 13, 17, 25, 33, 49, 65, 97, 129, 193, 257,
                                                    385, 513, 769, 1025, 1537, 2049, 3073, 4097, 6145, 8193, 12289,
                                                    16385, 24577};
static const unsigned char chdf5_si_distance_extra[30] = {0, 0, 0, 0, 1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 6, 6, 7, 7, 8,
                                                          8, 9, 9, 10, 10, 11, 11, 12, 12, 13, 13};

/* One block's compressed data, up to and including its end-of-block code. */
static inline int chdf5_si_codes(chdf5_si_input *in, chdf5_si_output *out, const chdf5_si_huffman *lengths,
                                 const chdf5_si_huffman *distances) {
    for (;;) {
        chdf5_si_refill(in);
        int symbol = chdf5_si_decode(in, lengths);
        if (symbol < 0) return -1;
        if (symbol < 256) {
            if (out->position >= out->size) return -1;
            if (symbol) chdf5_si_put(out, out->position, (uint64_t)symbol);
            out->position++;
            continue;
        }
        if (symbol == 256) return 0;
        symbol -= 257;
        if (symbol >= 29) return -1;
        /* 5 extra length bits, a 15-bit distance code and 13 extra bits fit the 56 refilled bits with the code. */
        size_t length = chdf5_si_length_base[symbol] + chdf5_si_take(in, chdf5_si_length_extra[symbol]);
        int code = chdf5_si_decode(in, distances);
        if (code < 0 || code >= 30) return -1;
        size_t distance = chdf5_si_distance_base[code] + chdf5_si_take(in, chdf5_si_distance_extra[code]);
        if (distance > out->position || length > out->size - out->position) return -1;
        size_t from = out->position - distance;
        size_t known = from + length < out->position ? from + length : out->position;
        if (chdf5_si_zero(out, from, known)) {
            out->position += length; /* zeros copied onto zeros */
        } else {
            chdf5_si_copy(out, distance, length);
        }
    }
}

/* The fixed codes of RFC 1951 3.2.6, built once per call of a block that uses them (they are rare in weights). */
static inline void chdf5_si_fixed(chdf5_si_huffman *lengths, chdf5_si_huffman *distances) {
    unsigned char sizes[288];
    unsigned symbol = 0;
    for (; symbol < 144; symbol++) sizes[symbol] = 8;
    for (; symbol < 256; symbol++) sizes[symbol] = 9;
    for (; symbol < 280; symbol++) sizes[symbol] = 7;
    for (; symbol < 288; symbol++) sizes[symbol] = 8;
    (void)chdf5_si_build(lengths, sizes, 288);
    /* 32 distance codes make the set complete; the last two are invalid in a stream (chdf5_si_codes). */
    for (symbol = 0; symbol < 32; symbol++) sizes[symbol] = 5;
    (void)chdf5_si_build(distances, sizes, 32);
}

/* A dynamic block's code descriptions (RFC 1951 3.2.7). */
static inline int chdf5_si_dynamic(chdf5_si_input *in, chdf5_si_huffman *lengths, chdf5_si_huffman *distances) {
    static const unsigned char order[19] = {16, 17, 18, 0, 8, 7, 9, 6, 10, 5, 11, 4, 12, 3, 13, 2, 14, 1, 15};
    chdf5_si_refill(in);
    unsigned literal_count = chdf5_si_take(in, 5) + 257;
    unsigned distance_count = chdf5_si_take(in, 5) + 1;
    unsigned code_count = chdf5_si_take(in, 4) + 4;
    if (literal_count > 286 || distance_count > 30) return -1;
    unsigned char sizes[320];
    memset(sizes, 0, 19);
    for (unsigned index = 0; index < code_count; index++) {
        if (index % 16 == 0) chdf5_si_refill(in);
        sizes[order[index]] = (unsigned char)chdf5_si_take(in, 3);
    }
    chdf5_si_huffman code_lengths;
    if (chdf5_si_build(&code_lengths, sizes, 19) != 0) return -1;
    /* zlib rejects an incomplete code-length code, which the rule above lets through as a single one-bit code. */
    int left = 1;
    for (unsigned length = 1; length <= CHDF5_SI_MAX_BITS; length++) left = (left << 1) - code_lengths.count[length];
    if (left != 0) return -1;
    unsigned index = 0;
    while (index < literal_count + distance_count) {
        chdf5_si_refill(in);
        int symbol = chdf5_si_decode(in, &code_lengths);
        if (symbol < 0) return -1;
        if (symbol < 16) { sizes[index++] = (unsigned char)symbol; continue; }
        unsigned repeat;
        unsigned char value = 0;
        if (symbol == 16) {
            if (index == 0) return -1;
            value = sizes[index - 1];
            repeat = 3 + chdf5_si_take(in, 2);
        } else if (symbol == 17) {
            repeat = 3 + chdf5_si_take(in, 3);
        } else {
            repeat = 11 + chdf5_si_take(in, 7);
        }
        if (index + repeat > literal_count + distance_count) return -1;
        memset(sizes + index, value, repeat);
        index += repeat;
    }
    if (sizes[256] == 0) return -1; /* no end-of-block code */
    if (chdf5_si_build(lengths, sizes, literal_count) != 0) return -1;
    if (chdf5_si_build(distances, sizes + literal_count, distance_count) != 0) return -1;
    return 0;
}

/* The output's marked words in ascending order: `chdf5_si_next_mark` gives the next one's index until none is left. */
typedef struct {
    const uint64_t *dirty;
    size_t groups; /* words of marks */
    size_t group;
    uint64_t pending; /* marks of `group` not yet given */
} chdf5_si_marks;

static inline chdf5_si_marks chdf5_si_marks_of(const chdf5_si_output *out) {
    chdf5_si_marks marks = {out->dirty, ((out->size + 7) / 8 + 63) / 64, 0, 0};
    if (marks.groups) marks.pending = out->dirty[0];
    return marks;
}

static inline int chdf5_si_next_mark(chdf5_si_marks *marks, size_t *word) {
    while (!marks->pending) {
        if (++marks->group >= marks->groups) return 0;
        marks->pending = marks->dirty[marks->group];
    }
    *word = marks->group * 64 + (size_t)__builtin_ctzll(marks->pending);
    marks->pending &= marks->pending - 1;
    return 1;
}

/* The Adler-32 of the output, from its non-zero bytes: s1 = 1 + the sum of the bytes, s2 = the sum of s1 after each
   byte = size + the sum over bytes of (size - i) * byte. */
static inline uint32_t chdf5_si_adler(const chdf5_si_output *out) {
    const uint64_t modulus = 65521;
    uint64_t s1 = 1, s2 = out->size % modulus;
    chdf5_si_marks marks = chdf5_si_marks_of(out);
    size_t word;
    while (chdf5_si_next_mark(&marks, &word)) {
        /* Byte k of the word weighs (size - word * 8 - k) mod 65521; kept positive by adding the modulus. */
        uint64_t weight = (out->size - word * 8) % modulus + modulus;
        /* The byte sum and the sum of k * byte by multiplications over four 16-bit lanes of byte pairs. */
        const uint64_t value = ((const uint64_t *)(const void *)out->bytes)[word];
        const uint64_t lanes = 0x00ff00ff00ff00ffull, odd = (value >> 8) & lanes, pairs = (value & lanes) + odd;
        const uint64_t sum = (pairs * 0x0001000100010001ull) >> 48;
        const uint64_t offsets = 2 * ((pairs * 0x0000000100020003ull) >> 48) + ((odd * 0x0001000100010001ull) >> 48);
        s1 += sum;
        s2 += weight * sum - offsets;
        s1 %= modulus;
        s2 %= modulus;
    }
    return (uint32_t)(s2 << 16 | s1);
}

/* Inflates the zlib stream `source` (trailing bytes ignored, as zlib does) into `out`, whose bytes and dirty bits
   must be all zero and which it must fill exactly. 0 = done and the checksum matches; -1 otherwise (the output's
   non-zero words are still exactly those marked, so chdf5_si_clear restores it either way). */
static inline int chdf5_si_inflate(const unsigned char *source, size_t source_size, chdf5_si_output *out) {
    if (!chdf5_si_little_endian() || source_size < 6) return -1;
    unsigned header = (unsigned)source[0] << 8 | source[1];
    /* deflate, a window of at most 32 KiB, no preset dictionary, header check */
    if ((source[0] & 15) != 8 || (source[0] >> 4) > 7 || (header & 0x20) || header % 31 != 0) return -1;
    chdf5_si_input in = {source + 2, source + source_size, 0, 0, 0};
    chdf5_si_huffman lengths, distances;
    out->position = 0;
    int last;
    do {
        chdf5_si_refill(&in);
        last = (int)chdf5_si_take(&in, 1);
        unsigned type = chdf5_si_take(&in, 2);
        if (type == 0) {
            /* Stored: to a byte boundary, then LEN and its complement, then LEN bytes as they are. */
            chdf5_si_take(&in, in.count & 7);
            uint32_t length = chdf5_si_take(&in, 16), complement = chdf5_si_take(&in, 16);
            if ((length ^ 0xffffu) != complement) return -1;
            /* Whole bytes still buffered go back to the input (those read past its end were never there). */
            size_t buffered = in.count / 8;
            if (buffered < in.overrun) return -1;
            in.next -= buffered - in.overrun;
            in.bits = 0;
            in.count = 0;
            in.overrun = 0;
            if ((size_t)(in.end - in.next) < length || length > out->size - out->position) return -1;
            for (uint32_t byte = 0; byte < length; byte++) {
                unsigned char value = in.next[byte];
                if (value) chdf5_si_put(out, out->position + byte, value);
            }
            in.next += length;
            out->position += length;
        } else if (type == 1) {
            chdf5_si_fixed(&lengths, &distances);
            if (chdf5_si_codes(&in, out, &lengths, &distances) != 0) return -1;
        } else if (type == 2) {
            if (chdf5_si_dynamic(&in, &lengths, &distances) != 0) return -1;
            if (chdf5_si_codes(&in, out, &lengths, &distances) != 0) return -1;
        } else {
            return -1;
        }
        if (in.overrun > in.count / 8) return -1; /* the stream ran past its end */
    } while (!last);
    if (out->position != out->size) return -1;
    /* The checksum: big-endian, from the next byte boundary. */
    chdf5_si_take(&in, in.count & 7);
    size_t buffered = in.count / 8;
    if (buffered < in.overrun) return -1;
    in.next -= buffered - in.overrun;
    if (in.end - in.next < 4) return -1;
    uint32_t expected = (uint32_t)in.next[0] << 24 | (uint32_t)in.next[1] << 16 | (uint32_t)in.next[2] << 8 | in.next[3];
    return chdf5_si_adler(out) == expected ? 0 : -1;
}

/* Zeros the output's marked words and their bits, ready for the next stream. */
static inline void chdf5_si_clear(chdf5_si_output *out) {
    chdf5_si_marks marks = chdf5_si_marks_of(out);
    size_t word;
    while (chdf5_si_next_mark(&marks, &word)) ((uint64_t *)(void *)out->bytes)[word] = 0;
    memset(out->dirty, 0, marks.groups * sizeof(uint64_t));
}

#endif /* CHDF5_SPARSE_INFLATE_H */
