# Conveniences around the two README commands (./demo.sh, ./test.sh).
.PHONY: demo test lint bench

demo:
	./demo.sh

test:
	./test.sh

lint: test
	.venv/bin/ruff check pdesolve tests benchmarks demos meshes

bench:
	./test.sh -q tests/test_benchmarks_smoke.py && .venv/bin/python benchmarks/fem_assembly.py
