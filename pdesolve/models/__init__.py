"""Ready PDE problems built from the layers: each is the worked example of how to use them.

- :class:`HeatEquation` — ``u_t = ∇·(κ∇u) + f``, finite elements in space, any stepper in time
- :class:`ReactionDiffusion` — ``u_t = D Δu + R(u)`` (Fisher–KPP, Allen–Cahn) by Strang splitting
- :class:`WaveEquation` — ``u_tt = c² Δu`` with an energy-conserving Crank–Nicolson scheme
"""

from .heat import HeatEquation
from .reaction_diffusion import REACTIONS, ReactionDiffusion
from .wave import WaveEquation

__all__ = ["REACTIONS", "HeatEquation", "ReactionDiffusion", "WaveEquation"]
