/* SPDX-License-Identifier: MIT */
/* The hosted reclamation interface, on liburcu's memory-barrier flavour. */
#ifndef PT_SIM_RECLAIM_URCU_H
#define PT_SIM_RECLAIM_URCU_H

#include <pt/reclaim.h>

/* The process-wide liburcu reclamation; threads register themselves on first use. */
struct pt_reclaim pt_sim_reclaim_urcu(void);

#endif
