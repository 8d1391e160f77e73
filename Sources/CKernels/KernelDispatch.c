// Chooses the kernels' instruction set once per process (or when tests force one) from what the CPU reports:
// CPUID for the instructions and XGETBV for whether the OS saves the wide registers.
#include "CKernels.h"
#include "KernelDispatch.h"

#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#if defined(__x86_64__)
#include <cpuid.h>

static uint64_t read_xcr0(void) {
    uint32_t eax, edx;
    __asm__ volatile("xgetbv" : "=a"(eax), "=d"(edx) : "c"(0));
    return ((uint64_t)edx << 32) | eax;
}

static int x86_supports(NCInstructionSet isa) {
    unsigned eax, ebx, ecx, edx;
    if (!__get_cpuid(1, &eax, &ebx, &ecx, &edx)) return 0;
    int osxsave = (ecx >> 27) & 1, avx = (ecx >> 28) & 1;
    if (!osxsave || !avx) return 0;
    uint64_t xcr0 = read_xcr0();
    if ((xcr0 & 0x6) != 0x6) return 0;  // XMM and YMM state
    if (!__get_cpuid_count(7, 0, &eax, &ebx, &ecx, &edx)) return 0;
    int avx2 = (ebx >> 5) & 1, avx512f = (ebx >> 16) & 1;
    if (isa == NCInstructionSetAVX2) return avx2;
    if (isa == NCInstructionSetAVX512) return avx512f && (xcr0 & 0xe6) == 0xe6;  // + opmask and ZMM state
    return 0;
}
#endif

int nc_isa_supported(NCInstructionSet isa) {
    switch (isa) {
    case NCInstructionSetGeneric: return 1;
#if defined(__x86_64__)
    case NCInstructionSetAVX2:
    case NCInstructionSetAVX512: return x86_supports(isa);
#elif defined(__aarch64__)
    case NCInstructionSetNEON: return 1;  // part of every AArch64 CPU
#endif
    default: return 0;
    }
}

NCPositionPlaneKernel nc_position_plane_kernel(NCInstructionSet isa) {
    if (!nc_isa_supported(isa)) return NULL;
    switch (isa) {
#if defined(__x86_64__)
    case NCInstructionSetAVX2: return nc_position_plane_tile64_avx2;
    case NCInstructionSetAVX512: return nc_position_plane_tile64_avx512;
#elif defined(__aarch64__)
    case NCInstructionSetNEON: return nc_position_plane_tile64_neon;
#endif
    default: return nc_position_plane_tile64_generic;
    }
}

NCTransposeKernel nc_transpose_kernel(NCInstructionSet isa) {
    if (!nc_isa_supported(isa)) return NULL;
#if defined(__x86_64__)
    if (isa == NCInstructionSetAVX512) return nc_transpose_avx512;
#endif
    return nc_transpose_generic;  // AVX2's gathers are slow on several CPUs; NEON has none
}

NCScaledRowKernel nc_scaled_row_kernel(NCInstructionSet isa) {
    if (!nc_isa_supported(isa)) return NULL;
    switch (isa) {
#if defined(__x86_64__)
    case NCInstructionSetAVX2: return nc_scaled_row_add_avx2;
    case NCInstructionSetAVX512: return nc_scaled_row_add_avx512;
#elif defined(__aarch64__)
    case NCInstructionSetNEON: return nc_scaled_row_add_neon;
#endif
    default: return nc_scaled_row_add_generic;
    }
}

NCIntegrateAndFireKernel nc_integrate_and_fire_kernel(NCInstructionSet isa) {
    if (!nc_isa_supported(isa)) return NULL;
    switch (isa) {
#if defined(__x86_64__)
    case NCInstructionSetAVX2: return nc_integrate_and_fire_avx2;
    case NCInstructionSetAVX512: return nc_integrate_and_fire_avx512;
#elif defined(__aarch64__)
    case NCInstructionSetNEON: return nc_integrate_and_fire_neon;
#endif
    default: return nc_integrate_and_fire_generic;
    }
}

NCGroupScatterKernel nc_group_scatter_kernel(NCInstructionSet isa) {
    if (!nc_isa_supported(isa)) return NULL;
    switch (isa) {
#if defined(__x86_64__)
    case NCInstructionSetAVX2: return nc_group_scatter_avx2;  // 8 lanes: one 256-bit register
    case NCInstructionSetAVX512:  // opmasks on 256-bit registers need AVX-512VL besides the foundation
        return __builtin_cpu_supports("avx512vl") ? nc_group_scatter_avx512 : nc_group_scatter_avx2;
#endif
    default: return nc_group_scatter_generic;
    }
}

NCGroupDrainKernel nc_group_drain_kernel(NCInstructionSet isa) {
    if (!nc_isa_supported(isa)) return NULL;
    switch (isa) {
#if defined(__x86_64__)
    case NCInstructionSetAVX2:
    case NCInstructionSetAVX512: return nc_group_drain_avx2;
#endif
    default: return nc_group_drain_generic;
    }
}

NCGroupDrainFireKernel nc_group_drain_fire_kernel(NCInstructionSet isa) {
    if (!nc_isa_supported(isa)) return NULL;
    switch (isa) {
#if defined(__x86_64__)
    case NCInstructionSetAVX2: return nc_group_drain_fire_avx2;
    case NCInstructionSetAVX512: return nc_group_drain_fire_avx512;
#endif
    default: return nc_group_drain_fire_generic;
    }
}

#if defined(__x86_64__)
/// Whether the AVX-512 gathers can run here: besides the foundation, they test activity bytes in 128-bit registers
/// (AVX-512BW with VL; every AVX-512 core but Xeon Phi has both). Else the AVX2 gathers, which agree bit for bit.
static int nc_avx512_byte_tests(void) {
    return __builtin_cpu_supports("avx512bw") && __builtin_cpu_supports("avx512vl");
}
#endif

NCGroupGatherKernel nc_group_gather_kernel(NCInstructionSet isa) {
    if (!nc_isa_supported(isa)) return NULL;
    switch (isa) {
#if defined(__x86_64__)
    case NCInstructionSetAVX2: return nc_group_gather_avx2;
    case NCInstructionSetAVX512: return nc_avx512_byte_tests() ? nc_group_gather_avx512 : nc_group_gather_avx2;
#endif
    default: return nc_group_gather_generic;
    }
}

/// -1 until first asked.
static _Atomic int current_isa = -1;

static NCInstructionSet widest_supported(void) {
    if (nc_isa_supported(NCInstructionSetAVX512)) return NCInstructionSetAVX512;
    if (nc_isa_supported(NCInstructionSetAVX2)) return NCInstructionSetAVX2;
    if (nc_isa_supported(NCInstructionSetNEON)) return NCInstructionSetNEON;
    return NCInstructionSetGeneric;
}

static NCInstructionSet initial_choice(void) {
    const char *requested = getenv("NEUROCOST_ISA");
    if (requested != NULL) {
        static const struct { const char *name; NCInstructionSet isa; } names[] = {
            {"generic", NCInstructionSetGeneric}, {"avx2", NCInstructionSetAVX2},
            {"avx512", NCInstructionSetAVX512}, {"neon", NCInstructionSetNEON},
        };
        for (size_t index = 0; index < sizeof names / sizeof names[0]; index++) {
            if (strcmp(requested, names[index].name) == 0 && nc_isa_supported(names[index].isa)) return names[index].isa;
        }
    }
    return widest_supported();
}

NCInstructionSet nc_isa_current(void) {
    int isa = atomic_load(&current_isa);
    if (isa < 0) {
        isa = (int)initial_choice();  // threads racing here make the same choice
        atomic_store(&current_isa, isa);
    }
    return (NCInstructionSet)isa;
}

NCPackedPositionPlaneKernel nc_packed_position_plane_kernel(NCInstructionSet isa) {
    if (!nc_isa_supported(isa)) return NULL;
    switch (isa) {
#if defined(__x86_64__)
    case NCInstructionSetAVX2: return nc_position_plane_packed_tile64_avx2;
    case NCInstructionSetAVX512: return nc_position_plane_packed_tile64_avx512;
#endif
    case NCInstructionSetGeneric: return nc_position_plane_packed_tile64_generic;
    default: return NULL;  // NEON: not measured; the float rows and their kernel serve
    }
}

NCChannelsLastIntegrateAndFireKernel nc_integrate_and_fire_channels_last_kernel(NCInstructionSet isa) {
    if (!nc_isa_supported(isa)) return NULL;
    switch (isa) {
#if defined(__x86_64__)
    case NCInstructionSetAVX2: return nc_integrate_and_fire_channels_last_avx2;
    case NCInstructionSetAVX512: return nc_integrate_and_fire_channels_last_avx512;
#endif
    default: return nc_integrate_and_fire_channels_last_generic;  // NEON: not measured; the reference form serves
    }
}

NCGroupDrainFireKernel nc_group_drain_fire_whole_kernel(NCInstructionSet isa) {
    if (!nc_isa_supported(isa)) return NULL;
#if defined(__x86_64__)
    if (isa == NCInstructionSetAVX512) return nc_group_drain_fire_whole_avx512;
#endif
    return nc_group_drain_fire_kernel(isa);
}

NCGroupGatherValuesKernel nc_group_gather_values_kernel(NCInstructionSet isa) {
    if (!nc_isa_supported(isa)) return NULL;
    switch (isa) {
#if defined(__x86_64__)
    case NCInstructionSetAVX2: return nc_group_gather_values_avx2;
    case NCInstructionSetAVX512: return nc_avx512_byte_tests() ? nc_group_gather_values_avx512 : nc_group_gather_values_avx2;
#endif
    default: return nc_group_gather_values_generic;
    }
}

NCGroupGatherFireKernel nc_group_gather_fire_kernel(NCInstructionSet isa) {
    if (!nc_isa_supported(isa)) return NULL;
    switch (isa) {
#if defined(__x86_64__)
    case NCInstructionSetAVX2: return nc_group_gather_fire_avx2;
    case NCInstructionSetAVX512: return nc_avx512_byte_tests() ? nc_group_gather_fire_avx512 : nc_group_gather_fire_avx2;
#endif
    default: return nc_group_gather_fire_generic;
    }
}

NCGroupGatherValuesFireKernel nc_group_gather_values_fire_kernel(NCInstructionSet isa) {
    if (!nc_isa_supported(isa)) return NULL;
    switch (isa) {
#if defined(__x86_64__)
    case NCInstructionSetAVX2: return nc_group_gather_values_fire_avx2;
    case NCInstructionSetAVX512: return nc_avx512_byte_tests() ? nc_group_gather_values_fire_avx512 : nc_group_gather_values_fire_avx2;
#endif
    default: return nc_group_gather_values_fire_generic;
    }
}

NCIntegrateAndFireStepsKernel nc_integrate_and_fire_steps_kernel(NCInstructionSet isa) {
    if (!nc_isa_supported(isa)) return NULL;
    switch (isa) {
#if defined(__x86_64__)
    case NCInstructionSetAVX2: return nc_integrate_and_fire_steps_avx2;
    case NCInstructionSetAVX512: return nc_integrate_and_fire_steps_avx512;
#endif
    default: return nc_integrate_and_fire_steps_generic;  // NEON: not measured; the reference form serves
    }
}
