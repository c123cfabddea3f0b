"""Krylov subspace recycling for sequences of related systems ``A_i x_i = b_i``.

==============  ====================================  =========================================
class           matrices                              recycled pair kept between solves
==============  ====================================  =========================================
GCRODR          any nonsingular; right ``M``          ``U, C``: ``op U = C``, ``C^H C = I``
                (``flexible=True``: variable ``M``)   (harmonic Ritz, smallest magnitude)
RecycledCG      SPD, SPD ``M``                        ``W, A W``: ``W^H A W = I``
                                                      (Ritz of ``M A``, smallest)
==============  ====================================  =========================================

Both keep the space only from converged solves, rebuild it when the matrix changes (detected
by object identity, or told by ``same_matrix=``), and test the true residual
``||b - A x|| <= max(rtol ||b||, atol)``. :func:`gcrodr` is a scipy-style ``(x, info)`` front.
"""

from .gcrodr import GCRODR, gcrodr
from .recycled_cg import RecycledCG, recycled_cg

__all__ = ["GCRODR", "RecycledCG", "gcrodr", "recycled_cg"]
