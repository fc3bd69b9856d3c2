//! Benchmark measurements: one check of a model under one consistency level and strategy,
//! with its speed and memory. Memory is the growth of the process's peak resident set
//! (`VmHWM` in `/proc/self/status`) during the check, divided by the unique states: it counts
//! everything the search keeps (stateright's fingerprint table and queue, the states and the
//! history they share), so it is the cost of one more state, not the size of one. It is only
//! meaningful in a fresh process (the peak never falls), which is why `orchard bench` runs
//! each case in a child process.
