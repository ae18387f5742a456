/* SPDX-License-Identifier: MIT */
/* libpt: page tables with range-locked cursors over pluggable MMU formats. */
#ifndef PT_PT_H
#define PT_PT_H

#include <pt/types.h>
#include <pt/version.h>
#include <pt/error.h>
#include <pt/prop.h>
#include <pt/format.h>
#include <pt/physmem.h>
#include <pt/reclaim.h>
#include <pt/tlb.h>
#include <pt/env.h>
#include <pt/table.h>
#include <pt/adopt.h>
#include <pt/cursor.h>
#include <pt/debug.h>
#include <pt/hooks.h>
#include <pt/vmspace.h>
#include <pt/activate.h>
#include <pt/flush.h>
#include <pt/vm.h>
#include <pt/bbm.h>

#endif
