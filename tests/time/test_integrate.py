"""The integration loop: exact landing on output times, snapshots, memory bound, callbacks,
blow-up detection and the adaptive path."""

import math
import sys

import numpy as np
import pytest

from pdesolve.errors import PdesolveError
from pdesolve.time.integrate import BlowUpError, IntegrationError, Trajectory, integrate


class Decay:
    """The exact flow of u' = -u: any sequence of step lengths gives exp(-t) u0 to round-off,
    so the state reveals whether steps landed where they should."""

    name, order = "exact-decay", 99

    def __init__(self):
        self.dts = []

    def step(self, t, u, dt):
        self.dts.append(dt)
        return np.exp(-dt) * u


def test_fixed_step_lands_on_t_end():
    st = Decay()
    traj = integrate(st, np.ones(2), (0.0, 1.0), dt=0.3)
    assert isinstance(traj, Trajectory)
    assert traj.steps == 4 and traj.t[-1] == 1.0
    assert st.dts[:3] == pytest.approx([0.3] * 3) and st.dts[-1] == pytest.approx(0.1)
    np.testing.assert_allclose(traj.final, np.exp(-1.0), rtol=1e-14)
    assert len(traj) == 5 and traj.u.shape == (5, 2)  # default: every step
    traj = integrate(Decay(), 1.0, (0.0, 1.0), dt=0.1)
    assert traj.steps == 10 and traj.t[-1] == 1.0  # no sliver step from round-off
    assert traj.stats["dt_min"] == pytest.approx(0.1)


def test_t_eval_hit_exactly():
    t_eval = [0.05, 0.33, 0.7, 0.999, 1.0]
    st = Decay()
    traj = integrate(st, np.ones(3), (0.0, 1.0), dt=0.1, t_eval=t_eval)
    assert traj.t.tolist() == t_eval  # bitwise: steps were shortened to land on them
    np.testing.assert_allclose(traj.u[:, 0], np.exp(-np.array(t_eval)), rtol=1e-14)
    assert max(st.dts) <= 0.1 + 1e-15
    traj0 = integrate(Decay(), np.ones(3), (0.0, 1.0), dt=0.1, t_eval=[0.0, 0.5])
    assert traj0.t.tolist() == [0.0, 0.5] and traj0.steps == 10  # runs on to t_end
    np.testing.assert_array_equal(traj0.u[0], 1.0)


def test_save_every_counts():
    traj = integrate(Decay(), np.ones(4), (0.0, 1.0), dt=0.01, save_every=10)
    assert traj.steps == 100 and len(traj) == 11
    np.testing.assert_allclose(traj.t, np.linspace(0, 1, 11), atol=1e-14)
    traj = integrate(Decay(), np.ones(4), (0.0, 1.05), dt=0.01, save_every=10)
    assert traj.steps == 105 and len(traj) == 12 and traj.t[-1] == 1.05  # final state kept


def test_max_snapshots_bound():
    traj = integrate(Decay(), np.ones(8), (0.0, 10.0), dt=0.01, max_snapshots=16)
    assert traj.steps == 1000 and len(traj) <= 16
    assert traj.t[0] == 0.0 and traj.t[-1] == 10.0
    stride = traj.stats["save_stride"]
    assert stride & (stride - 1) == 0 and traj.stats["thinned"] > 0  # a power of two
    gaps = np.diff(traj.t[:-1])
    np.testing.assert_allclose(gaps, stride * 0.01, rtol=1e-9)  # evenly spaced
    np.testing.assert_allclose(traj.u[:, 0], np.exp(-traj.t), rtol=1e-12)
    for m in (2, 3, 5):
        tr = integrate(Decay(), 1.0, (0.0, 1.0), dt=0.01, save_every=3, max_snapshots=m)
        assert 2 <= len(tr) <= m and tr.t[-1] == 1.0 and np.all(np.diff(tr.t) > 0)
    with pytest.raises(IntegrationError, match="max_snapshots"):
        integrate(Decay(), 1.0, (0, 1), 0.1, t_eval=[0.1, 0.2, 0.3], max_snapshots=2)


def test_callback_stops():
    seen = []

    def cb(t, u):
        seen.append(t)
        return t >= 0.5 - 1e-12

    traj = integrate(Decay(), np.ones(2), (0.0, 1.0), dt=0.1, save_every=100, callback=cb)
    assert traj.stats["stopped"] and traj.stats["status"] == "callback"
    assert traj.steps == 5 and traj.t[-1] == pytest.approx(0.5) and len(seen) == 5
    assert traj.t.tolist()[0] == 0.0 and len(traj) == 2
    none_cb = integrate(Decay(), 1.0, (0.0, 1.0), dt=0.25, callback=lambda t, u: None)
    assert not none_cb.stats["stopped"] and none_cb.steps == 4


def test_blow_up_raises_with_time_and_step():
    class Unstable:
        name, order = "unstable", 1

        def step(self, t, u, dt):
            with np.errstate(over="ignore"):
                return u * 1e30

    with pytest.raises(BlowUpError) as info:
        integrate(Unstable(), np.ones(3), (0.0, 1.0), dt=0.01)
    err = info.value
    assert isinstance(err, PdesolveError)
    assert err.step == 11 and err.t == pytest.approx(0.11) and not math.isfinite(err.max_abs)
    assert "t = 0.11" in str(err) and "step 11" in str(err)

    class NaNs:
        name, order = "nans", 1

        def step(self, t, u, dt):
            return u * np.nan if t > 0.5 else u

    with pytest.raises(BlowUpError, match="no longer finite"):
        integrate(NaNs(), np.ones(2), (0.0, 1.0), dt=0.1)
    with pytest.raises(BlowUpError, match="bound") as info:
        integrate(lambda t, u, dt: 2 * u, np.ones(2), (0.0, 1.0), dt=0.1, bound=100.0)
    assert info.value.step == 7


class EulerHeun:
    """Explicit Euler / Heun embedded pair on u' = -u + sin(t) with the (u_new, err)
    convention: one attempt per call, the loop controls the step."""

    name, order, error_order = "heun-euler", 2, 1

    def __init__(self):
        self.calls = 0

    def f(self, t, u):
        return -u + np.sin(t)

    def step(self, t, u, dt):
        k1 = self.f(t, u)
        k2 = self.f(t + dt, u + dt * k1)
        return u + dt / 2 * (k1 + k2)

    def step_adaptive(self, t, u, dt, *, rtol, atol):
        self.calls += 1
        k1 = self.f(t, u)
        k2 = self.f(t + dt, u + dt * k1)
        high = u + dt / 2 * (k1 + k2)
        low = u + dt * k1
        scale = atol + rtol * np.maximum(np.abs(u), np.abs(high))
        return high, float(np.sqrt(np.mean(((high - low) / scale) ** 2)))


def exact_forced(t, u0=1.0):
    # u' = -u + sin t: u = (u0 + 1/2) e^{-t} + (sin t - cos t)/2
    return (u0 + 0.5) * np.exp(-t) + (np.sin(t) - np.cos(t)) / 2


def test_adaptive_loop_controlled():
    st = EulerHeun()
    t_eval = np.array([0.1, 0.5, 2.0, 5.0])
    traj = integrate(st, np.ones(1), (0.0, 5.0), dt=1.0, t_eval=t_eval, adaptive=True,
                     rtol=1e-6, atol=1e-9)
    assert traj.t.tolist() == t_eval.tolist()
    np.testing.assert_allclose(traj.u[:, 0], exact_forced(t_eval), atol=1e-4)
    assert traj.stats["rejected"] >= 1  # dt = 1 is far too large to start with
    assert traj.stats["dt_max"] > 5 * traj.stats["dt_min"]
    assert st.calls == traj.steps + traj.stats["rejected"]
    coarse = integrate(EulerHeun(), np.ones(1), (0.0, 5.0), dt=0.1, adaptive=True, rtol=1e-3)
    assert coarse.steps < traj.steps


def test_adaptive_stepper_controlled():
    class SelfControlled:
        """(u_new, dt_used, dt_next, accepted) convention (as dopri5): rejects any step above
        0.2 and proposes half of it."""

        name, order = "self", 1

        def step_adaptive(self, t, u, dt, *, rtol, atol):
            if dt > 0.2:
                return u, 0.0, dt / 2, False
            return np.exp(-dt) * u, dt, 0.3, True

        def step(self, t, u, dt):
            return np.exp(-dt) * u

    traj = integrate(SelfControlled(), 1.0, (0.0, 1.0), dt=1.0, adaptive=True, t_eval=[0.3, 1.0])
    assert traj.t.tolist() == [0.3, 1.0]
    assert traj.stats["dt_max"] <= 0.2 + 1e-15 and traj.stats["rejected"] >= 2
    np.testing.assert_allclose(traj.u, np.exp(-traj.t), rtol=1e-14)

    class Broken(SelfControlled):
        def step_adaptive(self, t, u, dt, *, rtol, atol):
            return u, dt, dt

    with pytest.raises(IntegrationError, match="must return"):
        integrate(Broken(), 1.0, (0.0, 1.0), dt=0.1, adaptive=True)


def test_adaptive_dopri5_from_registry():
    registry = pytest.importorskip("pdesolve.time.registry")
    try:
        st = registry.stepper("dopri5", f=lambda t, u: -u + np.sin(t))
    except (KeyError, PdesolveError) as exc:  # pragma: no cover - depends on the registry
        pytest.skip(f"no dopri5: {exc}")
    traj = integrate(st, np.ones(1), (0.0, 5.0), dt=0.1, t_eval=[1.0, 5.0], adaptive=True,
                     rtol=1e-8, atol=1e-10)
    assert traj.t.tolist() == [1.0, 5.0]
    np.testing.assert_allclose(traj.u[:, 0], exact_forced(np.array([1.0, 5.0])), atol=1e-6)


def test_splitting_stepper_through_integrate():
    from pdesolve.time.splitting import exponential_flow, strang

    lam, mu = -np.linspace(0, 1, 5), np.linspace(0, 2, 5)
    step = strang(exponential_flow(lam), exponential_flow(mu))
    traj = integrate(step, np.ones(5), (0.0, 1.0), dt=0.05, t_eval=[0.5, 1.0])
    np.testing.assert_allclose(traj.u, np.exp(np.outer([0.5, 1.0], lam + mu)), rtol=1e-13)


def test_shapes_and_progress(monkeypatch):
    u0 = np.ones((3, 4))
    traj = integrate(Decay(), u0, (0.0, 0.2), dt=0.1, progress=True)
    assert traj.u.shape == (3, 3, 4)
    monkeypatch.setitem(sys.modules, "tqdm", None)  # tqdm missing: silent, still runs
    traj = integrate(Decay(), u0, (0.0, 0.2), dt=0.1, progress=True)
    assert traj.steps == 2
    np.testing.assert_array_equal(u0, 1.0)  # input untouched


def test_bad_arguments():
    st = Decay()
    with pytest.raises(IntegrationError, match="t_end > t0"):
        integrate(st, 1.0, (1.0, 0.0), 0.1)
    with pytest.raises(IntegrationError, match="dt"):
        integrate(st, 1.0, (0.0, 1.0), 0.0)
    with pytest.raises(IntegrationError, match="not both"):
        integrate(st, 1.0, (0.0, 1.0), 0.1, t_eval=[0.5], save_every=2)
    with pytest.raises(IntegrationError, match="increasing"):
        integrate(st, 1.0, (0.0, 1.0), 0.1, t_eval=[0.5, 0.2])
    with pytest.raises(IntegrationError, match="t_span"):
        integrate(st, 1.0, (0.0, 1.0), 0.1, t_eval=[0.5, 1.5])
    with pytest.raises(IntegrationError, match="step_adaptive"):
        integrate(st, 1.0, (0.0, 1.0), 0.1, adaptive=True)
    with pytest.raises(IntegrationError, match="NaN"):
        integrate(st, np.array([np.nan]), (0.0, 1.0), 0.1)
    with pytest.raises(IntegrationError, match="max_steps"):
        integrate(st, 1.0, (0.0, 1.0), 0.001, max_steps=10)
    with pytest.raises(IntegrationError, match="step"):
        integrate(object(), 1.0, (0.0, 1.0), 0.1)


# --- registered steppers through the loop (review findings) ---------------------------------


def test_blow_up_inside_a_registered_stepper_is_a_blow_up_error():
    """u' = u² from u(0) = 1 blows up at t = 1: rk4 and etdrk4 detect the NaN/Inf in their own
    step; the loop reports it as the documented BlowUpError, with the time and the step."""
    import pdesolve as ps

    rk4 = ps.time.stepper("rk4", f=lambda t, u: u * u)
    etd = ps.time.stepper("etdrk4", linear=np.full(3, -1.0), nonlinear=lambda t, u: u**3)
    with np.errstate(over="ignore", invalid="ignore"):
        with pytest.raises(BlowUpError, match="no longer finite") as info:
            integrate(rk4, np.ones(3), (0.0, 2.0), 0.01)
        assert 0.9 < info.value.t < 1.2 and info.value.step == round(info.value.t / 0.01)
        with pytest.raises(BlowUpError):
            integrate(etd, np.full(3, 2.0), (0.0, 2.0), 0.01)


def test_a_step_that_changes_the_shape_is_refused():
    with pytest.raises(IntegrationError, match=r"returned shape \(4,\)"):
        integrate(lambda t, u, dt: u[:-1], np.ones(5), (0.0, 1.0), 0.1)


def test_full_steps_get_the_nominal_dt():
    """t_next - t wobbles in the last bits; the steppers' factorisation caches key on dt, so
    the loop passes the nominal dt and Crank–Nicolson factorises once for 300 steps."""
    import scipy.sparse as sp

    import pdesolve as ps

    L = sp.diags([1.0, -2.0, 1.0], [-1, 0, 1], shape=(30, 30), format="csr") * 100.0
    cn = ps.time.stepper("crank-nicolson", linear=L)
    seen = set()
    step = cn.step
    cn.step = lambda t, u, dt: (seen.add(dt), step(t, u, dt))[1]
    integrate(cn, np.ones(30), (0.0, 3.0), 0.01, t_eval=np.linspace(0.0, 3.0, 11))
    assert seen == {0.01} and cn.stats["factorizations"] == 1


def test_multistep_outputs_between_steps_warn():
    import warnings

    import pdesolve as ps

    sb = ps.time.stepper("sbdf2", linear=np.full(4, -1.0), nonlinear=lambda t, u: -(u**2))
    with pytest.warns(RuntimeWarning, match="not on the dt grid"):
        integrate(sb, np.ones(4), (0.0, 1.0), 0.003, t_eval=np.linspace(0.0, 1.0, 11))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        sb.reset()
        tr = integrate(sb, np.ones(4), (0.0, 1.0), 0.01, t_eval=np.linspace(0.0, 1.0, 11))
    assert sb.stats["restarts"] == 0 and tr.u.shape == (11, 4)
