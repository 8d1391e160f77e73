#ifndef NEUROCOST_INTEGRATE_AND_FIRE_NEURON_H
#define NEUROCOST_INTEGRATE_AND_FIRE_NEURON_H

// One IF neuron stepped with its drive, the reference form every vector variant matches (and their tails): shared by
// the IF kernels (IntegrateAndFireKernels.c) and the gather kernels that step a population (GroupGatherKernels.c).
// Contraction off (as in the includers), so the product and the sum are rounded separately.
#pragma STDC FP_CONTRACT OFF
#if defined(__clang__)
#pragma clang fp contract(off)
#endif

#include "CKernels.h"

/// Neuron `index` with drive `drive`: v ← v + r·x, fire (listed at spikes[(*listed)++]), reset; 1 when the drive is
/// not zero (an active update).
static inline int if_neuron_driven(const NCIntegrateAndFireParameters *p, float *v, float drive, int64_t index,
                                   int32_t *spikes, int64_t *listed) {
    float gain = p->gain ? p->gain[index] : 1.0f;
    float potential = p->gain ? v[index] + gain * drive : v[index] + drive;
    float theta = p->threshold ? p->threshold[index] : p->sharedThreshold;
    int fires = p->strict ? potential > theta : potential >= theta;
    if (fires) {
        spikes[(*listed)++] = (int32_t)index;
        potential = p->subtract ? potential - theta : (p->resetValue ? p->resetValue[index] : p->sharedReset);
    }
    v[index] = potential;
    return drive != 0.0f;
}

#endif
