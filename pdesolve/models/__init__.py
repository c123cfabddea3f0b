"""Ready PDE problems built from the layers: each is the worked example of how to use them.

- :class:`HeatEquation` — ``u_t = ∇·(κ∇u) + f``, finite elements in space, any stepper in time
- :class:`ReactionDiffusion` — ``u_t = D Δu + R(u)`` (Fisher–KPP, Allen–Cahn) by Strang splitting
- :class:`WaveEquation` — ``u_tt = c² Δu`` with an energy-conserving Crank–Nicolson scheme
- :class:`KdV` — ``u_t + 6uu_x + u_xxx = 0``, Fourier pseudo-spectral, ETDRK4; exact solitons
- :class:`NonlinearSchrodinger` — focusing cubic NLS by Strang split-step Fourier
- :class:`AllenCahn`, :class:`CahnHilliard` — phase-field gradient flows, periodic 1–3D
- :class:`GrayScott` — the Gray–Scott reaction–diffusion patterns (Pearson 1993)
- :class:`NavierStokes2D` — 2D incompressible Navier–Stokes (vorticity), Fourier; the FNO scheme
- :class:`KuramotoSivashinsky` — 1D/2D/3D Kuramoto–Sivashinsky, Fourier, ETDRK4
- :class:`Burgers` — viscous Burgers, Fourier; exact Cole–Hopf solutions
- :class:`PeriodicHeat` — ``u_t = κΔu + f`` on a periodic box in 1–3D, Fourier
- :class:`Stokes`, :class:`NavierStokes` (steady, Newton), :class:`IPCS` (unsteady,
  incremental pressure correction), :class:`MonolithicNS` (unsteady, BDF2/Crank–Nicolson) —
  incompressible flow on Taylor–Hood spaces; :func:`lid_driven_cavity` (Ghia et al.),
  :func:`dfg_2d1`, :func:`dfg_2d2`, :func:`dfg_unsteady` (DFG cylinder)
- :func:`darcy_skr`, :func:`helmholtz_skr`, :func:`darcy_symmetric`, :class:`HeatCNSequence` —
  the five-point Darcy / Helmholtz systems of the Krylov-recycling and Learning-to-Relax papers
"""

from .burgers import Burgers, cole_hopf_sine
from .cavity import lid_driven_cavity
from .darcy_fd import HeatCNSequence, darcy_skr, darcy_symmetric, helmholtz_skr
from .dfg import dfg_2d1, dfg_2d2, dfg_unsteady
from .gray_scott import PATTERNS, GrayScott
from .heat import HeatEquation
from .ipcs import IPCS, FlowBlowUpError
from .kdv import KdV, kdv_soliton, kdv_two_soliton
from .kuramoto_sivashinsky import KuramotoSivashinsky
from .monolithic_ns import MonolithicNS
from .navier_stokes import NavierStokes
from .navier_stokes2d import NavierStokes2D
from .nls import NonlinearSchrodinger, nls_soliton
from .phase_field import AllenCahn, CahnHilliard
from .reaction_diffusion import REACTIONS, ReactionDiffusion
from .spectral_heat import PeriodicHeat
from .stokes import Stokes, VelocityBC
from .wave import WaveEquation

__all__ = [
    "PATTERNS",
    "REACTIONS",
    "AllenCahn",
    "FlowBlowUpError",
    "IPCS",
    "MonolithicNS",
    "NavierStokes",
    "Stokes",
    "VelocityBC",
    "dfg_2d1",
    "dfg_2d2",
    "dfg_unsteady",
    "lid_driven_cavity",
    "Burgers",
    "CahnHilliard",
    "GrayScott",
    "HeatCNSequence",
    "HeatEquation",
    "KdV",
    "KuramotoSivashinsky",
    "NavierStokes2D",
    "NonlinearSchrodinger",
    "PeriodicHeat",
    "ReactionDiffusion",
    "WaveEquation",
    "cole_hopf_sine",
    "darcy_skr",
    "darcy_symmetric",
    "helmholtz_skr",
    "kdv_soliton",
    "kdv_two_soliton",
    "nls_soliton",
]
