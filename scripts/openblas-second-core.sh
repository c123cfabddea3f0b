#!/bin/sh
# Print a second OpenBLAS core type that this CPU supports, different from the one OpenBLAS
# picks by itself, so CI can rerun the solver tests under another BLAS kernel (assertions that
# hold under only one kernel then fail in CI instead of on a user's machine).
#   avx512f present -> OpenBLAS picks SkylakeX; the second is Haswell (AVX2)
#   avx2 present    -> OpenBLAS picks Haswell;  the second is Sandybridge (AVX)
#   avx only        -> OpenBLAS picks Sandybridge; the second is Nehalem (SSE4.2)
#   otherwise       -> nothing printed (no safe second choice: a core type the CPU lacks
#                      crashes with an illegal instruction)
# Usage: scripts/openblas-second-core.sh [cpuinfo-file]   (default /proc/cpuinfo)
set -eu
info=${1:-/proc/cpuinfo}
flags=$(grep -m1 '^flags' "$info" 2>/dev/null || true)
has() { case " $flags " in *" $1 "*) return 0 ;; *) return 1 ;; esac; }
if has avx512f && has avx2; then
    echo Haswell
elif has avx2; then
    echo Sandybridge
elif has avx; then
    echo Nehalem
fi
