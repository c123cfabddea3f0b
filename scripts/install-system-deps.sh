#!/bin/sh
# System packages the PETSc extra needs on Debian: BLAS/LAPACK and one MPI (OpenMPI) used by
# PETSc, mpi4py and mpiexec alike. Run as root (or with sudo) once.
set -eu
missing=""
for pkg in libopenblas-dev libopenmpi-dev openmpi-bin; do
    dpkg -s "$pkg" >/dev/null 2>&1 || missing="$missing $pkg"
done
if [ -n "$missing" ]; then
    SUDO=""
    [ "$(id -u)" -eq 0 ] || SUDO=sudo
    $SUDO apt-get update -q
    $SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -q $missing
fi
