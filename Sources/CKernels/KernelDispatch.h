#ifndef NEUROCOST_KERNEL_DISPATCH_H
#define NEUROCOST_KERNEL_DISPATCH_H

#include <stdint.h>

// The per-instruction-set variants; only KernelDispatch.c chooses between them.

// PositionPlaneKernels.c
void nc_position_plane_tile64_generic(const NCPositionPlaneArguments *);
#if defined(__x86_64__)
void nc_position_plane_tile64_avx2(const NCPositionPlaneArguments *);
void nc_position_plane_tile64_avx512(const NCPositionPlaneArguments *);
#elif defined(__aarch64__)
void nc_position_plane_tile64_neon(const NCPositionPlaneArguments *);
#endif
void nc_position_plane_packed_tile64_generic(const NCPositionPlaneArguments *, const uint32_t *);
#if defined(__x86_64__)
void nc_position_plane_packed_tile64_avx2(const NCPositionPlaneArguments *, const uint32_t *);
void nc_position_plane_packed_tile64_avx512(const NCPositionPlaneArguments *, const uint32_t *);
#endif

// TransposeKernels.c
void nc_transpose_generic(const float *, int64_t, int64_t, float *);
#if defined(__x86_64__)
void nc_transpose_avx512(const float *, int64_t, int64_t, float *);
#endif

// IntegrateAndFireKernels.c
int64_t nc_integrate_and_fire_generic(const NCIntegrateAndFireParameters *, float *, const float *, int64_t, int32_t *,
                                      int64_t *);
#if defined(__x86_64__)
int64_t nc_integrate_and_fire_avx2(const NCIntegrateAndFireParameters *, float *, const float *, int64_t, int32_t *,
                                   int64_t *);
int64_t nc_integrate_and_fire_avx512(const NCIntegrateAndFireParameters *, float *, const float *, int64_t, int32_t *,
                                     int64_t *);
#elif defined(__aarch64__)
int64_t nc_integrate_and_fire_neon(const NCIntegrateAndFireParameters *, float *, const float *, int64_t, int32_t *,
                                   int64_t *);
#endif


// GroupScatterKernels.c
void nc_group_scatter_generic(float *, const NCGroupSource *, const float *, int64_t, const int32_t *, const float *);
#if defined(__x86_64__)
void nc_group_scatter_avx2(float *, const NCGroupSource *, const float *, int64_t, const int32_t *, const float *);
void nc_group_scatter_avx512(float *, const NCGroupSource *, const float *, int64_t, const int32_t *, const float *);
#endif
void nc_group_drain_generic(float *, float *, int64_t, int64_t, int64_t, const float *);
#if defined(__x86_64__)
void nc_group_drain_avx2(float *, float *, int64_t, int64_t, int64_t, const float *);
#endif

// ScaledRowKernels.c
void nc_scaled_row_add_generic(float *, const float *, float, int64_t);
#if defined(__x86_64__)
void nc_scaled_row_add_avx2(float *, const float *, float, int64_t);
void nc_scaled_row_add_avx512(float *, const float *, float, int64_t);
#elif defined(__aarch64__)
void nc_scaled_row_add_neon(float *, const float *, float, int64_t);
#endif

// IntegrateAndFireKernels.c: the IF step fused into the group drain
void nc_group_drain_fire_generic(float *, int64_t, int64_t, const float *, const NCIntegrateAndFireParameters *, float *,
                                 int32_t *const *, int64_t *, int64_t *);
#if defined(__x86_64__)
void nc_group_drain_fire_avx2(float *, int64_t, int64_t, const float *, const NCIntegrateAndFireParameters *, float *,
                              int32_t *const *, int64_t *, int64_t *);
void nc_group_drain_fire_avx512(float *, int64_t, int64_t, const float *, const NCIntegrateAndFireParameters *, float *,
                                int32_t *const *, int64_t *, int64_t *);
#endif

// GroupGatherKernels.c
void nc_group_gather_generic(float *, const uint8_t *, const int32_t *, const float *, int64_t, const float *, int64_t,
                             int64_t, int64_t);
#if defined(__x86_64__)
void nc_group_gather_avx2(float *, const uint8_t *, const int32_t *, const float *, int64_t, const float *, int64_t,
                          int64_t, int64_t);
void nc_group_gather_avx512(float *, const uint8_t *, const int32_t *, const float *, int64_t, const float *, int64_t,
                            int64_t, int64_t);
#endif

// IntegrateAndFireKernels.c, channels-last input
int64_t nc_integrate_and_fire_channels_last_generic(const NCIntegrateAndFireParameters *, float *, const float *, int64_t,
                                                    int64_t, int32_t *, int64_t *, uint16_t *);
#if defined(__x86_64__)
int64_t nc_integrate_and_fire_channels_last_avx2(const NCIntegrateAndFireParameters *, float *, const float *, int64_t,
                                                 int64_t, int32_t *, int64_t *, uint16_t *);
int64_t nc_integrate_and_fire_channels_last_avx512(const NCIntegrateAndFireParameters *, float *, const float *, int64_t,
                                                   int64_t, int32_t *, int64_t *, uint16_t *);
#endif

// IntegrateAndFireKernels.c, the IF group drain for whole groups
#if defined(__x86_64__)
void nc_group_drain_fire_whole_avx512(float *, int64_t, int64_t, const float *, const NCIntegrateAndFireParameters *, float *,
                                      int32_t *const *, int64_t *, int64_t *);
#endif

#endif

// GroupGatherKernels.c: the gather over per-step input values
void nc_group_gather_values_generic(float *, const float *, int64_t, const uint8_t *, int64_t, int64_t, const int32_t *,
                                    const float *, const int32_t *, int64_t, const float *, int64_t, int64_t, int64_t);
#if defined(__x86_64__)
void nc_group_gather_values_avx2(float *, const float *, int64_t, const uint8_t *, int64_t, int64_t, const int32_t *,
                                 const float *, const int32_t *, int64_t, const float *, int64_t, int64_t, int64_t);
void nc_group_gather_values_avx512(float *, const float *, int64_t, const uint8_t *, int64_t, int64_t, const int32_t *,
                                   const float *, const int32_t *, int64_t, const float *, int64_t, int64_t, int64_t);
#endif

// GroupGatherKernels.c: the gathers that step an IF population
void nc_group_gather_fire_generic(const NCGatherFiring *, const uint8_t *, const int32_t *, const float *, int64_t,
                                  const float *, int64_t, int64_t, int64_t);
void nc_group_gather_values_fire_generic(const NCGatherFiring *, const float *, int64_t, const uint8_t *, int64_t, int64_t,
                                         const int32_t *, const float *, const int32_t *, int64_t, const float *, int64_t,
                                         int64_t, int64_t);
#if defined(__x86_64__)
void nc_group_gather_fire_avx2(const NCGatherFiring *, const uint8_t *, const int32_t *, const float *, int64_t,
                               const float *, int64_t, int64_t, int64_t);
void nc_group_gather_fire_avx512(const NCGatherFiring *, const uint8_t *, const int32_t *, const float *, int64_t,
                                 const float *, int64_t, int64_t, int64_t);
void nc_group_gather_values_fire_avx2(const NCGatherFiring *, const float *, int64_t, const uint8_t *, int64_t, int64_t,
                                      const int32_t *, const float *, const int32_t *, int64_t, const float *, int64_t,
                                      int64_t, int64_t);
void nc_group_gather_values_fire_avx512(const NCGatherFiring *, const float *, int64_t, const uint8_t *, int64_t, int64_t,
                                        const int32_t *, const float *, const int32_t *, int64_t, const float *, int64_t,
                                        int64_t, int64_t);
#endif

// IntegrateAndFireKernels.c: the IF step over a group of steps
void nc_integrate_and_fire_steps_generic(const NCIntegrateAndFireParameters *, float *, const float *const *, int64_t,
                                         int64_t, int32_t *const *, int64_t *, int64_t *);
#if defined(__x86_64__)
void nc_integrate_and_fire_steps_avx2(const NCIntegrateAndFireParameters *, float *, const float *const *, int64_t,
                                      int64_t, int32_t *const *, int64_t *, int64_t *);
void nc_integrate_and_fire_steps_avx512(const NCIntegrateAndFireParameters *, float *, const float *const *, int64_t,
                                        int64_t, int32_t *const *, int64_t *, int64_t *);
#endif
