"""Generate the sample meshes in this folder with gmsh (``pip install gmsh``).

Run from anywhere: ``python meshes/make_meshes.py``. The files are committed, so users and
tests need neither gmsh nor this script; it is kept to document (and re-create) them. It is not
part of the package.

============== =====================================================================
file           contents
============== =====================================================================
lshape.msh     L-shape (-1, 1)^2 minus [0, 1] x [-1, 0], triangles graded towards the
               re-entrant corner; facets ``boundary`` (all), ``reentrant`` (the two sides
               meeting at the origin); cells ``domain``
disk.msh       unit disk, triangles; facets ``boundary``; cells ``domain``
dfg_channel.msh DFG flow-around-cylinder benchmark 2D-1/2D-2 (Schaefer & Turek 1996):
               [0, 2.2] x [0, 0.41] minus the disk of radius 0.05 centred at (0.2, 0.2),
               triangles refined around the cylinder; facets ``inlet`` (x = 0),
               ``outlet`` (x = 2.2), ``walls`` (y = 0, 0.41), ``cylinder``; cells ``fluid``
box.msh        unit cube, tetrahedra; facets ``left``/``right`` (x = 0/1), ``front``/
               ``back`` (y = 0/1), ``bottom``/``top`` (z = 0/1); cells ``domain``
box.vtu        the same mesh as box.msh, in VTK's XML format (no tags)
============== =====================================================================

All ``.msh`` files are gmsh's ASCII format 4.1 with named physical groups.
"""

from __future__ import annotations

from pathlib import Path

import gmsh

HERE = Path(__file__).resolve().parent


def _start(name: str) -> None:
    gmsh.clear()
    gmsh.model.add(name)
    gmsh.option.setNumber("General.NumThreads", 1)
    gmsh.option.setNumber("Mesh.MshFileVersion", 4.1)
    gmsh.option.setNumber("Mesh.Binary", 0)
    gmsh.option.setNumber("Mesh.Algorithm", 6)  # Frontal-Delaunay (2D)
    gmsh.option.setNumber("Mesh.Algorithm3D", 1)  # Delaunay (3D)
    gmsh.option.setNumber("Mesh.RandomSeed", 1)


def _curves_where(predicate) -> list[int]:
    """Tags of the curves whose bounding box satisfies ``predicate(xmin, ymin, xmax, ymax)``."""
    out = []
    for _, tag in gmsh.model.getEntities(1):
        xmin, ymin, _, xmax, ymax, _ = gmsh.model.getBoundingBox(1, tag)
        if predicate(xmin, ymin, xmax, ymax):
            out.append(tag)
    return out


def _write(name: str) -> None:
    gmsh.write(str(HERE / name))
    print("wrote", HERE / name)


def lshape(h: float = 0.1, h_corner: float = 0.02) -> None:
    _start("lshape")
    occ = gmsh.model.occ
    corners = [(-1, -1), (0, -1), (0, 0), (1, 0), (1, 1), (-1, 1)]
    pts = [occ.addPoint(x, y, 0, h) for x, y in corners]
    lines = [occ.addLine(pts[i], pts[(i + 1) % len(pts)]) for i in range(len(pts))]
    surf = occ.addPlaneSurface([occ.addCurveLoop(lines)])
    occ.synchronize()
    gmsh.model.mesh.setSize([(0, pts[2])], h_corner)
    gmsh.model.addPhysicalGroup(1, lines, name="boundary")
    gmsh.model.addPhysicalGroup(1, [lines[1], lines[2]], name="reentrant")
    gmsh.model.addPhysicalGroup(2, [surf], name="domain")
    gmsh.model.mesh.generate(2)
    _write("lshape.msh")


def disk(h: float = 0.1) -> None:
    _start("disk")
    occ = gmsh.model.occ
    surf = occ.addDisk(0, 0, 0, 1, 1)
    occ.synchronize()
    gmsh.option.setNumber("Mesh.MeshSizeMax", h)
    gmsh.model.addPhysicalGroup(1, [t for _, t in gmsh.model.getEntities(1)], name="boundary")
    gmsh.model.addPhysicalGroup(2, [surf], name="domain")
    gmsh.model.mesh.generate(2)
    _write("disk.msh")


def dfg_channel(h: float = 0.03, h_cyl: float = 0.006) -> None:
    """The DFG benchmark channel, mesh size h_cyl on the cylinder growing to h downstream."""
    _start("dfg_channel")
    occ = gmsh.model.occ
    L, H, c, r = 2.2, 0.41, (0.2, 0.2), 0.05
    rect = occ.addRectangle(0, 0, 0, L, H)
    cyl = occ.addDisk(c[0], c[1], 0, r, r)
    (fluid,), _ = occ.cut([(2, rect)], [(2, cyl)])
    occ.synchronize()
    eps = 1e-6
    inlet = _curves_where(lambda x0, y0, x1, y1: abs(x0) < eps and abs(x1) < eps)
    outlet = _curves_where(lambda x0, y0, x1, y1: abs(x0 - L) < eps and abs(x1 - L) < eps)
    walls = _curves_where(
        lambda x0, y0, x1, y1: max(abs(y0), abs(y1)) < eps or max(abs(y0 - H), abs(y1 - H)) < eps
    )
    cylinder = _curves_where(lambda x0, y0, x1, y1: x0 > 0.1 and x1 < 0.3 and y0 > 0.1 and y1 < 0.3)
    assert len(inlet) == len(outlet) == 1 and len(walls) == 2 and len(cylinder) >= 1
    gmsh.model.addPhysicalGroup(1, inlet, name="inlet")
    gmsh.model.addPhysicalGroup(1, outlet, name="outlet")
    gmsh.model.addPhysicalGroup(1, walls, name="walls")
    gmsh.model.addPhysicalGroup(1, cylinder, name="cylinder")
    gmsh.model.addPhysicalGroup(2, [fluid[1]], name="fluid")
    # size field: h_cyl on the cylinder, growing linearly to h
    field = gmsh.model.mesh.field
    dist = field.add("Distance")
    field.setNumbers(dist, "CurvesList", cylinder)
    field.setNumber(dist, "Sampling", 200)
    thr = field.add("Threshold")
    field.setNumber(thr, "InField", dist)
    field.setNumber(thr, "SizeMin", h_cyl)
    field.setNumber(thr, "SizeMax", h)
    field.setNumber(thr, "DistMin", 0.01)
    field.setNumber(thr, "DistMax", 0.3)
    field.setAsBackgroundMesh(thr)
    gmsh.option.setNumber("Mesh.MeshSizeExtendFromBoundary", 0)
    gmsh.option.setNumber("Mesh.MeshSizeFromPoints", 0)
    gmsh.option.setNumber("Mesh.MeshSizeFromCurvature", 0)
    gmsh.model.mesh.generate(2)
    _write("dfg_channel.msh")


def box(h: float = 0.2) -> None:
    _start("box")
    occ = gmsh.model.occ
    vol = occ.addBox(0, 0, 0, 1, 1, 1)
    occ.synchronize()
    gmsh.option.setNumber("Mesh.MeshSizeMax", h)
    names = {}
    for _, tag in gmsh.model.getEntities(2):
        x, y, z = gmsh.model.occ.getCenterOfMass(2, tag)
        dist = {"left": x, "right": 1 - x, "front": y, "back": 1 - y, "bottom": z, "top": 1 - z}
        key = min(dist, key=lambda k: abs(dist[k]))
        names[key] = tag
    for name in ("left", "right", "front", "back", "bottom", "top"):
        gmsh.model.addPhysicalGroup(2, [names[name]], name=name)
    gmsh.model.addPhysicalGroup(3, [vol], name="domain")
    gmsh.model.mesh.generate(3)
    _write("box.msh")


def main() -> None:
    gmsh.initialize()
    gmsh.option.setNumber("General.Terminal", 0)
    try:
        lshape()
        disk()
        dfg_channel()
        box()
    finally:
        gmsh.finalize()
    # the VTU copy of the box goes through pdesolve itself (points, cells; VTU has no tags)
    import pdesolve.mesh as pm

    pm.write(pm.read(HERE / "box.msh"), HERE / "box.vtu")
    print("wrote", HERE / "box.vtu")


if __name__ == "__main__":
    main()
