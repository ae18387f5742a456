/* SPDX-License-Identifier: MIT */
/* ptsim's `dump --dot`: the node trees of tables as one Graphviz graph. */
#ifndef PT_SIM_PTSIM_DOT_H
#define PT_SIM_PTSIM_DOT_H

#include "ptsim.h"

/*
 * Print the trees of @tables (@n of them) as one digraph: a box per node with
 * its level, frame and occupancy, an ellipse per group of huge leaves, the
 * kernel half's subtrees drawn once and pointed at by every table sharing them.
 */
void ptsim_dot(struct sim *s, struct pt_sim_table **tables, int n);

#endif
