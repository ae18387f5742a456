#include "bm.h"
void run_diff(struct pt_table *kt) { (void)kt; }
